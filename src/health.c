/* Live daemon self-state: component health and self counters.
 *
 * Snapshots are immutable and per interval; what happens between them (a
 * JSONL write failing, a BPF program detaching) is recorded here and read at
 * scrape time, so it is visible at once and never written to JSONL.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "util.h"

#define MAX_COMPONENTS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct health_entry entries[MAX_COMPONENTS];
static size_t nentries;
static _Atomic uint64_t counters[SELF_COUNTER_MAX];

static const struct {
	const char *name, *help;
} counter_desc[SELF_COUNTER_MAX] = {
	[SELF_JSONL_LINES_WRITTEN] = { "infra_monitor_jsonl_lines_written_total",
				       "Snapshots written as JSONL lines." },
	[SELF_JSONL_BYTES_WRITTEN] = { "infra_monitor_jsonl_bytes_written_total",
				       "Bytes written to JSONL files, before compression." },
	[SELF_JSONL_WRITE_ERRORS] = { "infra_monitor_jsonl_write_errors_total",
				      "JSONL writes that failed; the line was not written." },
	[SELF_JSONL_ROTATIONS] = { "infra_monitor_jsonl_rotations_total",
				   "JSONL files rotated (renamed and compressed)." },
	[SELF_EXPORT_READ_ERRORS] = { "infra_monitor_export_read_errors_total",
				      "JSONL lines that --mode=export could not read or parse." },
	[SELF_HTTP_REQUESTS] = { "infra_monitor_http_requests_total",
				 "HTTP requests served." },
};

static const char *const state_names[] = { "ok", "degraded", "failed", "disabled" };

const char *health_state_name(enum health_state s)
{
	return state_names[s];
}

void health_set(const char *component, enum health_state state, const char *detail)
{
	struct health_entry *e = NULL;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nentries; i++)
		if (strcmp(entries[i].component, component) == 0)
			e = &entries[i];
	if (!e && nentries < MAX_COMPONENTS) {
		e = &entries[nentries++];
		*e = (struct health_entry){ .component = component, .state = state,
					    .since = now_realtime() };
	}
	if (e) {
		if (e->state != state)
			e->since = now_realtime();
		e->state = state;
		snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
	}
	pthread_mutex_unlock(&lock);
}

size_t health_list(struct health_entry *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = nentries;
	memcpy(out, entries, (n < max ? n : max) * sizeof(*out));
	pthread_mutex_unlock(&lock);
	return n;
}

void self_counter_add(enum self_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&counters[c], n, memory_order_relaxed);
}

uint64_t self_counter_get(enum self_counter c)
{
	return atomic_load_explicit(&counters[c], memory_order_relaxed);
}

void self_counters_fill(struct metric_set *ms)
{
	for (int c = 0; c < SELF_COUNTER_MAX; c++)
		ms_set(ms, counter_desc[c].name, METRIC_COUNTER, counter_desc[c].help,
		       (double)self_counter_get(c));
}
