/* The web config: exporter-toolkit's YAML, TLS credentials, basic auth.
 *
 * Sits beside the HTTP server (server.c), which owns one loaded config at a
 * time and swaps in a new one on SIGHUP. Three parts:
 *
 *   parse   libyaml's document API walked against a fixed schema; anything
 *           not in it is an error naming file, line, column and key, as
 *           exporter-toolkit's UnmarshalStrict would refuse it. Pure: reads
 *           no file, so it is also the fuzzing entry point.
 *   TLS     one GnuTLS certificate credential per config (key pair, client
 *           CAs, a verify callback when the auth type asks for verification)
 *           and one priority cache for the version range. The server points
 *           each new session at them before its handshake.
 *   auth    bcrypt through libxcrypt. Unknown users are checked against a
 *           decoy setting at the highest configured cost, so the time of a
 *           refusal does not say whether the user exists; successes are
 *           cached under an HMAC of (user, hash, password) with a key drawn
 *           at load time, so the cache holds no password.
 */
#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util.h"
#include "webconfig.h"

/* A web config is a few lines; anything larger is a mistake or an attack. */
#define WEBCONFIG_MAX_BYTES (1 << 20)
#define MAX_USERS 1024
#define MAX_HEADERS 16
/* bcrypt reads 72 bytes of password; a bounded header keeps decoding cheap. */
#define MAX_CREDENTIAL 512
#define BCRYPT_HASH_LEN 60
#define BCRYPT_MIN_COST 4
#define BCRYPT_MAX_COST 31
#define AUTH_CACHE_SLOTS 64
#define DIGEST_LEN 32           /* HMAC-SHA-256 */

struct webconfig_tls {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_certificate_request_t request;
};

struct webconfig_auth {
	/* One bcrypt at a time (exporter-toolkit's bcryptMtx): it is CPU
	 * bound, and the work area is 32 KiB. */
	pthread_mutex_t lock;
	struct crypt_data work;
	char decoy[32];         /* "$2y$NN$" + 22 salt characters */
	uint8_t key[DIGEST_LEN];
	uint8_t cache[AUTH_CACHE_SLOTS][DIGEST_LEN];
	size_t ncached, next;
};

/* ------------------------------------------------------------------------ */
/* Parsing */

struct parse {
	const char *name;
	yaml_document_t *doc;
	struct webconfig *wc;
	char *err;
	size_t errsz;
};

static int perr(struct parse *p, const yaml_node_t *node, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(struct parse *p, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errsz, "%s:%lu:%lu: %s%s%s", p->name,
		 (unsigned long)node->start_mark.line + 1, (unsigned long)node->start_mark.column + 1,
		 key ? key : "", key ? ": " : "", what);
	return -EINVAL;
}

/* YAML's null: an empty value, "~" or "null". Only plain scalars: a quoted
 * "" is a string. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
		!strcmp(v, "NULL"));
}

/* A string value; NULL after writing the error. */
static const char *want_string(struct parse *p, const yaml_node_t *v, const char *key)
{
	if (v->type != YAML_SCALAR_NODE) {
		perr(p, v, key, "expected a string, got a %s",
		     v->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length) {
		perr(p, v, key, "NUL byte in value");
		return NULL;
	}
	return (const char *)v->data.scalar.value;
}

/* A mapping, or null (an empty section). 1 for a mapping, 0 for null. */
static int want_mapping(struct parse *p, const yaml_node_t *v, const char *key)
{
	if (v->type == YAML_MAPPING_NODE)
		return 1;
	if (is_null(v))
		return 0;
	return perr(p, v, key, "expected a mapping");
}

/* Walks the pairs of a mapping, rejecting non-string and repeated keys. */
#define for_each_pair(p, map, pair, k, v)                                                     \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start;                         \
	     pair < (map)->data.mapping.pairs.top &&                                           \
	     ((k) = yaml_document_get_node((p)->doc, pair->key)) &&                            \
	     ((v) = yaml_document_get_node((p)->doc, pair->value));                            \
	     pair++)

