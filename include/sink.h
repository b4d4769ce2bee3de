/* JSONL files: the rotating writer the collector feeds. The reader that
 * --mode=export serves from is an input (source.h).
 *
 * Directory layout (docs/jsonl.md):
 *   infra-monitor.jsonl                           current file, one line per snapshot
 *   infra-monitor-20261126T052014.123456Z.jsonl.gz rotated, oldest deleted past max_files
 *   ...jsonl.rotating, ...jsonl.gz.tmp             transient; finished or removed on open
 */
#ifndef IM_SINK_H
#define IM_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define JSONL_CURRENT_NAME "infra-monitor.jsonl"
#define JSONL_ROTATED_PREFIX "infra-monitor-"

/* jsonl.c */
struct jsonl_sink;

/* Creates dir if missing, finishes rotations a crash left behind, rotates a
 * non-empty current file from a previous run and prunes to max_files. Rotates
 * before a line would take the current file past max_bytes; fsync makes every
 * line fdatasync()ed. 0 and *out set, or -errno (logged, and health
 * "jsonl_sink" failed with the reason). */
int jsonl_sink_open(const char *dir, uint64_t max_bytes, uint32_t max_files, bool fsync,
		    struct jsonl_sink **out);
/* Appends one complete line (ending in its only '\n') with one write(). On
 * failure nothing of the line stays in the file, the error is counted and
 * health "jsonl_sink" is degraded until a later write succeeds. 0 or -errno. */
int jsonl_sink_write(struct jsonl_sink *sink, const char *line, size_t len);
/* Path of the current file (for logs and /health). */
const char *jsonl_sink_path(const struct jsonl_sink *sink);
void jsonl_sink_free(struct jsonl_sink *sink);          /* NULL-safe */

#endif
