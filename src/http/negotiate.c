/* Content negotiation for the HTTP server: which encodings a client accepts
 * (RFC 9110 Accept-Encoding with q-values) and which exposition format
 * /metrics serves (Accept), parsed defensively since the headers come from
 * the network: bounded length, no allocation, anything malformed in one
 * element only drops that element.
 *
 * Prometheus lists the formats it wants in order of preference, e.g. 2.42
 * with native histograms:
 *   application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;
 *   encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,...
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "http_internal.h"
#include "negotiate.h"

/* RFC 9110 qvalue: 0, 0.x to 0.xxx, 1, 1.0 to 1.000. -1 when malformed. */
static double parse_qvalue(const char *s, size_t n)
{
	double q = 0, scale = 0.1;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = s[0] - '0';
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1 ? -1 : q;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims optional whitespace around [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_ows(**s))
		(*s)++, (*n)--;
	while (*n && is_ows((*s)[*n - 1]))
		(*n)--;
}

/* The q of one "coding *( ; param )" element, or -1 when a q is malformed
 * (the element is then ignored, as if absent). */
static double element_q(const char *params, size_t n)
{
	double q = 1;

	while (n) {
		const char *semi = memchr(params, ';', n);
		size_t len = semi ? (size_t)(semi - params) : n;
		const char *p = params;
		size_t plen = len;

		trim(&p, &plen);
		if (plen >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			const char *v = p + 2;
			size_t vlen = plen - 2;

			trim(&v, &vlen);
			q = parse_qvalue(v, vlen);
			if (q < 0)
				return -1;
		}
		params += len + (semi ? 1 : 0);
		n -= len + (semi ? 1 : 0);
	}
	return q;
}

int http_accepts_gzip(const char *ae)
{
	double gzip_q = -1, star_q = -1;

	if (!ae)
		return 0;
	while (*ae) {
		size_t len = strcspn(ae, ",");
		size_t clen = strcspn(ae, ",;");
		const char *coding = ae;
		double q;

		trim(&coding, &clen);
		q = element_q(ae + strcspn(ae, ",;"), len - strcspn(ae, ",;"));
		if (q >= 0) {
			if ((clen == 4 && strncasecmp(coding, "gzip", 4) == 0) ||
			    (clen == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
				gzip_q = fmax(gzip_q, q);
			else if (clen == 1 && coding[0] == '*')
				star_q = fmax(star_q, q);
		}
		ae += len + (ae[len] == ',' ? 1 : 0);
	}
	return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

static enum MHD_Result join_accept_encoding(void *cls, enum MHD_ValueKind kind, const char *key,
					    const char *value)
{
	struct buf *b = cls;

	if (value && strcasecmp(key, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0) {
		if (b->len)
			buf_putc(b, ',');
		buf_puts(b, value);
	}
	return MHD_YES;
}

/* Every Accept-Encoding header counts: a list may be split across several. */
int http_wants_gzip(struct MHD_Connection *c)
{
	struct buf b;
	int yes;

	buf_init(&b);
	MHD_get_connection_values(c, MHD_HEADER_KIND, join_accept_encoding, &b);
	yes = b.len && !b.oom ? http_accepts_gzip(buf_cstr(&b)) : 0;
	buf_free(&b);
	return yes;
}

/* ------------------------------------------------------------------------ */
/* Accept: the exposition format                                            */
/* ------------------------------------------------------------------------ */

/* Longer headers are read up to here: every real client's fits. */
#define ACCEPT_MAX 4096

static const char *const content_types[EXPO_FORMATS] = {
	[EXPO_TEXT] = "text/plain; version=0.0.4; charset=utf-8",
	[EXPO_OPENMETRICS] = "application/openmetrics-text; version=1.0.0; charset=utf-8",
	[EXPO_PROTOBUF] = ("application/vnd.google.protobuf; "
			   "proto=io.prometheus.client.MetricFamily; encoding=delimited"),
};

const char *negotiate_content_type(enum expo_format f)
{
	return content_types[f < EXPO_FORMATS ? f : EXPO_TEXT];
}

/* A token of [s, e) without the spaces around it. */
struct span {
	const char *s, *e;
};

static struct span span_trim(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (struct span){ s, e };
}

static int span_is(struct span t, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(t.e - t.s) == n && strncasecmp(t.s, want, n) == 0;
}

/* Strips one pair of double quotes around a parameter value. */
static struct span unquote(struct span v)
{
	if (v.e - v.s >= 2 && v.s[0] == '"' && v.e[-1] == '"')
		return (struct span){ v.s + 1, v.e - 1 };
	return v;
}

struct range {
	struct span type;
	struct span proto, encoding, version;
	double q;
};

/* Parses one media range "type/sub;k=v;q=0.5"; 0 or -1 when malformed. */
static int parse_range(const char *s, const char *e, struct range *r)
{
	const char *semi = memchr(s, ';', (size_t)(e - s));

	*r = (struct range){ .type = span_trim(s, semi ? semi : e), .q = 1 };
	if (r->type.s == r->type.e || !memchr(r->type.s, '/', (size_t)(r->type.e - r->type.s)))
		return -1;
	while (semi) {
		const char *p = semi + 1, *next = memchr(p, ';', (size_t)(e - p));
		const char *end = next ? next : e;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		struct span k, v;

		semi = next;
		if (!eq)
			continue;       /* a bare token: ignored, as clients ignore it */
		k = span_trim(p, eq);
		v = unquote(span_trim(eq + 1, end));
		if (span_is(k, "q") && (r->q = parse_qvalue(v.s, (size_t)(v.e - v.s))) < 0)
			return -1;
		else if (span_is(k, "proto"))
			r->proto = v;
		else if (span_is(k, "encoding"))
			r->encoding = v;
		else if (span_is(k, "version"))
			r->version = v;
	}
	return 0;
}

/* The format a range selects, or -1 when we serve nothing it matches. */
static int range_format(const struct range *r)
{
	int no_version = r->version.s == r->version.e;

	if (span_is(r->type, "application/vnd.google.protobuf"))
		return span_is(r->proto, "io.prometheus.client.MetricFamily") &&
			       span_is(r->encoding, "delimited")
		       ? EXPO_PROTOBUF
		       : -1;
	if (span_is(r->type, "application/openmetrics-text"))
		return no_version || span_is(r->version, "1.0.0") || span_is(r->version, "0.0.1")
		       ? EXPO_OPENMETRICS
		       : -1;
	if (span_is(r->type, "text/plain"))
		return no_version || span_is(r->version, "0.0.4") ? EXPO_TEXT : -1;
	if (span_is(r->type, "*/*") || span_is(r->type, "text/*"))
		return EXPO_TEXT;
	return -1;
}

enum expo_format negotiate_format(const char *accept)
{
	enum expo_format best = EXPO_TEXT;
	double best_q = 0;
	const char *s, *end;

	if (!accept)
		return EXPO_TEXT;
	end = accept + strnlen(accept, ACCEPT_MAX);
	for (s = accept; s < end;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		struct range r;
		int f;

		/* A quoted comma inside a parameter is not legal in the ranges we
		 * serve, so a plain split loses nothing we could match. */
		if (!parse_range(s, e, &r) && (f = range_format(&r)) >= 0 && r.q > best_q) {
			best = (enum expo_format)f;
			best_q = r.q;
		}
		s = comma ? comma + 1 : end;
	}
	return best;
}
