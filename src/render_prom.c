/* Prometheus text exposition format 0.0.4, rendered once per snapshot.
 *
 * Histograms arrive as native buckets (see metrics.h) and leave as classic
 * cumulative buckets at the powers of two of the base unit, every
 * 2^schema-th native boundary, so no count is split: le="2^k" counts the zero
 * bucket and every native bucket up to index k * 2^schema; +Inf is _count.
 */
#include <math.h>
#include <stdbool.h>

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

static void put_hist(struct buf *out, const char *name, const struct sample *s)
{
	const struct nhist *h = s->hist;
	struct classic_out c = { out, name, s };

	nhist_classic(h, put_classic, &c);
	put_bucket(out, name, s, INFINITY, h->count);
	put_series(out, name, "_sum", s, NULL, 0);
	buf_putc(out, ' ');
	buf_put_double(out, h->sum);
	buf_putc(out, '\n');
	put_series(out, name, "_count", s, NULL, 0);
	buf_putc(out, ' ');
	buf_put_u64(out, h->count);
	buf_putc(out, '\n');
}

void render_prom(struct buf *out, const struct family *const *fams, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct family *f = fams[i];

		if (!f->nsamples)
			continue;
		buf_puts(out, "# HELP ");
		buf_puts(out, f->name);
		buf_putc(out, ' ');
		put_escaped(out, f->help, false);
		buf_puts(out, "\n# TYPE ");
		buf_puts(out, f->name);
		buf_putc(out, ' ');
		buf_puts(out, metric_type_name(f->type));
		buf_putc(out, '\n');
		for (size_t j = 0; j < f->nsamples; j++) {
			const struct sample *s = &f->samples[j];

			if (f->type == METRIC_HISTOGRAM && s->hist) {
				put_hist(out, f->name, s);
				continue;
			}
			put_series(out, f->name, "", s, NULL, 0);
			buf_putc(out, ' ');
			buf_put_double(out, s->value);
			buf_putc(out, '\n');
		}
	}
}
