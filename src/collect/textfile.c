/* textfile: the *.prom files of --collector.textfile.directory, read at each
 * collection, with node_exporter's semantics (collector/textfile.go):
 *
 * - each file is parsed on its own (Prometheus text format 0.0.4); a file that
 *   does not parse, carries client-side timestamps, is over the size cap or
 *   changes while being read is skipped whole;
 * - families of the same name merge across files; a later file's family with
 *   another HELP or type is dropped; a family without HELP anywhere gets
 *   "Metric read from <files>";
 * - node_textfile_mtime_seconds{file} per file read, and
 *   node_textfile_scrape_error 1 when anything was skipped.
 *
 * Ours on top: a family whose name another collector exported in this
 * collection is refused (node_exporter would fail the scrape at gather time),
 * and the bytes per file and the series in all are capped. Problems go into
 * ctx->detail, which the runner logs when it changes and /health shows. The
 * collector itself succeeds: a broken file never costs the others their series.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

enum { TF_OPT_DIR, TF_OPT_MAX_BYTES, TF_OPT_MAX_SERIES };
static const struct collector_option textfile_options[] = {
	[TF_OPT_DIR] = { "collector.textfile.directory", COPT_STRING, NULL,
			 "Directory (a glob pattern may name several) of *.prom files to export" },
	[TF_OPT_MAX_BYTES] = { "collector.textfile.max-file-bytes", COPT_U64, "16777216",
			       "A *.prom file larger than this is skipped (scrape_error 1)" },
	[TF_OPT_MAX_SERIES] = { "collector.textfile.max-series", COPT_U64, "100000",
				"Series taken from all *.prom files together; the rest are "
				"skipped (scrape_error 1)" },
	{ 0 },
};

/* More labels than any sane exporter writes; past it the file is refused. */
#define TF_MAX_LABELS 32
#define TF_ERR_LEN 256

/* ------------------------------------------------------------------------ */
/* Parser: one file's text into a metric set                               */

/* A histogram or summary series being assembled from its _bucket, _sum,
 * _count (or quantile) lines, keyed by its labels without le/quantile. */
struct tf_series {
	struct family *f;
	char *key;              /* owned: "name\0value\0..." of its labels */
	size_t keylen;
	struct label labels[TF_MAX_LABELS];
	uint32_t nlabels;
	double *bounds, *values;        /* owned */
	uint32_t n, cap;
	double sum, count;
};

struct tf_parser {
	struct metric_set *ms;
	struct tf_series *series;
	size_t nseries, cap;
	struct buf scratch;     /* unescaped label values of the current line */
	char *err;
	size_t errsz;
	size_t line;
	size_t nsamples;
};

static int tf_fail(struct tf_parser *p, const char *what)
{
	snprintf(p->err, p->errsz, "line %zu: %s", p->line, what);
	return -EINVAL;
}

static const char *tf_name_end(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == ':'))
		return s;
	for (s++; (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		  *s == '_' || *s == ':';
	     s++)
		;
	return s;
}

/* Go's strconv.ParseFloat as expfmt uses it, close enough: strtod on the
 * whole token. */
static int tf_float(const char *s, size_t len, double *out)
{
	char tmp[64], *end;

	if (!len || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	return *end || (errno == ERANGE && !isinf(*out) && *out != 0) ? -EINVAL : 0;
}

/* HELP text: \\ and \n are escapes, anything else stays. */
static const char *tf_unescape(struct buf *b, const char *s, const char *end, bool quoted)
{
	while (s < end && (!quoted || *s != '"')) {
		char c = *s++;

		if (c == '\\' && s < end) {
			c = *s++;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && !(quoted && c == '"')) {
				buf_putc(b, '\\');
			}
		}
		buf_putc(b, c);
	}
	buf_putc(b, '\0');
	return s;
}

