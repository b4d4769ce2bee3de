/* libFuzzer target: round trip of the protobuf exposition (src/render_pb.c).
 * The input drives a metric set (families of every type, labels, values,
 * native histograms with any bucket pattern); it is rendered, read back with
 * tests/pb_decode.h, and every field must come back as it went in. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pb_decode.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p, *end;
};

static uint64_t take(struct in *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes && in->p < in->end; i++)
		v = v << 8 | *in->p++;
	return v;
}

static const struct family *fams[8];

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_hist(struct pbd sub, const struct nhist *src)
{
	static struct pbd_hist h;
	size_t k = 0;

	check(pbd_histogram(sub, &h) == 0);
	check(h.count == src->count && h.zero_count == src->zero_count &&
	      h.schema == src->schema && h.zero_threshold > 0);
	check(h.sum == src->sum || (isnan(h.sum) && isnan(src->sum)));
	for (size_t i = 0; i < h.nnative; i++) {
		int64_t at = h.native_idx[i] - src->first;

		check(at >= 0 && at < (int64_t)src->nbuckets && h.native_count[i] == src->buckets[at]);
		k += h.native_count[i] != 0;
	}
	for (uint32_t i = 0; i < src->nbuckets; i++)
		k -= src->buckets[i] != 0;
	check(k == 0);
}

static void check_metric(struct pbd d, const struct family *f, const struct sample *s)
{
	struct pbd_field m, g;
	uint32_t nlabels = 0;
	int values = 0;

	while (d.p < d.end) {
		check(pbd_field(&d, &m) == 0);
		if (m.num == 1) {
			char name[64] = "", value[64] = "";

			while (m.sub.p < m.sub.end) {
				check(pbd_field(&m.sub, &g) == 0 && g.wt == 2);
				snprintf(g.num == 1 ? name : value, 64, "%.*s",
					 (int)(g.sub.end - g.sub.p), (const char *)g.sub.p);
			}
			check(nlabels < s->nlabels && !strcmp(name, s->labels[nlabels].name) &&
			      !strcmp(value, s->labels[nlabels].value));
			nlabels++;
		} else if (m.num == 7) {
			check(f->type == METRIC_HISTOGRAM);
			check_hist(m.sub, s->hist);
			values++;
		} else {
			check(pbd_field(&m.sub, &g) == 0 && g.num == 1 && g.wt == 1);
			double v = pbd_double(&g);

			check(v == s->value || (isnan(v) && isnan(s->value)));
			values++;
		}
	}
	check(nlabels == s->nlabels && values == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nhist h;
	struct in in = { data, data + size };
	struct metric_set *ms = ms_new();
	struct buf b;
	size_t n = 0;

	buf_init(&b);
	while (in.p < in.end && n < 8) {
		char name[16];
		enum metric_type t = (enum metric_type)(take(&in, 1) % 4);
		uint32_t samples = (uint32_t)take(&in, 1) % 4 + 1;
		struct family *f;

		snprintf(name, sizeof(name), "f%zu", n);
		f = ms_family(ms, name, t, name);
		for (uint32_t j = 0; j < samples && in.p < in.end; j++) {
			char v[8];
			struct label l = { "k", v };
			uint64_t bits = take(&in, 8);
			double value;

			snprintf(v, sizeof(v), "%u", (unsigned)take(&in, 1));
			memcpy(&value, &bits, sizeof(value));
			if (t != METRIC_HISTOGRAM) {
				ms_add_labels(ms, f, value, &l, (uint32_t)(j & 1));
				continue;
			}
			memset(&h, 0, sizeof(h));
			h.schema = (int32_t)(take(&in, 1) % 9);
			h.first = (int32_t)(int16_t)take(&in, 2);
			h.nbuckets = (uint32_t)(take(&in, 1) + 1);
			h.zero_count = take(&in, 1);
			h.sum = value;
			h.count = h.zero_count;
			/* Sparse counts: a byte says how far to the next bucket. */
			for (uint32_t i = (uint32_t)take(&in, 1) % h.nbuckets; i < h.nbuckets && in.p < in.end;
			     i += (uint32_t)take(&in, 1) % 5 + 1) {
				h.buckets[i] = take(&in, 2);
				h.count += h.buckets[i];
			}
			h.count += take(&in, 1);        /* above the top */
			ms_add_hist(ms, f, &h, &l, (uint32_t)(j & 1));
		}
		fams[n++] = f;
	}
	if (ms_error(ms))
		goto out;
	render_pb(&b, fams, n);
	check(!b.oom);
	if (!b.len)
		goto out;       /* nothing with samples: nothing to read */
	struct pbd d = { (const uint8_t *)b.data, (const uint8_t *)b.data + b.len };

	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];
		struct pbd fd;
		struct pbd_field fl;
		uint64_t len;
		size_t sample = 0;

		if (!f->nsamples)
			continue;
		check(pbd_varint(&d, &len) == 0 && len <= (uint64_t)(d.end - d.p));
		fd = (struct pbd){ d.p, d.p + len };
		d.p += len;
		while (fd.p < fd.end) {
			check(pbd_field(&fd, &fl) == 0);
			if (fl.num == 1)
				check((size_t)(fl.sub.end - fl.sub.p) == strlen(f->name) &&
				      !memcmp(fl.sub.p, f->name, strlen(f->name)));
			else if (fl.num == 4)
				check_metric(fl.sub, f, &f->samples[sample++]);
		}
		check(sample == f->nsamples);
	}
	check(d.p == d.end);
out:
	buf_free(&b);
	ms_free(ms);
	return 0;
}
