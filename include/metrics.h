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
};

#define HIST_MAX_SLOTS 64

/* A log2 histogram as the BPF programs keep it: slot i counts values v with
 * 2^(i-1) < v <= 2^i units (slot 0: v <= 1), so 2^i * unit is a true upper
 * bound ("le") in base units. sum is already in base units (seconds, bytes). */
struct log2_hist {
	uint64_t count;
	double sum;
	double unit;
	uint32_t nslots;
	uint64_t slots[HIST_MAX_SLOTS];
};

struct label {
	const char *name;
	const char *value;
};

struct sample {
	const struct label *labels;
	uint32_t nlabels;
	double value;                   /* gauge, counter, untyped */
	const struct log2_hist *hist;   /* histogram only */
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
void ms_add_hist(struct metric_set *ms, struct family *f, const struct log2_hist *h,
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

/* Quantile q (0..1) of a histogram's slot counts, interpolated inside the
 * slot, in base units; NAN when the histogram is empty. */
double log2_hist_quantile(const struct log2_hist *h, double q);

#endif
