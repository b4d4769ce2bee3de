/* The snapshot of one interval: every collector's metric set, their outcomes,
 * and the renderings made once from them (Prometheus text, its deflate, the JSONL
 * line). Immutable once published: readers take a reference with
 * snapshot_get() and drop it with snapshot_put(); the collector thread swaps
 * in the next one with snapshot_publish().
 */
#ifndef IM_SNAPSHOT_H
#define IM_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gzjoin.h"
#include "metrics.h"
#include "summary.h"

enum collector_status {
	COLLECTOR_OK,
	COLLECTOR_FAILED,
	COLLECTOR_NODATA,       /* quiet: the host has no such data */
};

struct collector_result {
	const char *name;       /* static (the collector table) or owned by the snapshot's arena */
	enum collector_status status;
	int err;                /* -errno when FAILED */
	double duration_seconds;
	char detail[256];       /* human-readable error, "" when none */
};

/* The exposition formats /metrics serves (negotiate.h picks one). */
enum expo_format {
	EXPO_TEXT,              /* text/plain; version=0.0.4: the default */
	EXPO_OPENMETRICS,       /* application/openmetrics-text; version=1.0.0 */
	EXPO_PROTOBUF,          /* delimited io.prometheus.client.MetricFamily */
	EXPO_FORMATS,
};

struct snapshot {
	atomic_int refs;
	uint64_t seq;
	double timestamp;               /* realtime, unix seconds, start of collection */
	double interval_seconds;
	char host[256];

	struct collector_result *results;
	size_t nresults;
	/* One set per successful collector, plus the meta set built by the runner. */
	struct metric_set **sets;
	size_t nsets;
	/* Typed figures from the same collections, for /health and JSONL. */
	struct host_summary summary;

	/* Renderings, filled by snapshot_render(). */
	struct buf expo[EXPO_FORMATS];  /* text 0.0.4, OpenMetrics (no # EOF), protobuf */
	/* each as raw deflate ended by a sync flush, with its crc32 and length:
	 * /metrics appends a compressed live tail and wraps both in one gzip
	 * member per scrape (gzjoin.h), so the body is compressed only once. */
	struct gzjoin_part expo_z[EXPO_FORMATS];
	struct buf jsonl;               /* one JSON object and "\n" */
};

struct snapshot *snapshot_new(void);
/* Takes ownership of ms (freed with the snapshot, or now on error). 0 or -errno. */
int snapshot_add_set(struct snapshot *s, struct metric_set *ms);
int snapshot_add_result(struct snapshot *s, const struct collector_result *r);

/* Families of every set, sorted by name: the order every renderer uses. The
 * array is allocated; free() it. Returns the count, or -ENOMEM. */
long snapshot_families(const struct snapshot *s, const struct family ***out);

/* Renders expo, expo_z and jsonl. prev (may be NULL) gives the per-interval
 * derived values of the JSONL line. 0 or -errno. */
int snapshot_render(struct snapshot *s, const struct snapshot *prev);

/* Publishing: a single global "current" snapshot. */
void snapshot_publish(struct snapshot *s);      /* takes ownership of the caller's ref */
struct snapshot *snapshot_get(void);            /* NULL before the first publish */
struct snapshot *snapshot_ref(struct snapshot *s);      /* one more reference; returns s */
void snapshot_put(struct snapshot *s);          /* NULL-safe */

#endif
