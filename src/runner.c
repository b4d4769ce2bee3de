/* The collection runner: collectors in, one unrendered snapshot out.
 *
 * A collector's failure stays its own: its set is dropped, the outcome goes
 * into the snapshot (for /health, JSONL and infra_monitor_collector_success),
 * and the log says so once per change of state, not once per interval.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "runner.h"
#include "util.h"

struct slot {
	const struct collector *c;
	struct collect_ctx ctx;
	int init_err;
	char init_detail[256];
	/* Last logged outcome, so a repeating failure is logged once. */
	enum collector_status last_status;
	int last_err;
};

struct runner {
	const struct config *cfg;
	struct slot slots[MAX_COLLECTORS];
	size_t nslots;
	uint64_t seq;
	char host[256];
};

static const char *err_text(int err, const char *detail)
{
	return detail && detail[0] ? detail : strerror(-err);
}

struct runner *runner_new(const struct config *cfg)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = cfg;
	if (gethostname(r->host, sizeof(r->host) - 1))
		snprintf(r->host, sizeof(r->host), "unknown");
	for (size_t i = 0; i < MAX_COLLECTORS && collectors[i]; i++) {
		struct slot *s;

		if (!cfg->collector_enabled[i])
			continue;
		s = &r->slots[r->nslots++];
		s->c = collectors[i];
		s->ctx = (struct collect_ctx){ .cfg = cfg, .procfs = cfg->procfs,
					       .sysfs = cfg->sysfs, .rootfs = cfg->rootfs };
		if (!s->c->init)
			continue;
		s->init_err = s->c->init(&s->ctx);
		if (s->init_err) {
			snprintf(s->init_detail, sizeof(s->init_detail), "init: %s",
				 err_text(s->init_err, s->ctx.detail));
			log_error("collector", "collector init failed", "collector", s->c->name,
				  "err", s->init_detail);
			s->last_status = COLLECTOR_FAILED;
			s->last_err = s->init_err;
		}
	}
	return r;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nslots; i++)
		if (r->slots[i].c->fini && !r->slots[i].init_err)
			r->slots[i].c->fini(&r->slots[i].ctx);
	free(r);
}

static void log_transition(struct slot *s, const struct collector_result *res)
{
	if (res->status == s->last_status && res->err == s->last_err)
		return;
	if (res->status == COLLECTOR_FAILED)
		log_error("collector", "collector failed", "collector", s->c->name, "err",
			  err_text(res->err, res->detail));
	else if (res->status == COLLECTOR_NODATA)
		log_info("collector", "collector has no data on this host", "collector",
			 s->c->name, "err", err_text(res->err, res->detail));
	else
		log_info("collector", "collector recovered", "collector", s->c->name);
	s->last_status = res->status;
	s->last_err = res->err;
}

static void run_one(struct slot *s, struct snapshot *snap)
{
	struct collector_result res = { .name = s->c->name };
	struct metric_set *ms;
	double start;
	int err;

	if (s->init_err) {
		res.status = COLLECTOR_FAILED;
		res.err = s->init_err;
		snprintf(res.detail, sizeof(res.detail), "%s", s->init_detail);
		snapshot_add_result(snap, &res);
		return;
	}
	ms = ms_new();
	s->ctx.detail[0] = '\0';
	start = now_monotonic();
	err = ms ? s->c->collect(&s->ctx, ms) : -ENOMEM;
	if (!err && ms_error(ms))
		err = ms_error(ms);
	res.duration_seconds = now_monotonic() - start;
	if (!err) {
		res.status = COLLECTOR_OK;
		/* A collector may succeed and still report a partial problem
		 * (one hung mount): keep its detail for /health. */
		snprintf(res.detail, sizeof(res.detail), "%s", s->ctx.detail);
		err = snapshot_add_set(snap, ms);
		ms = NULL;
		if (err) {
			res.status = COLLECTOR_FAILED;
			res.err = err;
		}
	} else {
		res.status = err == -ENODATA ? COLLECTOR_NODATA : COLLECTOR_FAILED;
		res.err = err;
		snprintf(res.detail, sizeof(res.detail), "%s", err_text(err, s->ctx.detail));
	}
	ms_free(ms);
	log_transition(s, &res);
	snapshot_add_result(snap, &res);
}

static void add_meta(struct snapshot *snap)
{
	struct metric_set *ms = ms_new();
	struct family *ok, *dur, *ne_ok, *ne_dur;

	if (!ms)
		return;
	ok = ms_family(ms, "infra_monitor_collector_success", METRIC_GAUGE,
		       "Whether a collector succeeded in the last collection.");
	dur = ms_family(ms, "infra_monitor_collector_duration_seconds", METRIC_GAUGE,
			"Duration of a collector in the last collection.");
	/* The same outcome under node_exporter's names and HELP, which its
	 * dashboards and node-mixin alerts query; as there, "no data on this
	 * host" counts as not succeeded. */
	ne_ok = ms_family(ms, "node_scrape_collector_success", METRIC_GAUGE,
			  "node_exporter: Whether a collector succeeded.");
	ne_dur = ms_family(ms, "node_scrape_collector_duration_seconds", METRIC_GAUGE,
			   "node_exporter: Duration of a collector scrape.");
	for (size_t i = 0; i < snap->nresults; i++) {
		const struct collector_result *res = &snap->results[i];
		bool success = res->status == COLLECTOR_OK;

		ms_add(ms, ok, success, "collector", res->name, NULL);
		ms_add(ms, dur, res->duration_seconds, "collector", res->name, NULL);
		ms_add(ms, ne_ok, success, "collector", res->name, NULL);
		ms_add(ms, ne_dur, res->duration_seconds, "collector", res->name, NULL);
	}
	ms_add(ms, ms_family(ms, "infra_monitor_build_info", METRIC_GAUGE,
			     "A metric with a constant '1' value labeled by version and revision "
			     "of infra-monitor."),
	       1, "version", IM_VERSION, "revision", IM_REVISION, NULL);
	ms_set(ms, "infra_monitor_last_collect_timestamp_seconds", METRIC_GAUGE,
	       "Unix time at which the last collection started.", snap->timestamp);
	ms_set(ms, "infra_monitor_collect_interval_seconds", METRIC_GAUGE,
	       "Configured time between collections.", snap->interval_seconds);
	snapshot_add_set(snap, ms);
}

struct snapshot *runner_collect(struct runner *r)
{
	struct snapshot *snap = snapshot_new();

	if (!snap)
		return NULL;
	snap->seq = ++r->seq;
	snap->timestamp = now_realtime();
	snap->interval_seconds = (double)r->cfg->interval_ms / 1000.0;
	snprintf(snap->host, sizeof(snap->host), "%s", r->host);
	for (size_t i = 0; i < r->nslots; i++)
		run_one(&r->slots[i], snap);
	add_meta(snap);
	return snap;
}
