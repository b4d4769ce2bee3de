/* The web config parser (exporter-toolkit's format, strict), the Basic
 * credentials decoder, and the bcrypt check with its decoy and cache.
 * Parser cases are one table: YAML in, and either success or a substring of
 * the error expected ("file:line:col: key: what"). */
#include <stdlib.h>
#include <unistd.h>

#include "fixture.h"

#include "util.h"
#include "webconfig.h"

/* "secret" at cost 8, "hunter2" at cost 4 (python3 crypt, libxcrypt). */
#define HASH_SECRET_8 "$2y$08$abcdefghijklmnopqrstuuKxCcvB7KZ7.BpDoK0bh6qM7Dl1/xiJa"
#define HASH_HUNTER2_4 "$2y$04$ABCDEFGHIJKLMNOPQRSTUOuTTL4icfB1GG/vt2MogfwWS8HG4KO.W"

struct parse_case {
	const char *what;
	const char *yaml;
	const char *err;        /* substring of the error, or NULL for success */
};

static const struct parse_case cases[] = {
	{ "empty file", "", NULL },
	{ "only a comment", "# nothing\n", NULL },
	{ "empty sections", "tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n", NULL },
	{ "versions alone leave TLS off", "tls_server_config:\n  min_version: TLS13\n", NULL },
	{ "unknown top-level key", "tls_server_config: {}\nbasic_auth_user:\n  a: b\n",
	  "web.yml:2:1: basic_auth_user: unknown key" },
	{ "unknown TLS key", "tls_server_config:\n  cert_file: a\n  cert_fil: b\n",
	  "web.yml:3:3: tls_server_config.cert_fil: unknown key" },
	{ "unknown http key", "http_server_config:\n  http3: true\n",
	  "web.yml:2:3: http_server_config.http3: unknown key" },
	{ "string where a mapping goes", "tls_server_config: yes\n",
	  "web.yml:1:20: tls_server_config: expected a mapping" },
	{ "list where a string goes", "tls_server_config:\n  cert_file: [a, b]\n  key_file: k\n",
	  "web.yml:2:14: tls_server_config.cert_file: expected a string, got a list" },
	{ "mapping where a string goes", "basic_auth_users:\n  bob: {a: b}\n",
	  "web.yml:2:8: basic_auth_users.bob: expected a string, got a mapping" },
	{ "duplicate key", "basic_auth_users:\n  bob: " HASH_HUNTER2_4 "\n  bob: " HASH_HUNTER2_4 "\n",
	  "web.yml:3:3: basic_auth_users.bob: duplicate key" },
	{ "cert without key", "tls_server_config:\n  cert_file: c.pem\n",
	  "tls_server_config: missing key_file" },
	{ "key without cert", "tls_server_config:\n  key_file: k.pem\n",
	  "tls_server_config: missing cert_file" },
	{ "bad client_auth_type",
	  "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Always\n",
	  "web.yml:4:21: tls_server_config.client_auth_type: invalid value \"Always\"" },
	{ "CA without an auth type using it",
	  "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
	  "client_ca_file is set but client_auth_type does not use it" },
	{ "verification without a CA",
	  "tls_server_config:\n  cert_file: c\n  key_file: k\n"
	  "  client_auth_type: RequireAndVerifyClientCert\n",
	  "client_auth_type RequireAndVerifyClientCert needs client_ca_file" },
	{ "bad TLS version", "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS1.2\n",
	  "tls_server_config.min_version: invalid TLS version \"TLS1.2\"" },
	{ "min above max",
	  "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n"
	  "  max_version: TLS12\n",
	  "min_version is above max_version" },
	{ "max below the default min", "tls_server_config:\n  cert_file: c\n  key_file: k\n"
				       "  max_version: TLS11\n",
	  "below the default min_version TLS12" },
	{ "cipher_suites refused, not ignored",
	  "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
	  "web.yml:4:3: tls_server_config.cipher_suites: not supported" },
	{ "forbidden header", "http_server_config:\n  headers:\n    Server: x\n",
	  "web.yml:3:5: http_server_config.headers.Server: this header can not be configured" },
	{ "header names match exactly", "http_server_config:\n  headers:\n    x-frame-options: deny\n",
	  "can not be configured" },
	{ "enumerated header value", "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
	  "web.yml:3:22: http_server_config.headers.X-Frame-Options: invalid value \"allow\"" },
	{ "header injection", "http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n",
	  "line break in header value" },
	{ "http2 must be a boolean", "http_server_config:\n  http2: maybe\n",
	  "http_server_config.http2: expected true or false" },
	{ "not a bcrypt hash", "basic_auth_users:\n  bob: $6$salt$abc\n",
	  "web.yml:2:8: basic_auth_users.bob: not a bcrypt hash" },
	{ "bcrypt cost out of range",
	  "basic_auth_users:\n  bob: $2y$03$ABCDEFGHIJKLMNOPQRSTUOuTTL4icfB1GG/vt2MogfwWS8HG4KO.W\n",
	  "not a bcrypt hash" },
	{ "user with a colon", "basic_auth_users:\n  \"a:b\": " HASH_HUNTER2_4 "\n",
	  "basic_auth_users.a:b: a user name must be non-empty, without ':'" },
	{ "not YAML", "tls_server_config: [\n", "web.yml:2:1: " },
	{ "top level is a list", "- a\n- b\n", "web.yml:1:1: expected a mapping" },
};

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct webconfig *wc = NULL;
		char err[512];
		int rc = webconfig_parse_buffer(cases[i].yaml, strlen(cases[i].yaml), "web.yml", &wc,
						err, sizeof(err));

		if (!cases[i].err && rc) {
			fail_msg("%s: unexpected error %s", cases[i].what, err);
		} else if (cases[i].err && (rc != -EINVAL || !strstr(err, cases[i].err))) {
			fail_msg("%s: want error containing \"%s\", got %d \"%s\"", cases[i].what,
				 cases[i].err, rc, rc ? err : "");
		}
		webconfig_free(wc);
	}
}