static int tf_comment(struct tf_parser *p, const char *s, const char *end)
{
	const char *name, *nend;
	bool help;
	struct family *f;

	s = pp_skip_blanks(s + 1);
	if (!strncmp(s, "HELP", 4) && pp_blank(s[4]))
		help = true;
	else if (!strncmp(s, "TYPE", 4) && pp_blank(s[4]))
		help = false;
	else
		return 0;       /* a plain comment */
	name = pp_skip_blanks(s + 4);
	nend = tf_name_end(name);
	if (nend == name || (nend < end && !pp_blank(*nend)))
		return tf_fail(p, "invalid metric name in HELP or TYPE");
	char fname[256];

	if ((size_t)(nend - name) >= sizeof(fname))
		return tf_fail(p, "metric name too long");
	memcpy(fname, name, (size_t)(nend - name));
	fname[nend - name] = '\0';
	s = nend < end ? pp_skip_blanks(nend) : end;
	f = (struct family *)ms_find(p->ms, fname);
	if (!f)
		f = ms_family(p->ms, fname, METRIC_UNTYPED, NULL);
	if (!f)
		return tf_fail(p, "invalid metric name");
	if (help) {
		if (f->help[0])
			return tf_fail(p, "second HELP line for the metric");
		buf_reset(&p->scratch);
		tf_unescape(&p->scratch, s, end, false);
		f->help = ms_strdup(p->ms, p->scratch.data);
		return f->help ? 0 : -ENOMEM;
	}
	static const struct {
		const char *word;
		enum metric_type type;
	} types[] = { { "counter", METRIC_COUNTER },     { "gauge", METRIC_GAUGE },
		      { "untyped", METRIC_UNTYPED },     { "histogram", METRIC_HISTOGRAM },
		      { "summary", METRIC_SUMMARY } };
	size_t tlen = (size_t)(end - s);

	while (tlen && pp_blank(s[tlen - 1]))
		tlen--;
	if (f->nsamples)
		return tf_fail(p, "TYPE after the metric's samples");
	if (f->type != METRIC_UNTYPED)
		return tf_fail(p, "second TYPE line for the metric");
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (strlen(types[i].word) == tlen && !strncmp(s, types[i].word, tlen)) {
			f->type = types[i].type;
			return 0;
		}
	}
	return tf_fail(p, "unknown metric type");
}

/* {a="x",b="y"} at s: labels into p->scratch-backed strings. */
static const char *tf_labels(struct tf_parser *p, const char *s, const char *end,
			     struct label *labels, uint32_t *n, size_t *offs)
{
	s = pp_skip_blanks(s + 1);
	while (s < end && *s != '}') {
		const char *nend = tf_name_end(s);

		if (nend == s || *nend != '=' || nend[1] != '"' || *n == TF_MAX_LABELS)
			return NULL;
		offs[2 * *n] = p->scratch.len;
		buf_put(&p->scratch, s, (size_t)(nend - s));
		buf_putc(&p->scratch, '\0');
		offs[2 * *n + 1] = p->scratch.len;
		s = tf_unescape(&p->scratch, nend + 2, end, true);
		if (s >= end || *s != '"')
			return NULL;
		(*n)++;
		s = pp_skip_blanks(s + 1);
		if (*s == ',')
			s = pp_skip_blanks(s + 1);
		else if (*s != '}')
			return NULL;
	}
	return s < end ? s + 1 : NULL;
}

static struct tf_series *tf_series_for(struct tf_parser *p, struct family *f,
				       const struct label *labels, uint32_t n, const char *skip)
{
	struct buf key;
	struct tf_series *sr = NULL;

	buf_init(&key);
	for (uint32_t i = 0; i < n; i++) {
		if (!strcmp(labels[i].name, skip))
			continue;
		buf_put(&key, labels[i].name, strlen(labels[i].name) + 1);
		buf_put(&key, labels[i].value, strlen(labels[i].value) + 1);
	}
	if (key.oom)
		goto out;
	/* Lines of one series come together: search from the newest. */
	for (size_t i = p->nseries; i-- > 0;) {
		if (p->series[i].f == f && p->series[i].keylen == key.len &&
		    (!key.len || !memcmp(p->series[i].key, key.data, key.len))) {
			sr = &p->series[i];
			goto out;
		}
	}
	if (p->nseries == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct tf_series *grown = realloc(p->series, cap * sizeof(*grown));

		if (!grown)
			goto out;
		p->series = grown;
		p->cap = cap;
	}
	sr = &p->series[p->nseries++];
	*sr = (struct tf_series){ .f = f, .key = key.data, .keylen = key.len };
	key.data = NULL;
	/* Label strings live in the set's arena, like every sample's. */
	for (uint32_t i = 0; i < n; i++) {
		if (!strcmp(labels[i].name, skip))
			continue;
		sr->labels[sr->nlabels].name = ms_strdup(p->ms, labels[i].name);
		sr->labels[sr->nlabels++].value = ms_strdup(p->ms, labels[i].value);
	}
	p->nsamples++;
out:
	buf_free(&key);
	return sr;
}

