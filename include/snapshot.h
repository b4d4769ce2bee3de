/* The snapshot of one interval: every collector's metric set, their outcomes,
 * the JSONL line rendered with them, and each exposition format rendered (and
 * deflated) at most once, when a scrape first asks for it. Immutable once
 * published, but for those cached renderings: readers take a reference with
 * snapshot_get() and drop it with snapshot_put(); the collector thread swaps
 * in the next one with snapshot_publish().
 */
#ifndef IM_SNAPSHOT_H
#define IM_SNAPSHOT_H

#include <pthread.h>
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

/* One exposition format of a snapshot, rendered on first use by
 * snapshot_expo(). The lock is this format's alone, so a scrape rendering
 * OpenMetrics never waits for one rendering text. */
struct snapshot_expo {
	pthread_mutex_t lock;   /* held while rendering or deflating */
	atomic_int ready;       /* EXPO_READY_* bits, set (release) once their buffers are final */
	struct buf body;        /* text 0.0.4, OpenMetrics (no # EOF) or protobuf */
	/* body as raw deflate ended by a sync flush, with its crc32 and length:
	 * /metrics appends a compressed live tail and wraps both in one gzip
	 * member per scrape (gzjoin.h), so the body is compressed only once. */
	struct gzjoin_part z;
	unsigned int renders;   /* bodies rendered (under lock): at most one per snapshot */
	/* The previous snapshot's body length, or its hint: the body is
	 * allocated once at about its final size rather than grown by doubling. */
	size_t size_hint;
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

	/* Filled by snapshot_render(): the families of every set sorted by name
	 * (pointers into sets), and the JSONL line. */
	const struct family **fams;
	size_t nfams;
	struct buf jsonl;               /* one JSON object and "\n" */
	/* Filled on demand by snapshot_expo(). */
	struct snapshot_expo expo[EXPO_FORMATS];
};

struct snapshot *snapshot_new(void);
/* Takes ownership of ms (freed with the snapshot, or now on error). 0 or -errno. */
int snapshot_add_set(struct snapshot *s, struct metric_set *ms);
int snapshot_add_result(struct snapshot *s, const struct collector_result *r);

/* Families of every set, sorted by name: the order every renderer uses. The
 * array is allocated; free() it. Returns the count, or -ENOMEM. */
long snapshot_families(const struct snapshot *s, const struct family ***out);

/* Sorts the families and renders jsonl; prev (may be NULL) gives the
 * per-interval derived values of the JSONL line. Call once, before
 * publishing. 0 or -errno. */
int snapshot_render(struct snapshot *s, const struct snapshot *prev);

/* The exposition of a rendered snapshot in fmt, and with z non-NULL its
 * deflate too, each made on the first call that needs it and then shared:
 * concurrent callers wait for one rendering. *body and *z stay valid while
 * the caller holds its reference. 0 or -errno (nothing is cached on error,
 * so a later call tries again). */
int snapshot_expo(struct snapshot *s, enum expo_format fmt, const struct buf **body,
		  const struct gzjoin_part **z);

/* Publishing: a single global "current" snapshot. */
void snapshot_publish(struct snapshot *s);      /* takes ownership of the caller's ref */
struct snapshot *snapshot_get(void);            /* NULL before the first publish */
struct snapshot *snapshot_ref(struct snapshot *s);      /* one more reference; returns s */
void snapshot_put(struct snapshot *s);          /* NULL-safe */

#endif
