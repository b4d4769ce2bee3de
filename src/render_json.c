/* JSONL: one snapshot as one JSON object on one line.
 *
 * render_jsonl() runs on the collector thread once per interval, right after
 * the Prometheus text, over every sample of the snapshot (a few thousand), so
 * it writes straight into a struct buf with the shared formatters and builds
 * no JSON tree. Besides the raw families the line carries "derived" values, the
 * per-interval rates and ratios a reader without PromQL needs (CPU busy, disk
 * and network throughput, histogram quantiles), computed against the previous
 * snapshot. The other end, the parser --mode=export reads lines back with, is
 * src/source/jsonl_parse.c; docs/jsonl.md describes the format.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "util.h"

static void put_key(struct buf *b, const char *k)
{
	buf_put_json_str(b, k);
	buf_putc(b, ':');
}

/* Sample values keep NaN and ±Inf (Prometheus has them, JSON does not) as the
 * strings the text format uses, so export mode serves exactly what was
 * collected; derived values, which a reader computes with, use null instead. */
static void put_value(struct buf *b, double v)
{
	if (isfinite(v)) {
		buf_put_double(b, v);
		return;
	}
	buf_putc(b, '"');
	buf_put_double(b, v);
	buf_putc(b, '"');
}

/* Labels as an object. A repeated label name (a collector bug) would make a
 * duplicate key that strict readers reject, so only its first value is kept. */
static void put_labels(struct buf *b, const struct sample *s)
{
	buf_puts(b, "\"labels\":{");
	for (uint32_t i = 0; i < s->nlabels; i++) {
		uint32_t k;

		for (k = 0; k < i && strcmp(s->labels[k].name, s->labels[i].name); k++)
			;
		if (k < i)
			continue;
		if (i)
			buf_putc(b, ',');
		put_key(b, s->labels[i].name);
		buf_put_json_str(b, s->labels[i].value);
	}
	buf_putc(b, '}');
}

static void put_i64(struct buf *b, int64_t v)
{
	if (v < 0)
		buf_putc(b, '-');
	buf_put_u64(b, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

/* A histogram sample keeps its native layout: the line is written every
 * interval and most buckets are empty, so only non-zero buckets are listed,
 * keyed by native bucket index. */
static void put_hist_sample(struct buf *b, const struct sample *s)
{
	const struct nhist *h = s->hist;
	const struct {
		const char *key;
		uint64_t v;
	} counts[] = {
		{ ",\"count\":", h->count },
		{ ",\"schema\":", (uint64_t)h->schema },
		{ ",\"nbuckets\":", h->nbuckets },
		{ ",\"zero_count\":", h->zero_count },
	};
	int any = 0;

	buf_putc(b, '{');
	put_labels(b, s);
	buf_puts(b, ",\"sum\":");
	put_value(b, h->sum);
	buf_puts(b, ",\"first\":");
	put_i64(b, h->first);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		buf_puts(b, counts[i].key);
		buf_put_u64(b, counts[i].v);
	}
	buf_puts(b, ",\"buckets\":{");
	for (uint32_t i = 0; i < h->nbuckets; i++) {
		if (!h->buckets[i])
			continue;
		if (any++)
			buf_putc(b, ',');
		buf_putc(b, '"');
		put_i64(b, h->first + (int64_t)i);
		buf_puts(b, "\":");
		buf_put_u64(b, h->buckets[i]);
	}
	buf_puts(b, "}}");
}

/* Families arrive sorted by name; two sets may hold a family of the same name
 * (fams[0..n) here). JSON object keys must be unique, so they become one entry
 * with the samples of every part of the first part's type; parts of another
 * type are dropped rather than mislabelled. */
static void put_family_group(struct buf *b, const struct family *const *fams, size_t n, int *first)
{
	const struct family *head = NULL;
	int any = 0;

	for (size_t i = 0; i < n && !head; i++)
		if (fams[i]->nsamples)
			head = fams[i];
	/* Text-format histograms and summaries (textfile) have no JSONL form
	 * yet (docs/jsonl.md): /metrics carries them. */
	if (!head || head->type == METRIC_SUMMARY)
		return;
	/* A family is listed only with at least one sample it can show. */
	for (size_t i = 0; i < n && !any; i++)
		for (size_t j = 0; fams[i]->type == head->type && j < fams[i]->nsamples; j++)
			if (head->type != METRIC_HISTOGRAM || fams[i]->samples[j].hist)
				any = 1;
	if (!any)
		return;
	any = 0;
	if (!*first)
		buf_putc(b, ',');
	*first = 0;
	put_key(b, head->name);
	buf_puts(b, "{\"type\":");
	buf_put_json_str(b, metric_type_name(head->type));
	buf_puts(b, ",\"help\":");
	buf_put_json_str(b, head->help);
	buf_puts(b, ",\"samples\":[");
	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];

		if (f->type != head->type)
			continue;
		for (size_t j = 0; j < f->nsamples; j++) {
			const struct sample *s = &f->samples[j];

			/* A histogram family's sample without slots is a
			 * collector bug; it has no form a reader could parse. */
			if (f->type == METRIC_HISTOGRAM && !s->hist)
				continue;
			if (any++)
				buf_putc(b, ',');
			if (f->type == METRIC_HISTOGRAM) {
				put_hist_sample(b, s);
				continue;
			}
			buf_putc(b, '{');
			put_labels(b, s);
			buf_puts(b, ",\"value\":");
			put_value(b, s->value);
			buf_putc(b, '}');
		}
	}
	buf_puts(b, "]}");
}

