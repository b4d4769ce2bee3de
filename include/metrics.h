/* Metric sets: what a collector fills and every sink reads.
 *
 * A metric_set owns its families, samples and label strings in one arena, so a
 * finished set is freed in one call and never changes after it is published.
 * Errors while filling (out of memory, a name that is not a valid metric or
 * label name) are sticky: the collector keeps going and checks ms_error() once,
 * like ferror() on a FILE.
 */
#ifndef IM_METRICS_H
#define IM_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_type {
	METRIC_GAUGE,
	METRIC_COUNTER,
	METRIC_UNTYPED,
	METRIC_HISTOGRAM,
	METRIC_SUMMARY,         /* only with bucket_set samples */
};

#define NHIST_MAX_BUCKETS 256

/* A Prometheus native histogram with a fixed bucket layout, as the BPF
 * programs keep it: 2^schema buckets per power of two, bucket i holding values
 * v with 2^((i-1)/2^schema) < v <= 2^(i/2^schema) base units (seconds,
 * bytes), so every boundary is a true "le". buckets[k] is native bucket
 * first + k; zero_count holds every v <= the lower bound of bucket first (the
 * zero threshold, always > 0). count holds every value, so values above the
 * top bucket show only in count (and in +Inf). sum is in base units. */
struct nhist {
	int32_t schema;
	int32_t first;
	uint32_t nbuckets;
	uint64_t zero_count;
	uint64_t count;
	double sum;
	uint64_t buckets[NHIST_MAX_BUCKETS];
};

/* A histogram or summary as the text format carries it (the textfile
 * collector): explicit bucket bounds ("le") with cumulative counts, or
 * quantiles with their values. Kept apart from log2_hist, which is the BPF
 * programs' own layout. */
struct bucket_set {
	double count, sum;
	uint32_t n;
	const double *bounds;   /* le, or quantile; ascending */
	const double *values;   /* cumulative count, or quantile value */
};

struct label {
	const char *name;
	const char *value;
};

struct sample {
	const struct label *labels;
	uint32_t nlabels;
	double value;                   /* gauge, counter, untyped */
	const struct nhist *hist;       /* histogram only */
	const struct bucket_set *buckets;       /* histogram (without hist) or summary */
};

struct family {
	const char *name;
	const char *help;
	enum metric_type type;
	struct sample *samples;
	size_t nsamples;
	size_t cap;
};

struct metric_set;

struct metric_set *ms_new(void);
void ms_free(struct metric_set *ms);

/* Returns the family of that name, creating it on first use. name and help
 * are copied. NULL only after a sticky error. */
struct family *ms_family(struct metric_set *ms, const char *name, enum metric_type type,
			 const char *help);

/* Adds one sample; the variadic tail is label name/value pairs closed by NULL:
 *   ms_add(ms, f, 12.5, "cpu", "0", "mode", "user", NULL);
 * Label strings are copied. A NULL family is ignored (the error is sticky). */
void ms_add(struct metric_set *ms, struct family *f, double value, ...)
	__attribute__((sentinel));
void ms_add_labels(struct metric_set *ms, struct family *f, double value,
		   const struct label *labels, uint32_t nlabels);
void ms_add_hist(struct metric_set *ms, struct family *f, const struct nhist *h,
		 const struct label *labels, uint32_t nlabels);
/* A histogram or summary family's sample; bounds and values are copied. */
void ms_add_buckets(struct metric_set *ms, struct family *f, const struct bucket_set *b,
		    const struct label *labels, uint32_t nlabels);

/* Shortcut for a family with one unlabelled sample. */
void ms_set(struct metric_set *ms, const char *name, enum metric_type type, const char *help,
	    double value);

/* 0, or the first -errno recorded while filling. */
int ms_error(const struct metric_set *ms);
void ms_set_error(struct metric_set *ms, int err);

size_t ms_nfamilies(const struct metric_set *ms);
const struct family *ms_family_at(const struct metric_set *ms, size_t i);
const struct family *ms_find(const struct metric_set *ms, const char *name);

/* Copies a string into the set's arena; for collectors that build label values. */
const char *ms_strdup(struct metric_set *ms, const char *s);

const char *metric_type_name(enum metric_type t);
int metric_type_parse(const char *s, enum metric_type *t);

int metric_name_valid(const char *s);
int label_name_valid(const char *s);

/* Value of a sample's label, or NULL. */
const char *sample_label(const struct sample *s, const char *name);

/* Upper bound of native bucket idx of that schema, in base units. */
double nhist_bound(int32_t schema, int32_t idx);
/* Lower bound of bucket first: the zero bucket's threshold. */
double nhist_zero_threshold(const struct nhist *h);
/* Values above the top bucket: count minus every bucket (0 if less). */
uint64_t nhist_overflow(const struct nhist *h);
/* 0 when the layout is one this code renders (schema 0..8, at most
 * NHIST_MAX_BUCKETS buckets, indexes in range), else -EINVAL. */
int nhist_valid(const struct nhist *h);
/* d = c - p (p read earlier, same layout): -ERANGE on a counter reset (any
 * count went down), -EINVAL when the layouts differ. */
int nhist_sub(const struct nhist *c, const struct nhist *p, struct nhist *d);

/* The classic buckets: cb(le, cumulative count) for every power of two of
 * the base unit from the zero threshold to the top bucket (every
 * 2^schema-th native boundary), so no classic bucket splits a native one;
 * +Inf (count) is the caller's. */
typedef void (*nhist_bucket_cb)(void *arg, double le, uint64_t cum);
void nhist_classic(const struct nhist *h, nhist_bucket_cb cb, void *arg);

/* Quantile q (0..1) of a histogram, interpolated linearly inside the bucket
 * as histogram_quantile() does, in base units; a rank in the zero bucket
 * interpolates from 0, one above the top bucket returns the top bound. NAN
 * when the histogram is empty. */
double nhist_quantile(const struct nhist *h, double q);


#endif