static int check_key(struct parse *p, const yaml_node_t *map, const yaml_node_pair_t *pair,
		     const yaml_node_t *k, const char *section)
{
	char key[160];

	if (k->type != YAML_SCALAR_NODE || strlen((const char *)k->data.scalar.value) !=
						   k->data.scalar.length)
		return perr(p, k, section, "keys must be plain strings");
	for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
		const yaml_node_t *qk = yaml_document_get_node(p->doc, q->key);

		if (qk && qk->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)qk->data.scalar.value, (const char *)k->data.scalar.value)) {
			snprintf(key, sizeof(key), "%s%s%s", section ? section : "",
				 section ? "." : "", (const char *)k->data.scalar.value);
			return perr(p, k, key, "duplicate key");
		}
	}
	return 0;
}

static int dup_into(char **dst, const char *s)
{
	char *c = strdup(s);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* A file named in the config: absolute, or relative to the config's directory. */
static int resolve_path(struct parse *p, const yaml_node_t *v, const char *key, const char *s,
			char **dst)
{
	const char *slash = strrchr(p->name, '/');
	char path[PATH_MAX];
	int n;

	if (!s[0])
		return 0;       /* empty: as if unset */
	if (s[0] == '/' || !slash)
		n = snprintf(path, sizeof(path), "%s", s);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - p->name), p->name, s);
	if (n < 0 || (size_t)n >= sizeof(path))
		return perr(p, v, key, "path too long");
	return dup_into(dst, path);
}

static const char *const client_auth_names[] = {
	[CLIENT_AUTH_NONE] = "NoClientCert",
	[CLIENT_AUTH_REQUEST] = "RequestClientCert",
	[CLIENT_AUTH_REQUIRE_ANY] = "RequireAnyClientCert",
	[CLIENT_AUTH_VERIFY_IF_GIVEN] = "VerifyClientCertIfGiven",
	[CLIENT_AUTH_REQUIRE_AND_VERIFY] = "RequireAndVerifyClientCert",
};

static const char *const version_names[] = { [TLS_10] = "TLS10", [TLS_11] = "TLS11",
					      [TLS_12] = "TLS12", [TLS_13] = "TLS13" };