static const char *const status_names[] = {
	[COLLECTOR_OK] = "ok",
	[COLLECTOR_FAILED] = "failed",
	[COLLECTOR_NODATA] = "nodata",
};

static void put_collectors(struct buf *b, const struct snapshot *s)
{
	int any = 0;

	buf_puts(b, "\"collectors\":{");
	for (size_t i = 0; i < s->nresults; i++) {
		const struct collector_result *r = &s->results[i];
		size_t k;

		/* Keys must be unique; the runner never repeats a name, but keep
		 * the line valid if it ever does. */
		for (k = 0; k < i && strcmp(s->results[k].name, r->name); k++)
			;
		if (k < i || r->status > COLLECTOR_NODATA)
			continue;
		if (any++)
			buf_putc(b, ',');
		put_key(b, r->name);
		buf_puts(b, "{\"status\":\"");
		buf_puts(b, status_names[r->status]);
		buf_puts(b, "\",\"duration_seconds\":");
		buf_put_json_double(b, r->duration_seconds);
		if (r->err) {
			buf_puts(b, ",\"errno\":");
			buf_put_u64(b, (uint64_t)(r->err < 0 ? -(int64_t)r->err : r->err));
		}
		if (r->detail[0]) {
			buf_puts(b, ",\"error\":");
			buf_put_json_str(b, r->detail);
		} else if (r->status == COLLECTOR_FAILED && r->err) {
			buf_puts(b, ",\"error\":");
			buf_put_json_str(b, strerror(r->err < 0 ? -r->err : r->err));
		}
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

/* ---- derived values ----------------------------------------------------- */

static const struct family *find_family(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nsets; i++) {
		const struct family *f = ms_find(s->sets[i], name);

		if (f && f->nsamples)
			return f;
	}
	return NULL;
}

static int labels_equal(const struct sample *a, const struct sample *b)
{
	if (a->nlabels != b->nlabels)
		return 0;
	for (uint32_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, b->labels[i].name) ||
		    strcmp(a->labels[i].value, b->labels[i].value))
			return 0;
	return 1;
}

/* The sample of f with the same labels as want. Collectors emit series in a
 * stable order, so *hint (the index after the last match) almost always hits
 * at once and a whole family matches in linear time. */
static const struct sample *match_sample(const struct family *f, const struct sample *want,
					 size_t *hint)
{
	if (!f)
		return NULL;
	for (size_t k = 0; k < f->nsamples; k++) {
		size_t j = (*hint + k) % f->nsamples;

		if (labels_equal(&f->samples[j], want)) {
			*hint = j + 1;
			return &f->samples[j];
		}
	}
	return NULL;
}

/* The delta of counter k between an object and its namesake in the previous
 * snapshot (p, NULL when it had none). Missing, non-finite or gone down (a
 * counter reset: the device was re-added or the counter wrapped) yields -1 so
 * the value is skipped instead of becoming a negative rate. */
static int obj_delta(const struct summary_obj *o, const struct summary_obj *p, int k, double *out)
{
	if (!p || !isfinite(o->v[k]) || !isfinite(p->v[k]) || o->v[k] < p->v[k])
		return -1;
	*out = o->v[k] - p->v[k];
	return 0;
}

static void put_rate(struct buf *b, const char *key, const struct summary_obj *o,
		     const struct summary_obj *p, int k, double dt)
{
	double d;

	put_key(b, key);
	if (obj_delta(o, p, k, &d))
		buf_puts(b, "null");
	else
		buf_put_json_double(b, d / dt);
}

