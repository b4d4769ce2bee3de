/* Content negotiation for the HTTP server: which encodings a client accepts
 * (RFC 9110 Accept-Encoding with q-values), parsed defensively since the
 * header comes from the network.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "http_internal.h"

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