static int tf_series_point(struct tf_series *sr, double bound, double v)
{
	if (sr->n == sr->cap) {
		uint32_t cap = sr->cap ? 2 * sr->cap : 16;
		double *b = realloc(sr->bounds, cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		sr->bounds = b;
		b = realloc(sr->values, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		sr->values = b;
		sr->cap = cap;
	}
	sr->bounds[sr->n] = bound;
	sr->values[sr->n++] = v;
	return 0;
}

/* A histogram or summary component; 1 when name is not one. */
static int tf_component(struct tf_parser *p, const char *name, size_t nlen,
			const struct label *labels, uint32_t n, double v)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count", "" };
	char base[256];

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);
		struct family *f;
		struct tf_series *sr;
		const char *skip, *arg = NULL;
		double bound = 0;

		if (nlen <= sl || nlen - sl >= sizeof(base) || strcmp(name + nlen - sl, suffixes[i]))
			continue;
		memcpy(base, name, nlen - sl);
		base[nlen - sl] = '\0';
		f = (struct family *)ms_find(p->ms, base);
		if (!f || (f->type != METRIC_HISTOGRAM && f->type != METRIC_SUMMARY))
			continue;
		skip = f->type == METRIC_HISTOGRAM ? "le" : "quantile";
		if ((i == 0 && f->type != METRIC_HISTOGRAM) ||
		    (i == 3 && f->type != METRIC_SUMMARY))
			return tf_fail(p, "sample name does not fit the metric's type");
		for (uint32_t k = 0; k < n; k++)
			if (!strcmp(labels[k].name, skip))
				arg = labels[k].value;
		if ((i == 0 || i == 3) &&
		    (!arg || tf_float(arg, strlen(arg), &bound) || isnan(bound)))
			return tf_fail(p, i == 0 ? "bucket without a valid le label" :
						   "summary line without a valid quantile label");
		sr = tf_series_for(p, f, labels, n, (i == 0 || i == 3) ? skip : "");
		if (!sr)
			return -ENOMEM;
		if (i == 1)
			sr->sum = v;
		else if (i == 2)
			sr->count = v;
		else if (tf_series_point(sr, bound, v))
			return -ENOMEM;
		return 0;
	}
	return 1;
}

static int tf_sample(struct tf_parser *p, const char *s, const char *end)
{
	const char *nend = tf_name_end(s), *v, *vend;
	struct label labels[TF_MAX_LABELS];
	size_t offs[2 * TF_MAX_LABELS];
	uint32_t n = 0;
	char name[256];
	double value;
	int err;

	if (nend == s)
		return tf_fail(p, "invalid metric name");
	if ((size_t)(nend - s) >= sizeof(name))
		return tf_fail(p, "metric name too long");
	memcpy(name, s, (size_t)(nend - s));
	name[nend - s] = '\0';
	buf_reset(&p->scratch);
	s = pp_skip_blanks(nend);
	if (*s != '{')
		s = nend;
	else {
		s = tf_labels(p, s, end, labels, &n, offs);
		if (!s)
			return tf_fail(p, "invalid label set");
		if (p->scratch.oom)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			labels[i].name = p->scratch.data + offs[2 * i];
			labels[i].value = p->scratch.data + offs[2 * i + 1];
		}
	}
	v = pp_skip_blanks(s);
	if (v == s && v < end)
		return tf_fail(p, "expected a blank before the value");
	for (vend = v; vend < end && !pp_blank(*vend); vend++)
		;
	if (tf_float(v, (size_t)(vend - v), &value))
		return tf_fail(p, "invalid value");
	if (*pp_skip_blanks(vend) && pp_skip_blanks(vend) < end)
		return tf_fail(p, "client-side timestamps are not supported");
	err = tf_component(p, name, strlen(name), labels, n, value);
	if (err <= 0)
		return err;
	struct family *f = (struct family *)ms_find(p->ms, name);

	if (!f)
		f = ms_family(p->ms, name, METRIC_UNTYPED, NULL);
	if (!f)
		return tf_fail(p, "invalid metric name");
	if (f->type == METRIC_HISTOGRAM || f->type == METRIC_SUMMARY)
		return tf_fail(p, "sample name does not fit the metric's type");
	ms_add_labels(p->ms, f, value, labels, n);
	p->nsamples++;
	return ms_error(p->ms) ? tf_fail(p, "invalid label name") : 0;
}

