/* Growable byte buffers, and the few formatters every sink shares: Prometheus
 * float text, JSON strings. A failed allocation is sticky (buf->oom) so callers
 * write a whole document and check once at the end. */
#ifndef IM_BUF_H
#define IM_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* buf_reserve()'s slow path: grows b, or fails sticky. */
int buf_grow(struct buf *b, size_t extra);

/* Room for extra more bytes and buf_cstr()'s terminator: 0 or -ENOMEM. The
 * appends below are inline because the renderers call them for every token
 * of a 60 KiB exposition, where the call itself was most of their cost. */
static inline int buf_reserve(struct buf *b, size_t extra)
{
	if (!b->oom && b->len + extra + 1 <= b->cap)
		return 0;
	return buf_grow(b, extra);
}

static inline void buf_put(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static inline void buf_putc(struct buf *b, char c)
{
	if (buf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Shortest text that reads back as the same double; integers without exponent,
 * and NaN / +Inf / -Inf spelled as Prometheus spells them. */
void buf_put_double(struct buf *b, double v);
void buf_put_u64(struct buf *b, uint64_t v);
/* A JSON string literal, quotes included; invalid UTF-8 bytes become U+FFFD. */
void buf_put_json_str(struct buf *b, const char *s);
/* A JSON number; JSON has no NaN or Inf, so those become null. */
void buf_put_json_double(struct buf *b, double v);
/* NUL-terminates without counting the NUL in len. */
const char *buf_cstr(struct buf *b);

/* gzip (RFC 1952) of src into dst, replacing dst's content. 0 or -errno. */
int buf_gzip(struct buf *dst, const void *src, size_t n, int level);

#endif
