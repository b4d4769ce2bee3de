/* Inputs that stand in for the collectors at the head of the data flow. Today
 * one: --mode=export reads the JSONL another process (--mode=collect) writes
 * (sink.h names its files) and serves what that process saw.
 */
#ifndef IM_SOURCE_H
#define IM_SOURCE_H

#include <stddef.h>

#include "snapshot.h"

/* Longest line the reader loads; a longer one is skipped with an error. */
#define JSONL_MAX_LINE_BYTES (16u << 20)

/* jsonl_reader.c */
struct jsonl_reader;

/* Never touches the directory; it need not exist yet. 0 and *out set, or
 * -ENOMEM / -ENAMETOOLONG. */
int jsonl_reader_open(const char *dir, struct jsonl_reader **out);
/* 1: the newest complete line changed and *out is a new snapshot (results
 * and sets only: the caller renders and publishes it); 0: nothing new; -errno:
 * that line (or file) could not be read or parsed; the reason is in health
 * "jsonl_reader" and the caller keeps serving its last snapshot. */
int jsonl_reader_poll(struct jsonl_reader *r, struct snapshot **out);
void jsonl_reader_free(struct jsonl_reader *r);         /* NULL-safe */

/* jsonl_summary.c */
/* The host summary of a line's families (summary.h): what the collectors
 * would have filled. The one place that knows which families feed it; a unit
 * test holds it to what the collectors really do. 0 or -ENOMEM. */
int jsonl_summary_rebuild(struct host_summary *sum, const struct metric_set *ms);

/* jsonl_parse.c */
/* Rebuilds a snapshot (sets and results, not renderings) from one line.
 * On error returns NULL with *err set and a message in errbuf. */
struct snapshot *jsonl_parse(const char *line, size_t len, int *err, char *errbuf,
			     size_t errsz);

#endif
