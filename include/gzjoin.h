/* One gzip member (RFC 1952) built from two deflate parts compressed at
 * different times: a large body compressed once per snapshot, and a small
 * live tail compressed per scrape. Nothing is recompressed at scrape time but
 * the tail; the trailer's CRC is combined from the two parts' CRCs.
 */
#ifndef IM_GZJOIN_H
#define IM_GZJOIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GZJOIN_HEADER_LEN 10
#define GZJOIN_TRAILER_LEN 8

/* A deflated prefix that another deflate stream may follow. */
struct gzjoin_part {
	struct buf z;           /* raw deflate, ended by Z_SYNC_FLUSH: byte aligned, not final */
	uint32_t crc;           /* crc32 of the uncompressed bytes */
	uint64_t len;           /* uncompressed length */
};

void gzjoin_part_init(struct gzjoin_part *p);
void gzjoin_part_free(struct gzjoin_part *p);
/* Compresses src into p, replacing its content. 0 or -errno. */
int gzjoin_part_deflate(struct gzjoin_part *p, const void *src, size_t n, int level);

/* The fixed 10-byte gzip header (no name, no mtime, OS unknown). */
void gzjoin_header(uint8_t out[GZJOIN_HEADER_LEN]);

/* Appends to out the final deflate stream of tail and the gzip trailer, so
 * that header + head->z + out is one valid gzip member of head's bytes
 * followed by tail's. 0 or -errno. */
int gzjoin_finish(struct buf *out, const struct gzjoin_part *head, const void *tail, size_t n,
		  int level);

#endif
