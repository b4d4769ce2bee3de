/* Terminal views: commands that print to a terminal instead of serving. */
#ifndef IM_CLI_H
#define IM_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "metrics.h"
#include "workload.h"
#include "../bpf/hist.h"

/* latency.c */
/* `infra-monitor latency [disk|tcp|runq|drops]`: loads the BPF programs
 * (cfg->latency_what selects one group, NULL all; cfg->bpf_hook forces a rung)
 * and prints per-interval delta histograms with p50/p90/p99 every
 * cfg->latency_interval_ms, cfg->latency_count times (0: until SIGINT or
 * SIGTERM). With --by=cgroup, the workloads ranked by p99 and by events
 * instead (top.c), those whose path matches --cgroup; where attribution is
 * off or the rung lacks it, the reason and the host-wide view. Returns the exit status: 0, 1 when nothing could be loaded
 * (the reason, e.g. missing privileges, is printed), 2 for a bad argument. */
int latency_main(const struct config *cfg);

/* doctor.c */
/* `infra-monitor doctor [--format=table|json]`: checks what BPF depends on
 * here (kernel, BTF, cgroup v2, tracefs, capabilities, sysctls, lockdown,
 * memlock, seccomp), then loads and attaches every program on every rung
 * as the loader does, and prints each result with a remedy where it failed.
 * Returns 0 when every program attaches on at least one rung, else 1. */
int doctor_main(const struct config *cfg);

/* hist.c: the pieces of the terminal view every BPF program's print uses. */
/* What a cumulative histogram gained between the readings prev and now, as
 * a title line with count and p50/p90/p99 and one text bar per power of two
 * between the first and last non-empty one, each the share of the interval's
 * events. Returns 0 and prints nothing when it gained nothing, 1 otherwise;
 * a counter that went down (a reset) prints a line saying there is no value
 * this interval. bytes: sizes, whose percentiles are bucket upper bounds;
 * else seconds. */
int cli_hist_print(FILE *out, const char *title, const struct nhist *now,
		   const struct nhist *prev, int bytes);
/* now - prev as text, or "-" when the counter went down (a reset). */
const char *cli_counter_delta(uint64_t now, uint64_t prev, char *buf, size_t bufsz);
/* "812us", "3.10ms", "1.20s"; "-" for NAN. */
void cli_fmt_seconds(char *out, size_t outsz, double v);

/* top.c: one histogram family's workloads, ranked each interval. */
struct cli_top;
struct cli_top *cli_top_new(const char *title);
void cli_top_free(struct cli_top *t);
const char *cli_top_title(const struct cli_top *t);
/* Adds a workload's cumulative histogram as read now (call once per key:
 * they add up). ident NULL: no names known. 0 or -ENOMEM. */
int cli_top_add(struct cli_top *t, uint64_t id, const char *path,
		const struct workload_identity *ident, const struct hist *h);
/* What each workload added since the previous print, ranked by p99 and by
 * events, max_rows of each; workloads not added since leave the view. out
 * NULL: only take the baseline. 0 or -ENOMEM. */
int cli_top_print(struct cli_top *t, FILE *out, size_t max_rows);

#endif
