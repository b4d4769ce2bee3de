/* Renderers: a snapshot's families to bytes. Prometheus text (0.0.4), and the
 * JSONL line with its derived per-interval values (read back by jsonl_parse(),
 * source.h).
 */
#ifndef IM_RENDER_H
#define IM_RENDER_H

#include "buf.h"
#include "metrics.h"
#include "snapshot.h"

/* render_prom.c */
/* Appends families (sorted by the caller) in text format 0.0.4. */
void render_prom(struct buf *out, const struct family *const *fams, size_t n);
/* The same in OpenMetrics 1.0 text, without the closing "# EOF" line: the
 * caller appends it after whatever else it serves. */
void render_openmetrics(struct buf *out, const struct family *const *fams, size_t n);
#define RENDER_OM_EOF "# EOF\n"
/* One of the above or render_pb(), by format. */
void render_expo(struct buf *out, enum expo_format fmt, const struct family *const *fams,
		 size_t n);
/* Label value escaping of the text format: backslash, double quote, newline. */
void render_prom_label_value(struct buf *out, const char *v);

/* render_pb.c */
/* Appends families as length-delimited io.prometheus.client.MetricFamily
 * messages; histograms carry classic and native buckets. */
void render_pb(struct buf *out, const struct family *const *fams, size_t n);

/* render_json.c */
#define JSONL_SCHEMA_VERSION 2
/* Appends the snapshot as one JSON object and a newline. */
void render_jsonl(struct buf *out, const struct snapshot *s, const struct family *const *fams,
		  size_t n, const struct snapshot *prev);

#endif
