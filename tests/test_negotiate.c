/* Table-driven tests of the /metrics Accept negotiation (src/http/negotiate.c). */
#include "fixture.h"
#include "negotiate.h"

#define PB "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"

static void test_table(void **state)
{
	static const struct {
		const char *accept;
		enum expo_format want;
	} cases[] = {
		{ NULL, EXPO_TEXT },
		{ "", EXPO_TEXT },
		{ "*/*", EXPO_TEXT },
		{ "text/plain", EXPO_TEXT },
		{ "text/plain;version=0.0.4", EXPO_TEXT },
		{ "application/json", EXPO_TEXT },              /* nothing we serve: default */
		/* Prometheus 2.42 without and with native histograms. */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  EXPO_OPENMETRICS },
		{ PB ",application/openmetrics-text;version=1.0.0;q=0.8,"
		     "application/openmetrics-text;version=0.0.1;q=0.75,"
		     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  EXPO_PROTOBUF },
		{ PB ";q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", EXPO_PROTOBUF },
		/* q decides, then the order. */
		{ "text/plain;q=0.9, application/openmetrics-text;q=0.8", EXPO_TEXT },
		{ "text/plain;q=0.5, " PB ";q=0.9", EXPO_PROTOBUF },
		{ "application/openmetrics-text, text/plain", EXPO_OPENMETRICS },
		{ "text/plain, application/openmetrics-text", EXPO_TEXT },
		/* Spaces, case, quotes. */
		{ " Application/OpenMetrics-Text ; Version=\"1.0.0\" ", EXPO_OPENMETRICS },
		{ "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		  "encoding=delimited",
		  EXPO_PROTOBUF },
		/* What we cannot serve is not taken. */
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=text",
		  EXPO_TEXT },
		{ "application/vnd.google.protobuf", EXPO_TEXT },
		{ "application/openmetrics-text;version=2.0.0", EXPO_TEXT },
		{ "text/plain;version=1.0.0", EXPO_TEXT },
		{ "application/openmetrics-text;q=0", EXPO_TEXT },
		/* Malformed ranges are dropped alone. */
		{ "application/openmetrics-text;q=abc,text/plain", EXPO_TEXT },
		{ "application/openmetrics-text;q=1.5", EXPO_TEXT },
		{ "application/openmetrics-text;q=0.1234", EXPO_TEXT },
		{ ";;;,,,===,/,application/openmetrics-text", EXPO_OPENMETRICS },
		{ "garbage", EXPO_TEXT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum expo_format got = negotiate_format(cases[i].accept);

		if (got != cases[i].want)
			fail_msg("Accept \"%s\": got %d, want %d", cases[i].accept ?: "(none)", got,
				 cases[i].want);
	}
}

static void test_content_types(void **state)
{
	assert_string_equal(negotiate_content_type(EXPO_TEXT),
			    "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(negotiate_content_type(EXPO_OPENMETRICS), "version=1.0.0"));
	assert_non_null(strstr(negotiate_content_type(EXPO_PROTOBUF), "encoding=delimited"));
	assert_string_equal(negotiate_content_type(EXPO_FORMATS), negotiate_content_type(EXPO_TEXT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_content_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
