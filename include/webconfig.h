/* The web config file (--web.config.file) in Prometheus exporter-toolkit's
 * format, so files written for node_exporter work unchanged:
 *
 *   tls_server_config:  cert_file, key_file, client_auth_type, client_ca_file,
 *                       min_version, max_version
 *   http_server_config: http2 (accepted, ignored: HTTP/1.1 only), headers
 *   basic_auth_users:   user: bcrypt hash
 *
 * Parsed strictly: an unknown key or a value of the wrong type is an error
 * naming the file, line, column and key. Relative file names are resolved
 * against the directory of the config file, as exporter-toolkit does.
 *
 * A loaded config is immutable except for its auth cache (locked inside):
 * the HTTP server swaps a whole new one in on SIGHUP.
 */
#ifndef IM_WEBCONFIG_H
#define IM_WEBCONFIG_H

#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

/* exporter-toolkit's client_auth_type values, Go's tls.ClientAuthType. */
enum webconfig_client_auth {
	CLIENT_AUTH_NONE,               /* NoClientCert (or empty) */
	CLIENT_AUTH_REQUEST,            /* RequestClientCert: asked, not required, not verified */
	CLIENT_AUTH_REQUIRE_ANY,        /* RequireAnyClientCert: required, not verified */
	CLIENT_AUTH_VERIFY_IF_GIVEN,    /* VerifyClientCertIfGiven */
	CLIENT_AUTH_REQUIRE_AND_VERIFY, /* RequireAndVerifyClientCert */
};

/* min_version / max_version: TLS10 .. TLS13. */
enum webconfig_tls_version { TLS_VERSION_UNSET, TLS_10, TLS_11, TLS_12, TLS_13 };

struct webconfig_header {
	char *name;
	char *value;
};

struct webconfig_user {
	char *name;
	char *hash;             /* "$2y$NN$..." (or $2a$, $2b$), 60 characters */
};

struct webconfig_tls;           /* loaded credentials (GnuTLS), webconfig.c */
struct webconfig_auth;          /* bcrypt work area and cache, webconfig.c */

struct webconfig {
	char *name;             /* the file, as named in errors and logs */

	bool tls;               /* any TLS key set: serve HTTPS */
	char *cert_file, *key_file, *client_ca_file;    /* resolved paths */
	enum webconfig_client_auth client_auth;
	enum webconfig_tls_version min_version;         /* TLS_12 unless set */
	enum webconfig_tls_version max_version;         /* TLS_13 unless set */

	struct webconfig_header *headers;
	size_t nheaders;
	struct webconfig_user *users;
	size_t nusers;
	unsigned int max_cost;  /* highest bcrypt cost among users: the decoy's */

	struct webconfig_tls *creds;    /* NULL until webconfig_load() */
	struct webconfig_auth *auth;    /* NULL until webconfig_load() */
};

/* webconfig.c */
/* Parses and validates the YAML text data[0..len) (no files are read: the
 * fuzzing entry point). name is used in errors and as the base of relative
 * paths. 0 and *out, or -EINVAL with "name:line:col: key: what" in err,
 * or -ENOMEM. */
int webconfig_parse_buffer(const char *data, size_t len, const char *name,
			   struct webconfig **out, char *err, size_t errsz);
/* Reads path, parses it, loads the certificates and keys it names and
 * prepares basic auth: a config ready to serve. 0 or -errno with err set. */
int webconfig_load(const char *path, struct webconfig **out, char *err, size_t errsz);
/* NULL-safe. */
void webconfig_free(struct webconfig *wc);

/* The GnuTLS priority string for the configured version range. */
int webconfig_tls_priority(const struct webconfig *wc, char *out, size_t outsz);
/* Points a new server session at this config's credentials, version range
 * and client-certificate mode. 0 or a negative GnuTLS error. */
int webconfig_tls_session(const struct webconfig *wc, gnutls_session_t session);

/* Splits an Authorization header value of the Basic scheme into user and
 * password (NUL-terminated). 0, or -EINVAL when absent, malformed or too long. */
int webconfig_parse_basic_auth(const char *header, char *user, size_t usersz, char *pass,
			       size_t passsz);
/* Whether the Authorization header value (NULL when absent) names a
 * configured user with the right password: 0, or -EACCES. Always 0 when no
 * users are configured. An unknown user costs one bcrypt at the highest
 * configured cost, like a known one; successes are cached (keyed by a keyed
 * digest of user, hash and password, never the password itself). */
int webconfig_check_auth(const struct webconfig *wc, const char *authorization);

#endif
