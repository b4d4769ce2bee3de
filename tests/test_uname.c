#include <sys/utsname.h>

#include "collect_assert.h"
#include "util.h"

static void assert_uname(struct metric_set *ms, const char *domainname, const char *nodename,
			 const char *release, const char *sysname, const char *version)
{
	struct utsname u;
	const struct family *f = ms_find(ms, "node_uname_info");
	static const char *const order[] = { "domainname", "machine", "nodename",
					     "release",    "sysname", "version" };

	assert_int_equal(uname(&u), 0);
	assert_sample(ms, 1, "node_uname_info", "domainname", domainname, "machine", u.machine,
		      "nodename", nodename, "release", release, "sysname", sysname, "version",
		      version);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		assert_string_equal(f->samples[0].labels[i].name, order[i]);
}

static void test_uname_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_uname, "default", 0);

	assert_family(ms, "node_uname_info", METRIC_GAUGE,
		      "Labeled system information as provided by the uname system call.", 1);
	assert_uname(ms, "(none)", "vm", "6.18.44-fc-v782", "Linux", "#1 SMP PREEMPT_DYNAMIC @0");
	ms_free(ms);

	ms = ca_collect_tree(&collector_uname, "oldkernel", 0);
	assert_uname(ms, "example.com", "web-01.example.com", "2.6.32-754.el6.x86_64", "Linux",
		     "#1 SMP Tue Jun 19 21:26:04 UTC 2018");
	ms_free(ms);
}

static void test_uname_inputs(void **state)
{
	static const struct {
		const char *hostname;
		size_t len;
		int err;
	} cases[] = {
		{ "h\n", 0, 0 },
		{ "h", 0, 0 },                  /* no newline: still one value */
		{ "\n", 0, 0 },                 /* empty is a value */
		{ "h\xc3\xa9te\n", 0, 0 },      /* UTF-8 é */
		{ "h\nx\n", 0, -EINVAL },
		{ "h\xff\n", 0, -EINVAL },
		{ "h\xc3\n", 0, -EINVAL },      /* cut sequence */
		{ "h\xc0\xaf\n", 0, -EINVAL },  /* overlong */
		{ "h\xed\xa0\x80\n", 0, -EINVAL }, /* surrogate */
		{ "h\tx\n", 0, -EINVAL },
		{ "h\0x\n", 4, -EINVAL },
	};
	char big[400];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct ca_file files[] = {
			{ "proc/sys/kernel/ostype", "Linux\n", 0 },
			{ "proc/sys/kernel/hostname", cases[i].hostname, cases[i].len },
			{ "proc/sys/kernel/domainname", "(none)\n", 0 },
			{ "proc/sys/kernel/osrelease", "6.1.0\n", 0 },
			{ "proc/sys/kernel/version", "#1 SMP\n", 0 },
		};
		struct metric_set *ms =
		    ca_collect_case(&collector_uname, files, ARRAY_SIZE(files), i, cases[i].err);

		assert_int_equal(ms_nfamilies(ms), cases[i].err ? 0 : 1);
		ms_free(ms);
	}

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const struct ca_file files[] = {
		{ "proc/sys/kernel/domainname", "(none)\n", 0 },
		{ "proc/sys/kernel/ostype", "Linux\n", 0 },
		{ "proc/sys/kernel/osrelease", "6.1.0\n", 0 },
		{ "proc/sys/kernel/version", "#1 SMP\n", 0 },
		{ "proc/sys/kernel/hostname", big, 0 },
	};
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_files(&collector_uname, files, 5, ms), -EINVAL);
	ms_free(ms);
	/* A file missing altogether. */
	ms = ms_new();
	assert_int_equal(ca_collect_files(&collector_uname, files, 4, ms), -ENOENT);
	ms_free(ms);
}

/* release, sysname and version are read once; the host name every time. */
static void test_uname_cached(void **state)
{
	struct fixture_paths p1, p2;
	struct collect_ctx ctx = fixture_ctx(&p1, "default");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_uname.init(&ctx), 0);
	assert_int_equal(collector_uname.collect(&ctx, ms), 0);
	ms_free(ms);
	ctx.procfs = fixture_ctx(&p2, "oldkernel").procfs;
	ms = ms_new();
	assert_int_equal(collector_uname.collect(&ctx, ms), 0);
	assert_uname(ms, "example.com", "web-01.example.com", "6.18.44-fc-v782", "Linux",
		     "#1 SMP PREEMPT_DYNAMIC @0");
	ms_free(ms);
	/* A failure to read the host name still fails the collector. */
	ctx.procfs = "tests/fixtures/garbled/proc";
	ms = ms_new();
	assert_int_equal(collector_uname.collect(&ctx, ms), -EINVAL);
	ms_free(ms);
	collector_uname.fini(&ctx);
}

static void test_uname_errors(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_uname, "garbled", -EINVAL);

	assert_int_equal(ms_nfamilies(ms), 0);
	ms_free(ms);
	ms_free(ca_collect_tree(&collector_uname, "does-not-exist", -ENOENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uname_default),
		cmocka_unit_test(test_uname_inputs),
		cmocka_unit_test(test_uname_cached),
		cmocka_unit_test(test_uname_errors),
	};
	return cmocka_run_group_tests_name("uname", tests, NULL, NULL);
}
