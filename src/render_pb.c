/* Prometheus protobuf exposition: io.prometheus.client.MetricFamily messages,
 * each preceded by its length as a varint ("encoding=delimited"), rendered
 * once per snapshot like the text formats.
 *
 * Hand-written rather than generated (protobuf-c): the messages are five
 * small ones from prometheus/client_model's metrics.proto, the encoder only
 * writes, and the daemon then needs no code generator, no runtime library and
 * no .proto file at build time. Field numbers below are those of
 * metrics.proto; tests decode the output with Google's protobuf over that
 * file, compiled at test time.
 *
 * A histogram carries both forms: the classic buckets (every power of two of
 * the base unit, as in the text formats; +Inf is implied by sample_count) and
 * the native ones (schema, zero threshold and count, positive spans and
 * deltas), so a Prometheus with native histograms on stores the fine buckets
 * and one without ingests the classic ones.
 */
#include <string.h>

#include "render.h"

/* Wire types. */
#define WT_VARINT 0
#define WT_I64 1
#define WT_LEN 2

/* MetricFamily */
#define MF_NAME 1
#define MF_HELP 2
#define MF_TYPE 3
#define MF_METRIC 4
/* MetricType */
#define TYPE_COUNTER 0
#define TYPE_GAUGE 1
#define TYPE_UNTYPED 3
#define TYPE_HISTOGRAM 4
/* Metric */
#define M_LABEL 1
#define M_GAUGE 2
#define M_COUNTER 3
#define M_UNTYPED 5
#define M_HISTOGRAM 7
/* LabelPair */
#define LP_NAME 1
#define LP_VALUE 2
/* Gauge, Counter, Untyped */
#define V_VALUE 1
/* Histogram */
#define H_SAMPLE_COUNT 1
#define H_SAMPLE_SUM 2
#define H_BUCKET 3
#define H_SCHEMA 5
#define H_ZERO_THRESHOLD 6
#define H_ZERO_COUNT 7
#define H_POSITIVE_SPAN 12
#define H_POSITIVE_DELTA 13
/* Bucket */
#define B_CUMULATIVE_COUNT 1
#define B_UPPER_BOUND 2
/* BucketSpan */
#define S_OFFSET 1
#define S_LENGTH 2

/* Empty buckets a span may hold before a new span is cheaper: a span costs
 * about four bytes, an empty bucket's delta one or two. */
#define SPAN_MAX_GAP 2

static void put_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	buf_put(b, tmp, n);
}

/* The sign copied into every bit, without shifting a negative value (whose
 * right shift C leaves to the implementation). */
static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static void put_key(struct buf *b, uint32_t field, uint32_t wt)
{
	put_varint(b, (uint64_t)field << 3 | wt);
}

static void put_uint(struct buf *b, uint32_t field, uint64_t v)
{
	put_key(b, field, WT_VARINT);
	put_varint(b, v);
}

static void put_sint(struct buf *b, uint32_t field, int64_t v)
{
	put_uint(b, field, zigzag(v));
}

static void put_double(struct buf *b, uint32_t field, double v)
{
	uint64_t u;
	uint8_t le[8];

	memcpy(&u, &v, sizeof(u));
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(u >> (8 * i));
	put_key(b, field, WT_I64);
	buf_put(b, le, sizeof(le));
}

static void put_bytes(struct buf *b, uint32_t field, const void *p, size_t n)
{
	put_key(b, field, WT_LEN);
	put_varint(b, n);
	buf_put(b, p, n);
}

static void put_string(struct buf *b, uint32_t field, const char *s)
{
	put_bytes(b, field, s, strlen(s));
}

/* Scratch buffers, one per nesting level, reused across the whole render. */
struct pb_scratch {
	struct buf family, metric, hist, sub, deltas;
};

static void put_sub(struct buf *to, uint32_t field, struct buf *from)
{
	put_bytes(to, field, from->data, from->len);
	to->oom |= from->oom;
	buf_reset(from);
}

static void put_classic(void *arg, double le, uint64_t cum)
{
	struct pb_scratch *sc = arg;

	put_uint(&sc->sub, B_CUMULATIVE_COUNT, cum);
	put_double(&sc->sub, B_UPPER_BOUND, le);
	put_sub(&sc->hist, H_BUCKET, &sc->sub);
}

/* Positive spans and deltas of the non-empty buckets; the deltas go to
 * sc->deltas and then out as one packed field after the spans. */
