#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fixture.h"
#include "util.h"

static void test_durations(void **state)
{
	static const struct {
		const char *in;
		int err;
		uint64_t ms;
	} cases[] = {
		{ "15s", 0, 15000 },   { "10ms", 0, 10 },     { "1m", 0, 60000 },
		{ "1m30s", 0, 90000 }, { "2h", 0, 7200000 },  { "1d", 0, 86400000 },
		{ "0", 0, 0 },         { "", -EINVAL, 0 },    { "15", -EINVAL, 0 },
		{ "s", -EINVAL, 0 },   { "1x", -EINVAL, 0 },  { "-1s", -EINVAL, 0 },
		{ "1.5s", -EINVAL, 0 }, { "99999999999999999999y", -ERANGE, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t ms = 0;
		int err = parse_duration_ms(cases[i].in, &ms);

		if (err != cases[i].err || (!err && ms != cases[i].ms))
			fail_msg("%s: err %d ms %lu", cases[i].in, err, (unsigned long)ms);
	}
}

static void test_bytes(void **state)
{
	uint64_t v;

	assert_int_equal(parse_bytes("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_bytes("64MiB", &v), 0);
	assert_int_equal(v, 64 << 20);
	assert_int_equal(parse_bytes("2KB", &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(parse_bytes("12 MiB", &v), -EINVAL);
	assert_int_equal(parse_bytes("MiB", &v), -EINVAL);
	assert_int_equal(parse_bytes("-5", &v), -EINVAL);
}

static void test_numbers_strict(void **state)
{
	uint64_t u;
	int64_t i;
	double d;

	assert_int_equal(parse_u64("18446744073709551615", &u), 0);
	assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
	assert_int_equal(parse_u64("-1", &u), -EINVAL);
	assert_int_equal(parse_u64("12x", &u), -EINVAL);
	assert_int_equal(parse_u64(" 1", &u), -EINVAL);
	assert_int_equal(parse_i64("-42", &i), 0);
	assert_int_equal(i, -42);
	assert_int_equal(parse_double("0.25", &d), 0);
	assert_int_equal(parse_double("", &d), -EINVAL);
}

static void test_split_and_lines(void **state)
{
	char text[] = "a  b\tc\n\nd e\n";
	char *cur = text, *line, *f[4];

	line = next_line(&cur);
	assert_int_equal(split_fields(line, f, 4), 3);
	assert_string_equal(f[2], "c");
	line = next_line(&cur);
	assert_int_equal(split_fields(line, f, 4), 0);
	line = next_line(&cur);
	assert_int_equal(split_fields(line, f, 1), 1);
	assert_null(next_line(&cur));
}

static void test_path_join(void **state)
{
	char out[16];

	assert_int_equal(path_join(out, sizeof(out), "/proc", "stat"), 0);
	assert_string_equal(out, "/proc/stat");
	assert_int_equal(path_join(out, sizeof(out), "/", "x"), 0);
	assert_string_equal(out, "/x");
	assert_int_equal(path_join(out, sizeof(out), "/very/long/root", "file"), -ENAMETOOLONG);
	/* No root, a root ending in '/', a rel starting with one: no slash
	 * added; exactly filling out (15 + NUL) fits, one more does not. */
	assert_int_equal(path_join(out, sizeof(out), NULL, "rel/x"), 0);
	assert_string_equal(out, "rel/x");
	assert_int_equal(path_join(out, sizeof(out), "", "/abs"), 0);
	assert_string_equal(out, "/abs");
	assert_int_equal(path_join(out, sizeof(out), "/host/", "proc"), 0);
	assert_string_equal(out, "/host/proc");
	assert_int_equal(path_join(out, sizeof(out), "/host", "/proc"), 0);
	assert_string_equal(out, "/host/proc");
	assert_int_equal(path_join(out, sizeof(out), "/123456", "8901234"), 0);
	assert_string_equal(out, "/123456/8901234");
	assert_int_equal(path_join(out, sizeof(out), "/123456", "89012345"), -ENAMETOOLONG);
}

static void test_rfc3339(void **state)
{
	char out[40];

	format_rfc3339_ms(1764134414.1239, out, sizeof(out));
	assert_string_equal(out, "2025-11-26T05:20:14.123Z");
}

/* A sorted array kept by lower bound and insert, as the workload tables
 * are: keys land in order whatever order they come in, growth included. */
static const char *put_double(struct buf *b, double v)
{
	b->len = 0;
	buf_put_double(b, v);
	buf_putc(b, '\0');
	return b->data;
}

/* The text reads back as the value. A fraction prints as "%.15g" does
 * wherever that reads back (so the outputs did not change with the fast
 * path), and never longer than "%.17g"; integers print in full to 2^53. */
static void test_put_double(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0.1, "0.1" },		 { -2.5, "-2.5" },	   { 0.000125738, "0.000125738" },
		{ 1234.56, "1234.56" },	 { 1e-5, "1e-05" },	   { 1e15, "1000000000000000" },
		{ 0.0001, "0.0001" },	 { 123456.000000001, "123456.000000001" },
		{ 1.0 / 3, "0.33333333333333331" }, { 1e300, "1e+300" },
		{ 12345e-9, "1.2345e-05" }, { -3e-7, "-3e-07" },	   { 1.5e-12, "1.5e-12" },
	};
	struct buf b;
	unsigned int seed = 11;

	buf_init(&b);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(put_double(&b, cases[i].v), cases[i].text);
	for (int i = 0; i < 200000; i++) {
		/* Decimals of 1..9 fractional digits and magnitudes 1e-6..1e16,
		 * as collectors make them, and arbitrary bit patterns. */
		double scale = pow(10, rand_r(&seed) % 10), v;
		char p15[32], p17[32];

		if (i % 4 == 3)
			/* Durations: integer ns in seconds, under 100 us as well. */
			v = (double)(rand_r(&seed) % (i % 8 == 3 ? 100000 : 100000000)) / 1e9;
		else if (i % 2)
			v = (double)((uint64_t)rand_r(&seed) * (uint64_t)rand_r(&seed) %
				     10000000000000000ULL) / scale;
		else
			v = ldexp((double)rand_r(&seed) / RAND_MAX + 1, rand_r(&seed) % 100 - 40);
		if (rand_r(&seed) % 2)
			v = -v;
		put_double(&b, v);
		assert_true(strtod(b.data, NULL) == v);
		snprintf(p15, sizeof(p15), "%.15g", v);
		snprintf(p17, sizeof(p17), "%.17g", v);
		if (v == floor(v))
			continue;
		if (strtod(p15, NULL) == v)
			assert_string_equal(b.data, p15);
		else
			assert_true(strlen(b.data) <= strlen(p17));
	}
	buf_free(&b);
}

static void test_sorted_insert(void **state)
{
	static const uint64_t in[] = { 50, 10, 40, 20, 60, 30, 5 };
	struct { uint64_t key; int tag; } *a = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t at = sorted_u64_lower_bound(a, n, sizeof(*a), in[i]);
		void *slot = array_insert((void **)&a, &cap, &n, sizeof(*a), 2, at);

		assert_non_null(slot);
		assert_ptr_equal(slot, &a[at]);
		a[at].key = in[i];
		a[at].tag = (int)i;
	}
	assert_int_equal(n, 7);
	assert_int_equal(cap, 8);
	for (size_t i = 1; i < n; i++)
		assert_true(a[i - 1].key < a[i].key);
	assert_int_equal(a[0].key, 5);
	assert_int_equal(a[0].tag, 6);
	assert_int_equal(a[6].key, 60);
	assert_int_equal(sorted_u64_lower_bound(a, n, sizeof(*a), 45), 5);
	free(a);
}

/* Patterns whose compiled size glibc multiplies are refused before
 * regcomp() sees them; everyday ones, long or not, compile and match. */
static void test_regcomp_bounded(void **state)
{
	static const struct {
		const char *re, *text;
		int rc, matches;
	} cases[] = {
		{ "^(sd|vd)[a-z]+$", "sda", 0, 1 },
		{ "^(sd|vd)[a-z]+$", "loop0", 0, 0 },
		{ "[a-z]{1,1000}", "x", 0, 1 },
		{ "(ab|cd|ef){1,580}", "cdab", 0, 1 },
		{ "a\\+\\+\\+{3}", "a+++++", 0, 1 },   /* escaped: one copy each */
		{ "[+*{]{3}x", "+{*x", 0, 1 },               /* quantifiers as set members */
		{ "a{x}", "", -EINVAL, 0 },                  /* not an interval: glibc refuses it */
		{ "p++++++++++++++++++++++++++++++++", "", -E2BIG, 0 },
		{ "(ab|cd|ef){1,1400}", "", -E2BIG, 0 },
		{ "a{1,1000}{1,10}", "", -E2BIG, 0 },
		{ "((((a{2}){4}){8}){16}){32}", "", -E2BIG, 0 },
		{ "x{2,}{4096,}", "", -E2BIG, 0 },
		{ "a{99999999999999999999999}", "", -E2BIG, 0 },
		{ "(", "", -EINVAL, 0 },
		{ "[[:alpha:]", "", -EINVAL, 0 },
	};
	char deep[2 * 101 + 2], long_list[8192];
	regex_t re;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = regcomp_bounded(&re, cases[i].re);

		if (rc != cases[i].rc)
			fail_msg("%s: %d, not %d", cases[i].re, rc, cases[i].rc);
		if (rc)
			continue;
		assert_int_equal(!regexec(&re, cases[i].text, 0, NULL, 0), cases[i].matches);
		regfree(&re);
	}
	/* 100 nested groups compile; 101 would recurse deeper than allowed. */
	memset(deep, '(', 101);
	deep[101] = 'a';
	memset(deep + 102, ')', 100);
	deep[202] = 0;
	assert_int_equal(regcomp_bounded(&re, deep + 1), 0);
	regfree(&re);
	deep[202] = ')';
	deep[203] = 0;
	assert_int_equal(regcomp_bounded(&re, deep), -E2BIG);
	/* A long pattern without repetition is linear: its length is allowed
	 * on top of the copies. */
	long_list[0] = 0;
	for (int i = 0; strlen(long_list) < sizeof(long_list) - 16; i++)
		snprintf(long_list + strlen(long_list), 16, "%sdev%d", i ? "|" : "", i);
	assert_int_equal(regcomp_bounded(&re, long_list), 0);
	assert_int_equal(regexec(&re, "dev700", 0, NULL, 0), 0);
	regfree(&re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),   cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_numbers_strict), cmocka_unit_test(test_split_and_lines),
		cmocka_unit_test(test_path_join),   cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_sorted_insert), cmocka_unit_test(test_put_double),
		cmocka_unit_test(test_regcomp_bounded),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
