/* Joining a pre-compressed body and a per-scrape tail into one gzip member.
 *
 * /metrics serves the snapshot's exposition (compressed once per snapshot,
 * by the first gzip scrape) followed by a few live lines measured at scrape time.
 * Deflate allows this without touching the body again: a stream flushed with
 * Z_SYNC_FLUSH ends on a byte boundary after a non-final block, so a second,
 * independent deflate stream can follow it byte for byte, and the decoder sees
 * one stream whose last block is the tail's. The tail starts with an empty
 * dictionary, which only costs a little compression on a few hundred bytes.
 * The gzip trailer needs the CRC of everything: crc32_combine() derives it
 * from the two parts' CRCs and the tail's length without reading the body.
 * (zlib's examples/gzjoin.c does the same across whole gzip files.)
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <zlib.h>

#include "gzjoin.h"

/* Raw deflate: negative window bits means no zlib or gzip wrapper. An 8 KiB
 * window and memLevel 6 keep the bodies' state (kept, below) at 64 KiB
 * instead of zlib's default 256; at level 1 a 63 KiB OpenMetrics body came
 * out 1 % smaller, not larger (11,275 bytes against 11,412). */
#define RAW_DEFLATE_BITS (-13)
#define MEM_LEVEL 6
/* The per-scrape tail is a few KiB: a 4 KiB window and small hash tables
 * shrink deflate's state from about 270 KiB to under 30, so each scrape's
 * malloc/free no longer maps, faults in and hands back (madvise, a TLB
 * shootdown on every CPU) a quarter megabyte. That cost 1.3 ms of CPU per gzip
 * scrape; the tail compresses as well as before. A decoder reads a stream
 * made with a smaller window as any other. */
#define TAIL_DEFLATE_BITS (-12)
#define TAIL_MEM_LEVEL 3

void gzjoin_part_init(struct gzjoin_part *p)
{
	buf_init(&p->z);
	p->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	p->len = 0;
}

void gzjoin_part_free(struct gzjoin_part *p)
{
	buf_free(&p->z);
	gzjoin_part_init(p);
}

/* Runs one deflate call of zs (fresh or reset) over src into out's free
 * space, growing out as needed; flush is Z_SYNC_FLUSH or Z_FINISH. */
static int deflate_run(z_stream *zs, struct buf *out, const void *src, size_t n, int flush)
{
	int rc;

	if (n > UINT32_MAX)
		return -EFBIG;
	/* deflateBound() covers a finished stream; the sync marker adds 5 bytes
	 * (an empty stored block) and a little slack costs nothing. */
	if (buf_reserve(out, deflateBound(zs, (uLong)n) + 16))
		return -ENOMEM;
	zs->next_in = (Bytef *)src;
	zs->avail_in = (uInt)n;
	zs->next_out = (Bytef *)out->data + out->len;
	zs->avail_out = (uInt)(out->cap - out->len - 1);
	rc = deflate(zs, flush);
	/* With room for the bound, one call consumes everything; anything else
	 * means the bound was wrong, and a partial stream must not be served. */
	if ((flush == Z_FINISH && rc != Z_STREAM_END) ||
	    (flush != Z_FINISH && (rc != Z_OK || zs->avail_in || !zs->avail_out)))
		return -EIO;
	out->len += zs->total_out;
	return 0;
}

/* deflate_run() with a state made for this call; bits and mem are
 * deflateInit2's windowBits (negative: raw) and memLevel. */
static int deflate_into(struct buf *out, const void *src, size_t n, int level, int flush, int bits,
			int mem)
{
	z_stream zs = { 0 };
	int err;

	if (deflateInit2(&zs, level, Z_DEFLATED, bits, mem, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	err = deflate_run(&zs, out, src, n, flush);
	deflateEnd(&zs);
	return err;
}

/* The bodies' deflate state, kept from one body to the next. Made afresh,
 * its tables (270 KiB at the time) were allocated, cleared and, once freed, handed back
 * to the kernel by the allocator, so every body faulted them in again: 0.5
 * to 1.2 ms of CPU per 66 KiB body here, against 0.2 ms with deflateReset().
 * Whoever holds the lock uses it; a body deflated at the same moment by
 * another thread makes its own state as before. */
static struct {
	pthread_mutex_t lock;
	z_stream zs;
	bool ready;     /* zs is initialised, for level */
	int level;
} body_state = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int deflate_body(struct buf *out, const void *src, size_t n, int level)
{
	int err = -ENOMEM;

	if (pthread_mutex_trylock(&body_state.lock))
		return deflate_into(out, src, n, level, Z_SYNC_FLUSH, RAW_DEFLATE_BITS, MEM_LEVEL);
	if (body_state.ready && body_state.level == level) {
		deflateReset(&body_state.zs);
	} else {
		if (body_state.ready)
			deflateEnd(&body_state.zs);
		body_state.zs = (z_stream){ 0 };
		body_state.ready = deflateInit2(&body_state.zs, level, Z_DEFLATED, RAW_DEFLATE_BITS,
						MEM_LEVEL, Z_DEFAULT_STRATEGY) == Z_OK;
		body_state.level = level;
	}
	if (body_state.ready)
		err = deflate_run(&body_state.zs, out, src, n, Z_SYNC_FLUSH);
	pthread_mutex_unlock(&body_state.lock);
	return err;
}

int gzjoin_part_deflate(struct gzjoin_part *p, const void *src, size_t n, int level)
{
	int err;

	buf_reset(&p->z);
	p->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	p->len = 0;
	err = deflate_body(&p->z, src, n, level);
	if (err)
		return err;
	p->crc = (uint32_t)crc32(p->crc, src, (uInt)n);
	p->len = n;
	return 0;
}

void gzjoin_header(uint8_t out[GZJOIN_HEADER_LEN])
{
	/* ID1 ID2, CM = deflate, FLG = 0, MTIME = 0 (none), XFL = 0, OS = 255 (unknown). */
	static const uint8_t hdr[GZJOIN_HEADER_LEN] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };

	memcpy(out, hdr, sizeof(hdr));
}

static void put_le32(struct buf *b, uint32_t v)
{
	uint8_t le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };

	buf_put(b, le, sizeof(le));
}

int gzjoin_finish(struct buf *out, const struct gzjoin_part *head, const void *tail, size_t n,
		  int level)
{
	uint32_t crc;
	int err = deflate_into(out, tail, n, level, Z_FINISH, TAIL_DEFLATE_BITS, TAIL_MEM_LEVEL);

	if (err)
		return err;
	crc = (uint32_t)crc32(0L, Z_NULL, 0);
	crc = (uint32_t)crc32(crc, tail, (uInt)n);
	crc = (uint32_t)crc32_combine(head->crc, crc, (z_off_t)n);
	put_le32(out, crc);
	/* ISIZE is the length modulo 2^32 (RFC 1952, section 2.3.1). */
	put_le32(out, (uint32_t)(head->len + n));
	return out->oom ? -ENOMEM : 0;
}