static int parse_tls(struct parse *p, const yaml_node_t *map)
{
	struct webconfig *wc = p->wc;
	const yaml_node_t *k, *v;
	bool any = false;
	int rc;

	rc = want_mapping(p, map, "tls_server_config");
	if (rc <= 0)
		return rc;
	for_each_pair(p, map, pair, k, v) {
		char key[160];
		const char *name, *s;

		rc = check_key(p, map, pair, k, "tls_server_config");
		if (rc)
			return rc;
		name = (const char *)k->data.scalar.value;
		snprintf(key, sizeof(key), "tls_server_config.%s", name);
		if (!strcmp(name, "cert_file") || !strcmp(name, "key_file") ||
		    !strcmp(name, "client_ca_file")) {
			char **dst = name[0] == 'c' && name[1] == 'e' ? &wc->cert_file :
				     name[0] == 'k'		     ? &wc->key_file :
									 &wc->client_ca_file;

			s = want_string(p, v, key);
			if (!s)
				return -EINVAL;
			rc = resolve_path(p, v, key, s, dst);
			if (rc)
				return rc;
			any |= s[0] != '\0';
		} else if (!strcmp(name, "client_auth_type")) {
			size_t i;

			s = want_string(p, v, key);
			if (!s)
				return -EINVAL;
			if (!s[0]) {
				wc->client_auth = CLIENT_AUTH_NONE;
				continue;
			}
			/* exporter-toolkit keeps this old spelling working. */
			if (!strcmp(s, "RequireClientCert"))
				s = "RequireAnyClientCert";
			for (i = 0; i < ARRAY_SIZE(client_auth_names); i++)
				if (!strcmp(s, client_auth_names[i]))
					break;
			if (i == ARRAY_SIZE(client_auth_names))
				return perr(p, v, key, "invalid value \"%s\" (one of NoClientCert, "
						       "RequestClientCert, RequireAnyClientCert, "
						       "VerifyClientCertIfGiven, "
						       "RequireAndVerifyClientCert)", s);
			wc->client_auth = (enum webconfig_client_auth)i;
			any = true;
		} else if (!strcmp(name, "min_version") || !strcmp(name, "max_version")) {
			enum webconfig_tls_version *dst = name[1] == 'i' ? &wc->min_version :
									   &wc->max_version;
			size_t i;

			s = want_string(p, v, key);
			if (!s)
				return -EINVAL;
			for (i = TLS_10; i < ARRAY_SIZE(version_names); i++)
				if (!strcmp(s, version_names[i]))
					break;
			if (i == ARRAY_SIZE(version_names))
				return perr(p, v, key, "invalid TLS version \"%s\" (one of TLS10, "
						       "TLS11, TLS12, TLS13)", s);
			*dst = (enum webconfig_tls_version)i;
		} else if (!strcmp(name, "prefer_server_cipher_suites")) {
			int b;

			s = want_string(p, v, key);
			if (!s)
				return -EINVAL;
			if (parse_bool(s, &b))
				return perr(p, v, key, "expected true or false");
		} else if (!strcmp(name, "cipher_suites") || !strcmp(name, "curve_preferences") ||
			   !strcmp(name, "client_allowed_sans") || !strcmp(name, "cert") ||
			   !strcmp(name, "key")) {
			/* Known to exporter-toolkit, not implemented here: refuse
			 * rather than serve with less than the file asks for. */
			return perr(p, k, key, "not supported by infra-monitor (remove it, see "
					       "docs/security-network.md)");
		} else {
			return perr(p, k, key, "unknown key");
		}
	}
	if (!any)
		return 0;       /* versions alone do not turn TLS on (exporter-toolkit) */
	wc->tls = true;
	if (!wc->cert_file)
		return perr(p, map, "tls_server_config", "missing cert_file");
	if (!wc->key_file)
		return perr(p, map, "tls_server_config", "missing key_file");
	if (wc->client_ca_file && wc->client_auth == CLIENT_AUTH_NONE)
		return perr(p, map, "tls_server_config",
			    "client_ca_file is set but client_auth_type does not use it");
	/* Go would fall back to the system roots here; any public CA's
	 * customer then passes as a client. Insist on naming the CA. */
	if (!wc->client_ca_file && (wc->client_auth == CLIENT_AUTH_VERIFY_IF_GIVEN ||
				    wc->client_auth == CLIENT_AUTH_REQUIRE_AND_VERIFY))
		return perr(p, map, "tls_server_config", "client_auth_type %s needs client_ca_file",
			    client_auth_names[wc->client_auth]);
	if (wc->min_version && wc->max_version && wc->min_version > wc->max_version)
		return perr(p, map, "tls_server_config", "min_version is above max_version");
	return 0;
}

/* exporter-toolkit's extraHTTPHeaders: only these may be set, two of them
 * only to the listed values. Names match exactly, as there. */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

static int check_header(struct parse *p, const yaml_node_t *k, const yaml_node_t *v,
			const char *key, const char *name, const char *value)
{
	for (size_t i = 0; i < ARRAY_SIZE(allowed_headers); i++) {
		if (strcmp(name, allowed_headers[i].name))
			continue;
		if (!allowed_headers[i].values[0])
			break;
		for (size_t j = 0; allowed_headers[i].values[j]; j++)
			if (!strcmp(value, allowed_headers[i].values[j]))
				goto value_ok;
		return perr(p, v, key, "invalid value \"%s\" (one of: %s%s%s)", value,
			    allowed_headers[i].values[0], allowed_headers[i].values[1] ? ", " : "",
			    allowed_headers[i].values[1] ? allowed_headers[i].values[1] : "");
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed_headers); i++)
		if (!strcmp(name, allowed_headers[i].name))
			goto value_ok;
	return perr(p, k, key, "this header can not be configured (allowed: "
			       "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
			       "X-XSS-Protection, Content-Security-Policy)");
