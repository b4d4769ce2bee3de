/* JSONL sink and export reader: rotation, retention, crash leftovers, full
 * disks, and a reader that follows appends and rotations through damage. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fixture.h"
#include "buf.h"
#include "health.h"
#include "log.h"
#include "sink.h"
#include "source.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

static void make_dir(char *out, size_t sz)
{
	snprintf(out, sz, "/tmp/test_jsonl_sink.XXXXXX");
	assert_non_null(mkdtemp(out));
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Each test gets a fresh directory and two scratch buffers, which the
 * teardown frees and removes even when an assertion stops the test early. */
struct sink_test {
	char dir[64];
	struct buf a, b;
};

static int sink_setup(void **state)
{
	struct sink_test *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	make_dir(t->dir, sizeof(t->dir));
	buf_init(&t->a);
	buf_init(&t->b);
	*state = t;
	return 0;
}

static int sink_teardown(void **state)
{
	struct sink_test *t = *state;

	buf_free(&t->a);
	buf_free(&t->b);
	remove_dir(t->dir);
	free(t);
	return 0;
}

/* A line the parser accepts, padded to about `pad` bytes. */
static const char *mkline(struct buf *b, unsigned seq, size_t pad)
{
	buf_reset(b);
	buf_printf(b,
		   "{\"schema_version\":2,\"host\":\"h\",\"timestamp\":\"t\",\"unix_seconds\":%u,"
		   "\"seq\":%u,\"interval_seconds\":10,\"collectors\":{},\"metrics\":{},\"pad\":\"",
		   seq, seq);
	while (b->len + 3 < pad)
		buf_putc(b, 'x');
	buf_puts(b, "\"}\n");
	return buf_cstr(b);
}

static void write_line(struct jsonl_sink *k, unsigned seq, size_t pad, struct buf *all)
{
	struct buf b;

	buf_init(&b);
	mkline(&b, seq, pad);
	assert_int_equal(jsonl_sink_write(k, b.data, b.len), 0);
	if (all)
		buf_put(all, b.data, b.len);
	buf_free(&b);
}

/* Sorted names in dir ending in suffix; returns the count. */
static size_t names(const char *dir, const char *suffix, char out[][128], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), s = strlen(suffix);

		if (l >= s && l < 128 && strcmp(e->d_name + l - s, suffix) == 0 && n < max)
			memcpy(out[n++], e->d_name, l + 1);
	}
	closedir(d);
	qsort(out, n, 128, (int (*)(const void *, const void *))strcmp);
	return n;
}

static void append_file(const char *dir, const char *name, struct buf *b, int gz)
{
	char p[4096], tmp[65536];
	int n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (gz) {
		gzFile f = gzopen(p, "rb");

		assert_non_null(f);
		while ((n = gzread(f, tmp, sizeof(tmp))) > 0)
			buf_put(b, tmp, (size_t)n);
		assert_int_equal(n, 0);
		assert_int_equal(gzclose(f), Z_OK);
	} else {
		struct buf t;

		buf_init(&t);
		assert_int_equal(read_file(p, &t), 0);
		buf_put(b, t.data, t.len);
		buf_free(&t);
	}
}

/* Every rotated file gunzipped, oldest first, then the current file. */
static void all_content(const char *dir, struct buf *b)
{
	char gz[512][128];
	size_t n = names(dir, ".jsonl.gz", gz, 512);

	buf_reset(b);
	for (size_t i = 0; i < n; i++)
		append_file(dir, gz[i], b, 1);
	append_file(dir, JSONL_CURRENT_NAME, b, 0);
}

static void put_file(const char *dir, const char *name, const char *content, size_t len, int flags)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | flags, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static enum health_state health_of(const char *component)
{
	struct health_entry e[64];
	size_t n = health_list(e, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (strcmp(e[i].component, component) == 0)
			return e[i].state;
	fail_msg("no health entry %s", component);
	return HEALTH_FAILED;
}

static off_t file_size(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) ? -1 : st.st_size;
}

/* ---- writer ------------------------------------------------------------- */

