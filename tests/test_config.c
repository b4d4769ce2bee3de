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
		{ "--output.max-files=-1", "--output.max-files=-1: invalid number" },
		{ "--format=prom", "--format=prom: not used by the daemon; only by: once" },
		{ "stray", "stray: unknown command" },
		{ "--collector.filesystem.timeout=soon", "--collector.filesystem.timeout=soon: invalid duration" },
		{ "--collector.filesystem.fs-types-exclude=(", "fs-types-exclude=(: invalid regular expression" },
		{ "--no-collector.filesystem.timeout", "--no-collector.filesystem.timeout: unknown flag" },
		{ "--collect.interval=10ms", "--collect.interval: must be at least 100ms" },
		{ "--web.telemetry-path=/health", "--web.telemetry-path: must start with /" },
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
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flags_both_forms),
		cmocka_unit_test(test_bad_flags_name_themselves),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_yaml_flat_nested_and_flags_win),
		cmocka_unit_test(test_yaml_errors_name_file_line_key),
		cmocka_unit_test(test_empty_yaml_is_fine),
		cmocka_unit_test(test_commands),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
