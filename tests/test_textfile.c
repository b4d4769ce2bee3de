/* The textfile collector: node_exporter's semantics over *.prom files written
 * into a scratch directory per test, and its parser row by row. */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "collect_assert.h"
#include "config.h"
#include "render.h"
#include "util.h"

static char dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	struct statvfs shm;
	/* tmpfs when there is one with room for the 64 MiB files (a container's
	 * /dev/shm is 64 MiB by default), so they need not touch a disk. */
	bool use_shm = access("/dev/shm", W_OK) == 0 && statvfs("/dev/shm", &shm) == 0 &&
		       (unsigned long long)shm.f_bavail * shm.f_frsize >= 256ULL << 20;

	snprintf(dir, sizeof(dir), "%s/im-textfile-XXXXXX", use_shm ? "/dev/shm" : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Writes dir/name with text and the given mtime (seconds). */
static void put_file(const char *name, const char *text, time_t mtime)
{
	char path[128];
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Runs the collector on a directory with extra flags; returns the set and
 * leaves /health's detail in detail. */
static struct metric_set *collect_dir(const char *where, const char *extra, char *detail,
				      bool (*taken)(const struct collect_ctx *, const char *))
{
	char flag[128];
	char *argv[4] = { "infra-monitor", flag, (char *)extra, NULL };
	struct config cfg;
	struct collect_ctx ctx = { .procfs = "/proc", .sysfs = "/sys", .rootfs = "/" };
	struct metric_set *ms = ms_new();

	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", where);
	assert_int_equal(config_load(&cfg, extra ? 3 : 2, argv), 0);
	ctx.cfg = &cfg;
	ctx.family_taken = taken;
	assert_int_equal(collector_textfile.collect(&ctx, ms), 0);
	if (detail)
		snprintf(detail, 256, "%s", ctx.detail);
	config_free(&cfg);
	return ms;
}

static double scrape_error(const struct metric_set *ms)
{
	const struct sample *s = fixture_find(ms, "node_textfile_scrape_error", NULL);

	assert_non_null(s);
	return s->value;
}

/* The set as /metrics shows it, for the families named (NULL-terminated). */
static char *render(const struct metric_set *ms, const char *const *names)
{
	const struct family *fams[16];
	struct buf b;
	size_t n = 0;

	buf_init(&b);
	for (; *names; names++) {
		fams[n] = ms_find(ms, *names);
		if (!fams[n])
			fail_msg("no family %s", *names);
		n++;
	}
	render_prom(&b, fams, n);
	buf_cstr(&b);
	return b.data;
}

static void test_merge_across_files(void **state)
{
	char path[128], help[256];
	struct metric_set *ms;

	put_file("a.prom", "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\n"
			   "jobs_total{job=\"backup\"} 12\nplain 1\n",
		 1700000000);
	put_file("b.prom", "# TYPE jobs_total counter\njobs_total{job=\"rotate\"} 3\n"
			   "plain{x=\"y\"} 2\n",
		 1700000100);
	put_file("notes.txt", "not a prom file\n", 1700000000);
	ms = collect_dir(dir, NULL, NULL, NULL);
	assert_family(ms, "jobs_total", METRIC_COUNTER, "Jobs run.", 2);
	assert_sample(ms, 12, "jobs_total", "job", "backup");
	assert_sample(ms, 3, "jobs_total", "job", "rotate");
	snprintf(help, sizeof(help), "Metric read from %s/a.prom, %s/b.prom", dir, dir);
	assert_family(ms, "plain", METRIC_UNTYPED, help, 2);
	snprintf(path, sizeof(path), "%s/a.prom", dir);
	assert_sample(ms, 1700000000, "node_textfile_mtime_seconds", "file", path);
	snprintf(path, sizeof(path), "%s/b.prom", dir);
	assert_sample(ms, 1700000100, "node_textfile_mtime_seconds", "file", path);
	assert_int_equal(ca_nsamples(ms, "node_textfile_mtime_seconds"), 2);
	assert_true(scrape_error(ms) == 0);
	ms_free(ms);
}

/* node_exporter keeps the first HELP and drops a later family that differs. */
static void test_help_conflict(void **state)
{
	char detail[256];
	struct metric_set *ms;

	put_file("a.prom", "# HELP temp_celsius Room temperature.\ntemp_celsius{room=\"a\"} 21\n",
		 1700000000);
	put_file("b.prom", "# HELP temp_celsius Temperature.\ntemp_celsius{room=\"b\"} 19\n",
		 1700000000);
	ms = collect_dir(dir, NULL, detail, NULL);
	assert_family(ms, "temp_celsius", METRIC_UNTYPED, "Room temperature.", 1);
	assert_sample(ms, 21, "temp_celsius", "room", "a");
	assert_true(scrape_error(ms) == 1);
	assert_non_null(strstr(detail, "b.prom: metric temp_celsius has inconsistent HELP"));
	ms_free(ms);
}

/* A client-side timestamp skips the whole file, the others still count. */
static void test_timestamp_refused(void **state)
{
	char detail[256], path[128];
	struct metric_set *ms;

	put_file("a.prom", "good 1\nstamped 2 1700000000000\n", 1700000000);
	put_file("b.prom", "other 3\n", 1700000000);
	ms = collect_dir(dir, NULL, detail, NULL);
	assert_null(ms_find(ms, "good"));
	assert_null(ms_find(ms, "stamped"));
	assert_sample(ms, 3, "other");
	snprintf(path, sizeof(path), "%s/a.prom", dir);
	assert_no_sample(ms, "node_textfile_mtime_seconds", "file", path);
	assert_true(scrape_error(ms) == 1);
	assert_non_null(strstr(detail, "line 2: client-side timestamps are not supported"));
	ms_free(ms);
}

static void test_empty_and_missing_dir(void **state)
{
	char detail[256], missing[128];
	struct metric_set *ms = collect_dir(dir, NULL, detail, NULL);

	assert_int_equal(ms_nfamilies(ms), 2);
	assert_int_equal(ca_nsamples(ms, "node_textfile_mtime_seconds"), 0);
	assert_true(scrape_error(ms) == 0);
	assert_string_equal(detail, "");
	ms_free(ms);
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	ms = collect_dir(missing, NULL, detail, NULL);
	assert_true(scrape_error(ms) == 1);
	assert_non_null(strstr(detail, "nope: cannot list directory: No such file or directory"));
	ms_free(ms);
}

static void test_histogram_and_summary(void **state)
{
	static const char *const names[] = { "backup_seconds", NULL };
	struct metric_set *ms;
	char *text;

	put_file("h.prom",
		 "# HELP backup_seconds Backup run time.\n# TYPE backup_seconds histogram\n"
		 "backup_seconds_bucket{host=\"a\",le=\"10\"} 1\n"
		 "backup_seconds_bucket{host=\"a\",le=\"1\"} 0\n"
		 "backup_seconds_bucket{host=\"a\",le=\"+Inf\"} 3\n"
		 "backup_seconds_sum{host=\"a\"} 95.5\nbackup_seconds_count{host=\"a\"} 3\n"
		 "# TYPE rpc_seconds summary\n"
		 "rpc_seconds{quantile=\"0.5\"} 0.25\nrpc_seconds{quantile=\"0.99\"} 1.5\n"
		 "rpc_seconds_sum 12\nrpc_seconds_count 40\n",
		 1700000000);
	ms = collect_dir(dir, NULL, NULL, NULL);
	text = render(ms, names);
	assert_string_equal(text, "# HELP backup_seconds Backup run time.\n"
				  "# TYPE backup_seconds histogram\n"
				  "backup_seconds_bucket{host=\"a\",le=\"1\"} 0\n"
				  "backup_seconds_bucket{host=\"a\",le=\"10\"} 1\n"
				  "backup_seconds_bucket{host=\"a\",le=\"+Inf\"} 3\n"
				  "backup_seconds_sum{host=\"a\"} 95.5\n"
				  "backup_seconds_count{host=\"a\"} 3\n");
	free(text);
	ms_free(ms);
	put_file("h.prom",
		 "# TYPE rpc_seconds summary\n"
		 "rpc_seconds{quantile=\"0.5\"} 0.25\nrpc_seconds{quantile=\"0.99\"} 1.5\n"
		 "rpc_seconds_sum 12\nrpc_seconds_count 40\n"
		 "# TYPE lat histogram\nlat_bucket{le=\"0.5\"} 4\nlat_sum 1\nlat_count 4\n",
		 1700000000);
	ms = collect_dir(dir, NULL, NULL, NULL);
	text = render(ms, (const char *const[]){ "lat", "rpc_seconds", NULL });
	/* A histogram without +Inf gets one equal to _count, as client_golang
	 * renders it. */
	assert_non_null(strstr(text, "h.prom\n# TYPE lat histogram"));
	assert_non_null(strstr(text, "# HELP lat Metric read from "));
	assert_non_null(strstr(text, "# TYPE lat histogram\nlat_bucket{le=\"0.5\"} 4\n"
				     "lat_bucket{le=\"+Inf\"} 4\nlat_sum 1\nlat_count 4\n"));
	assert_non_null(strstr(text, "# TYPE rpc_seconds summary\n"
				     "rpc_seconds{quantile=\"0.5\"} 0.25\n"
				     "rpc_seconds{quantile=\"0.99\"} 1.5\n"
				     "rpc_seconds_sum 12\nrpc_seconds_count 40\n"));
	assert_true(scrape_error(ms) == 0);
	free(text);
	ms_free(ms);
}

static bool taken_load1(const struct collect_ctx *ctx, const char *name)
{
	(void)ctx;
	return !strcmp(name, "node_load1");
}

/* A family another collector exports, or one of the runner's, is refused. */
static void test_builtin_names_refused(void **state)
{
	char detail[256];
	struct metric_set *ms;

	put_file("a.prom", "node_load1 99\nnode_textfile_scrape_error 0\n"
			   "infra_monitor_collector_success 1\nmine 5\n",
		 1700000000);
	ms = collect_dir(dir, NULL, detail, taken_load1);
	assert_null(ms_find(ms, "node_load1"));
	assert_null(ms_find(ms, "infra_monitor_collector_success"));
	assert_int_equal(ca_nsamples(ms, "node_textfile_scrape_error"), 1);
	assert_sample(ms, 5, "mine");
	assert_true(scrape_error(ms) == 1);
	assert_non_null(strstr(detail, "metric node_load1 is already exported by infra-monitor"));
	assert_non_null(strstr(detail, "(and 2 more)"));
	ms_free(ms);
}

/* Over 64 MiB with the default cap of 16 MiB: refused by its size, without
 * reading it; the small file beside it still counts. */
static void test_64mib_file(void **state)
{
	char path[128], detail[256];
	struct metric_set *ms;
	int fd;

	snprintf(path, sizeof(path), "%s/big.prom", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	close(fd);
	put_file("small.prom", "small 1\n", 1700000000);
	ms = collect_dir(dir, NULL, detail, NULL);
	assert_sample(ms, 1, "small");
	assert_true(scrape_error(ms) == 1);
	assert_non_null(strstr(detail, "big.prom: 67108864 bytes, over "
				       "--collector.textfile.max-file-bytes=16777216"));
	ms_free(ms);
	unlink(path);
}

/* A 64 MiB file under a raised cap is read whole; the series cap then stops
 * it, with the error, and a smaller cap stops a small file the same way. */
static void test_caps(void **state)
{
	char path[128], detail[256], line[64];
	struct metric_set *ms;
	FILE *f;
	size_t written = 0;

	snprintf(path, sizeof(path), "%s/big.prom", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; written < (64u << 20); i++)
		written += (size_t)fprintf(f, "big_series{n=\"%zu\"} %zu\n", i, i);
	assert_int_equal(fclose(f), 0);
	ms = collect_dir(dir, "--collector.textfile.max-file-bytes=134217728", detail, NULL);
	assert_null(ms_find(ms, "big_series"));
	assert_true(scrape_error(ms) == 1);
	assert_non_null(strstr(detail, "over --collector.textfile.max-series=100000"));
	ms_free(ms);
	unlink(path);
	put_file("a.prom", "one 1\ntwo 2\n", 1700000000);
	put_file("b.prom", "three{a=\"1\"} 3\nthree{a=\"2\"} 3\n", 1700000000);
	ms = collect_dir(dir, "--collector.textfile.max-series=3", detail, NULL);
	assert_sample(ms, 1, "one");
	assert_sample(ms, 2, "two");
	assert_null(ms_find(ms, "three"));
	assert_true(scrape_error(ms) == 1);
	snprintf(line, sizeof(line), "max-series=3");
	assert_non_null(strstr(detail, line));
	ms_free(ms);
}

/* A writer rewriting the file in place (not write-then-rename) while we read:
 * every collection either skips the file with the error or exports what the
 * file held at one instant (a version, or the part of one written so far),
 * never a mix of two versions. */
static atomic_bool stop_writer;

static void *rewriter(void *arg)
{
	const char *path = arg;
	struct buf v[2];

	for (int k = 0; k < 2; k++) {
		buf_init(&v[k]);
		for (int i = 0; i < (k ? 3000 : 6000); i++)
			buf_printf(&v[k], "flip{i=\"%d\"} %d\n", i, k + 1);
	}
	for (int k = 0; !atomic_load(&stop_writer); k ^= 1) {
		int fd = open(path, O_WRONLY | O_TRUNC);

		if (fd < 0)
			break;
		/* Two halves, so a reader can land between them. */
		if (write(fd, v[k].data, v[k].len / 2) < 0 ||
		    write(fd, v[k].data + v[k].len / 2, v[k].len - v[k].len / 2) < 0) {
			close(fd);
			break;
		}
		close(fd);
		/* Quiet spells, so some reads see a finished version. */
		usleep(3000);
	}
	buf_free(&v[0]);
	buf_free(&v[1]);
	return NULL;
}

static void test_rewritten_during_read(void **state)
{
	char path[128];
	pthread_t t;
	int whole = 0, skipped = 0, reads = 0;

	put_file("flip.prom", "", 1700000000);
	snprintf(path, sizeof(path), "%s/flip.prom", dir);
	atomic_store(&stop_writer, false);
	assert_int_equal(pthread_create(&t, NULL, rewriter, path), 0);
	/* 150 reads, and more on a machine so loaded that none saw a quiet
	 * spell yet. */
	for (; reads < 150 || (!whole && reads < 3000); reads++) {
		usleep(1000);
		struct metric_set *ms = collect_dir(dir, NULL, NULL, NULL);
		const struct family *f = ms_find(ms, "flip");

		if (!f || !f->nsamples) {
			/* Skipped with the error, or caught empty after O_TRUNC. */
			skipped++;
		} else {
			double v = f->samples[0].value;
			char want[24];

			/* Version 1 has 6000 series of 1, version 2 3000 of 2, in
			 * order: a read is one version's first n lines. */
			assert_true(v == 1 || v == 2);
			assert_true(f->nsamples <= (v == 1 ? 6000u : 3000u));
			for (size_t j = 0; j < f->nsamples; j++) {
				snprintf(want, sizeof(want), "%zu", j);
				assert_true(f->samples[j].value == v);
				assert_string_equal(sample_label(&f->samples[j], "i"), want);
			}
			whole += f->nsamples == (v == 1 ? 6000u : 3000u);
		}
		ms_free(ms);
	}
	atomic_store(&stop_writer, true);
	pthread_join(t, NULL);
	printf("rewritten file: %d reads, %d of a whole version, %d skipped or empty\n", reads,
	       whole, skipped);
	/* The accepting path ran too, not only the refusing one. */
	assert_true(whole > 0);
}

/* The parser row by row: what it accepts and where it says a line fails. */
static void test_parse_rows(void **state)
{
	static const struct {
		const char *text, *err;         /* err: NULL when it must parse */
		size_t nseries;
	} rows[] = {
		{ "a 1\n", NULL, 1 },
		{ "a{} 1\n", NULL, 1 },
		{ "a{b=\"x\",} 1\n", NULL, 1 },
		{ "  a { b = \"x\" } 1\n", "line 1: invalid label set", 0 },
		{ "a{b=\"q\\\"uote\\\\\\n\"} NaN\n", NULL, 1 },
		{ "a +Inf\nb -Inf\n\n# just a comment\n", NULL, 2 },
		{ "# HELP a x\n# HELP a y\na 1\n", "line 2: second HELP line", 0 },
		{ "a 1\n# TYPE a gauge\n", "line 2: TYPE after the metric's samples", 0 },
		{ "# TYPE a gauge\n# TYPE a counter\n", "line 2: second TYPE line", 0 },
		{ "# TYPE a meter\n", "line 1: unknown metric type", 0 },
		{ "a one\n", "line 1: invalid value", 0 },
		{ "a\n", "line 1: invalid value", 0 },
		{ "1a 1\n", "line 1: invalid metric name", 0 },
		{ "a{b=\"x} 1\n", "line 1: invalid label set", 0 },
		{ "a{__name__x=\"1\"} 1\n", "line 1: invalid label name", 0 },
		{ "a 1 2\n", "line 1: client-side timestamps", 0 },
		{ "# TYPE h histogram\nh_bucket 1\n", "line 2: bucket without a valid le", 0 },
		{ "# TYPE h histogram\nh 1\n", "line 2: sample name does not fit", 0 },
		{ "# TYPE s summary\ns_bucket{le=\"1\"} 1\n", "line 2: sample name does not fit", 0 },
		{ "# TYPE s summary\ns{quantile=\"x\"} 1\n", "line 2: summary line without", 0 },
		{ "# TYPE h histogram\nh_bucket{le=\"1\",a=\"x\"} 1\nh_bucket{a=\"y\",le=\"1\"} 2\n"
		  "h_count{a=\"x\"} 1\n",
		  NULL, 2 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct metric_set *ms = ms_new();
		char err[256];
		size_t n = 0;
		int rc = textfile_parse(ms, rows[i].text, strlen(rows[i].text), &n, err,
					sizeof(err));

		if (!rows[i].err && rc)
			fail_msg("row %zu: %s", i, err);
		if (rows[i].err && (!rc || !strstr(err, rows[i].err)))
			fail_msg("row %zu: want \"%s\", got %d \"%s\"", i, rows[i].err, rc, err);
		if (!rc)
			assert_int_equal(n, rows[i].nseries);
		ms_free(ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_across_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timestamp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_and_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_names_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_64mib_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_during_read, setup, teardown),
		cmocka_unit_test(test_parse_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
