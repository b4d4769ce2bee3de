/* Private helpers shared by the /proc and /sys collectors in this directory.
 *
 * The collectors run every interval over text the kernel generates, so these
 * scan in place without allocating and without strtoull's locale and errno
 * overhead. Each stops at the first byte it does not expect and reports that
 * plainly, because the input is treated as hostile: a truncated or garbled
 * file must end in -EINVAL, never in a read past the buffer or a silent zero.
 */
#ifndef IM_COLLECT_PARSE_H
#define IM_COLLECT_PARSE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "collector.h"
#include "metrics.h"
#include "util.h"

static inline bool pp_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline const char *pp_skip_blanks(const char *p)
{
	while (pp_blank(*p))
		p++;
	return p;
}

/* Decimal digits at p into *out; returns the byte after them, or NULL when
 * there is no digit or the number does not fit in 64 bits. */
static inline const char *pp_u64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (p == start)
		return NULL;
	*out = v;
	return p;
}

/* Hexadecimal digits at p (no 0x) into *out, as /proc/net/softnet_stat and
 * nf_conntrack print their counters; the byte after them, or NULL when there
 * is no digit or the number does not fit in 64 bits. */
static inline const char *pp_x64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;

	for (;; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (unsigned)((*p | 0x20) - 'a' + 10);
		else
			break;
		if (v >> 60)
			return NULL;
		v = v << 4 | d;
	}
	if (p == start)
		return NULL;
	*out = v;
	return p;
}

/* A number that must be the whole field: followed by a blank, a newline or
 * the end of the text. */
static inline const char *pp_u64_field(const char *p, uint64_t *out)
{
	p = pp_u64(p, out);
	if (!p || !(pp_blank(*p) || *p == '\n' || *p == '\0'))
		return NULL;
	return p;
}

/* Decimal text of v into out (at least 21 bytes); returns its length. Label
 * values such as cpu="12" are built per sample, where snprintf would cost more
 * than the rest of the line's parsing. */
static inline size_t pp_fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* A multi-line /proc file is whole when it is text (no NUL inside) and its
 * last line ends in '\n': the kernel always terminates lines, so a missing
 * newline means the read was cut short and the last number may be cut too. */
static inline int pp_check_text(const struct buf *b)
{
	if (!b->len)
		return -EINVAL;
	if (memchr(b->data, '\0', b->len) || b->data[b->len - 1] != '\n')
		return -EINVAL;
	return 0;
}

/* A multi-line /proc file under root, read whole (collect_read()) and
 * checked as above. The read's own errors pass through unchanged (-ENOENT
 * for a missing file). */
static inline int pp_read_text(struct collect_ctx *ctx, const char *root, const char *rel,
			       struct buf *b)
{
	int err = collect_read(ctx, root, rel, b);

	return err ? err : pp_check_text(b);
}

/* A one-line sysfs or /proc/sys value: drops one trailing newline and
 * rejects embedded NULs and further lines. */
static inline int pp_one_line(struct buf *b)
{
	if (memchr(b->data, '\0', b->len))
		return -EINVAL;
	if (b->len && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
	if (memchr(b->data, '\n', b->len))
		return -EINVAL;
	return 0;
}

/* A /proc/sys or sysfs file that holds one decimal number (nf_conntrack_max,
 * entropy_avail): read whole, one line, the number and nothing else. */
static inline int pp_read_u64(struct collect_ctx *ctx, const char *root, const char *rel,
			      struct buf *b, uint64_t *v)
{
	int err = collect_read(ctx, root, rel, b);

	if (!err)
		err = pp_one_line(b);
	return err ? err : parse_u64(b->data, v);
}

/* The one sample of an unlabelled family named after a field of the file. A
 * field listed twice would give one series two values, so the second is an
 * error rather than a second sample. */
static inline int pp_add_once(struct metric_set *ms, const char *name, enum metric_type type,
			      const char *help, double v)
{
	struct family *f = ms_family(ms, name, type, help);

	if (f && f->nsamples)
		return -EINVAL;
	ms_add_labels(ms, f, v, NULL, 0);
	return 0;
}

/* pp_add_once() for a family named prefix + field with HELP help_prefix +
 * field + ".", as meminfo and vmstat name one family per line of their file.
 * Built by hand, not with snprintf, for the same per-line reason as
 * pp_fmt_u64(); -EINVAL when the result would not fit. */
static inline int pp_add_field(struct metric_set *ms, const char *prefix, const char *help_prefix,
			       const char *field, size_t len, enum metric_type type, double v)
{
	char name[256], help[256];
	size_t np = strlen(prefix), hp = strlen(help_prefix);

	if (np + len >= sizeof(name) || hp + len + 1 >= sizeof(help))
		return -EINVAL;
	memcpy(name, prefix, np);
	memcpy(name + np, field, len);
	name[np + len] = '\0';
	memcpy(help, help_prefix, hp);
	memcpy(help + hp, field, len);
	memcpy(help + hp + len, ".", 2);
	return pp_add_once(ms, name, type, help, v);
}

/* True when the line starts with the word w followed by a blank. */
static inline bool pp_word(const char *line, const char *w, size_t wlen)
{
	return strncmp(line, w, wlen) == 0 && pp_blank(line[wlen]);
}

/* The next range of a kernel cpulist ("0-3,8,10-11", "" for none) at *p:
 * 1 with *lo <= *hi and *p past the range and its comma, 0 at the end,
 * -EINVAL for anything else. */
static inline int pp_cpulist_next(const char **p, uint64_t *lo, uint64_t *hi)
{
	const char *q = *p;

	if (!*q)
		return 0;
	q = pp_u64(q, lo);
	if (!q)
		return -EINVAL;
	*hi = *lo;
	if (*q == '-') {
		q = pp_u64(q + 1, hi);
		if (!q || *hi < *lo)
			return -EINVAL;
	}
	if (*q == ',' && q[1])
		q++;
	else if (*q)
		return -EINVAL;
	*p = q;
	return 1;
}

/* Length of the well-formed UTF-8 sequence at p (1 to 4), or 0: no overlongs,
 * no surrogates, nothing past U+10FFFF. */
static inline size_t pp_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p, n, min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) <= n)
		return 0;
	for (unsigned i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* Prometheus refuses a scrape whose label values are not UTF-8, so text
 * that becomes a label value (a hostname, a clocksource) is checked first:
 * well-formed sequences only (pp_utf8_len()) and no control bytes. */
static inline bool pp_label_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n = pp_utf8_len(p, end);

		if (!n || (n == 1 && (*p < 0x20 || *p == 0x7f)))
			return false;
		p += n;
	}
	return true;
}

#endif
