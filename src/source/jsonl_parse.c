/* The JSONL parser of --mode=export: one line another process wrote, rebuilt
 * into a snapshot (results and one metric set, never the derived part, which
 * is a rendering). The other end is render_jsonl() (src/render_json.c).
 *
 * Its input is a file anyone may have damaged, so it uses jansson, checks
 * every type and bound, and names the exact field that is wrong.
 * docs/jsonl.md describes the format.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "source.h"
#include "util.h"

/* Bounds on what one line may ask us to allocate. The export reader already
 * refuses lines over its size limit; these keep a hostile line inside it from
 * building absurd structures (and match what a real host produces with a
 * wide margin). */
#define PARSE_MAX_LINE          (64u << 20)
#define PARSE_MAX_COLLECTORS    256
#define PARSE_MAX_FAMILIES      65536
#define PARSE_MAX_SAMPLES       (1u << 20)      /* in one family */
#define PARSE_MAX_LABELS        64
#define PARSE_MAX_STRING        (64u << 10)     /* help text, label value */

struct pctx {
	char *errbuf;
	size_t errsz;
	int err;
	struct metric_set *ms;  /* owned by the snapshot being built */
};

static int fail(struct pctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records the first error only: later ones are consequences of it. */
static int fail(struct pctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->err)
		return c->err;
	c->err = err;
	if (c->errsz) {
		va_start(ap, fmt);
		vsnprintf(c->errbuf, c->errsz, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* A string without embedded NULs (which the C side would silently cut) and
 * no longer than max bytes. Borrowed from the jansson tree. */
static const char *get_str(struct pctx *c, json_t *v, size_t max, const char *path,
			   const char *field)
{
	if (!json_is_string(v)) {
		fail(c, -EINVAL, "%s%s: %s", path, field, v ? "not a string" : "missing");
		return NULL;
	}
	if (json_string_length(v) != strlen(json_string_value(v))) {
		fail(c, -EINVAL, "%s%s: contains NUL", path, field);
		return NULL;
	}
	if (json_string_length(v) > max) {
		fail(c, -E2BIG, "%s%s: longer than %zu bytes", path, field, max);
		return NULL;
	}
	return json_string_value(v);
}

/* A number, or a value put_value() wrote for NaN/±Inf ("NaN", "+Inf",
 * "-Inf"); null is accepted as NaN where allow_null is set. */
static int get_num(struct pctx *c, json_t *v, int allow_special, const char *path,
		   const char *field, double *out)
{
	const char *s;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (allow_special && json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (allow_special && json_is_string(v)) {
		s = json_string_value(v);
		if (strcmp(s, "NaN") == 0) {
			*out = NAN;
			return 0;
		}
		if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0) {
			*out = s[0] == '+' ? INFINITY : -INFINITY;
			return 0;
		}
	}
	return fail(c, -EINVAL, "%s%s: %s", path, field, v ? "not a number" : "missing");
}

static int get_i64(struct pctx *c, json_t *v, const char *path, const char *field, int64_t *out)
{
	if (!json_is_integer(v))
		return fail(c, -EINVAL, "%s%s: %s", path, field, v ? "not an integer" : "missing");
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int get_u64(struct pctx *c, json_t *v, const char *path, const char *field, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(c, -EINVAL, "%s%s: %s", path, field,
			    v ? "not a non-negative integer" : "missing");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Copies at most dstsz-1 bytes, cutting at a UTF-8 character boundary: a
 * detail rendered with U+FFFD replacements can come back longer than the
 * field it was written from. */
static void copy_utf8(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz) {
		n = dstsz - 1;
		while (n && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int parse_collectors(struct pctx *c, json_t *obj, struct snapshot *s)
{
	const char *name;
	json_t *v;

	if (!json_is_object(obj))
		return fail(c, -EINVAL, "collectors: %s", obj ? "not an object" : "missing");
	if (json_object_size(obj) > PARSE_MAX_COLLECTORS)
		return fail(c, -E2BIG, "collectors: more than %d", PARSE_MAX_COLLECTORS);
	json_object_foreach(obj, name, v) {
		struct collector_result r = { 0 };
		char path[128];
		const char *st, *detail;
		uint64_t e = 0;

		snprintf(path, sizeof(path), "collectors.%.64s", name);
		if (!*name || strlen(name) > 64)
			return fail(c, -EINVAL, "%s: invalid collector name", path);
		if (!json_is_object(v))
			return fail(c, -EINVAL, "%s: not an object", path);
		st = get_str(c, json_object_get(v, "status"), 16, path, ".status");
		if (!st)
			return c->err;
		if (strcmp(st, "ok") == 0)
			r.status = COLLECTOR_OK;
		else if (strcmp(st, "failed") == 0)
			r.status = COLLECTOR_FAILED;
		else if (strcmp(st, "nodata") == 0)
			r.status = COLLECTOR_NODATA;
		else
			return fail(c, -EINVAL, "%s.status: not ok, failed or nodata", path);
		if (get_num(c, json_object_get(v, "duration_seconds"), 1, path, ".duration_seconds",
			    &r.duration_seconds))
			return c->err;
		if (json_object_get(v, "errno")) {
			if (get_u64(c, json_object_get(v, "errno"), path, ".errno", &e))
				return c->err;
			if (e > 4095)
				return fail(c, -EINVAL, "%s.errno: out of range", path);
			r.err = -(int)e;
		}
		if (json_object_get(v, "error")) {
			detail = get_str(c, json_object_get(v, "error"), PARSE_MAX_STRING, path,
					 ".error");
			if (!detail)
				return c->err;
			copy_utf8(r.detail, sizeof(r.detail), detail);
		}
		/* The name lives in the snapshot's set, freed with it. */
		r.name = ms_strdup(c->ms, name);
		if (!r.name)
			return fail(c, -ENOMEM, "%s: out of memory", path);
		if (snapshot_add_result(s, &r))
			return fail(c, -ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

static int parse_labels(struct pctx *c, json_t *obj, const char *path, struct label *labels,
			uint32_t *nlabels)
{
	const char *k;
	json_t *v;
	uint32_t n = 0;

	if (!json_is_object(obj))
		return fail(c, -EINVAL, "%s.labels: %s", path, obj ? "not an object" : "missing");
	if (json_object_size(obj) > PARSE_MAX_LABELS)
		return fail(c, -E2BIG, "%s.labels: more than %d", path, PARSE_MAX_LABELS);
	json_object_foreach(obj, k, v) {
		char field[128];

		snprintf(field, sizeof(field), ".labels.%.64s", k);
		if (!label_name_valid(k))
			return fail(c, -EINVAL, "%s%s: invalid label name", path, field);
		labels[n].name = k;
		labels[n].value = get_str(c, v, PARSE_MAX_STRING, path, field);
		if (!labels[n++].value)
			return c->err;
	}
	*nlabels = n;
	return 0;
}

static int parse_hist(struct pctx *c, json_t *v, const char *path, struct nhist *h)
{
	json_t *buckets = json_object_get(v, "buckets");
	uint64_t schema = 0, nbuckets = 0;
	int64_t first = 0;
	const char *k;
	char *end;
	json_t *bv;

	memset(h, 0, offsetof(struct nhist, buckets));
	if (get_u64(c, json_object_get(v, "count"), path, ".count", &h->count) ||
	    get_num(c, json_object_get(v, "sum"), 1, path, ".sum", &h->sum) ||
	    get_u64(c, json_object_get(v, "schema"), path, ".schema", &schema) ||
	    get_i64(c, json_object_get(v, "first"), path, ".first", &first) ||
	    get_u64(c, json_object_get(v, "nbuckets"), path, ".nbuckets", &nbuckets) ||
	    get_u64(c, json_object_get(v, "zero_count"), path, ".zero_count", &h->zero_count))
		return c->err;
	if (schema > 8 || nbuckets > NHIST_MAX_BUCKETS || first < INT32_MIN || first > INT32_MAX)
		return fail(c, -EINVAL, "%s: schema, first or nbuckets out of range", path);
	h->schema = (int32_t)schema;
	h->first = (int32_t)first;
	h->nbuckets = (uint32_t)nbuckets;
	if (nhist_valid(h))
		return fail(c, -EINVAL, "%s: schema, first or nbuckets out of range", path);
	if (!json_is_object(buckets))
		return fail(c, -EINVAL, "%s.buckets: %s", path, buckets ? "not an object" : "missing");
	memset(h->buckets, 0, h->nbuckets * sizeof(h->buckets[0]));
	json_object_foreach(buckets, k, bv) {
		char field[64];
		int64_t idx;

		snprintf(field, sizeof(field), ".buckets.%.16s", k);
		/* Canonical decimal only, so "07" and "7" cannot both name bucket 7. */
		errno = 0;
		idx = strtoll(k, &end, 10);
		if (errno || end == k || *end || (k[0] == '-' ? k[1] == '0' : k[0] == '0' && k[1]) ||
		    k[0] == '+' || isspace((unsigned char)k[0]) || idx < first ||
		    idx - first >= (int64_t)nbuckets)
			return fail(c, -EINVAL, "%s%s: not a bucket index in first..first+nbuckets-1",
				    path, field);
		if (get_u64(c, bv, path, field, &h->buckets[idx - first]))
			return c->err;
	}
	return 0;
}

static int parse_family(struct pctx *c, const char *name, json_t *v)
{
	char path[160];
	const char *type_s, *help;
	enum metric_type type;
	struct family *f;
	json_t *samples, *sv;
	size_t i;

	snprintf(path, sizeof(path), "metrics.%.128s", name);
	if (!metric_name_valid(name))
		return fail(c, -EINVAL, "%s: invalid metric name", path);
	if (!json_is_object(v))
		return fail(c, -EINVAL, "%s: not an object", path);
	type_s = get_str(c, json_object_get(v, "type"), 16, path, ".type");
	if (!type_s)
		return c->err;
	/* The writer never emits a summary (render_json.c). */
	if (metric_type_parse(type_s, &type) || type == METRIC_SUMMARY)
		return fail(c, -EINVAL, "%s.type: unknown type \"%s\"", path, type_s);
	help = get_str(c, json_object_get(v, "help"), PARSE_MAX_STRING, path, ".help");
	if (!help)
		return c->err;
	samples = json_object_get(v, "samples");
	if (!json_is_array(samples))
		return fail(c, -EINVAL, "%s.samples: %s", path,
			    samples ? "not an array" : "missing");
	if (json_array_size(samples) > PARSE_MAX_SAMPLES)
		return fail(c, -E2BIG, "%s.samples: more than %u", path, PARSE_MAX_SAMPLES);
	f = ms_family(c->ms, name, type, help);
	if (!f)
		return fail(c, ms_error(c->ms) ? ms_error(c->ms) : -ENOMEM,
			    "%s: cannot add family", path);
	json_array_foreach(samples, i, sv) {
		struct label labels[PARSE_MAX_LABELS];
		char spath[200];
		uint32_t nlabels = 0;
		double value;

		snprintf(spath, sizeof(spath), "%s.samples[%zu]", path, i);
		if (!json_is_object(sv))
			return fail(c, -EINVAL, "%s: not an object", spath);
		if (parse_labels(c, json_object_get(sv, "labels"), spath, labels, &nlabels))
			return c->err;
		if (type == METRIC_HISTOGRAM) {
			struct nhist h;

			if (parse_hist(c, sv, spath, &h))
				return c->err;
			ms_add_hist(c->ms, f, &h, labels, nlabels);
		} else {
			if (get_num(c, json_object_get(sv, "value"), 1, spath, ".value", &value))
				return c->err;
			ms_add_labels(c->ms, f, value, labels, nlabels);
		}
		if (ms_error(c->ms))
			return fail(c, ms_error(c->ms), "%s: cannot add sample", spath);
	}
	return 0;
}

static int parse_metrics(struct pctx *c, json_t *obj)
{
	const char *name;
	json_t *v;

	if (!json_is_object(obj))
		return fail(c, -EINVAL, "metrics: %s", obj ? "not an object" : "missing");
	if (json_object_size(obj) > PARSE_MAX_FAMILIES)
		return fail(c, -E2BIG, "metrics: more than %d families", PARSE_MAX_FAMILIES);
	json_object_foreach(obj, name, v)
		if (parse_family(c, name, v))
			return c->err;
	return 0;
}

static int parse_top(struct pctx *c, json_t *root, struct snapshot *s)
{
	json_t *v, *derived;
	const char *host;
	uint64_t version = 0;

	if (!json_is_object(root))
		return fail(c, -EINVAL, "line: not a JSON object");
	if (get_u64(c, json_object_get(root, "schema_version"), "", "schema_version", &version))
		return c->err;
	if (version != JSONL_SCHEMA_VERSION)
		return fail(c, -EPROTONOSUPPORT, "schema_version: %llu is not supported (want %d)",
			    (unsigned long long)version, JSONL_SCHEMA_VERSION);
	host = get_str(c, json_object_get(root, "host"), sizeof(s->host) - 1, "", "host");
	if (!host)
		return c->err;
	snprintf(s->host, sizeof(s->host), "%s", host);
	/* timestamp is unix_seconds for people; the number is authoritative. */
	if (!get_str(c, json_object_get(root, "timestamp"), 64, "", "timestamp"))
		return c->err;
	if (get_num(c, json_object_get(root, "unix_seconds"), 0, "", "unix_seconds",
		    &s->timestamp) ||
	    get_u64(c, json_object_get(root, "seq"), "", "seq", &s->seq) ||
	    get_num(c, json_object_get(root, "interval_seconds"), 1, "", "interval_seconds",
		    &s->interval_seconds))
		return c->err;
	derived = json_object_get(root, "derived");
	if (derived && !json_is_object(derived) && !json_is_null(derived))
		return fail(c, -EINVAL, "derived: not an object");
	v = json_object_get(root, "collectors");
	if (parse_collectors(c, v, s))
		return c->err;
	return parse_metrics(c, json_object_get(root, "metrics"));
}

struct snapshot *jsonl_parse(const char *line, size_t len, int *err, char *errbuf, size_t errsz)
{
	struct pctx c = { .errbuf = errbuf, .errsz = errsz };
	struct snapshot *s = NULL;
	json_t *root = NULL;    /* owned: one decref at out */
	json_error_t jerr;
	struct metric_set *ms;

	if (errsz)
		errbuf[0] = '\0';
	if (len > PARSE_MAX_LINE) {
		fail(&c, -E2BIG, "line: longer than %u bytes", PARSE_MAX_LINE);
		goto out;
	}
	/* Duplicate keys would let two values fight over one field. */
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		fail(&c, -EINVAL, "line: invalid JSON at byte %d: %s", jerr.position, jerr.text);
		goto out;
	}
	s = snapshot_new();
	ms = ms_new();
	if (!s || !ms || snapshot_add_set(s, ms)) {
		if (!s)
			ms_free(ms);
		fail(&c, -ENOMEM, "line: out of memory");
		goto out;
	}
	c.ms = ms;
	if (!parse_top(&c, root, s) && jsonl_summary_rebuild(&s->summary, ms))
		fail(&c, -ENOMEM, "line: out of memory");
out:
	json_decref(root);
	if (c.err) {
		snapshot_put(s);
		s = NULL;
	}
	*err = c.err;
	return s;
}
