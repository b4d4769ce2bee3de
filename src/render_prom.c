/* Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, rendered
 * once per snapshot.
 *
 * Histograms arrive as native buckets (see metrics.h) and leave as classic
 * cumulative buckets at the powers of two of the base unit, every
 * 2^schema-th native boundary, so no count is split: le="2^k" counts the zero
 * bucket and every native bucket up to index k * 2^schema; +Inf is _count.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "render.h"

/* Backslash and newline escaped, and the double quote too where quote is
 * set: label values are quoted, HELP text is not and keeps its quotes. */
static void put_escaped(struct buf *out, const char *v, bool quote)
{
	for (const char *run = v;; v++) {
		if (*v && *v != '\\' && *v != '\n' && !(quote && *v == '"'))
			continue;
		buf_put(out, run, (size_t)(v - run));
		if (!*v)
			return;
		buf_puts(out, *v == '\n' ? "\\n" : *v == '"' ? "\\\"" : "\\\\");
		run = v + 1;
	}
}

void render_prom_label_value(struct buf *out, const char *v)
{
	put_escaped(out, v, true);
}

/* name{labels,extra="v"} with extra optional. */
static void put_series(struct buf *out, const char *name, const char *suffix,
		       const struct sample *s, const char *extra_name, double extra_value)
{
	int any = 0;

	buf_puts(out, name);
	buf_puts(out, suffix);
	if (!s->nlabels && !extra_name)
		return;
	buf_putc(out, '{');
	for (uint32_t i = 0; i < s->nlabels; i++, any = 1) {
		if (any)
			buf_putc(out, ',');
		buf_puts(out, s->labels[i].name);
		buf_puts(out, "=\"");
		render_prom_label_value(out, s->labels[i].value);
		buf_putc(out, '"');
	}
	if (extra_name) {
		if (any)
			buf_putc(out, ',');
		buf_puts(out, extra_name);
		buf_puts(out, "=\"");
		buf_put_double(out, extra_value);
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
}

static void put_bucket(struct buf *out, const char *name, const struct sample *s, double le,
		       uint64_t cum)
{
	put_series(out, name, "_bucket", s, "le", le);
	buf_putc(out, ' ');
	buf_put_u64(out, cum);
	buf_putc(out, '\n');
}

struct classic_out {
	struct buf *out;
	const char *name;
	const struct sample *s;
};

static void put_classic(void *arg, double le, uint64_t cum)
{
	struct classic_out *c = arg;

	put_bucket(c->out, c->name, c->s, le, cum);
}

/* _sum and _count lines, shared by both bucket kinds. */
static void put_sum_count(struct buf *out, const char *name, const struct sample *s, double sum,
			  double count)
{
	put_series(out, name, "_sum", s, NULL, 0);
	buf_putc(out, ' ');
	buf_put_double(out, sum);
	buf_putc(out, '\n');
	put_series(out, name, "_count", s, NULL, 0);
	buf_putc(out, ' ');
	buf_put_double(out, count);
	buf_putc(out, '\n');
}

static void put_hist(struct buf *out, const char *name, const struct sample *s)
{
	const struct nhist *h = s->hist;
	struct classic_out c = { out, name, s };

	nhist_classic(h, put_classic, &c);
	put_bucket(out, name, s, INFINITY, h->count);
	put_sum_count(out, name, s, h->sum, (double)h->count);
}

/* Text-format buckets as they came (the textfile collector): a histogram gets
 * its +Inf bucket (equal to _count) when the source left it out, as
 * client_golang renders one. */
static void put_buckets(struct buf *out, const char *name, bool summary, const struct sample *s)
{
	const struct bucket_set *b = s->buckets;

	for (uint32_t i = 0; i < b->n; i++) {
		put_series(out, name, summary ? "" : "_bucket", s, summary ? "quantile" : "le",
			   b->bounds[i]);
		buf_putc(out, ' ');
		buf_put_double(out, b->values[i]);
		buf_putc(out, '\n');
	}
	if (!summary && (!b->n || !isinf(b->bounds[b->n - 1]))) {
		put_series(out, name, "_bucket", s, "le", INFINITY);
		buf_putc(out, ' ');
		buf_put_double(out, b->count);
		buf_putc(out, '\n');
	}
	put_sum_count(out, name, s, b->sum, b->count);
}

/* OpenMetrics names a family without the suffix its samples carry: a counter
 * "x" has samples "x_total", an info "x" samples "x_info". A counter whose
 * name lacks "_total", or an "_info" gauge whose values are not all 1, keeps
 * its exact name as unknown or gauge rather than be renamed. */
struct om_family {
	const char *type;
	size_t name_len;        /* of the family name, a prefix of f->name */
};

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static struct om_family om_family_of(const struct family *f)
{
	size_t len = strlen(f->name);
	int info = f->type == METRIC_GAUGE && has_suffix(f->name, "_info");

	for (size_t j = 0; info && j < f->nsamples; j++)
		info = f->samples[j].value == 1;
	switch (f->type) {
	case METRIC_COUNTER:
		if (has_suffix(f->name, "_total"))
			return (struct om_family){ "counter", len - strlen("_total") };
		return (struct om_family){ "unknown", len };
	case METRIC_GAUGE:
		if (info)
			return (struct om_family){ "info", len - strlen("_info") };
		return (struct om_family){ "gauge", len };
	case METRIC_HISTOGRAM:
		return (struct om_family){ "histogram", len };
	case METRIC_SUMMARY:
		return (struct om_family){ "summary", len };
	default:
		return (struct om_family){ "unknown", len };
	}
}

static void put_header(struct buf *out, const char *name, size_t name_len, const char *help,
		       bool quote, const char *type)
{
	buf_puts(out, "# HELP ");
	buf_put(out, name, name_len);
	buf_putc(out, ' ');
	put_escaped(out, help, quote);
	buf_puts(out, "\n# TYPE ");
	buf_put(out, name, name_len);
	buf_putc(out, ' ');
	buf_puts(out, type);
	buf_putc(out, '\n');
}

static void put_samples(struct buf *out, const struct family *f)
{
	for (size_t j = 0; j < f->nsamples; j++) {
		const struct sample *s = &f->samples[j];

		if (f->type == METRIC_HISTOGRAM && s->hist) {
			put_hist(out, f->name, s);
			continue;
		}
		if (s->buckets) {
			put_buckets(out, f->name, f->type == METRIC_SUMMARY, s);
			continue;
		}
		put_series(out, f->name, "", s, NULL, 0);
		buf_putc(out, ' ');
		buf_put_double(out, s->value);
		buf_putc(out, '\n');
	}
}

void render_prom(struct buf *out, const struct family *const *fams, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];

		if (!f->nsamples)
			continue;
		put_header(out, f->name, strlen(f->name), f->help, false,
			   metric_type_name(f->type));
		put_samples(out, f);
	}
}

void render_openmetrics(struct buf *out, const struct family *const *fams, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];
		struct om_family om;

		if (!f->nsamples)
			continue;
		om = om_family_of(f);
		/* OpenMetrics escapes the double quote in HELP too. */
		put_header(out, f->name, om.name_len, f->help, true, om.type);
		put_samples(out, f);
	}
}

void render_expo(struct buf *out, enum expo_format fmt, const struct family *const *fams,
		 size_t n)
{
	if (fmt == EXPO_OPENMETRICS)
		render_openmetrics(out, fams, n);
	else if (fmt == EXPO_PROTOBUF)
		render_pb(out, fams, n);
	else
		render_prom(out, fams, n);
}
