/* collect_read(): procfs files are kept open and read afresh, other files are
 * opened each time, and a kept descriptor that fails gives way to a fresh
 * open; read_fd()'s READ_WHOLE_AT_ONCE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector.h"
#include "util.h"

/* rchar of /proc/self/io as text: the bytes this process has read, which
 * the read of the file itself increases. */
static unsigned long long rchar_of(const struct buf *b)
{
	const char *p = strstr(b->data, "rchar: ");

	assert_non_null(p);
	return strtoull(p + 7, NULL, 10);
}

/* The descriptors open in this process (a test holds a handful). */
static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void test_procfs_file_kept_and_fresh(void **state)
{
	struct collect_ctx ctx = { .procfs = "/proc" };
	struct buf b;
	unsigned long long first;
	int before = open_fds();

	(void)state;
	buf_init(&b);
	assert_int_equal(collect_read(&ctx, ctx.procfs, "self/io", &b), 0);
	first = rchar_of(&b);
	assert_int_equal(ctx.nkept, 1);
	assert_int_equal(open_fds(), before + 1);

	/* The second read goes through the kept descriptor (no new one) and
	 * sees the bytes the first read added. */
	assert_int_equal(collect_read(&ctx, ctx.procfs, "self/io", &b), 0);
	assert_true(rchar_of(&b) > first);
	assert_int_equal(ctx.nkept, 1);
	assert_int_equal(open_fds(), before + 1);

	/* The sweep after a collection keeps what it read, and closes what
	 * the next one did not read (a device that went away). */
	collect_ctx_sweep(&ctx);
	assert_int_equal(ctx.nkept, 1);
	collect_ctx_sweep(&ctx);
	assert_int_equal(ctx.nkept, 0);
	assert_int_equal(open_fds(), before);

	assert_int_equal(collect_read(&ctx, ctx.procfs, "self/io", &b), 0);
	assert_int_equal(open_fds(), before + 1);
	collect_ctx_release(&ctx);
	assert_int_equal(ctx.nkept, 0);
	assert_int_equal(open_fds(), before);
	buf_free(&b);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* A file replaced by rename, as an editor or a package upgrade replaces
 * /etc/os-release: a kept descriptor would read the old one. */
static void test_regular_file_opened_each_time(void **state)
{
	char dir[] = "/tmp/test-collect-read-XXXXXX", path[128], tmp[128];
	struct collect_ctx ctx = { 0 };
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/value", dir);
	snprintf(tmp, sizeof(tmp), "%s/value.new", dir);
	write_text(path, "old\n");
	assert_int_equal(collect_read(&ctx, dir, "value", &b), 0);
	assert_string_equal(b.data, "old\n");
	assert_int_equal(ctx.nkept, 0);

	write_text(tmp, "new\n");
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(collect_read(&ctx, dir, "value", &b), 0);
	assert_string_equal(b.data, "new\n");

	/* With no ctx nothing is kept, whatever the filesystem. */
	assert_int_equal(collect_read(NULL, "/proc", "self/io", &b), 0);
	assert_int_equal(collect_read(&ctx, dir, "missing", &b), -ENOENT);
	assert_int_equal(ctx.nkept, 0);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	collect_ctx_release(&ctx);
	buf_free(&b);
}

/* A kept descriptor of a process that has gone fails; the read is tried
 * again on a fresh open, whose answer (no such file) is the one returned,
 * and the dead descriptor is closed. */
static void test_failed_kept_read_reopens(void **state)
{
	struct collect_ctx ctx = { .procfs = "/proc" };
	char rel[32];
	struct buf b;
	int before = open_fds();
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	buf_init(&b);
	snprintf(rel, sizeof(rel), "%d/stat", (int)child);
	assert_int_equal(collect_read(&ctx, ctx.procfs, rel, &b), 0);
	assert_int_equal(ctx.nkept, 1);

	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(collect_read(&ctx, ctx.procfs, rel, &b), -ENOENT);
	assert_int_equal(ctx.nkept, 0);
	assert_int_equal(open_fds(), before);
	collect_ctx_release(&ctx);
	buf_free(&b);
}

/* A sysctl stays open too, and each read through it is whole and fresh:
 * random/uuid answers a new one every time. */
static void test_sysctl_kept_and_fresh(void **state)
{
	struct collect_ctx ctx = { .procfs = "/proc" };
	struct buf b;
	char first[64];

	(void)state;
	buf_init(&b);
	assert_int_equal(collect_read(&ctx, ctx.procfs, "sys/kernel/random/uuid", &b), 0);
	assert_int_equal(b.len, 37);
	snprintf(first, sizeof(first), "%s", b.data);
	assert_int_equal(collect_read(&ctx, ctx.procfs, "sys/kernel/random/uuid", &b), 0);
	assert_int_equal(ctx.nkept, 1);
	assert_int_equal(b.len, 37);
	assert_string_not_equal(b.data, first);
	collect_ctx_release(&ctx);
	buf_free(&b);
}

/* READ_WHOLE_AT_ONCE: a short read is the end (a second read of the pipe,
 * whose writer is still there, would fail with EAGAIN), and full reads go
 * on to the rest. */
static void test_read_whole_at_once(void **state)
{
	char path[] = "/tmp/test_collect_read.XXXXXX";
	static char big[10000];
	struct buf b;
	int p[2], fd;

	(void)state;
	buf_init(&b);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(write(p[1], "42\n", 3), 3);
	assert_int_equal(read_fd(p[0], READ_WHOLE_AT_ONCE, &b), 0);
	assert_string_equal(b.data, "42\n");
	close(p[0]);
	close(p[1]);

	memset(big, 'x', sizeof(big));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(read_fd(fd, READ_FROM_START | READ_WHOLE_AT_ONCE, &b), 0);
	assert_int_equal(b.len, sizeof(big));
	close(fd);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfs_file_kept_and_fresh),
		cmocka_unit_test(test_regular_file_opened_each_time),
		cmocka_unit_test(test_failed_kept_read_reopens),
		cmocka_unit_test(test_sysctl_kept_and_fresh),
		cmocka_unit_test(test_read_whole_at_once),
	};
	return cmocka_run_group_tests_name("collect_read", tests, NULL, NULL);
}