value_ok:
	/* A value is copied into the response as is: no line breaks. */
	if (strpbrk(value, "\r\n"))
		return perr(p, v, key, "line break in header value");
	return 0;
}

static int parse_headers(struct parse *p, const yaml_node_t *map)
{
	struct webconfig *wc = p->wc;
	const yaml_node_t *k, *v;
	int rc = want_mapping(p, map, "http_server_config.headers");

	if (rc <= 0)
		return rc;
	for_each_pair(p, map, pair, k, v) {
		char key[192];
		const char *name, *value;

		rc = check_key(p, map, pair, k, "http_server_config.headers");
		if (rc)
			return rc;
		name = (const char *)k->data.scalar.value;
		snprintf(key, sizeof(key), "http_server_config.headers.%s", name);
		value = want_string(p, v, key);
		if (!value)
			return -EINVAL;
		rc = check_header(p, k, v, key, name, value);
		if (rc)
			return rc;
		if (wc->nheaders == MAX_HEADERS)
			return perr(p, k, key, "too many headers");
		wc->headers[wc->nheaders].name = strdup(name);
		wc->headers[wc->nheaders].value = strdup(value);
		if (!wc->headers[wc->nheaders].name || !wc->headers[wc->nheaders++].value)
			return -ENOMEM;
	}
	return 0;
}

