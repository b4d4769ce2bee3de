/* Daemon self-state that is live rather than per snapshot: the health of
 * long-lived components (JSONL sink, export reader, BPF programs, HTTP) and
 * monotonic counters about the daemon itself. Both are read by /health and
 * rendered at scrape time next to the process metrics; neither goes to JSONL.
 * Thread-safe: any thread may set, any thread may read.
 */
#ifndef IM_HEALTH_H
#define IM_HEALTH_H

#include <stdint.h>

#include "metrics.h"

enum health_state { HEALTH_OK, HEALTH_DEGRADED, HEALTH_FAILED, HEALTH_DISABLED };

/* component names are static strings ("jsonl_sink", "bpf/biolat", ...). A
 * component set again replaces its state; detail may be NULL. */
void health_set(const char *component, enum health_state state, const char *detail);
const char *health_state_name(enum health_state s);

struct health_entry {
	const char *component;
	enum health_state state;
	char detail[256];
	double since;           /* realtime when the state last changed */
};
/* Copies up to max entries; returns how many there are. */
size_t health_list(struct health_entry *out, size_t max);

enum self_counter {
	SELF_JSONL_LINES_WRITTEN,
	SELF_JSONL_BYTES_WRITTEN,
	SELF_JSONL_WRITE_ERRORS,
	SELF_JSONL_ROTATIONS,
	SELF_EXPORT_READ_ERRORS,
	SELF_HTTP_REQUESTS,
	SELF_COUNTER_MAX,
};
void self_counter_add(enum self_counter c, uint64_t n);
uint64_t self_counter_get(enum self_counter c);
/* Adds the counters as counter families (the names live in health.c). */
void self_counters_fill(struct metric_set *ms);

#endif
