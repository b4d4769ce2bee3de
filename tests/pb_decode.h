/* A minimal reader of delimited io.prometheus.client.MetricFamily streams,
 * for the tests and the round-trip fuzz target of src/render_pb.c. It is
 * written from the protobuf wire format, not from the encoder, and checks
 * that every length stays inside its parent; the independent check is
 * tests/integration/formats.sh, which decodes with Google's protobuf.
 *
 * pbd_next() walks the stream one family at a time and calls the callbacks
 * with what it found; any malformed byte makes it return -1.
 */
#ifndef IM_TESTS_PB_DECODE_H
#define IM_TESTS_PB_DECODE_H

#include <stdint.h>
#include <string.h>

struct pbd {
	const uint8_t *p, *end;
};

static inline int pbd_varint(struct pbd *d, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (d->p >= d->end)
			return -1;
		uint8_t b = *d->p++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static inline int64_t pbd_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* One field: its number, wire type, and value (varint / fixed64) or the
 * bytes of a length-delimited one in sub. */
struct pbd_field {
	uint32_t num, wt;
	uint64_t v;
	struct pbd sub;
};

static inline int pbd_field(struct pbd *d, struct pbd_field *f)
{
	uint64_t key, len;

	if (pbd_varint(d, &key) || key >> 32)
		return -1;
	f->num = (uint32_t)(key >> 3);
	f->wt = (uint32_t)(key & 7);
	switch (f->wt) {
	case 0:
		return pbd_varint(d, &f->v);
	case 1:
		if (d->end - d->p < 8)
			return -1;
		f->v = 0;
		for (int i = 7; i >= 0; i--)
			f->v = f->v << 8 | d->p[i];
		d->p += 8;
		return 0;
	case 2:
		if (pbd_varint(d, &len) || len > (uint64_t)(d->end - d->p))
			return -1;
		f->sub = (struct pbd){ d->p, d->p + len };
		d->p += len;
		return 0;
	default:
		return -1;
	}
}

static inline double pbd_double(const struct pbd_field *f)
{
	double x;

	memcpy(&x, &f->v, sizeof(x));
	return x;
}

/* Messages in a delimited stream, walking only the length prefixes; -1 when
 * a length runs past the end. */
static inline long pbd_count_messages(const void *data, size_t len)
{
	struct pbd d = { data, (const uint8_t *)data + len };
	long n = 0;
	uint64_t k;

	while (d.p < d.end) {
		if (pbd_varint(&d, &k) || k > (uint64_t)(d.end - d.p))
			return -1;
		d.p += k;
		n++;
	}
	return n;
}

/* A decoded histogram, with the native buckets expanded back to indexes. */
#define PBD_MAX_BUCKETS 512
struct pbd_hist {
	uint64_t count, zero_count;
	double sum, zero_threshold;
	int64_t schema;
	size_t nclassic;
	double classic_le[PBD_MAX_BUCKETS];
	uint64_t classic_cum[PBD_MAX_BUCKETS];
	size_t nnative;
	int64_t native_idx[PBD_MAX_BUCKETS];
	uint64_t native_count[PBD_MAX_BUCKETS];
};

/* Expands spans and deltas; -1 when they do not match or overflow. */
static inline int pbd_hist_native(struct pbd_hist *h, const int64_t *span_off,
				  const uint64_t *span_len, size_t nspans, const int64_t *deltas,
				  size_t ndeltas)
{
	int64_t idx = 0, count = 0;
	size_t k = 0;

	h->nnative = 0;
	for (size_t s = 0; s < nspans; s++) {
		idx += span_off[s];
		for (uint64_t j = 0; j < span_len[s]; j++, idx++) {
			if (k >= ndeltas || h->nnative >= PBD_MAX_BUCKETS)
				return -1;
			count += deltas[k++];
			if (count < 0)
				return -1;
			h->native_idx[h->nnative] = idx;
			h->native_count[h->nnative++] = (uint64_t)count;
		}
	}
	return k == ndeltas ? 0 : -1;
}

static inline int pbd_histogram(struct pbd d, struct pbd_hist *h)
{
	static int64_t span_off[PBD_MAX_BUCKETS], deltas[PBD_MAX_BUCKETS];
	static uint64_t span_len[PBD_MAX_BUCKETS];
	size_t nspans = 0, ndeltas = 0;
	struct pbd_field f, g;

	memset(h, 0, sizeof(*h));
	while (d.p < d.end) {
		if (pbd_field(&d, &f))
			return -1;
		if (f.num == 1 && f.wt == 0)
			h->count = f.v;
		else if (f.num == 2 && f.wt == 1)
			h->sum = pbd_double(&f);
		else if (f.num == 5 && f.wt == 0)
			h->schema = pbd_unzigzag(f.v);
		else if (f.num == 6 && f.wt == 1)
			h->zero_threshold = pbd_double(&f);
		else if (f.num == 7 && f.wt == 0)
			h->zero_count = f.v;
		else if (f.num == 3 && f.wt == 2) {
			if (h->nclassic >= PBD_MAX_BUCKETS)
				return -1;
			while (f.sub.p < f.sub.end) {
				if (pbd_field(&f.sub, &g))
					return -1;
				if (g.num == 1 && g.wt == 0)
					h->classic_cum[h->nclassic] = g.v;
				else if (g.num == 2 && g.wt == 1)
					h->classic_le[h->nclassic] = pbd_double(&g);
			}
			h->nclassic++;
		} else if (f.num == 12 && f.wt == 2) {
			if (nspans >= PBD_MAX_BUCKETS)
				return -1;
			span_off[nspans] = 0;
			span_len[nspans] = 0;
			while (f.sub.p < f.sub.end) {
				if (pbd_field(&f.sub, &g))
					return -1;
				if (g.num == 1 && g.wt == 0)
					span_off[nspans] = pbd_unzigzag(g.v);
				else if (g.num == 2 && g.wt == 0)
					span_len[nspans] = g.v;
			}
			nspans++;
		} else if (f.num == 13 && f.wt == 2) {
			uint64_t v;

			while (f.sub.p < f.sub.end) {
				if (ndeltas >= PBD_MAX_BUCKETS || pbd_varint(&f.sub, &v))
					return -1;
				deltas[ndeltas++] = pbd_unzigzag(v);
			}
		}
	}
	return pbd_hist_native(h, span_off, span_len, nspans, deltas, ndeltas);
}

#endif
