#include <stdlib.h>
#include <unistd.h>

#include "collect_assert.h"
#include "util.h"

static const char *const modes[] = { "user", "nice", "system", "idle",
				     "iowait", "irq", "softirq", "steal" };

static void assert_cpu(struct metric_set *ms, const char *cpu, const double want[10])
{
	for (size_t m = 0; m < 8; m++)
		assert_sample(ms, want[m], "node_cpu_seconds_total", "cpu", cpu, "mode", modes[m]);
	assert_sample(ms, want[8], "node_cpu_guest_seconds_total", "cpu", cpu, "mode", "user");
	assert_sample(ms, want[9], "node_cpu_guest_seconds_total", "cpu", cpu, "mode", "nice");
}

static void test_cpu_default(void **state)
{
	static const double cpu0[10] = { 1087, 5, 757, 26337, 12, 0, 28, 6, 0, 0 };
	static const double cpu1[10] = { 1925.34, 7, 1288, 24438, 463, 0, 55, 8, 0, 0 };
	struct metric_set *ms = ca_collect_tree(&collector_cpu, "default", 0);

	assert_family(ms, "node_cpu_seconds_total", METRIC_COUNTER,
		      "Seconds the CPUs spent in each mode.", 16);
	assert_family(ms, "node_cpu_guest_seconds_total", METRIC_COUNTER,
		      "Seconds the CPUs spent in guests (VMs) for each mode.", 4);
	assert_cpu(ms, "0", cpu0);
	assert_cpu(ms, "1", cpu1);
	/* The aggregate line is not a CPU; an empty isolated list adds nothing. */
	assert_null(ms_find(ms, "node_cpu_isolated"));
	assert_int_equal(ms_nfamilies(ms), 2);
	/* node_exporter's label order. */
	const struct family *f = ms_find(ms, "node_cpu_seconds_total");
	assert_string_equal(f->samples[0].labels[0].name, "cpu");
	assert_string_equal(f->samples[0].labels[1].name, "mode");
	ms_free(ms);
}

static void test_cpu_many(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_cpu, "many-cpus", 0);
	char cpu[8];

	assert_int_equal(ca_nsamples(ms, "node_cpu_seconds_total"), 64 * 8);
	assert_int_equal(ca_nsamples(ms, "node_cpu_guest_seconds_total"), 64 * 2);
	for (int i = 0; i < 64; i++) {
		double want[10] = { (1000 + i) / 100.0, i / 100.0, (500 + i) / 100.0,
				    (100000 + i) / 100.0, (10 + i) / 100.0, 0, (20 + i) / 100.0,
				    (i % 3) / 100.0, (i * 2) / 100.0, (i % 2) / 100.0 };

		snprintf(cpu, sizeof(cpu), "%d", i);
		assert_cpu(ms, cpu, want);
	}
	/* isolated "2-3,8" */
	assert_family(ms, "node_cpu_isolated", METRIC_GAUGE,
		      "Whether each core is isolated, information from "
		      "/sys/devices/system/cpu/isolated.", 3);
	assert_sample(ms, 1, "node_cpu_isolated", "cpu", "2");
	assert_sample(ms, 1, "node_cpu_isolated", "cpu", "3");
	assert_sample(ms, 1, "node_cpu_isolated", "cpu", "8");
	ms_free(ms);
}

/* Kernels before 2.6.11 / 2.6.24 have no steal or guest columns: reported as
 * 0, as node_exporter does, not as an error. */
static void test_cpu_old_kernel(void **state)
{
	static const double cpu0[10] = { 10, 0.05, 5, 450, 1.5, 0.1, 0.2, 0, 0, 0 };
	struct metric_set *ms = ca_collect_tree(&collector_cpu, "oldkernel", 0);

	assert_cpu(ms, "0", cpu0);
	assert_cpu(ms, "1", cpu0);
	ms_free(ms);
}