static void tf_parser_free(struct tf_parser *p)
{
	for (size_t i = 0; i < p->nseries; i++) {
		free(p->series[i].key);
		free(p->series[i].bounds);
		free(p->series[i].values);
	}
	free(p->series);
	buf_free(&p->scratch);
}

/* A series' points by ascending bound (files may list them in any order);
 * insertion sort, as they nearly always come sorted. */
static void tf_sort_points(struct tf_series *sr)
{
	for (uint32_t i = 1; i < sr->n; i++) {
		for (uint32_t j = i; j > 0 && sr->bounds[j - 1] > sr->bounds[j]; j--) {
			double b = sr->bounds[j], v = sr->values[j];

			sr->bounds[j] = sr->bounds[j - 1];
			sr->values[j] = sr->values[j - 1];
			sr->bounds[j - 1] = b;
			sr->values[j - 1] = v;
		}
	}
}

int textfile_parse(struct metric_set *ms, const char *text, size_t len, size_t *nseries,
		   char *err, size_t errsz)
{
	struct tf_parser p = { .ms = ms, .err = err, .errsz = errsz };
	const char *s = text, *end = text + len;
	int rc = 0;

	buf_init(&p.scratch);
	err[0] = '\0';
	if (memchr(text, '\0', len)) {
		snprintf(err, errsz, "NUL byte in the file");
		rc = -EINVAL;
		goto out;
	}
	while (s < end && !rc) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *lend = nl ? nl : end;
		const char *t = pp_skip_blanks(s);

		p.line++;
		if (t < lend)
			rc = *t == '#' ? tf_comment(&p, t, lend) : tf_sample(&p, t, lend);
		s = lend + 1;
	}
	for (size_t i = 0; i < p.nseries && !rc; i++) {
		struct tf_series *sr = &p.series[i];

		tf_sort_points(sr);
		ms_add_buckets(ms, sr->f,
			       &(struct bucket_set){ .count = sr->count, .sum = sr->sum, .n = sr->n,
						     .bounds = sr->bounds, .values = sr->values },
			       sr->labels, sr->nlabels);
	}
	if (!rc && ms_error(ms))
		rc = ms_error(ms);
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errsz, "out of memory");
	*nseries = p.nsamples;
out:
	tf_parser_free(&p);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The collector: files, merging, caps                                      */

/* What the merged set knows of a family across files. */
struct tf_merged {
	struct family *f;
	bool help_given;
	bool refused;           /* clashed with another collector's family */
	struct buf files;       /* ", "-joined, for "Metric read from ..." */
};

struct tf_run {
	struct collect_ctx *ctx;
	struct metric_set *ms;
	struct tf_merged *fams;
	size_t nfams, cap;
	size_t *index;          /* open addressing over fams, +1; index_cap a power of 2 */
	size_t index_cap;
	size_t series, max_series;
	uint64_t max_bytes;
	struct family *mtime;
	size_t nerrors;
	char first_err[TF_ERR_LEN];
	struct buf text;
};

static void tf_error(struct tf_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tf_error(struct tf_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nerrors++)
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_err, sizeof(r->first_err), fmt, ap);
	va_end(ap);
}

static uint64_t tf_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t *tf_slot(size_t *index, size_t cap, const struct tf_merged *fams, const char *name)
{
	size_t i = tf_hash(name) & (cap - 1);

	while (index[i] && strcmp(fams[index[i] - 1].f->name, name))
		i = (i + 1) & (cap - 1);
	return &index[i];
}

static struct tf_merged *tf_find(struct tf_run *r, const char *name)
{
	size_t *slot;

	if (!r->index_cap)
		return NULL;
	slot = tf_slot(r->index, r->index_cap, r->fams, name);
	return *slot ? &r->fams[*slot - 1] : NULL;
}