static void test_rotation_by_size(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct buf *all = &t->a, *got = &t->b;
	char gz[512][128];
	uint64_t rot0 = self_counter_get(SELF_JSONL_ROTATIONS);
	uint64_t lines0 = self_counter_get(SELF_JSONL_LINES_WRITTEN);
	struct jsonl_sink *k;
	size_t n;

	assert_int_equal(jsonl_sink_open(dir, 4096, 100, true, &k), 0);
	for (unsigned i = 0; i < 100; i++)
		write_line(k, i, 150 + i % 7 * 40, all);
	n = names(dir, ".jsonl.gz", gz, 512);
	assert_true(n >= 5);
	assert_int_equal(self_counter_get(SELF_JSONL_ROTATIONS) - rot0, n);
	assert_int_equal(self_counter_get(SELF_JSONL_LINES_WRITTEN) - lines0, 100);
	/* Each rotated file holds whole lines and stayed under max_bytes. */
	for (size_t i = 0; i < n; i++) {
		buf_reset(got);
		append_file(dir, gz[i], got, 1);
		assert_true(got->len <= 4096 && got->len > 0);
		assert_int_equal(got->data[got->len - 1], '\n');
	}
	all_content(dir, got);
	assert_int_equal(got->len, all->len);
	assert_memory_equal(got->data, all->data, all->len);
	assert_int_equal(names(dir, ".rotating", gz, 512), 0);
	assert_int_equal(names(dir, ".tmp", gz, 512), 0);
	/* Not a line: rejected, nothing written. */
	assert_int_equal(jsonl_sink_write(k, "{}", 2), -EINVAL);
	assert_int_equal(jsonl_sink_write(k, "{}\n{}\n", 6), -EINVAL);
	jsonl_sink_free(k);
}

static void test_max_files_and_unique_names(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct buf *all = &t->a, *got = &t->b;
	char gz[512][128];
	struct jsonl_sink *k;

	/* Every line rotates: many rotations inside one second. */
	assert_int_equal(jsonl_sink_open(dir, 4096, 3, false, &k), 0);
	for (unsigned i = 0; i < 30; i++)
		write_line(k, i, 3000, all);
	assert_int_equal(names(dir, ".jsonl.gz", gz, 512), 3);
	/* The three kept are the newest: with the current file they are the
	 * last four lines, in order. */
	all_content(dir, got);
	assert_int_equal(got->len, 4 * (all->len / 30));
	assert_memory_equal(got->data, all->data + all->len - got->len, got->len);
	jsonl_sink_free(k);

	/* max_files 0 keeps none. */
	assert_int_equal(jsonl_sink_open(dir, 4096, 0, false, &k), 0);
	assert_int_equal(names(dir, ".jsonl.gz", gz, 512), 0);
	jsonl_sink_free(k);
}

static void test_rotate_at_start(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct buf *b = &t->a, *got = &t->b;
	char gz[8][128];
	struct jsonl_sink *k;
	size_t whole;

	/* An empty current file is simply reused. */
	put_file(dir, JSONL_CURRENT_NAME, "", 0, O_TRUNC);
	assert_int_equal(jsonl_sink_open(dir, 1 << 20, 10, false, &k), 0);
	jsonl_sink_free(k);
	assert_int_equal(names(dir, ".jsonl.gz", gz, 8), 0);

	/* A previous run's lines, the last one torn by a crash: the complete
	 * lines are rotated, the torn piece is cut so every line parses. */
	mkline(b, 1, 100);
	whole = b->len;
	buf_puts(b, "{\"schema_ver");
	put_file(dir, JSONL_CURRENT_NAME, b->data, b->len, O_TRUNC);
	assert_int_equal(jsonl_sink_open(dir, 1 << 20, 10, false, &k), 0);
	assert_int_equal(names(dir, ".jsonl.gz", gz, 8), 1);
	append_file(dir, gz[0], got, 1);
	assert_int_equal(got->len, whole);
	assert_memory_equal(got->data, b->data, whole);
	assert_int_equal(file_size(dir, JSONL_CURRENT_NAME), 0);
	write_line(k, 2, 100, NULL);
	jsonl_sink_free(k);
}