static struct webconfig *parse_ok(const char *yaml, const char *name)
{
	struct webconfig *wc = NULL;
	char err[512];

	if (webconfig_parse_buffer(yaml, strlen(yaml), name, &wc, err, sizeof(err)))
		fail_msg("unexpected error: %s", err);
	return wc;
}

/* exporter-toolkit's own example, as node_exporter users have it. */
static void test_full_config(void **state)
{
	struct buf b;
	struct webconfig *wc;
	char prio[128];

	buf_init(&b);
	assert_int_equal(read_file(FIXTURES "/webconfig/web-config.yml", &b), 0);
	wc = parse_ok(b.data, "/etc/infra-monitor/web.yml");
	assert_true(wc->tls);
	assert_string_equal(wc->cert_file, "/etc/infra-monitor/server.crt");
	assert_string_equal(wc->key_file, "/etc/ssl/private/server.key");
	assert_string_equal(wc->client_ca_file, "/etc/infra-monitor/clients/ca.crt");
	assert_int_equal(wc->client_auth, CLIENT_AUTH_VERIFY_IF_GIVEN);
	assert_int_equal(wc->min_version, TLS_12);
	assert_int_equal(wc->max_version, TLS_13);
	assert_int_equal(wc->nheaders, 2);
	assert_string_equal(wc->headers[0].name, "X-Frame-Options");
	assert_string_equal(wc->headers[0].value, "deny");
	assert_int_equal(wc->nusers, 2);
	assert_string_equal(wc->users[1].name, "bob");
	assert_int_equal(wc->max_cost, 8);
	assert_int_equal(webconfig_tls_priority(wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
	webconfig_free(wc);
	buf_free(&b);
}

static void test_defaults_and_versions(void **state)
{
	static const char *const auth[] = { "NoClientCert", "RequestClientCert",
					    "RequireAnyClientCert", "VerifyClientCertIfGiven",
					    "RequireAndVerifyClientCert", "RequireClientCert", "" };
	static const enum webconfig_client_auth want[] = {
		CLIENT_AUTH_NONE, CLIENT_AUTH_REQUEST, CLIENT_AUTH_REQUIRE_ANY,
		CLIENT_AUTH_VERIFY_IF_GIVEN, CLIENT_AUTH_REQUIRE_AND_VERIFY,
		CLIENT_AUTH_REQUIRE_ANY, CLIENT_AUTH_NONE
	};
	struct webconfig *wc = parse_ok("", "web.yml");
	char yaml[256], prio[128];

	assert_false(wc->tls);
	assert_int_equal(wc->nusers, 0);
	assert_int_equal(wc->min_version, TLS_12);      /* TLS 1.2 minimum by default */
	webconfig_free(wc);

	for (size_t i = 0; i < ARRAY_SIZE(auth); i++) {
		snprintf(yaml, sizeof(yaml),
			 "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: \"%s\"\n%s",
			 auth[i], want[i] >= CLIENT_AUTH_REQUEST ? "  client_ca_file: ca\n" : "");
		wc = parse_ok(yaml, "web.yml");
		assert_int_equal(wc->client_auth, want[i]);
		webconfig_free(wc);
	}

	wc = parse_ok("tls_server_config:\n  cert_file: /c\n  key_file: k\n  min_version: TLS10\n"
		      "  max_version: TLS11\n", "web.yml");
	assert_int_equal(webconfig_tls_priority(wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0");
	/* No directory in the name: relative paths stay as written. */
	assert_string_equal(wc->key_file, "k");
	assert_string_equal(wc->cert_file, "/c");
	webconfig_free(wc);
}

static void test_basic_auth_header(void **state)
{
	char user[64], pass[64];

	/* "alice:secret", "Aladdin:open sesame" (RFC 7617), "bob:" */
	assert_int_equal(webconfig_parse_basic_auth("Basic YWxpY2U6c2VjcmV0", user, sizeof(user),
						    pass, sizeof(pass)), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "secret");
	assert_int_equal(webconfig_parse_basic_auth("basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ==", user,
						    sizeof(user), pass, sizeof(pass)), 0);
	assert_string_equal(user, "Aladdin");
	assert_string_equal(pass, "open sesame");
	assert_int_equal(webconfig_parse_basic_auth("Basic Ym9iOg==", user, sizeof(user), pass,
						    sizeof(pass)), 0);
	assert_string_equal(user, "bob");
	assert_string_equal(pass, "");
	/* no colon, bad alphabet, bad padding, other scheme, NUL inside, none, a
	 * user name longer than the caller's buffer */
	assert_int_equal(webconfig_parse_basic_auth("Basic YWxpY2U=", user, sizeof(user), pass,
						    sizeof(pass)), -EINVAL);
	assert_int_equal(webconfig_parse_basic_auth("Basic YWxp*2U6c2VjcmV0", user, sizeof(user),
						    pass, sizeof(pass)), -EINVAL);
	assert_int_equal(webconfig_parse_basic_auth("Basic YW=xpY2U6", user, sizeof(user), pass,
						    sizeof(pass)), -EINVAL);
	assert_int_equal(webconfig_parse_basic_auth("Bearer YWxpY2U6c2VjcmV0", user, sizeof(user),
						    pass, sizeof(pass)), -EINVAL);
	assert_int_equal(webconfig_parse_basic_auth("Basic YQBiOmM=", user, sizeof(user), pass,
						    sizeof(pass)), -EINVAL);
	assert_int_equal(webconfig_parse_basic_auth(NULL, user, sizeof(user), pass, sizeof(pass)),
			 -EINVAL);
	assert_int_equal(webconfig_parse_basic_auth("Basic "
						    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
						    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTpi",
						    user, sizeof(user), pass, sizeof(pass)),
			 -EINVAL);
}

static struct webconfig *load_text(const char *yaml)
{
	char path[] = "/tmp/test_webconfig_XXXXXX", err[512];
	struct webconfig *wc = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	if (webconfig_load(path, &wc, err, sizeof(err)))
		fail_msg("load: %s", err);
	unlink(path);
	return wc;
}

static double time_check(const struct webconfig *wc, const char *hdr, int *rc)
{
	double t0 = now_monotonic();

	*rc = webconfig_check_auth(wc, hdr);
	return now_monotonic() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_check_auth(void **state)
{
	struct webconfig *wc = load_text("basic_auth_users:\n  alice: " HASH_SECRET_8 "\n");
	struct webconfig *none = load_text("http_server_config: {}\n");
	double known[5], unknown[5], first, cached;
	int rc;

	/* alice:secret, alice:wrong, mallory:secret */
	assert_int_equal(webconfig_check_auth(wc, NULL), -EACCES);
	assert_int_equal(webconfig_check_auth(wc, "Basic !!!"), -EACCES);
	assert_int_equal(webconfig_check_auth(wc, "Basic YWxpY2U6d3Jvbmc="), -EACCES);
	assert_int_equal(webconfig_check_auth(wc, "Basic bWFsbG9yeTpzZWNyZXQ="), -EACCES);
	first = time_check(wc, "Basic YWxpY2U6c2VjcmV0", &rc);
	assert_int_equal(rc, 0);
	cached = time_check(wc, "Basic YWxpY2U6c2VjcmV0", &rc);
	assert_int_equal(rc, 0);
	/* The cache answers without bcrypt (cost 8 is milliseconds; a hit
	 * is an HMAC). */
	assert_true(cached * 4 < first);
	/* A wrong password for a cached user still fails. */
	assert_int_equal(webconfig_check_auth(wc, "Basic YWxpY2U6c2VjcmV1"), -EACCES);

	/* Unknown users pay one bcrypt at the configured cost, like known
	 * ones with a wrong password: medians within a factor of two. */
	for (int i = 0; i < 5; i++) {
		known[i] = time_check(wc, "Basic YWxpY2U6d3Jvbmc=", &rc);
		unknown[i] = time_check(wc, "Basic bWFsbG9yeTpzZWNyZXQ=", &rc);
	}
	qsort(known, 5, sizeof(double), cmp_double);
	qsort(unknown, 5, sizeof(double), cmp_double);
	if (unknown[2] * 2 < known[2] || unknown[2] > known[2] * 2)
		fail_msg("unknown user %.3f ms, known user %.3f ms", unknown[2] * 1e3,
			 known[2] * 1e3);

	/* No users: everything passes, as without a web config. */
	assert_int_equal(webconfig_check_auth(none, NULL), 0);
	webconfig_free(wc);
	webconfig_free(none);
}

static void test_load_errors(void **state)
{
	struct webconfig *wc = NULL;
	char err[512], path[] = "/tmp/test_webconfig_XXXXXX";
	static const char yaml[] = "tls_server_config:\n  cert_file: /nonexistent/server.crt\n"
				   "  key_file: /nonexistent/server.key\n";
	int fd;

	assert_int_equal(webconfig_load("/nonexistent/web.yml", &wc, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/web.yml"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, sizeof(yaml) - 1), (ssize_t)sizeof(yaml) - 1);
	close(fd);
	assert_int_equal(webconfig_load(path, &wc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/server.crt"));
	assert_null(wc);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults_and_versions),
		cmocka_unit_test(test_basic_auth_header),
		cmocka_unit_test(test_check_auth),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests_name("webconfig", tests, NULL, NULL);
}
