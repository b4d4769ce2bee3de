/* Growable buffers and the number/string formatters the renderers share.
 *
 * Rendering runs once per snapshot over a few thousand samples, so the common
 * case (an integer-valued counter) avoids snprintf entirely.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "util.h"

void buf_init(struct buf *b)
{
	*b = (struct buf){ 0 };
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = 0;
}

int buf_grow(struct buf *b, size_t extra)
{
	if (b->oom)
		return -ENOMEM;
	size_t cap = b->cap ? b->cap : 256;

	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);

	if (!p) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && !buf_reserve(b, (size_t)n)) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_put_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(b, tmp + i, sizeof(tmp) - i);
}

/* The fewest fractional digits k, from first to last (at most 22: 10^22 is
 * a double exactly), with which |v| has a decimal M / 10^k that reads back
 * as |v|; k and M in *digits, or -1. A candidate is checked by dividing it
 * back: M / 10^k with M < 2^53 is the correctly rounded value of the
 * decimal, as strtod() gives. */
static int fewest_fraction_digits(double a, int first, int last, uint64_t *digits)
{
	double p = 1;

	for (int k = 0; k < first; k++)
		p *= 10;
	for (int k = first; k <= last; k++, p *= 10) {
		double m = rint(a * p);

		if (m >= 9007199254740992.0)
			return -1;
		if (m != 0 && m / p == a) {
			*digits = (uint64_t)m;
			return k;
		}
	}
	return -1;
}

/* v printed as the decimal with the fewest fractional digits (at most 9)
 * that reads back as v, in the range where "%.15g" prints fixed notation;
 * false when there is none. Where "%.15g" reads back, the text is the same as
 * the snprintf() path below prints (and shorter than "%.17g" where it does
 * not), found several times faster: durations (integer ns / 1e9), CPU seconds
 * (ticks / 100) and most other fractional values take this path. */
static bool put_short_decimal(struct buf *b, double v)
{
	static const uint64_t pow10[] = { 1,	   10,	     100,	1000,	    10000,
					  100000, 1000000, 10000000, 100000000, 1000000000 };
	double a = fabs(v);
	uint64_t digits, frac;
	char tmp[16];
	int k;

	if (a < 1e-4 || a >= 1e15)
		return false;
	k = fewest_fraction_digits(a, 1, (int)ARRAY_SIZE(pow10) - 1, &digits);
	if (k < 0)
		return false;
	frac = digits % pow10[k];
	if (v < 0)
		buf_putc(b, '-');
	buf_put_u64(b, digits / pow10[k]);
	buf_putc(b, '.');
	for (int i = k; i-- > 0; frac /= 10)
		tmp[i] = (char)('0' + frac % 10);
	buf_put(b, tmp, (size_t)k);
	return true;
}

/* The same below 1e-4, where "%.15g" writes an exponent ("1.2345e-05"):
 * the collectors' durations under 100 us, a hundred per collection, took
 * snprintf() and strtod() here. */
static bool put_short_exponent(struct buf *b, double v)
{
	uint64_t digits;
	int k = fewest_fraction_digits(fabs(v), 5, 22, &digits), n = 0, exp10;
	char tmp[24];

	if (k < 0)
		return false;
	for (; digits; digits /= 10)
		tmp[sizeof(tmp) - ++n] = (char)('0' + digits % 10);
	exp10 = k - n + 1;
	if (v < 0)
		buf_putc(b, '-');
	buf_putc(b, tmp[sizeof(tmp) - n]);
	if (n > 1) {
		buf_putc(b, '.');
		buf_put(b, tmp + sizeof(tmp) - n + 1, (size_t)n - 1);
	}
	buf_puts(b, "e-");
	if (exp10 < 10)
		buf_putc(b, '0');
	buf_put_u64(b, (uint64_t)exp10);
	return true;
}

void buf_put_double(struct buf *b, double v)
{
	char tmp[32];

	if (isnan(v)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Exact integers up to 2^53 print as integers: the common case. */
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		if (v < 0) {
			buf_putc(b, '-');
			v = -v;
		}
		buf_put_u64(b, (uint64_t)v);
		return;
	}
	if (put_short_decimal(b, v) || (fabs(v) < 1e-4 && put_short_exponent(b, v)))
		return;
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	buf_puts(b, tmp);
}

void buf_put_json_double(struct buf *b, double v)
{
	if (isnan(v) || isinf(v))
		buf_puts(b, "null");
	else
		buf_put_double(b, v);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range code points are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* The bytes a JSON string holds as they are: printable ASCII but the quote
 * and the backslash. NUL is not one, so a scan stops at the end. */
static const bool json_plain[256] = {
	[0x20 ... '"' - 1] = true,
	['"' + 1 ... '\\' - 1] = true,
	['\\' + 1 ... 0x7f] = true,
};

void buf_put_json_str(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	buf_putc(b, '"');
	while (*s) {
		const unsigned char *run = s;

		while (json_plain[*s])
			s++;
		buf_put(b, run, (size_t)(s - run));
		if (!*s)
			break;
		if (*s == '"' || *s == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*s++);
		} else if (*s == '\n') {
			buf_puts(b, "\\n");
			s++;
		} else if (*s == '\t') {
			buf_puts(b, "\\t");
			s++;
		} else if (*s < 0x20) {
			buf_printf(b, "\\u%04x", *s++);
		} else {
			size_t n = utf8_len(s);

			if (n) {
				buf_put(b, s, n);
				s += n;
			} else {
				buf_puts(b, "\\ufffd");
				s++;
			}
		}
	}
	buf_putc(b, '"');
}

const char *buf_cstr(struct buf *b)
{
	if (buf_reserve(b, 0))
		return "";
	b->data[b->len] = '\0';
	return b->data;
}

int buf_gzip(struct buf *dst, const void *src, size_t n, int level)
{
	z_stream zs = { 0 };
	int rc;

	buf_reset(dst);
	/* 16 + MAX_WBITS asks zlib for a gzip header and trailer. */
	if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	if (buf_reserve(dst, deflateBound(&zs, n) + 32)) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)dst->data;
	zs.avail_out = (uInt)(dst->cap - 1);
	rc = deflate(&zs, Z_FINISH);
	dst->len = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -EIO;
}