static void test_open_failure_is_reported(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	char bad[128];
	struct jsonl_sink *k = NULL;

	put_file(dir, "file", "x", 1, 0);
	snprintf(bad, sizeof(bad), "%s/file/out", dir);
	assert_int_equal(jsonl_sink_open(bad, 4096, 10, false, &k), -ENOTDIR);
	assert_null(k);
	assert_int_equal(health_of("jsonl_sink"), HEALTH_FAILED);
}

static void test_leftovers_recovered(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct buf *b = &t->a, *got = &t->b;
	char gz[8][128];
	struct jsonl_sink *k;

	mkline(b, 7, 200);
	/* Crash after the rename, before compression. */
	put_file(dir, "infra-monitor-20200101T000000.000000Z.jsonl.rotating", b->data, b->len, 0);
	/* Crash during compression of another file. */
	put_file(dir, "infra-monitor-20200101T000001.000000Z.jsonl.rotating", b->data, b->len, 0);
	put_file(dir, "infra-monitor-20200101T000001.000000Z.jsonl.gz.tmp", "\x1f\x8b junk", 7, 0);
	/* Crash after the .gz was complete, before the unlink: the .gz wins. */
	put_file(dir, "infra-monitor-20200101T000002.000000Z.jsonl.rotating", "stale\n", 6, 0);
	{
		gzFile f;
		char p[4096];

		snprintf(p, sizeof(p), "%s/infra-monitor-20200101T000002.000000Z.jsonl.gz", dir);
		f = gzopen(p, "wb");
		gzwrite(f, b->data, (unsigned)b->len);
		gzclose(f);
	}
	/* Someone else's files are left alone. */
	put_file(dir, "notes.txt.rotating", "x", 1, 0);

	assert_int_equal(jsonl_sink_open(dir, 1 << 20, 10, false, &k), 0);
	assert_int_equal(names(dir, ".jsonl.rotating", gz, 8), 0);
	assert_int_equal(names(dir, ".tmp", gz, 8), 0);
	assert_int_equal(names(dir, "notes.txt.rotating", gz, 8), 1);
	assert_int_equal(names(dir, ".jsonl.gz", gz, 8), 3);
	for (int i = 0; i < 3; i++) {
		buf_reset(got);
		append_file(dir, gz[i], got, 1);
		assert_int_equal(got->len, b->len);
		assert_memory_equal(got->data, b->data, b->len);
	}
	jsonl_sink_free(k);
}

/* Writes lines of `len` bytes until one fails; checks that the file then
 * holds only whole lines. Returns the error. */
static int fill_until_error(struct jsonl_sink *k, const char *dir, size_t len, unsigned *seq)
{
	struct buf b;
	int err = 0;

	buf_init(&b);
	for (; *seq < 100000 && !err; (*seq)++) {
		mkline(&b, *seq, len);
		err = jsonl_sink_write(k, b.data, b.len);
	}
	buf_reset(&b);
	append_file(dir, JSONL_CURRENT_NAME, &b, 0);
	assert_true(b.len > 0);
	assert_int_equal(b.len % len, 0);
	assert_int_equal(b.data[b.len - 1], '\n');
	buf_free(&b);
	return err;
}

static void test_write_failure_efbig_leaves_no_partial_line(void **state)
{
	struct rlimit old, lim;
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct jsonl_sink *k;
	uint64_t errs0 = self_counter_get(SELF_JSONL_WRITE_ERRORS);
	unsigned seq = 0;
	int err;

	assert_int_equal(jsonl_sink_open(dir, 1 << 30, 10, false, &k), 0);
	/* Past RLIMIT_FSIZE a write is cut short, then fails with EFBIG,
	 * instead of killing us, once SIGXFSZ is ignored: a deterministic
	 * stand-in for a full disk. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 10000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	err = fill_until_error(k, dir, 700, &seq);
	assert_true(err == -EFBIG || err == -ENOSPC);
	assert_int_equal(file_size(dir, JSONL_CURRENT_NAME), 14 * 700);
	/* Still failing: one more error, still no partial line. */
	err = fill_until_error(k, dir, 700, &seq);
	assert_int_equal(self_counter_get(SELF_JSONL_WRITE_ERRORS) - errs0, 2);
	assert_int_equal(health_of("jsonl_sink"), HEALTH_DEGRADED);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* Room again: writing resumes and health recovers. */
	write_line(k, seq, 700, NULL);
	assert_int_equal(health_of("jsonl_sink"), HEALTH_OK);
	assert_int_equal(file_size(dir, JSONL_CURRENT_NAME), 15 * 700);
	signal(SIGXFSZ, SIG_DFL);
	jsonl_sink_free(k);
}

