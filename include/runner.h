/* The collection runner: initialises the enabled collectors once, then per
 * interval runs each, times it, records its outcome and assembles the
 * snapshot with the meta metrics (node_exporter's execute(), plus ours). */
#ifndef IM_RUNNER_H
#define IM_RUNNER_H

#include "collector.h"
#include "config.h"
#include "snapshot.h"

struct runner;

/* Runs every enabled collector's init(); a failing init is logged and that
 * collector reports failed each interval. NULL with errno on allocation failure. */
struct runner *runner_new(const struct config *cfg);
/* The same over another NULL-terminated table, indexed like
 * cfg->collector_enabled (tests). */
struct runner *runner_new_with(const struct config *cfg, const struct collector *const *table);
void runner_free(struct runner *r);

/* One collection. The snapshot is not rendered yet. NULL with errno. */
struct snapshot *runner_collect(struct runner *r);

#endif