static void put_native_buckets(struct pb_scratch *sc, const struct nhist *h)
{
	int64_t prev_count = 0;
	int64_t prev_end = 0;   /* native index after the previous span */
	int any = 0;

	for (uint32_t i = 0; i < h->nbuckets;) {
		uint32_t last = i, end;

		if (!h->buckets[i]) {
			i++;
			continue;
		}
		/* A span runs on while at most SPAN_MAX_GAP empty buckets follow. */
		for (uint32_t k = i + 1; k < h->nbuckets && k - last <= SPAN_MAX_GAP + 1; k++)
			if (h->buckets[k])
				last = k;
		end = last + 1;
		put_sint(&sc->sub, S_OFFSET, (int64_t)h->first + i - (any ? prev_end : 0));
		put_uint(&sc->sub, S_LENGTH, end - i);
		put_sub(&sc->hist, H_POSITIVE_SPAN, &sc->sub);
		for (uint32_t k = i; k < end; k++) {
			put_varint(&sc->deltas, zigzag((int64_t)h->buckets[k] - prev_count));
			prev_count = (int64_t)h->buckets[k];
		}
		prev_end = (int64_t)h->first + end;
		any = 1;
		i = end;
	}
	if (any)
		put_sub(&sc->hist, H_POSITIVE_DELTA, &sc->deltas);
}

static void put_histogram(struct pb_scratch *sc, const struct nhist *h)
{
	put_uint(&sc->hist, H_SAMPLE_COUNT, h->count);
	put_double(&sc->hist, H_SAMPLE_SUM, h->sum);
	nhist_classic(h, put_classic, sc);
	put_sint(&sc->hist, H_SCHEMA, h->schema);
	/* Always above 0: Prometheus 2.42 takes a histogram with no bucket
	 * and a zero threshold of 0 for a classic one. */
	put_double(&sc->hist, H_ZERO_THRESHOLD, nhist_zero_threshold(h));
	put_uint(&sc->hist, H_ZERO_COUNT, h->zero_count);
	put_native_buckets(sc, h);
	put_sub(&sc->metric, M_HISTOGRAM, &sc->hist);
}

static void put_metric(struct pb_scratch *sc, const struct family *f, const struct sample *s)
{
	static const uint32_t value_field[] = {
		[METRIC_GAUGE] = M_GAUGE,
		[METRIC_COUNTER] = M_COUNTER,
		[METRIC_UNTYPED] = M_UNTYPED,
	};

	for (uint32_t i = 0; i < s->nlabels; i++) {
		put_string(&sc->sub, LP_NAME, s->labels[i].name);
		put_string(&sc->sub, LP_VALUE, s->labels[i].value);
		put_sub(&sc->metric, M_LABEL, &sc->sub);
	}
	if (f->type == METRIC_HISTOGRAM) {
		put_histogram(sc, s->hist);
	} else {
		put_double(&sc->sub, V_VALUE, s->value);
		put_sub(&sc->metric, value_field[f->type], &sc->sub);
	}
	put_sub(&sc->family, MF_METRIC, &sc->metric);
}

void render_pb(struct buf *out, const struct family *const *fams, size_t n)
{
	static const uint64_t type_code[] = {
		[METRIC_GAUGE] = TYPE_GAUGE,
		[METRIC_COUNTER] = TYPE_COUNTER,
		[METRIC_UNTYPED] = TYPE_UNTYPED,
		[METRIC_HISTOGRAM] = TYPE_HISTOGRAM,
	};
	struct pb_scratch sc;

	buf_init(&sc.family);
	buf_init(&sc.metric);
	buf_init(&sc.hist);
	buf_init(&sc.sub);
	buf_init(&sc.deltas);
	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];

		if (!f->nsamples)
			continue;
		put_string(&sc.family, MF_NAME, f->name);
		put_string(&sc.family, MF_HELP, f->help);
		put_uint(&sc.family, MF_TYPE, type_code[f->type]);
		for (size_t j = 0; j < f->nsamples; j++) {
			/* A histogram sample without buckets cannot be encoded. */
			if (f->type == METRIC_HISTOGRAM && !f->samples[j].hist)
				continue;
			put_metric(&sc, f, &f->samples[j]);
		}
		put_varint(out, sc.family.len);
		buf_put(out, sc.family.data, sc.family.len);
		out->oom |= sc.family.oom;
		buf_reset(&sc.family);
	}
	buf_free(&sc.family);
	buf_free(&sc.metric);
	buf_free(&sc.hist);
	buf_free(&sc.sub);
	buf_free(&sc.deltas);
}