/* Counters never go back; an unplugged CPU that returns starts afresh. */
static void test_cpu_jump_back(void **state)
{
	struct fixture_paths p1, p2;
	struct collect_ctx ctx = fixture_ctx(&p1, "default");
	struct collect_ctx ctx2 = fixture_ctx(&p2, "cpu-jumpback");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_cpu.init(&ctx), 0);
	assert_int_equal(collector_cpu.collect(&ctx, ms), 0);
	ms_free(ms);

	ctx2.state = ctx.state;
	ms = ms_new();
	assert_int_equal(collector_cpu.collect(&ctx2, ms), 0);
	/* cpu0: idle fell by ~26000 s → fresh values, lower than before. */
	assert_sample(ms, 20, "node_cpu_seconds_total", "cpu", "0", "mode", "idle");
	assert_sample(ms, 1, "node_cpu_seconds_total", "cpu", "0", "mode", "user");
	/* cpu1: iowait stepped back 5 ticks → held at 463; user moved on. */
	assert_sample(ms, 463, "node_cpu_seconds_total", "cpu", "1", "mode", "iowait");
	assert_sample(ms, 1926, "node_cpu_seconds_total", "cpu", "1", "mode", "user");
	assert_sample(ms, 24439, "node_cpu_seconds_total", "cpu", "1", "mode", "idle");
	ms_free(ms);

	/* A failed read leaves the history alone... */
	ms = ms_new();
	ctx2.procfs = "tests/fixtures/garbled/proc";
	assert_int_equal(collector_cpu.collect(&ctx2, ms), -EINVAL);
	ms_free(ms);
	/* ...so the next read still compares with the values above: cpu1's
	 * idle now falls by far more than 3 s, a CPU that went away and came
	 * back, so it reports the file's values as they are. */
	ms = ms_new();
	ctx2.procfs = "tests/fixtures/oldkernel/proc";
	assert_int_equal(collector_cpu.collect(&ctx2, ms), 0);
	assert_sample(ms, 1.5, "node_cpu_seconds_total", "cpu", "1", "mode", "iowait");
	ms_free(ms);

	collector_cpu.fini(&ctx2);
}

/* Two packages of two cores of two threads; cpu5 has no thermal_throttle
 * directory (offline at start), its sibling cpu4 stands for the core. */
static void test_cpu_throttles(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_cpu, "cpu-throttle", 0);

	assert_family(ms, "node_cpu_core_throttles_total", METRIC_COUNTER,
		      "Number of times this CPU core has been throttled.", 4);
	assert_family(ms, "node_cpu_package_throttles_total", METRIC_COUNTER,
		      "Number of times this CPU package has been throttled.", 2);
	assert_sample(ms, 1, "node_cpu_core_throttles_total", "core", "0", "package", "0");
	assert_sample(ms, 2, "node_cpu_core_throttles_total", "core", "1", "package", "0");
	assert_sample(ms, 11, "node_cpu_core_throttles_total", "core", "0", "package", "1");
	assert_sample(ms, 12, "node_cpu_core_throttles_total", "core", "1", "package", "1");
	assert_sample(ms, 100, "node_cpu_package_throttles_total", "package", "0");
	assert_sample(ms, 101, "node_cpu_package_throttles_total", "package", "1");
	/* node_exporter's label order, and sorted output. */
	const struct family *f = ms_find(ms, "node_cpu_core_throttles_total");
	assert_string_equal(f->samples[0].labels[0].name, "core");
	assert_string_equal(f->samples[0].labels[1].name, "package");
	assert_string_equal(f->samples[2].labels[1].value, "1");
	assert_int_equal(ca_nsamples(ms, "node_cpu_isolated"), 2);
	assert_int_equal(ca_nsamples(ms, "node_cpu_seconds_total"), 8 * 8);
	ms_free(ms);

	/* No throttle counters (virtual machines): no families at all. */
	ms = ca_collect_tree(&collector_cpu, "default", 0);
	assert_null(ms_find(ms, "node_cpu_core_throttles_total"));
	assert_null(ms_find(ms, "node_cpu_package_throttles_total"));
	ms_free(ms);
}

