#include "collect_assert.h"
#include "util.h"

static void test_filefd_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_filefd, "default", 0);

	assert_int_equal(ms_nfamilies(ms), 2);
	assert_family(ms, "node_filefd_allocated", METRIC_GAUGE,
		      "File descriptor statistics: allocated.", 1);
	assert_family(ms, "node_filefd_maximum", METRIC_GAUGE,
		      "File descriptor statistics: maximum.", 1);
	assert_sample(ms, 3104, "node_filefd_allocated");
	assert_sample(ms, 2466174, "node_filefd_maximum");
	ms_free(ms);

	ms = ca_collect_tree(&collector_filefd, "oldkernel", 0);
	assert_sample(ms, 1632, "node_filefd_allocated");
	assert_sample(ms, 205076, "node_filefd_maximum");
	ms_free(ms);
}

static void test_filefd_inputs(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		int err;
	} cases[] = {
		{ "7\t0\t9\n", 0, 0 },
		{ "7 0 9", 0, 0 },
		{ " 7  0  9 \n", 0, 0 },
		{ "7\t0\t9223372036854775807\n", 0, 0 },        /* file-max = LONG_MAX */
		{ "7\t0\n", 0, -EINVAL },
		{ "7\t0\t9\t1\n", 0, -EINVAL },
		{ "7\t0\t9x\n", 0, -EINVAL },
		{ "7\t-1\t9\n", 0, -EINVAL },
		{ "7\t0\t9\n\n", 0, -EINVAL },
		{ "7\t0\t9\n8\t0\t9\n", 0, -EINVAL },
		{ "7\t0\t\0009\n", 6, -EINVAL },
		{ "\n", 0, -EINVAL },
		{ "", 0, -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { "proc/sys/fs/file-nr", cases[i].text, cases[i].len };
		struct metric_set *ms = ca_collect_case(&collector_filefd, &f, 1, i, cases[i].err);

		assert_int_equal(ms_nfamilies(ms), cases[i].err ? 0 : 2);
		if (!cases[i].err)
			assert_sample(ms, 7, "node_filefd_allocated");
		ms_free(ms);
	}
}

static void test_filefd_errors(void **state)
{
	assert_collect_errors(&collector_filefd, ca_bad_trees, ARRAY_SIZE(ca_bad_trees), false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filefd_default),
		cmocka_unit_test(test_filefd_inputs),
		cmocka_unit_test(test_filefd_errors),
	};
	return cmocka_run_group_tests_name("filefd", tests, NULL, NULL);
}
