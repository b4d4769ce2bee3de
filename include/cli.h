/* Terminal views: commands that print to a terminal instead of serving. */
#ifndef IM_CLI_H
#define IM_CLI_H

#include "config.h"

/* latency.c */
/* `infra-monitor latency [disk|tcp|runq|drops]`: loads the BPF programs
 * (cfg->latency_what selects one group, NULL all; cfg->bpf_hook forces a rung)
 * and prints per-interval delta histograms with p50/p90/p99 every
 * cfg->latency_interval_ms, cfg->latency_count times (0: until SIGINT or
 * SIGTERM). Returns the exit status: 0, 1 when nothing could be loaded
 * (the reason, e.g. missing privileges, is printed), 2 for a bad argument. */
int latency_main(const struct config *cfg);

#endif