/* Whether an object of that name comes earlier in the list (JSON object keys
 * must be unique; a damaged source could repeat a device). */
static int obj_seen(const struct summary_list *l, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(l->v[k].name, l->v[i].name) == 0)
			return 1;
	return 0;
}

/* 1 - (idle + iowait) / all, summed over every CPU whose counters all moved
 * forward; a CPU that appeared, vanished or reset is left out entirely so the
 * ratio stays between 0 and 1. */
static void put_cpu_busy(struct buf *b, const struct snapshot *s, const struct snapshot *prev)
{
	const struct summary_list *cur = &s->summary.list[SUMMARY_CPUS];
	const struct summary_list *old = &prev->summary.list[SUMMARY_CPUS];
	double total = 0, idle = 0;
	size_t hint = 0;

	buf_puts(b, "\"cpu_busy_ratio\":");
	for (size_t i = 0; i < cur->n; i++) {
		const struct summary_obj *c = &cur->v[i];
		const struct summary_obj *p = summary_find(old, c->name, &hint);
		double t = 0, id = 0, d;
		int m;

		for (m = 0; m < SUMMARY_CPU_NMODES; m++) {
			if (isnan(c->v[m]))
				continue;       /* a mode this source does not report */
			if (obj_delta(c, p, m, &d))
				break;
			t += d;
			if (m == SUMMARY_CPU_IDLE || m == SUMMARY_CPU_IOWAIT)
				id += d;
		}
		if (m < SUMMARY_CPU_NMODES)
			continue;
		total += t;
		idle += id;
	}
	if (total > 0)
		buf_put_json_double(b, 1.0 - idle / total);
	else
		buf_puts(b, "null");
}

static void put_memory_used(struct buf *b, const struct snapshot *s)
{
	double avail = s->summary.scalar[SUMMARY_MEM_AVAILABLE_BYTES];
	double total = s->summary.scalar[SUMMARY_MEM_TOTAL_BYTES];

	buf_puts(b, "\"memory_used_ratio\":");
	if (total > 0 && isfinite(avail) && isfinite(total))
		buf_put_json_double(b, 1.0 - avail / total);
	else
		buf_puts(b, "null");
}

static void put_disk_fields(struct buf *b, const struct summary_obj *o,
			    const struct summary_obj *p, double dt)
{
	double rt, wt, rd, wr;

	put_rate(b, "read_bytes_per_second", o, p, SUMMARY_DISK_READ_BYTES, dt);
	buf_putc(b, ',');
	put_rate(b, "write_bytes_per_second", o, p, SUMMARY_DISK_WRITTEN_BYTES, dt);
	buf_puts(b, ",\"io_latency_seconds\":");
	if (!obj_delta(o, p, SUMMARY_DISK_READ_SECONDS, &rt) &&
	    !obj_delta(o, p, SUMMARY_DISK_WRITE_SECONDS, &wt) &&
	    !obj_delta(o, p, SUMMARY_DISK_READS, &rd) &&
	    !obj_delta(o, p, SUMMARY_DISK_WRITES, &wr) && rd + wr > 0)
		buf_put_json_double(b, (rt + wt) / (rd + wr));
	else
		buf_puts(b, "null");    /* no I/O completed: latency undefined */
}

static void put_net_fields(struct buf *b, const struct summary_obj *o,
			   const struct summary_obj *p, double dt)
{
	put_rate(b, "receive_bytes_per_second", o, p, SUMMARY_NET_RECEIVE_BYTES, dt);
	buf_putc(b, ',');
	put_rate(b, "transmit_bytes_per_second", o, p, SUMMARY_NET_TRANSMIT_BYTES, dt);
}

/* "key":{"<name>":{fields},...} over the objects of one summary kind,
 * each against its namesake in prev. */
