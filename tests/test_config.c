#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixture.h"
#include "collector.h"
#include "config.h"

/* config_load() reports errors on stderr; capture them to assert the text
 * names the flag or file:line:key. */
static char errtext[4096];

static int load(struct config *cfg, const char *const *args)
{
	char *argv[32];
	int argc = 0, rc, saved = dup(STDERR_FILENO);
	FILE *tmp = tmpfile();

	argv[argc++] = "infra-monitor";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	rc = config_load(cfg, argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	size_t n = fread(errtext, 1, sizeof(errtext) - 1, tmp);
	errtext[n] = '\0';
	fclose(tmp);
	return rc;
}

static size_t collector_index(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		if (strcmp(collectors[i]->name, name) == 0)
			return i;
	fail_msg("no collector %s", name);
	return 0;
}

static const char *write_yaml(const char *text)
{
	static char path[] = "/tmp/im-config-XXXXXX";
	int fd;

	snprintf(path, sizeof(path), "/tmp/im-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	struct config cfg;
	const char *args[] = { NULL };

	assert_int_equal(load(&cfg, args), 0);
	assert_string_equal(cfg.listen_address, DEFAULT_LISTEN_ADDRESS);
	assert_string_equal(cfg.telemetry_path, "/metrics");
	assert_int_equal(cfg.interval_ms, 15000);
	assert_int_equal(cfg.mode, MODE_ALL);
	assert_int_equal(cfg.command, CMD_DAEMON);
	config_free(&cfg);
}

static void test_flags_both_forms(void **state)
{
	struct config cfg;
	const char *args[] = { "--web.listen-address=127.0.0.1:1234", "--collect.interval", "1m30s",
			       "--output.max-bytes=2MiB", "--output.fsync", "--mode=export",
			       "--no-collector.loadavg", "--log.format=logfmt", NULL };

	assert_int_equal(load(&cfg, args), 0);
	assert_string_equal(cfg.listen_address, "127.0.0.1:1234");
	assert_int_equal(cfg.interval_ms, 90000);
	assert_int_equal(cfg.output_max_bytes, 2 << 20);
	assert_true(cfg.output_fsync);
	assert_int_equal(cfg.mode, MODE_EXPORT);
	assert_false(cfg.collector_enabled[collector_index("loadavg")]);
	assert_int_equal(cfg.log_format, LOG_FORMAT_LOGFMT);
	config_free(&cfg);
}

static void test_bad_flags_name_themselves(void **state)
{
	static const struct {
		const char *arg, *says;
	} cases[] = {
		{ "--no-such-flag", "--no-such-flag: unknown flag" },
		{ "--collect.interval=fast", "--collect.interval=fast: invalid duration" },
		{ "--mode=both", "--mode=both: invalid value \"both\" (one of: all collect export)" },
		{ "--collector.nope", "--collector.nope: unknown collector" },
		{ "--collector.systemd", "--collector.systemd: node_exporter's collector is not implemented" },
		{ "--runtime.gomaxprocs=many", "--runtime.gomaxprocs: invalid number" },
		{ "--collector.netdev.device-include=\\bx", "invalid regular expression" },
		{ "--output.max-files=-1", "--output.max-files=-1: invalid number" },
		{ "--format=prom", "--format=prom: not used by the daemon; only by: once" },
		{ "stray", "stray: unknown command" },
		{ "--collector.filesystem.timeout=soon", "--collector.filesystem.timeout=soon: invalid duration" },
		{ "--collector.filesystem.fs-types-exclude=(", "fs-types-exclude=(: invalid regular expression" },
		{ "--no-collector.filesystem.timeout", "--no-collector.filesystem.timeout: unknown flag" },
		{ "--collect.interval=10ms", "--collect.interval: must be at least 100ms" },
		{ "--web.telemetry-path=/health", "--web.telemetry-path: must start with /" },
		{ "--bpf.cgroup.include=(a|b){1,1000}{1,10}",
		  "--bpf.cgroup.include: too large (repetition or groups nested too deep)" },
		{ "--bpf.cgroup.exclude=[", "--bpf.cgroup.exclude: invalid regular expression" },
		{ "--collector.diskstats.device-exclude=(x{1,100}){1,100}", "device-exclude=(x{1,100}){1,100}: too large" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		const char *args[] = { cases[i].arg, NULL };

		assert_int_equal(load(&cfg, args), -EINVAL);
		if (!strstr(errtext, cases[i].says))
			fail_msg("%s: got \"%s\"", cases[i].arg, errtext);
		config_free(&cfg);
	}
}

/* Every flag node_exporter 1.12 accepts (kingpin flags of node_exporter.go,
 * collector/ and exporter-toolkit) loads here. */
static void test_node_exporter_flags_accepted(void **state)
{
	static const char *const flags[] = {
		"--web.telemetry-path=/metrics", "--web.disable-exporter-metrics",
		"--web.max-requests=40", "--collector.disable-defaults", "--runtime.gomaxprocs=1",
		"--web.listen-address=:9100", "--web.systemd-socket", "--web.config.file=x.yml",
		"--log.level=info", "--log.format=logfmt", "--path.procfs=/proc",
		"--path.sysfs=/sys", "--path.rootfs=/", "--path.udev.data=/run/udev/data",
		"--collector.arp.device-include=eth0", "--collector.arp.device-exclude=lo",
		"--no-collector.arp.netlink", "--collector.bcache.priorityStats",
		"--collector.cpu.guest", "--collector.cpu.info",
		"--collector.cpu.info.flags-include=^(aes|avx.?)$",
		"--collector.cpu.info.bugs-include=.*",
		"--collector.diskstats.device-exclude=^(ram|loop)\\d+$",
		"--collector.diskstats.ignored-devices=^loop\\d+$",
		"--collector.ethtool.device-include=x", "--collector.ethtool.device-exclude=x",
		"--collector.ethtool.metrics-include=.*",
		"--collector.filesystem.mount-points-exclude=^/(dev|proc)($|/)",
		"--collector.filesystem.ignored-mount-points=^/proc",
		"--collector.filesystem.fs-types-exclude=^tmpfs$",
		"--collector.filesystem.ignored-fs-types=^tmpfs$",
		"--collector.filesystem.mount-timeout=5s", "--collector.filesystem.stat-workers=4",
		"--collector.hwmon.chip-include=x", "--collector.hwmon.chip-exclude=x",
		"--collector.hwmon.sensor-include=x", "--collector.hwmon.sensor-exclude=x",
		"--collector.infiniband.device-include=x", "--collector.infiniband.device-exclude=x",
		"--collector.interrupts.name-include=x", "--collector.interrupts.name-exclude=x",
		"--collector.interrupts.include-zeros", "--collector.ipvs.backend-labels=local_address",
		"--collector.netclass.ignored-devices=^$", "--collector.netclass.ignore-invalid-speed",
		"--collector.netclass.netlink", "--collector.netclass_rtnl.with-stats",
		"--collector.netdev.address-info", "--collector.netdev.device-blacklist=lo",
		"--collector.netdev.device-exclude=lo", "--collector.netdev.enable-detailed-metrics",
		"--collector.netdev.netlink", "--collector.netdev.label-ifalias",
		"--collector.netstat.fields=^Tcp_.*", "--collector.ntp.server=127.0.0.1",
		"--collector.ntp.server-port=123", "--collector.ntp.protocol-version=4",
		"--collector.ntp.server-is-local", "--collector.ntp.ip-ttl=1",
		"--collector.ntp.max-distance=3.46608s", "--collector.ntp.local-offset-tolerance=1ms",
		"--collector.pcidevice.idsfile=x", "--collector.pcidevice.names",
		"--collector.perf.cpus=0", "--collector.perf.tracepoint=x",
		"--collector.perf.disable-hardware-profilers", "--collector.perf.hardware-profilers=x",
		"--collector.perf.disable-software-profilers", "--collector.perf.software-profilers=x",
		"--collector.perf.disable-cache-profilers", "--collector.perf.cache-profilers=x",
		"--collector.powersupply.ignored-supplies=^$", "--collector.qdisc.fixtures=x",
		"--collector.qdisc.device-include=x", "--collector.qdisc.device-exclude=x",
		"--collector.qdisk.device-include=x", "--collector.qdisk.device-exclude=x",
		"--collector.rapl.enable-zone-label", "--collector.runit.servicedir=/etc/service",
		"--collector.slabinfo.slabs-include=.*", "--collector.slabinfo.slabs-exclude=x",
		"--collector.stat.softirq", "--collector.supervisord.url=http://localhost:9001/RPC2",
		"--collector.sysctl.include=vm.swappiness", "--collector.sysctl.include-info=x",
		"--collector.systemd.unit-include=.+", "--collector.systemd.unit-whitelist=x",
		"--collector.systemd.unit-exclude=x", "--collector.systemd.unit-blacklist=x",
		"--collector.systemd.private", "--collector.systemd.enable-task-metrics",
		"--collector.systemd.enable-restarts-metrics",
		"--collector.systemd.enable-start-time-metrics",
		"--collector.tapestats.ignored-devices=^$", "--collector.textfile.directory=/tmp",
		"--collector.vmstat.fields=^(oom_kill|pgpg|pswp|pg.*fault).*",
		"--collector.wifi.fixtures=x", "--no-collector.systemd", "--no-collector.bcachefs",
		"--no-collector.ntp",
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *args[] = { flags[i], NULL };
		struct config cfg;
		int rc = load(&cfg, args);

		config_free(&cfg);
		if (rc != 0)
			fail_msg("%s: %d: %s", flags[i], rc, errtext);
	}
}

static void test_node_exporter_compat_forms(void **state)
{
	struct config cfg;
	const char *warn[] = { "--collector.systemd.unit-include", ".+", "--no-collector.systemd",
			       "--runtime.gomaxprocs=2", NULL };
	const char *alias[] = { "--collector.netdev.device-whitelist=^eth",
				"--collector.filesystem.timeout=200ms", NULL };
	const struct collector *nd = collector_find("netdev"), *fs = collector_find("filesystem");

	/* A flag of a collector not implemented: a warning, and its value
	 * (given apart) is consumed, not taken for a command. */
	assert_int_equal(load(&cfg, warn), 0);
	assert_non_null(strstr(errtext, "--collector.systemd.unit-include: has no effect here: "
					"node_exporter's systemd collector is not implemented"));
	assert_non_null(strstr(errtext, "--runtime.gomaxprocs: has no effect here"));
	config_free(&cfg);
	/* Deprecated names set the option they stand for. */
	assert_int_equal(load(&cfg, alias), 0);
	assert_string_equal(config_collector_opt(&cfg, &nd->options[0]), "^eth");
	assert_string_equal(nd->options[0].name, "collector.netdev.device-include");
	for (const struct collector_option *o = fs->options; o->name; o++)
		if (!strcmp(o->name, "collector.filesystem.mount-timeout"))
			assert_string_equal(config_collector_opt(&cfg, o), "200ms");
	config_free(&cfg);
}

static void test_disable_defaults(void **state)
{
	struct config cfg;
	const char *args[] = { "--collector.loadavg", "--collector.disable-defaults",
			       "--no-collector.cpu", NULL };

	assert_int_equal(load(&cfg, args), 0);
	for (size_t i = 0; collectors[i]; i++)
		assert_int_equal(cfg.collector_enabled[i], !strcmp(collectors[i]->name, "loadavg"));
	config_free(&cfg);
}

/* Go regexes as node_exporter users write them, in POSIX ERE. */
static void test_go_regex(void **state)
{
	static const struct {
		const char *re, *subject;
		int match;      /* 1, 0, or -1: refused */
	} cases[] = {
		{ "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$", "nvme0n1p2", 1 },
		{ "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$", "nvme0n1", 0 },
		{ "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$", "zram0", 1 },
		{ "^\\d+$", "d", 0 },
		{ "^[\\d.]+$", "1.5", 1 },
		{ "^[\\w-]+$", "eth-0_x", 1 },
		{ "^\\S+\\s\\S+$", "a b", 1 },
		{ "^\\W$", "a", 0 },
		{ "^(?:ab|cd)$", "cd", 1 },
		{ "^a\\.b$", "axb", 0 },
		{ "^[\\.]$", "\\", 0 },
		{ "^[]a]$", "]", 1 },
		{ "^[^]a]$", "b", 1 },
		{ "^[[:digit:]]$", "7", 1 },
		{ "", "anything", 1 },
		{ "\\bword", "", -1 },
		{ "(?i)eth", "", -1 },
		{ "a*?", "", -1 },
		{ "^(fs|p+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++roc)$", "", -1 },
		{ "a*+", "", -1 },
		{ "^a\\++$", "a++", 1 },
		{ "[\\D]", "", -1 },
		{ "[abc", "", -1 },
		{ "x\\", "", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		regex_t re;
		int rc = collector_regcomp(&re, cases[i].re);

		if (cases[i].match < 0) {
			if (rc != -EINVAL)
				fail_msg("%s: accepted", cases[i].re);
			continue;
		}
		if (rc)
			fail_msg("%s: refused", cases[i].re);
		if ((regexec(&re, cases[i].subject, 0, NULL, 0) == 0) != cases[i].match)
			fail_msg("%s on \"%s\": want %d", cases[i].re, cases[i].subject,
				 cases[i].match);
		regfree(&re);
	}
}

static void test_missing_value(void **state)
{
	struct config cfg;
	const char *args[] = { "--output.dir", NULL };

	assert_int_equal(load(&cfg, args), -EINVAL);
	assert_non_null(strstr(errtext, "--output.dir: needs a value"));
	config_free(&cfg);
}

static void test_yaml_flat_nested_and_flags_win(void **state)
{
	const char *path = write_yaml("# comment\n"
				      "web:\n  listen-address: \"[::1]:9999\"\n"
				      "collect.interval: 5s\n"
				      "collector.loadavg: false\n"
				      "output:\n  dir: /tmp/x\n  max-files: 3\n");
	char flag[64];
	struct config cfg;

	snprintf(flag, sizeof(flag), "--config.file=%s", path);
	const char *args[] = { flag, "--collect.interval=2s", NULL };

	assert_int_equal(load(&cfg, args), 0);
	assert_string_equal(cfg.listen_address, "[::1]:9999");
	assert_int_equal(cfg.interval_ms, 2000);
	assert_string_equal(cfg.output_dir, "/tmp/x");
	assert_int_equal(cfg.output_max_files, 3);
	assert_false(cfg.collector_enabled[collector_index("loadavg")]);
	config_free(&cfg);
	unlink(path);
}

static void test_yaml_errors_name_file_line_key(void **state)
{
	static const struct {
		const char *yaml, *says;
	} cases[] = {
		{ "web.listen-address: a\nbogus.key: 1\n", ":2:1: bogus.key: unknown key" },
		{ "collect.interval: soon\n", ":1:19: collect.interval: invalid duration" },
		{ "output:\n  max-files: [1, 2]\n", ":2:14: output.max-files: expected a single value" },
		{ "collector.cpu2: true\n", ":1:1: collector.cpu2: unknown collector" },
		{ "mode: [\n", ":2:1: " },
		{ "- a\n- b\n", ":1:1: expected a mapping" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_yaml(cases[i].yaml);
		char flag[64], want[128];
		struct config cfg;

		snprintf(flag, sizeof(flag), "--config.file=%s", path);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].says);
		const char *args[] = { flag, NULL };

		assert_int_equal(load(&cfg, args), -EINVAL);
		if (!strstr(errtext, want))
			fail_msg("case %zu: want \"%s\" in \"%s\"", i, want, errtext);
		config_free(&cfg);
		unlink(path);
	}
}

static void test_empty_yaml_is_fine(void **state)
{
	const char *path = write_yaml("");
	char flag[64];
	struct config cfg;

	snprintf(flag, sizeof(flag), "--config.file=%s", path);
	const char *args[] = { flag, NULL };

	assert_int_equal(load(&cfg, args), 0);
	config_free(&cfg);
	unlink(path);
}

static void test_commands(void **state)
{
	struct config cfg;
	const char *once[] = { "once", "--format=json", NULL };
	const char *lat[] = { "latency", "disk", "--count=3", "--interval=500ms", NULL };

	assert_int_equal(load(&cfg, once), 0);
	assert_int_equal(cfg.command, CMD_ONCE);
	assert_int_equal(cfg.once_format, ONCE_JSON);
	config_free(&cfg);
	assert_int_equal(load(&cfg, lat), 0);
	assert_int_equal(cfg.command, CMD_LATENCY);
	assert_string_equal(cfg.latency_what, "disk");
	assert_int_equal(cfg.latency_count, 3);
	assert_int_equal(cfg.latency_interval_ms, 500);
	assert_int_equal(cfg.latency_by, LATENCY_BY_HOST);
	config_free(&cfg);
}

/* latency --by=cgroup [--cgroup REGEX]: a bad regex, a regex without
 * --by=cgroup and a ranking of drops (no latency) name their flag. */
static void expect_flag_error(const char *const *args, const char *says)
{
	struct config cfg;

	assert_int_equal(load(&cfg, args), -EINVAL);
	if (!strstr(errtext, says))
		fail_msg("'%s' does not say '%s'", errtext, says);
	config_free(&cfg);
}

static void test_latency_by_cgroup(void **state)
{
	struct config cfg;
	const char *ok[] = { "latency", "runq", "--by=cgroup", "--cgroup", "^/system\\.slice/", NULL };
	const char *bad_re[] = { "latency", "--by=cgroup", "--cgroup=(", NULL };
	const char *no_by[] = { "latency", "--cgroup=x", NULL };
	const char *drops[] = { "latency", "drops", "--by=cgroup", NULL };
	const char *bad_by[] = { "latency", "--by=pod", NULL };

	assert_int_equal(load(&cfg, ok), 0);
	assert_int_equal(cfg.latency_by, LATENCY_BY_CGROUP);
	assert_string_equal(cfg.latency_cgroup, "^/system\\.slice/");
	config_free(&cfg);
	expect_flag_error(bad_re, "--cgroup");
	expect_flag_error(no_by, "--cgroup");
	expect_flag_error(drops, "--by=cgroup");
	expect_flag_error(bad_by, "--by");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flags_both_forms),
		cmocka_unit_test(test_bad_flags_name_themselves),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_node_exporter_flags_accepted),
		cmocka_unit_test(test_node_exporter_compat_forms),
		cmocka_unit_test(test_disable_defaults),
		cmocka_unit_test(test_go_regex),
		cmocka_unit_test(test_yaml_flat_nested_and_flags_win),
		cmocka_unit_test(test_yaml_errors_name_file_line_key),
		cmocka_unit_test(test_empty_yaml_is_fine),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_latency_by_cgroup),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