static void test_write_failure_enospc_tmpfs(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	char filler[4096];
	struct jsonl_sink *k;
	unsigned seq = 0;
	int err;

	if (geteuid() != 0) {
		/* mount(2) needs CAP_SYS_ADMIN; the EFBIG test covers the
		 * same path without it. */
		print_message("skipped: not root, cannot mount a small tmpfs\n");
		skip();
	}
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k")) {
		print_message("skipped: mount tmpfs: %s\n", strerror(errno));
		skip();
	}
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	{
		char z[16384] = {0};

		put_file(dir, "filler", z, sizeof(z), 0);
	}
	assert_int_equal(jsonl_sink_open(dir, 1 << 30, 10, true, &k), 0);
	err = fill_until_error(k, dir, 3000, &seq);
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(health_of("jsonl_sink"), HEALTH_DEGRADED);
	/* Space returns: the next write goes through. */
	assert_int_equal(unlink(filler), 0);
	write_line(k, seq, 3000, NULL);
	assert_int_equal(health_of("jsonl_sink"), HEALTH_OK);
	assert_int_equal(file_size(dir, JSONL_CURRENT_NAME) % 3000, 0);
	jsonl_sink_free(k);
	umount2(dir, MNT_DETACH);
}

/* ---- reader ------------------------------------------------------------- */

static uint64_t poll_seq(struct jsonl_reader *r, int want)
{
	struct snapshot *s = NULL;
	int ret = jsonl_reader_poll(r, &s);
	uint64_t seq;

	if (want >= 0)
		assert_int_equal(ret, want);
	else
		assert_true(ret < 0);
	if (ret != 1) {
		assert_null(s);
		return 0;
	}
	assert_non_null(s);
	seq = s->seq;
	snapshot_put(s);
	return seq;
}

static void test_reader_follows_appends_rotation_and_damage(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct buf *b = &t->a;
	char sub[80];
	struct jsonl_sink *k;
	struct jsonl_reader *r;
	uint64_t errs0;

	snprintf(sub, sizeof(sub), "%s/out", dir);
	assert_int_equal(jsonl_reader_open(sub, &r), 0);
	poll_seq(r, 0); /* no directory yet: nothing, no error */
	assert_int_equal(jsonl_sink_open(sub, 8192, 10, false, &k), 0);
	poll_seq(r, 0); /* empty current file, no rotated files */

	write_line(k, 1, 200, NULL);
	assert_int_equal(poll_seq(r, 1), 1);
	poll_seq(r, 0);
	write_line(k, 2, 200, NULL);
	write_line(k, 3, 200, NULL);
	assert_int_equal(poll_seq(r, 1), 3); /* the newest only */

	/* A line being written: ignored until its newline arrives. */
	mkline(b, 4, 200);
	put_file(sub, JSONL_CURRENT_NAME, b->data, 50, O_APPEND);
	poll_seq(r, 0);
	put_file(sub, JSONL_CURRENT_NAME, b->data + 50, b->len - 50, O_APPEND);
	assert_int_equal(poll_seq(r, 1), 4);

	/* Junk: an error, counted once, and not retried. */
	errs0 = self_counter_get(SELF_EXPORT_READ_ERRORS);
	put_file(sub, JSONL_CURRENT_NAME, "\x00\xff\xfe junk {\"a\n", 13, O_APPEND);
	poll_seq(r, -1);
	assert_int_equal(self_counter_get(SELF_EXPORT_READ_ERRORS) - errs0, 1);
	assert_int_equal(health_of("jsonl_reader"), HEALTH_DEGRADED);
	poll_seq(r, 0);
	/* Empty lines are skipped over to the line before them. */
	write_line(k, 5, 200, NULL);
	put_file(sub, JSONL_CURRENT_NAME, "\n\n", 2, O_APPEND);
	assert_int_equal(poll_seq(r, 1), 5);
	assert_int_equal(health_of("jsonl_reader"), HEALTH_OK);

	/* A line over the limit is skipped without being loaded. */
	{
		size_t big = JSONL_MAX_LINE_BYTES + 100;
		char *x = malloc(big);

		assert_non_null(x);
		memset(x, 'x', big);
		x[big - 1] = '\n';
		put_file(sub, JSONL_CURRENT_NAME, x, big, O_APPEND);
		free(x);
	}
	assert_int_equal(poll_seq(r, -1), 0);
	poll_seq(r, 0);
	/* The file is far past max_bytes now: this line rotates it, and the
	 * reader follows the new inode. */
	write_line(k, 6, 200, NULL);
	assert_int_equal(file_size(sub, JSONL_CURRENT_NAME), 200);
	assert_int_equal(poll_seq(r, 1), 6);
	for (unsigned i = 7; i < 80; i++)
		write_line(k, i, 200, NULL);
	assert_int_equal(poll_seq(r, 1), 79);

	/* Just rotated, current file empty: the newest .gz holds the line
	 * already served, so nothing new. */
	jsonl_sink_free(k);
	assert_int_equal(jsonl_sink_open(sub, 8192, 10, false, &k), 0);
	poll_seq(r, 0);
	/* Current file replaced and shorter (truncated): read afresh. */
	write_line(k, 80, 200, NULL);
	write_line(k, 81, 200, NULL);
	assert_int_equal(poll_seq(r, 1), 81);
	assert_int_equal(truncate(jsonl_sink_path(k), 0), 0);
	write_line(k, 82, 200, NULL);
	assert_int_equal(poll_seq(r, 1), 82);
	jsonl_sink_free(k);
	jsonl_reader_free(r);

	/* A fresh reader with no current file falls back to the newest .gz. */
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/%s", sub, JSONL_CURRENT_NAME);
		unlink(p);
	}
	assert_int_equal(jsonl_reader_open(sub, &r), 0);
	assert_int_equal(poll_seq(r, 1), 79);
	poll_seq(r, 0);
	jsonl_reader_free(r);
	remove_dir(sub);
}

