/* The per-workload terminal view (`latency --by=cgroup`, src/cli/top.c) over
 * fixed snapshots: interval differences, both rankings, names, workloads
 * that appear, vanish or restart, and hostile paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "cli.h"

#define CID "3f2a9c1b7e4d5a6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

/* The slot whose bucket's upper bound is 2^k seconds. */
static size_t slot_pow2(int k)
{
	return (size_t)(k * (1 << HIST_SCHEMA) - HIST_FIRST_SECONDS + 1);
}

/* n events of about 2^k seconds each. */
static void hist_of(struct hist *h, int k, uint64_t n)
{
	memset(h, 0, sizeof(*h));
	h->slots[slot_pow2(k)] = n;
	h->sum = (uint64_t)(n * 1e9 * ldexp(1, k));
}

static void add(struct cli_top *t, uint64_t id, const char *path, int k, uint64_t n)
{
	struct workload_identity ident;
	struct hist h;

	workload_parse_path(path, &ident);
	hist_of(&h, k, n);
	assert_int_equal(cli_top_add(t, id, path, &ident, &h), 0);
}

/* Prints one interval into a string (the caller frees it). */
static char *print(struct cli_top *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(cli_top_print(t, out, 10), 0);
	fclose(out);
	return text;
}

/* The line of the n-th data row (from 0) after the header of "by WHAT:". */
static const char *row(const char *text, const char *by, int n)
{
	const char *p = strstr(text, by);

	assert_non_null(p);
	p = strchr(p, '\n') + 1;        /* the column header */
	for (int i = 0; i <= n; i++)
		p = strchr(p, '\n') + 1;
	return p;
}

static bool row_has(const char *text, const char *by, int n, const char *what)
{
	const char *r = row(text, by, n), *end = strchr(r, '\n');

	return strstr(r, what) && strstr(r, what) < end;
}

static void test_ranking(void **state)
{
	struct cli_top *t = cli_top_new("disk io latency");
	char *text;

	assert_non_null(t);
	/* Baseline: what happened before the first interval is not shown. */
	add(t, 11, "/system.slice/nginx.service", -10, 1000);
	add(t, 12, "/system.slice/docker-" CID ".scope", -4, 5);
	add(t, 13, "/user.slice/idle.scope", -10, 7);
	assert_int_equal(cli_top_print(t, NULL, 10), 0);

	/* nginx: 300 more at ~1 ms (two keys, say read and write, add up);
	 * the container: 10 more at ~62 ms; idle: nothing new; a new one. */
	add(t, 11, "/system.slice/nginx.service", -10, 1100);
	add(t, 11, "/system.slice/nginx.service", -10, 200);
	add(t, 12, "/system.slice/docker-" CID ".scope", -4, 15);
	add(t, 13, "/user.slice/idle.scope", -10, 7);
	add(t, 14, "/kubepods/besteffort/pod8b0a4cb4-4d4e-4b1a-9a63-0e1c5b1b7c1a", -7, 40);
	text = print(t);
	assert_non_null(strstr(text, "disk io latency by workload: 3 with events, 350 events"));
	/* By p99: the container (62 ms), the pod (7.8 ms), nginx (1 ms). */
	assert_true(row_has(text, "by p99:", 0, "/system.slice/docker-" CID ".scope"));
	assert_true(row_has(text, "by p99:", 0, "container  3f2a9c1b7e4d "));
	assert_true(row_has(text, "by p99:", 0, " 10 "));
	assert_true(row_has(text, "by p99:", 1, "pod 8b0a4cb4-4d4e-4b1a-9a63-0e1c5b1b7c1a"));
	assert_true(row_has(text, "by p99:", 2, "unit       nginx.service"));
	/* By events: nginx (300), the pod (40), the container (10). */
	assert_true(row_has(text, "by events:", 0, "nginx.service"));
	assert_true(row_has(text, "by events:", 0, " 300 "));
	assert_true(row_has(text, "by events:", 1, " 40 "));
	assert_true(row_has(text, "by events:", 2, "docker-"));
	assert_null(strstr(text, "idle.scope"));
	free(text);

	/* Next interval: only nginx is read (the others were settled): they
	 * leave the view; a reading that went down counts from zero. */
	add(t, 11, "/system.slice/nginx.service", -10, 20);
	text = print(t);
	assert_non_null(strstr(text, "1 with events, 20 events"));
	assert_null(strstr(text, "docker-"));
	free(text);
	text = print(t);
	assert_non_null(strstr(text, "disk io latency by workload: no events"));
	free(text);
	cli_top_free(t);
}

/* Both rankings show at most max_rows rows, the busiest / slowest first. */
static void test_rows_capped(void **state)
{
	struct cli_top *t = cli_top_new("run queue");
	char path[64], *text;
	int rows = 0;

	assert_int_equal(cli_top_print(t, NULL, 10), 0);
	for (int i = 1; i <= 25; i++) {
		snprintf(path, sizeof(path), "/w%02d", i);
		add(t, (uint64_t)i, path, -20 + i % 7, (uint64_t)i);
	}
	text = print(t);
	for (const char *p = strstr(text, "by p99:"); p && (p = strstr(p + 1, " /w"));)
		rows++;
	assert_int_equal(rows, 20);
	assert_true(row_has(text, "by events:", 0, "/w25"));
	free(text);
	cli_top_free(t);
}

/* A cgroup name may hold any byte but '/' and NUL: control bytes must not
 * reach the terminal; a 4 KiB path is printed whole. */
static void test_hostile_paths(void **state)
{
	struct cli_top *t = cli_top_new("run queue");
	char *big = malloc(4097), *text;

	assert_non_null(big);
	for (size_t i = 0; i < 4096; i++)
		big[i] = i % 64 == 0 ? '/' : "q\"\\\xc3\xa9"[i % 5];
	big[4096] = '\0';
	assert_int_equal(cli_top_print(t, NULL, 10), 0);
	add(t, 1, "/evil\n\x1b[2Jname\r", -10, 3);
	add(t, 2, big, -10, 2);
	text = print(t);
	assert_non_null(strstr(text, "/evil??[2Jname?"));
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\r'));
	assert_non_null(strstr(text, big + 1));
	free(text);
	free(big);
	cli_top_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_rows_capped),
		cmocka_unit_test(test_hostile_paths),
	};
	return cmocka_run_group_tests_name("cli_top", tests, NULL, NULL);
}