#define TT "sys/devices/system/cpu/cpu0/"

/* A counter that turns to junk after start-up fails the read; one that
 * vanishes (CPU offline) is skipped. */
static void test_cpu_throttle_inputs(void **state)
{
	static const struct {
		const char *count;
		int err;
		size_t ncores;
	} cases[] = {
		{ "5\n", 0, 1 },
		{ "x\n", -EINVAL, 0 },
		{ NULL, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file files[] = {
			{ "proc/stat", "cpu0 1 2 3 4\n", 0 },
			{ TT "topology/physical_package_id", "0\n", 0 },
			{ TT "topology/core_id", "0\n", 0 },
			{ TT "thermal_throttle/core_throttle_count", "5\n", 0 },
		};
		struct ca_file count = { TT "thermal_throttle/core_throttle_count", cases[i].count,
					 0 };
		char dir[32], path[512];
		struct fixture_paths fp;
		struct collect_ctx ctx = fixture_ctx(&fp, "default");
		struct metric_set *ms = ms_new();
		int err;

		/* init() on a good tree, then the counter changes under it. */
		ca_tree_new(dir, files, ARRAY_SIZE(files));
		snprintf(fp.procfs, sizeof(fp.procfs), "%s/proc", dir);
		snprintf(fp.sysfs, sizeof(fp.sysfs), "%s/sys", dir);
		assert_int_equal(collector_cpu.init(&ctx), 0);
		if (count.text) {
			ca_tree_write(dir, &count);
		} else {
			snprintf(path, sizeof(path), "%s/%s", dir, count.path);
			assert_int_equal(unlink(path), 0);
		}
		err = collector_cpu.collect(&ctx, ms);
		collector_cpu.fini(&ctx);
		ca_tree_free(dir);
		if (err != cases[i].err)
			fail_msg("case %zu: got %d, want %d", i, err, cases[i].err);
		if (!err)
			assert_int_equal(ca_nsamples(ms, "node_cpu_core_throttles_total"),
					 cases[i].ncores);
		ms_free(ms);
	}
}

/* Without init() the collector still reads one interval correctly. */
static void test_cpu_no_state(void **state)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, "default");
	struct metric_set *ms = ms_new();

	assert_int_equal(collector_cpu.collect(&ctx, ms), 0);
	assert_sample(ms, 24438, "node_cpu_seconds_total", "cpu", "1", "mode", "idle");
	ms_free(ms);
}

static void test_cpu_inputs(void **state)
{
	static const struct {
		const char *text;
		int err;
		size_t ncpus;
	} cases[] = {
		{ "cpu  1 2 3 4\ncpu0 1 2 3 4\n", 0, 1 },
		{ "cpu0\t1\t2\t3\t4\n", 0, 1 },
		{ "cpu0 1 2 3 4 5 6 7 8 9 10 11 12\n", 0, 1 },      /* newer columns */
		{ "cpux 1 2 3 4\ncpu0 1 2 3 4\n", 0, 1 },
		{ "cpu0 1 2 3 4\ncpu2 1 2 3 4\n", 0, 2 },          /* cpu1 offline */
		{ "cpu0 18446744073709551615 2 0 0\n", 0, 1 },
		{ "cpu0 18446744073709551616 0 0 0\n", -EINVAL, 0 },
		{ "cpu0 1 2 3\n", -EINVAL, 0 },
		{ "cpu0\n", -EINVAL, 0 },
		{ "cpu0 1 2 x 4\n", -EINVAL, 0 },
		{ "cpu0 1 2 3 4x\n", -EINVAL, 0 },
		{ "cpu0 1 2 -3 4\n", -EINVAL, 0 },
		{ "cpu0x 1 2 3 4\n", -EINVAL, 0 },
		{ "cpu  1 2 3 4\n", -EINVAL, 0 },                  /* no per-CPU line */
		{ "cpu-1 1 2 3 4\n", -EINVAL, 0 },
		{ "cpu0 1 2 3 4", -EINVAL, 0 },                     /* cut short */
		{ "intr 1\n", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ca_file f = { "proc/stat", cases[i].text, 0 };
		struct metric_set *ms = ca_collect_case(&collector_cpu, &f, 1, i, cases[i].err);

		assert_int_equal(ca_nsamples(ms, "node_cpu_seconds_total"), cases[i].ncpus * 8);
		if (!cases[i].err)
			assert_sample(ms, 0.02, "node_cpu_seconds_total", "cpu", "0", "mode",
				      "nice");
		ms_free(ms);
	}
	/* "cpu01" is CPU 1, labelled as the kernel would print it. */
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_text(&collector_cpu, "proc/stat", "cpu01 1 2 3 4\n", ms), 0);
	assert_sample(ms, 0.04, "node_cpu_seconds_total", "cpu", "1", "mode", "idle");
	ms_free(ms);
}