static void put_objects(struct buf *b, const char *key, enum summary_kind kind,
			void (*put_fields)(struct buf *, const struct summary_obj *,
					   const struct summary_obj *, double),
			const struct snapshot *s, const struct snapshot *prev, double dt)
{
	const struct summary_list *cur = &s->summary.list[kind];
	const struct summary_list *old = &prev->summary.list[kind];
	size_t hint = 0;
	int any = 0;

	put_key(b, key);
	buf_putc(b, '{');
	for (size_t i = 0; i < cur->n; i++) {
		if (obj_seen(cur, i))
			continue;
		if (any++)
			buf_putc(b, ',');
		put_key(b, cur->v[i].name);
		buf_putc(b, '{');
		put_fields(b, &cur->v[i], summary_find(old, cur->v[i].name, &hint), dt);
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

static void put_hist_family(struct buf *b, const struct family *f, const struct family *pf,
			    int *any_family)
{
	struct nhist d;
	size_t hint = 0;
	int any = 0;

	for (size_t i = 0; i < f->nsamples; i++) {
		const struct sample *cs = &f->samples[i];
		const struct sample *ps = match_sample(pf, cs, &hint);

		if (!cs->hist || !ps || !ps->hist || nhist_sub(cs->hist, ps->hist, &d))
			continue;
		if (!any++) {
			if ((*any_family)++)
				buf_putc(b, ',');
			put_key(b, f->name);
			buf_putc(b, '[');
		} else {
			buf_putc(b, ',');
		}
		buf_putc(b, '{');
		put_labels(b, cs);
		buf_puts(b, ",\"count\":");
		buf_put_u64(b, d.count);
		buf_puts(b, ",\"p50\":");
		buf_put_json_double(b, nhist_quantile(&d, 0.50));
		buf_puts(b, ",\"p90\":");
		buf_put_json_double(b, nhist_quantile(&d, 0.90));
		buf_puts(b, ",\"p99\":");
		buf_put_json_double(b, nhist_quantile(&d, 0.99));
		buf_putc(b, '}');
	}
	if (any)
		buf_putc(b, ']');
}

static void put_histograms(struct buf *b, const struct family *const *fams, size_t n,
			   const struct snapshot *prev)
{
	int any = 0;

	buf_puts(b, "\"histograms\":{");
	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];

		/* A name split over two sets is listed once, from its first part. */
		if (f->type != METRIC_HISTOGRAM || !f->nsamples ||
		    (i && strcmp(fams[i - 1]->name, f->name) == 0))
			continue;
		put_hist_family(b, f, find_family(prev, f->name), &any);
	}
	buf_putc(b, '}');
}

static void put_derived(struct buf *b, const struct snapshot *s, const struct family *const *fams,
			size_t n, const struct snapshot *prev)
{
	double dt = prev ? s->timestamp - prev->timestamp : NAN;

	/* An interval is usable when it moved forward on the same host; after
	 * a clock step back or on another host's line, rates would lie. */
	if (!prev || !isfinite(dt) || dt <= 0 || strcmp(s->host, prev->host) != 0) {
		buf_puts(b, "\"derived\":{\"window_seconds\":null,\"cpu_busy_ratio\":null,");
		put_memory_used(b, s);
		buf_puts(b, ",\"disks\":{},\"network\":{},\"histograms\":{}}");
		return;
	}
	buf_puts(b, "\"derived\":{\"window_seconds\":");
	buf_put_json_double(b, dt);
	buf_putc(b, ',');
	put_cpu_busy(b, s, prev);
	buf_putc(b, ',');
	put_memory_used(b, s);
	buf_putc(b, ',');
	put_objects(b, "disks", SUMMARY_DISKS, put_disk_fields, s, prev, dt);
	buf_putc(b, ',');
	put_objects(b, "network", SUMMARY_NETS, put_net_fields, s, prev, dt);
	buf_putc(b, ',');
	put_histograms(b, fams, n, prev);
	buf_putc(b, '}');
}

void render_jsonl(struct buf *out, const struct snapshot *s, const struct family *const *fams,
		  size_t n, const struct snapshot *prev)
{
	char ts[40];
	int first = 1;

	format_rfc3339_ms(s->timestamp, ts, sizeof(ts));
	buf_puts(out, "{\"schema_version\":");
	buf_put_u64(out, JSONL_SCHEMA_VERSION);
	buf_puts(out, ",\"host\":");
	buf_put_json_str(out, s->host);
	buf_puts(out, ",\"timestamp\":\"");
	buf_puts(out, ts);
	buf_puts(out, "\",\"unix_seconds\":");
	buf_put_json_double(out, s->timestamp);
	buf_puts(out, ",\"seq\":");
	buf_put_u64(out, s->seq);
	buf_puts(out, ",\"interval_seconds\":");
	buf_put_json_double(out, s->interval_seconds);
	buf_putc(out, ',');
	put_collectors(out, s);
	buf_puts(out, ",\"metrics\":{");
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(fams[j]->name, fams[i]->name) == 0; j++)
			;
		put_family_group(out, fams + i, j - i, &first);
	}
	buf_puts(out, "},");
	put_derived(out, s, fams, n, prev);
	buf_puts(out, "}\n");
}
