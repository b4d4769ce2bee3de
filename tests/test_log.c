/* The log module: the record layout in both formats, the err field of the
 * _errno forms, printf messages and the level filter. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixture.h"
#include "log.h"
#include "util.h"

/* Runs one logging step with stderr on a temporary file and returns what it wrote. */
static char *capture(void (*step)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char text[4096];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	step();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	text[n] = '\0';
	return text;
}

/* Drops the timestamp, the one field that changes from run to run. */
static const char *after_ts(const char *line, const char *marker)
{
	const char *p = strstr(line, marker);

	assert_non_null(p);
	return p;
}

static void errno_record(void)
{
	log_warn_errno("jsonl", -ENOSPC, LOG_KV("path", "/var/x \"y\"", "step", "write"),
		       "write failed after %d tries", 3);
}

/* The same record in both formats: fields in order, err last, values quoted
 * where the format needs it. */
static void test_errno_record(void **state)
{
	static const struct {
		enum log_format format;
		const char *start, *from, *want;
	} cases[] = {
		{ LOG_FORMAT_JSON, "{\"ts\":\"", "\"level\"",
		  "\"level\":\"warn\",\"msg\":\"write failed after 3 tries\","
		  "\"component\":\"jsonl\",\"path\":\"/var/x \\\"y\\\"\","
		  "\"step\":\"write\",\"err\":\"No space left on device\"}\n" },
		{ LOG_FORMAT_LOGFMT, "ts=", " level=",
		  " level=warn msg=\"write failed after 3 tries\" component=jsonl "
		  "path=\"/var/x \\\"y\\\"\" step=write err=\"No space left on device\"\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *out;

		log_setup(LOG_DEBUG, cases[i].format);
		out = capture(errno_record);
		assert_true(strncmp(out, cases[i].start, strlen(cases[i].start)) == 0);
		assert_string_equal(after_ts(out, cases[i].from), cases[i].want);
	}
	log_setup(LOG_INFO, LOG_FORMAT_JSON);
}

/* A positive errno reads the same as a negative one; 0 adds no err field. */
static void plain_records(void)
{
	log_error_errno("main", EACCES, NULL, "open");
	log_infof("main", NULL, "%s", "no fields");
	log_debugf("main", NULL, "below the level");
}

static void test_levels_and_no_fields(void **state)
{
	const char *out;

	log_setup(LOG_INFO, LOG_FORMAT_JSON);
	out = capture(plain_records);
	assert_non_null(strstr(out, "\"level\":\"error\",\"msg\":\"open\",\"component\":\"main\","
				    "\"err\":\"Permission denied\"}\n"));
	assert_non_null(strstr(out, "\"level\":\"info\",\"msg\":\"no fields\","
				    "\"component\":\"main\"}\n"));
	assert_null(strstr(out, "below the level"));
	assert_false(log_enabled(LOG_DEBUG));
	assert_true(log_enabled(LOG_WARN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_record),
		cmocka_unit_test(test_levels_and_no_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