static void test_cpu_errors(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "truncated", -EINVAL },       /* last line cut mid-number */
		{ "garbled", -EINVAL },         /* "-1" */
		{ "cpu-dup", -EINVAL },         /* cpu0 twice */
		{ "cpu-bad-id", -EINVAL },      /* cpu16384, beyond any NR_CPUS */
		{ "does-not-exist", -ENOENT },
	};

	assert_collect_errors(&collector_cpu, cases, ARRAY_SIZE(cases), true);
}

static void test_cpu_info(void **state)
{
	const char *flags[] = { "--collector.cpu.info.flags-include=^(aes|avx.*|sse4_2)$",
				"--collector.cpu.info.bugs-include=spectre", "--no-collector.cpu.guest",
				NULL };
	struct metric_set *ms = ms_new();

	/* Off by default, as in node_exporter. */
	assert_int_equal(ca_collect(&collector_cpu, "default", ms), 0);
	assert_null(ms_find(ms, "node_cpu_info"));
	assert_non_null(ms_find(ms, "node_cpu_guest_seconds_total"));
	ms_free(ms);

	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_cpu, "default", ms, flags), 0);
	assert_family(ms, "node_cpu_info", METRIC_GAUGE, "CPU information from /proc/cpuinfo.", 2);
	assert_sample(ms, 1, "node_cpu_info", "package", "0", "core", "1", "cpu", "1", "vendor",
		      "GenuineIntel", "family", "6", "model", "142", "model_name",
		      "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz", "microcode", "0xf4", "stepping",
		      "10", "cachesize", "8192 KB");
	/* The first CPU's flags only, filtered: vmx flags is another key. */
	assert_family(ms, "node_cpu_flag_info", METRIC_GAUGE,
		      "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.",
		      4);
	assert_sample(ms, 1, "node_cpu_flag_info", "flag", "avx2");
	assert_sample(ms, 1, "node_cpu_flag_info", "flag", "sse4_2");
	assert_int_equal(ca_nsamples(ms, "node_cpu_bug_info"), 2);
	assert_sample(ms, 1, "node_cpu_bug_info", "bug", "spectre_v1");
	/* --no-collector.cpu.guest */
	assert_null(ms_find(ms, "node_cpu_guest_seconds_total"));
	assert_non_null(ms_find(ms, "node_cpu_seconds_total"));
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_info),
		cmocka_unit_test(test_cpu_default),    cmocka_unit_test(test_cpu_many),
		cmocka_unit_test(test_cpu_old_kernel), cmocka_unit_test(test_cpu_jump_back),
		cmocka_unit_test(test_cpu_no_state),   cmocka_unit_test(test_cpu_errors),
		cmocka_unit_test(test_cpu_throttles),  cmocka_unit_test(test_cpu_throttle_inputs),
		cmocka_unit_test(test_cpu_inputs),
	};
	return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