static int parse_http(struct parse *p, const yaml_node_t *map)
{
	const yaml_node_t *k, *v;
	int rc = want_mapping(p, map, "http_server_config");

	if (rc <= 0)
		return rc;
	for_each_pair(p, map, pair, k, v) {
		const char *name;
		char key[160];

		rc = check_key(p, map, pair, k, "http_server_config");
		if (rc)
			return rc;
		name = (const char *)k->data.scalar.value;
		snprintf(key, sizeof(key), "http_server_config.%s", name);
		if (!strcmp(name, "headers")) {
			rc = parse_headers(p, v);
		} else if (!strcmp(name, "http2")) {
			const char *s = want_string(p, v, key);
			int b;

			if (!s)
				return -EINVAL;
			rc = parse_bool(s, &b) ? perr(p, v, key, "expected true or false") : 0;
		} else {
			rc = perr(p, k, key, "unknown key");
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* bcrypt's modular format: $2a$, $2b$ or $2y$, two cost digits, '$', then 53
 * characters of its base64 alphabet. The cost, or -EINVAL. */
static int bcrypt_cost(const char *h)
{
	static const char alphabet[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != BCRYPT_HASH_LEN || h[0] != '$' || h[1] != '2' ||
	    (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' || h[4] < '0' ||
	    h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return -EINVAL;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST)
		return -EINVAL;
	if (strspn(h + 7, alphabet) != BCRYPT_HASH_LEN - 7)
		return -EINVAL;
	return cost;
}

static int parse_users(struct parse *p, const yaml_node_t *map)
{
	struct webconfig *wc = p->wc;
	const yaml_node_t *k, *v;
	int rc = want_mapping(p, map, "basic_auth_users");

	if (rc <= 0)
		return rc;
	for_each_pair(p, map, pair, k, v) {
		const char *name, *hash;
		char key[320];
		int cost;

		rc = check_key(p, map, pair, k, "basic_auth_users");
		if (rc)
			return rc;
		name = (const char *)k->data.scalar.value;
		snprintf(key, sizeof(key), "basic_auth_users.%s", name);
		/* The first ':' of Basic credentials ends the user name. */
		if (!name[0] || strchr(name, ':') || strlen(name) > MAX_CREDENTIAL)
			return perr(p, k, key, "a user name must be non-empty, without ':'");
		hash = want_string(p, v, key);
		if (!hash)
			return -EINVAL;
		cost = bcrypt_cost(hash);
		if (cost < 0)
			return perr(p, v, key, "not a bcrypt hash ($2y$, $2b$ or $2a$, cost "
					       "04-31, 60 characters; htpasswd -nBC 10 USER)");
		if (wc->nusers == MAX_USERS)
			return perr(p, k, key, "too many users");
		wc->users[wc->nusers].name = strdup(name);
		wc->users[wc->nusers].hash = strdup(hash);
		if (!wc->users[wc->nusers].name || !wc->users[wc->nusers++].hash)
			return -ENOMEM;
		if ((unsigned int)cost > wc->max_cost)
			wc->max_cost = (unsigned int)cost;
	}
	return 0;
}

static int parse_root(struct parse *p, const yaml_node_t *root)
{
	const yaml_node_t *k, *v;
	int rc = want_mapping(p, root, NULL);

	if (rc <= 0)
		return rc;
	for_each_pair(p, root, pair, k, v) {
		const char *name;

		rc = check_key(p, root, pair, k, NULL);
		if (rc)
			return rc;
		name = (const char *)k->data.scalar.value;
		if (!strcmp(name, "tls_server_config"))
			rc = parse_tls(p, v);
		else if (!strcmp(name, "http_server_config"))
			rc = parse_http(p, v);
		else if (!strcmp(name, "basic_auth_users"))
			rc = parse_users(p, v);
		else
			rc = perr(p, k, name, "unknown key");
		if (rc)
			return rc;
	}
	return 0;
}

void webconfig_free(struct webconfig *wc)
{
	if (!wc)
		return;
	if (wc->creds) {
		if (wc->creds->cred)
			gnutls_certificate_free_credentials(wc->creds->cred);
		if (wc->creds->prio)
			gnutls_priority_deinit(wc->creds->prio);
		free(wc->creds);
	}
	if (wc->auth) {
		pthread_mutex_destroy(&wc->auth->lock);
		explicit_bzero(wc->auth, sizeof(*wc->auth));
		free(wc->auth);
	}
	for (size_t i = 0; i < wc->nheaders; i++) {
		free(wc->headers[i].name);
		free(wc->headers[i].value);
	}
	for (size_t i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->headers);
	free(wc->users);
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->client_ca_file);
	free(wc->name);
	free(wc);
}

int webconfig_parse_buffer(const char *data, size_t len, const char *name,
			   struct webconfig **out, char *err, size_t errsz)
{
	struct webconfig *wc = calloc(1, sizeof(*wc));
	struct parse p = { .name = name, .wc = wc, .err = err, .errsz = errsz };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc = -ENOMEM;

	err[0] = '\0';
	if (!wc)
		goto out;
	wc->name = strdup(name);
	wc->headers = calloc(MAX_HEADERS, sizeof(*wc->headers));
	wc->users = calloc(MAX_USERS, sizeof(*wc->users));
	if (!wc->name || !wc->headers || !wc->users)
		goto out;
	if (len > WEBCONFIG_MAX_BYTES) {
		snprintf(err, errsz, "%s: larger than %d bytes", name, WEBCONFIG_MAX_BYTES);
		rc = -EINVAL;
		goto out;
	}
	if (!yaml_parser_initialize(&parser))
		goto out;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errsz, "%s:%lu:%lu: %s", name,
			 (unsigned long)parser.problem_mark.line + 1,
			 (unsigned long)parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		rc = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		goto out;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	/* An empty file is a valid config: plain HTTP, no auth. */
	rc = root ? parse_root(&p, root) : 0;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc)
		goto out;
	if (!wc->min_version)
		wc->min_version = TLS_12;
	if (!wc->max_version)
		wc->max_version = TLS_13;
	if (wc->min_version > wc->max_version) {
		snprintf(err, errsz, "%s: max_version %s is below the default min_version TLS12",
			 name, version_names[wc->max_version]);
		rc = -EINVAL;
		goto out;
	}
	*out = wc;
	return 0;
out:
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errsz, "%s: %s", name, strerror(ENOMEM));
	webconfig_free(wc);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* TLS */

int webconfig_tls_priority(const struct webconfig *wc, char *out, size_t outsz)
{
	static const char *const vers[] = { [TLS_10] = "+VERS-TLS1.0", [TLS_11] = "+VERS-TLS1.1",
					    [TLS_12] = "+VERS-TLS1.2", [TLS_13] = "+VERS-TLS1.3" };
	size_t len;
	int n = snprintf(out, outsz, "NORMAL:-VERS-ALL");

	if (n < 0 || (size_t)n >= outsz)
		return -ENAMETOOLONG;
	for (int v = wc->max_version; v >= (int)wc->min_version && v >= TLS_10; v--) {
		len = strlen(out);
		n = snprintf(out + len, outsz - len, ":%s", vers[v]);
		if (n < 0 || (size_t)n >= outsz - len)
			return -ENAMETOOLONG;
	}
	return 0;
}

/* Called by GnuTLS once a client's certificate chain has arrived, for the
 * auth types that verify: a chain that does not lead to client_ca_file, has
 * expired, or is not for client authentication ends the handshake. No
 * certificate at all is for the request mode to decide (REQUIRE refuses it
 * before this is called). */
static int verify_client(gnutls_session_t session)
{
	gnutls_typed_vdata_st purpose = { .type = GNUTLS_DT_KEY_PURPOSE_OID,
					  .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT };
	unsigned int status = 0, n = 0;

	if (!gnutls_certificate_get_peers(session, &n) || !n)
		return 0;
	if (gnutls_certificate_verify_peers(session, &purpose, 1, &status) < 0 || status)
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	return 0;
}

static int tls_error(char *err, size_t errsz, const char *what, const char *path, int rc)
{
	snprintf(err, errsz, "%s %s: %s", what, path, gnutls_strerror(rc));
	return -EINVAL;
}

static int load_tls(struct webconfig *wc, char *err, size_t errsz)
{
	struct webconfig_tls *t = calloc(1, sizeof(*t));
	char prio[128];
	const char *errpos = NULL;
	int rc;

	if (!t)
		return -ENOMEM;
	wc->creds = t;  /* freed with wc on any error */
	rc = gnutls_certificate_allocate_credentials(&t->cred);
	if (rc < 0)
		return -ENOMEM;
	/* Checks that the key belongs to the certificate, too. */
	rc = gnutls_certificate_set_x509_key_file2(t->cred, wc->cert_file, wc->key_file,
						   GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		snprintf(err, errsz, "cert_file %s, key_file %s: %s", wc->cert_file, wc->key_file,
			 gnutls_strerror(rc));
		return -EINVAL;
	}
	if (wc->client_ca_file) {
		rc = gnutls_certificate_set_x509_trust_file(t->cred, wc->client_ca_file,
							    GNUTLS_X509_FMT_PEM);
		if (rc < 0)
			return tls_error(err, errsz, "client_ca_file", wc->client_ca_file, rc);
		if (rc == 0) {
			snprintf(err, errsz, "client_ca_file %s: no certificate in it",
				 wc->client_ca_file);
			return -EINVAL;
		}
	}
	switch (wc->client_auth) {
	case CLIENT_AUTH_NONE:
		t->request = GNUTLS_CERT_IGNORE;
		break;
	case CLIENT_AUTH_REQUEST:
	case CLIENT_AUTH_VERIFY_IF_GIVEN:
		t->request = GNUTLS_CERT_REQUEST;
		break;
	case CLIENT_AUTH_REQUIRE_ANY:
	case CLIENT_AUTH_REQUIRE_AND_VERIFY:
		t->request = GNUTLS_CERT_REQUIRE;
		break;
	}
	if (wc->client_auth == CLIENT_AUTH_VERIFY_IF_GIVEN ||
	    wc->client_auth == CLIENT_AUTH_REQUIRE_AND_VERIFY)
		gnutls_certificate_set_verify_function(t->cred, verify_client);
	rc = webconfig_tls_priority(wc, prio, sizeof(prio));
	if (rc)
		return rc;
	rc = gnutls_priority_init(&t->prio, prio, &errpos);
	if (rc < 0) {
		snprintf(err, errsz, "%s: TLS priority \"%s\": %s", wc->name, prio,
			 gnutls_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

int webconfig_tls_session(const struct webconfig *wc, gnutls_session_t session)
{
	const struct webconfig_tls *t = wc->creds;
	int rc;

	if (!t)
		return GNUTLS_E_INVALID_REQUEST;
	rc = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (rc >= 0)
		rc = gnutls_priority_set(session, t->prio);
	if (rc >= 0)
		gnutls_certificate_server_set_request(session, t->request);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------------ */
/* Basic auth */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding (RFC 7617 uses RFC 4648 section 4). The
 * decoded length, or -EINVAL. */
static int b64_decode(const char *in, size_t inlen, char *out, size_t outsz)
{
	size_t o = 0, pad = 0;
	uint32_t acc = 0;

	if (inlen % 4)
		return -EINVAL;
	for (size_t i = 0; i < inlen; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (in[i] == '=' && i >= inlen - 2) {
			pad++;
			v = 0;
		} else if (v < 0 || pad) {
			return -EINVAL;
		}
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			if (o + 3 > outsz)
				return -EINVAL;
			out[o++] = (char)(acc >> 16);
			out[o++] = (char)(acc >> 8);
			out[o++] = (char)acc;
			acc = 0;
		}
	}
	return (int)(o - pad);
}

int webconfig_parse_basic_auth(const char *header, char *user, size_t usersz, char *pass,
			       size_t passsz)
{
	char buf[MAX_CREDENTIAL * 2];
	const char *b64;
	size_t len;
	char *colon;
	int n;

	if (!header || strncasecmp(header, "Basic ", 6))
		return -EINVAL;
	for (b64 = header + 6; *b64 == ' '; b64++)
		;
	len = strlen(b64);
	while (len && b64[len - 1] == ' ')
		len--;
	if (len > (sizeof(buf) - 1) / 3 * 4)
		return -EINVAL;
	n = b64_decode(b64, len, buf, sizeof(buf) - 1);
	if (n < 0)
		return -EINVAL;
	buf[n] = '\0';
	colon = memchr(buf, ':', (size_t)n);
	if (!colon || memchr(buf, '\0', (size_t)n) || (size_t)(colon - buf) >= usersz ||
	    (size_t)(buf + n - colon - 1) >= passsz) {
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	memcpy(user, buf, (size_t)(colon - buf));
	user[colon - buf] = '\0';
	memcpy(pass, colon + 1, (size_t)(buf + n - colon - 1));
	pass[buf + n - colon - 1] = '\0';
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int load_auth(struct webconfig *wc, char *err, size_t errsz)
{
	struct webconfig_auth *a;
	char salt[32];

	if (!wc->nusers)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	wc->auth = a;
	pthread_mutex_init(&a->lock, NULL);
	if (gnutls_rnd(GNUTLS_RND_KEY, a->key, sizeof(a->key)) < 0) {
		snprintf(err, errsz, "%s: no random bytes for the auth cache key", wc->name);
		return -EIO;
	}
	/* The decoy: a setting at the highest cost in use, fresh salt. Hashing
	 * any password with it costs what a real check costs and never matches. */
	if (!crypt_gensalt_rn("$2y$", wc->max_cost, NULL, 0, salt, sizeof(salt))) {
		snprintf(err, errsz, "%s: libxcrypt has no bcrypt ($2y$): %s", wc->name,
			 strerror(errno));
		return -ENOTSUP;
	}
	snprintf(a->decoy, sizeof(a->decoy), "%s", salt);
	return 0;
}

static int ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static void cache_digest(const struct webconfig_auth *a, const char *user, const char *hash,
			 const char *pass, uint8_t *digest)
{
	char text[MAX_CREDENTIAL * 2 + BCRYPT_HASH_LEN + 3];
	int n = snprintf(text, sizeof(text), "%s%c%s%c%s", user, 0, hash, 0, pass);

	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof(a->key), text, (size_t)n, digest);
	explicit_bzero(text, sizeof(text));
}

int webconfig_check_auth(const struct webconfig *wc, const char *authorization)
{
	struct webconfig_auth *a = wc->auth;
	char user[MAX_CREDENTIAL], pass[MAX_CREDENTIAL];
	const struct webconfig_user *u = NULL;
	uint8_t digest[DIGEST_LEN];
	const char *out;
	int ok = 0;

	if (!wc->nusers)
		return 0;
	if (!a || webconfig_parse_basic_auth(authorization, user, sizeof(user), pass,
					     sizeof(pass)))
		return -EACCES;
	for (size_t i = 0; i < wc->nusers && !u; i++)
		if (!strcmp(wc->users[i].name, user))
			u = &wc->users[i];
	pthread_mutex_lock(&a->lock);
	if (u) {
		cache_digest(a, u->name, u->hash, pass, digest);
		for (size_t i = 0; i < a->ncached && !ok; i++)
			ok = ct_equal(a->cache[i], digest, DIGEST_LEN);
	}
	if (!ok) {
		out = crypt_rn(pass, u ? u->hash : a->decoy, &a->work, sizeof(a->work));
		ok = u && out && strlen(out) == BCRYPT_HASH_LEN &&
		     ct_equal(out, u->hash, BCRYPT_HASH_LEN);
		if (ok) {
			memcpy(a->cache[a->next], digest, DIGEST_LEN);
			a->next = (a->next + 1) % AUTH_CACHE_SLOTS;
			if (a->ncached < AUTH_CACHE_SLOTS)
				a->ncached++;
		}
	}
	pthread_mutex_unlock(&a->lock);
	explicit_bzero(pass, sizeof(pass));
	return ok ? 0 : -EACCES;
}

/* ------------------------------------------------------------------------ */
/* Loading */

/* Whole file into b, refusing more than WEBCONFIG_MAX_BYTES (a path pointing
 * at /dev/zero must not eat the memory). 0 or -errno. */
static int read_bounded(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "re");
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	if (buf_reserve(b, WEBCONFIG_MAX_BYTES + 1)) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(b->data, 1, WEBCONFIG_MAX_BYTES + 1, f);
	if (ferror(f))
		err = -EIO;
	else if (n > WEBCONFIG_MAX_BYTES)
		err = -EFBIG;
	b->len = n;
	fclose(f);
	return err;
}

int webconfig_load(const char *path, struct webconfig **out, char *err, size_t errsz)
{
	struct webconfig *wc = NULL;
	struct buf b;
	int rc;

	buf_init(&b);
	err[0] = '\0';
	rc = read_bounded(path, &b);
	if (rc) {
		snprintf(err, errsz, "%s: %s", path, strerror(-rc));
		goto out;
	}
	rc = webconfig_parse_buffer(b.data, b.len, path, &wc, err, errsz);
	if (rc)
		goto out;
	if (wc->tls) {
		rc = load_tls(wc, err, errsz);
		if (rc)
			goto out;
	}
	rc = load_auth(wc, err, errsz);
	if (rc)
		goto out;
	*out = wc;
	wc = NULL;
out:
	if (rc && !err[0])
		snprintf(err, errsz, "%s: %s", path, strerror(-rc));
	webconfig_free(wc);
	buf_free(&b);
	return rc;
}