static void test_reader_damaged_gz(void **state)
{
	struct sink_test *t = *state;
	const char *dir = t->dir;
	struct buf *b = &t->a;
	struct jsonl_reader *r;

	put_file(dir, "infra-monitor-20200101T000000.000000Z.jsonl.gz", "\x1f\x8b\x08\x00junk", 8,
		 0);
	assert_int_equal(jsonl_reader_open(dir, &r), 0);
	poll_seq(r, -1);
	poll_seq(r, 0); /* unchanged: not read again */
	jsonl_reader_free(r);
	/* A truncated .gz still gives the lines before the damage. */
	{
		char p[4096];
		gzFile f;
		struct buf z;

		snprintf(p, sizeof(p), "%s/infra-monitor-20200101T000001.000000Z.jsonl.gz", dir);
		f = gzopen(p, "wb");
		for (unsigned i = 1; i <= 50; i++) {
			mkline(b, i, 3000);
			gzwrite(f, b->data, (unsigned)b->len);
		}
		gzclose(f);
		buf_init(&z);
		assert_int_equal(read_file(p, &z), 0);
		assert_int_equal(truncate(p, (off_t)z.len - 12), 0);
		buf_free(&z);
	}
	assert_int_equal(jsonl_reader_open(dir, &r), 0);
	assert_true(poll_seq(r, 1) >= 40);
	jsonl_reader_free(r);
}

#define SINK_TEST(f) cmocka_unit_test_setup_teardown(f, sink_setup, sink_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SINK_TEST(test_rotation_by_size),
	    SINK_TEST(test_max_files_and_unique_names),
	    SINK_TEST(test_rotate_at_start),
	    SINK_TEST(test_open_failure_is_reported),
	    SINK_TEST(test_leftovers_recovered),
	    SINK_TEST(test_write_failure_efbig_leaves_no_partial_line),
	    SINK_TEST(test_write_failure_enospc_tmpfs),
	    SINK_TEST(test_reader_follows_appends_rotation_and_damage),
	    SINK_TEST(test_reader_damaged_gz),
	};

	/* The sink and reader log warnings on purpose here; keep them quiet. */
	log_setup(LOG_ERROR, LOG_FORMAT_JSON);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
