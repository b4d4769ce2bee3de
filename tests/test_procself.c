/* procself: the /proc/<pid>/stat and /proc/stat parsers on captured text
 * (command names with spaces and ')' included), the live read, and the
 * rendered names and types. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"

#include "procself.h"
#include "render.h"
#include "util.h"

#define DIR_ FIXTURES "/procself/"
#define TICKS 100
#define PAGE 4096

static void read_fixture(const char *name, struct buf *b)
{
	assert_int_equal(read_file(name, b), 0);
}

static void test_parse_stat_odd_comm(void **state)
{
	struct procself ps = { 0 };
	struct buf b;

	buf_init(&b);
	/* comm is "my ) (proc) x": the last ')' ends it. */
	read_fixture(DIR_ "stat-odd-comm", &b);
	assert_int_equal(procself_parse_stat(b.data, TICKS, PAGE, 1795670382, &ps), 0);
	assert_float_equal(ps.cpu_seconds_total, 3.25, 1e-12);      /* (250 + 75) / 100 */
	assert_float_equal(ps.threads, 7, 0);
	assert_float_equal(ps.start_time_seconds, 1795670382 + 1234.56, 1e-6);
	assert_float_equal(ps.virtual_memory_bytes, 104857600, 0);
	assert_float_equal(ps.resident_memory_bytes, 2560.0 * PAGE, 0);
	buf_free(&b);
}

static void test_parse_stat_plain(void **state)
{
	struct procself ps = { 0 };
	struct buf b;

	buf_init(&b);
	read_fixture(DIR_ "stat-plain", &b);
	assert_int_equal(procself_parse_stat(b.data, TICKS, PAGE, 1000, &ps), 0);
	assert_float_equal(ps.cpu_seconds_total, 3.44, 1e-12);
	assert_float_equal(ps.threads, 1, 0);
	assert_float_equal(ps.start_time_seconds, 1000.27, 1e-9);
	assert_float_equal(ps.virtual_memory_bytes, 171450368, 0);
	assert_float_equal(ps.resident_memory_bytes, 3282.0 * PAGE, 0);
	buf_free(&b);
}

static void test_parse_stat_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"4242 no parens S 1",
		"4242 )backwards( S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
	};
	struct procself ps = { 0 };
	struct buf b;

	buf_init(&b);
	read_fixture(DIR_ "stat-truncated", &b);
	assert_int_equal(procself_parse_stat(b.data, TICKS, PAGE, 0, &ps), -EINVAL);
	read_fixture(DIR_ "stat-garbled", &b);
	assert_int_equal(procself_parse_stat(b.data, TICKS, PAGE, 0, &ps), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(procself_parse_stat(bad[i], TICKS, PAGE, 0, &ps), -EINVAL);
	read_fixture(DIR_ "stat-plain", &b);
	assert_int_equal(procself_parse_stat(b.data, 0, PAGE, 0, &ps), -EINVAL);
	buf_free(&b);
}

static void test_parse_btime(void **state)
{
	struct buf b;
	double bt = 0;

	buf_init(&b);
	read_fixture(DIR_ "proc-stat", &b);
	assert_int_equal(procself_parse_btime(b.data, &bt), 0);
	assert_float_equal(bt, 1795670382, 0);
	assert_int_equal(procself_parse_btime("cpu 1 2\nctxt 5\n", &bt), -EINVAL);
	assert_int_equal(procself_parse_btime("btime x\n", &bt), -EINVAL);
	assert_int_equal(procself_parse_btime("xbtime 5\n", &bt), -EINVAL);
	assert_int_equal(procself_parse_btime("btime 5", &bt), 0);
	assert_float_equal(bt, 5, 0);
	buf_free(&b);
}

static double readdir_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	double n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_read_live(void **state)
{
	struct procself a, b;
	int fd;

	assert_int_equal(procself_read(&a), 0);
	assert_true(a.resident_memory_bytes > 0);
	assert_true(a.virtual_memory_bytes >= a.resident_memory_bytes);
	assert_true(a.threads >= 1);
	assert_true(a.max_fds >= 3);
	assert_true(a.start_time_seconds > 1e9 && a.start_time_seconds <= now_realtime());
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(procself_read(&b), 0);
	assert_float_equal(b.open_fds, a.open_fds + 1, 0);
	/* As client_golang counts: every entry of /proc/self/fd while it is
	 * read, its own descriptor included. */
	assert_float_equal(b.open_fds, readdir_count_fds(), 0);
	assert_float_equal(b.start_time_seconds, a.start_time_seconds, 0);
	close(fd);
}

static void test_render(void **state)
{
	struct procself ps = { .cpu_seconds_total = 1.5, .resident_memory_bytes = 4096,
			       .virtual_memory_bytes = 8192, .virtual_memory_max_bytes = NAN,
			       .open_fds = 5, .max_fds = 1024, .start_time_seconds = 1700000000.25,
			       .threads = 3 };
	struct metric_set *ms = ms_new();
	const struct family *fams[16];
	size_t n;
	struct buf b;

	buf_init(&b);
	procself_fill(ms, &ps);
	n = ms_nfamilies(ms);
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		fams[i] = ms_family_at(ms, i);
	render_prom(&b, fams, n);
	ms_free(ms);
	buf_cstr(&b);
	assert_non_null(strstr(b.data, "# HELP process_cpu_seconds_total Total user and system CPU "
				       "time spent in seconds.\n# TYPE process_cpu_seconds_total "
				       "counter\nprocess_cpu_seconds_total 1.5\n"));
	assert_non_null(strstr(b.data, "# TYPE process_resident_memory_bytes gauge\n"
				       "process_resident_memory_bytes 4096\n"));
	assert_non_null(strstr(b.data, "\nprocess_virtual_memory_bytes 8192\n"));
	assert_non_null(strstr(b.data, "\nprocess_open_fds 5\n"));
	assert_non_null(strstr(b.data, "\nprocess_max_fds 1024\n"));
	assert_non_null(strstr(b.data, "\nprocess_start_time_seconds 1700000000.25\n"));
	assert_non_null(strstr(b.data, "# TYPE infra_monitor_process_threads gauge\n"
				       "infra_monitor_process_threads 3\n"));
	/* Unknown values are left out, HELP and TYPE included. */
	assert_null(strstr(b.data, "process_virtual_memory_max_bytes"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat_odd_comm),
		cmocka_unit_test(test_parse_stat_plain),
		cmocka_unit_test(test_parse_stat_bad),
		cmocka_unit_test(test_parse_btime),
		cmocka_unit_test(test_read_live),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests_name("procself", tests, NULL, NULL);
}