static struct tf_merged *tf_add(struct tf_run *r, struct family *f)
{
	if (2 * (r->nfams + 1) > r->index_cap) {
		size_t cap = r->index_cap ? 2 * r->index_cap : 64;
		size_t *index = calloc(cap, sizeof(*index));

		if (!index)
			return NULL;
		for (size_t i = 0; i < r->nfams; i++)
			*tf_slot(index, cap, r->fams, r->fams[i].f->name) = i + 1;
		free(r->index);
		r->index = index;
		r->index_cap = cap;
	}
	if (r->nfams == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 32;
		struct tf_merged *grown = realloc(r->fams, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		r->fams = grown;
		r->cap = cap;
	}
	r->fams[r->nfams] = (struct tf_merged){ .f = f };
	buf_init(&r->fams[r->nfams].files);
	*tf_slot(r->index, r->index_cap, r->fams, f->name) = ++r->nfams;
	return &r->fams[r->nfams - 1];
}

static bool tf_reserved(const struct collect_ctx *ctx, const char *name)
{
	/* The runner's own families, and node_exporter's textfile ones. */
	static const char *const prefixes[] = { "infra_monitor_", "node_scrape_collector_",
						"node_textfile_", "process_" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return ctx->family_taken && ctx->family_taken(ctx, name);
}

/* Adds one parsed file's families to the merged set. */
static void tf_merge(struct tf_run *r, const struct metric_set *file, const char *path)
{
	for (size_t i = 0; i < ms_nfamilies(file); i++) {
		const struct family *ff = ms_family_at(file, i);
		struct tf_merged *m;

		if (!ff->nsamples)
			continue;       /* HELP or TYPE alone, as expfmt drops it */
		if (r->series + ff->nsamples > r->max_series) {
			tf_error(r, "%s: over --collector.textfile.max-series=%zu; the rest is "
				    "skipped", path, r->max_series);
			return;
		}
		m = tf_find(r, ff->name);
		if (!m) {
			struct family *f;

			if (tf_reserved(r->ctx, ff->name)) {
				tf_error(r, "%s: metric %s is already exported by infra-monitor; "
					    "refused", path, ff->name);
				continue;
			}
			f = ms_family(r->ms, ff->name, ff->type, ff->help);
			m = f ? tf_add(r, f) : NULL;
			if (!m) {
				tf_error(r, "%s: out of memory", path);
				return;
			}
			m->help_given = ff->help[0];
		} else if (m->f->type != ff->type) {
			tf_error(r, "%s: metric %s has type %s here and %s in an earlier file; "
				    "dropped", path, ff->name, metric_type_name(ff->type),
				 metric_type_name(m->f->type));
			continue;
		} else if (ff->help[0] && (!m->help_given || strcmp(ff->help, m->f->help))) {
			/* node_exporter keeps the first HELP; a family without one
			 * that came first takes this file's. */
			if (m->help_given) {
				tf_error(r, "%s: metric %s has inconsistent HELP text; dropped",
					 path, ff->name);
				continue;
			}
			m->f->help = ms_strdup(r->ms, ff->help);
			m->help_given = true;
		}
		r->series += ff->nsamples;
		for (size_t j = 0; j < ff->nsamples; j++) {
			const struct sample *s = &ff->samples[j];

			if (s->buckets)
				ms_add_buckets(r->ms, m->f, s->buckets, s->labels, s->nlabels);
			else
				ms_add_labels(r->ms, m->f, s->value, s->labels, s->nlabels);
		}
		if (m->files.len)
			buf_puts(&m->files, ", ");
		buf_puts(&m->files, path);
	}
}

/* Reads path whole, refusing one over the cap or one that changed while being
 * read (a writer rewriting in place instead of renaming a finished file). */
static int tf_read(struct tf_run *r, const char *path, struct stat *st)
{
	struct stat after;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), err = 0;

	buf_reset(&r->text);
	if (fd < 0) {
		tf_error(r, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		err = S_ISREG(st->st_mode) ? -errno : -EINVAL;
		tf_error(r, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st->st_size > r->max_bytes) {
		err = -EFBIG;
		tf_error(r, "%s: %lld bytes, over --collector.textfile.max-file-bytes=%llu", path,
			 (long long)st->st_size, (unsigned long long)r->max_bytes);
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (buf_reserve(&r->text, 65536)) {
			err = -ENOMEM;
			tf_error(r, "%s: out of memory", path);
			goto out;
		}
		n = read(fd, r->text.data + r->text.len, r->text.cap - r->text.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			tf_error(r, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		r->text.len += (size_t)n;
		if (r->text.len > r->max_bytes) {
			err = -EFBIG;
			tf_error(r, "%s: grew over --collector.textfile.max-file-bytes while being "
				    "read", path);
			goto out;
		}
	}
	buf_cstr(&r->text);
	if (fstat(fd, &after) || after.st_size != st->st_size ||
	    (size_t)after.st_size != r->text.len ||
	    after.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != st->st_mtim.tv_nsec) {
		err = -EAGAIN;
		tf_error(r, "%s: changed while being read (write a temporary file and "
			    "rename it)", path);
	}
out:
	close(fd);
	return err;
}

static void tf_file(struct tf_run *r, const char *path)
{
	struct metric_set *file;
	struct stat st;
	char err[TF_ERR_LEN];
	size_t n;

	if (tf_read(r, path, &st))
		return;
	file = ms_new();
	if (!file) {
		tf_error(r, "%s: out of memory", path);
		return;
	}
	if (textfile_parse(file, r->text.data, r->text.len, &n, err, sizeof(err))) {
		tf_error(r, "%s: %s", path, err);
		ms_free(file);
		return;
	}
	tf_merge(r, file, path);
	ms_free(file);
	/* node_exporter: whole seconds. */
	ms_add(r->ms, r->mtime, (double)st.st_mtim.tv_sec, "file", path, NULL);
}

static int tf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tf_dir(struct tf_run *r, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!d) {
		tf_error(r, "%s: cannot list directory: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **grown;

		if (len < 5 || strcmp(e->d_name + len - 5, ".prom"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				break;
			names = grown;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	/* os.ReadDir's order: files merge in name order. An empty directory
	 * leaves names NULL, which qsort() must not be given. */
	if (n)
		qsort(names, n, sizeof(*names), tf_cmp);
	for (size_t i = 0; i < n; i++) {
		tf_file(r, names[i]);
		free(names[i]);
	}
	free(names);
}

static int textfile_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	const char *dir = collector_opt(ctx, &textfile_options[TF_OPT_DIR]);
	struct tf_run r = {
		.ctx = ctx,
		.ms = ms,
		.max_bytes = collector_opt_u64(ctx, &textfile_options[TF_OPT_MAX_BYTES]),
		.max_series = (size_t)collector_opt_u64(ctx, &textfile_options[TF_OPT_MAX_SERIES]),
	};
	glob_t g = { 0 };

	buf_init(&r.text);
	r.mtime = ms_family(ms, "node_textfile_mtime_seconds", METRIC_GAUGE,
			    "Unixtime mtime of textfiles successfully read.");
	if (dir && dir[0]) {
		/* As node_exporter: a pattern that matches nothing is taken as
		 * the directory itself, so a missing one is reported. */
		if (glob(dir, GLOB_NOSORT, NULL, &g) || !g.gl_pathc)
			tf_dir(&r, dir);
		else
			for (size_t i = 0; i < g.gl_pathc; i++)
				tf_dir(&r, g.gl_pathv[i]);
		globfree(&g);
	}
	for (size_t i = 0; i < r.nfams; i++) {
		struct tf_merged *m = &r.fams[i];

		if (!m->help_given) {
			struct buf h;

			buf_init(&h);
			buf_printf(&h, "Metric read from %s", buf_cstr(&m->files));
			m->f->help = ms_strdup(ms, buf_cstr(&h));
			buf_free(&h);
		}
		buf_free(&m->files);
	}
	ms_set(ms, "node_textfile_scrape_error", METRIC_GAUGE,
	       "1 if there was an error opening or reading a file, 0 otherwise", r.nerrors > 0);
	/* The runner logs a detail when it changes and shows it in /health. */
	if (r.nerrors > 1)
		snprintf(ctx->detail, sizeof(ctx->detail), "%.200s (and %zu more)", r.first_err,
			 r.nerrors - 1);
	else
		snprintf(ctx->detail, sizeof(ctx->detail), "%s", r.first_err);
	free(r.fams);
	free(r.index);
	buf_free(&r.text);
	return ms_error(ms);
}

const struct collector collector_textfile = {
	.name = "textfile",
	.help = "Metrics from the *.prom files of --collector.textfile.directory",
	.default_enabled = true,
	.options = textfile_options,
	.collect = textfile_collect,
};
