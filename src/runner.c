/* The collection runner: collectors in, one unrendered snapshot out.
 *
 * A collector's failure stays its own: its set is dropped, the outcome goes
 * into the snapshot (for /health, JSONL and infra_monitor_collector_success),
 * and the log says so once per change of state, not once per interval.
 *
 * Time box. The collectors run one after another on a crew thread while the
 * caller waits, each for at most --collector.timeout. One that overruns (a
 * read of a wedged device's sysfs file) is marked failed, its thread is
 * abandoned, and a new crew thread goes on with the next collector, so the
 * snapshot still arrives on time. The stuck collector is skipped, and
 * reported failed, until its call returns; then its thread drops the late
 * result and exits. Nothing is torn down under a thread that may still run:
 * the runner is reference-counted by its crews, and a collector still inside
 * collect() is never fini()'d. A thread stuck in uninterruptible sleep would
 * still hold the process at exit: calls known to do that (statfs on a dead
 * mount) run in a child process instead (prober.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	char last_detail[256];
	bool busy;      /* a crew thread is inside its collect() */
};

struct runner {
	const struct config *cfg;
	struct slot slots[MAX_COLLECTORS];
	size_t nslots;
	uint64_t seq;
	char host[256];

	/* Everything below is guarded by mu. */
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* crew: a collection to run, or its generation ended */
	pthread_cond_t done_cv; /* caller: the collection is finished */
	unsigned int refs;      /* the owner's, plus one per crew thread alive */
	uint64_t gen;           /* the crew of this generation works; older ones quit */
	bool crew_alive;        /* a thread of generation gen exists */
	struct snapshot *work;  /* the collection under way, NULL when none */
	size_t next;            /* next slot the crew takes */
	size_t cur;             /* the slot inside collect(), when running */
	bool running;
	double cur_start;       /* monotonic */
};

struct crew_arg {
	struct runner *r;
	uint64_t gen;
};

static const char *err_text(int err, const char *detail)
{
	return detail && detail[0] ? detail : strerror(-err);
}

struct runner *runner_new(const struct config *cfg)
{
	return runner_new_with(cfg, collectors);
}

struct runner *runner_new_with(const struct config *cfg, const struct collector *const *table)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = cfg;
	r->refs = 1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->work_cv, NULL);
	{
		pthread_condattr_t ca;

		/* Deadlines are on the monotonic clock: a wall-clock step must not
		 * stretch or cut a time box. */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&r->done_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (gethostname(r->host, sizeof(r->host) - 1))
		snprintf(r->host, sizeof(r->host), "unknown");
	for (size_t i = 0; i < MAX_COLLECTORS && table[i]; i++) {
		struct slot *s;

		if (!cfg->collector_enabled[i])
			continue;
		s = &r->slots[r->nslots++];
		s->c = table[i];
		s->ctx = (struct collect_ctx){ .cfg = cfg, .procfs = cfg->procfs,
					       .sysfs = cfg->sysfs, .rootfs = cfg->rootfs,
					       .udev_data = cfg->udev_data };
		if (!s->c->init)
			continue;
		s->init_err = s->c->init(&s->ctx);
		if (s->init_err) {
			snprintf(s->init_detail, sizeof(s->init_detail), "init: %s",
				 err_text(s->init_err, s->ctx.detail));
			log_errorf("collector",
				   LOG_KV("collector", s->c->name, "err", s->init_detail),
				   "collector init failed");
			s->last_status = COLLECTOR_FAILED;
			s->last_err = s->init_err;
		}
	}
	return r;
}

static void runner_destroy(struct runner *r)
{
	pthread_cond_destroy(&r->done_cv);
	pthread_cond_destroy(&r->work_cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

void runner_free(struct runner *r)
{
	bool last;

	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	/* A collector whose thread is stuck in it keeps its state: fini() would
	 * free it under that thread. */
	for (size_t i = 0; i < r->nslots; i++) {
		struct slot *s = &r->slots[i];

		if (s->busy)
			continue;
		if (s->c->fini && !s->init_err)
			s->c->fini(&s->ctx);
		collect_ctx_release(&s->ctx);
	}
	r->gen++;
	pthread_cond_broadcast(&r->work_cv);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (last)
		runner_destroy(r);
}

static void log_transition(struct slot *s, const struct collector_result *res)
{
	bool same_detail = !strcmp(res->detail, s->last_detail);

	/* A collector that succeeds with a problem to report (a hung mount) is
	 * logged when that problem appears or changes. */
	if (res->status == COLLECTOR_OK && res->detail[0] && !same_detail)
		log_warnf("collector", LOG_KV("collector", s->c->name, "err", res->detail),
			  "collector partly failed");

	if (!same_detail)
		snprintf(s->last_detail, sizeof(s->last_detail), "%s", res->detail);
	if (res->status == s->last_status && res->err == s->last_err)
		return;
	if (res->status == COLLECTOR_FAILED)
		log_errorf("collector",
			   LOG_KV("collector", s->c->name, "err", err_text(res->err, res->detail)),
			   "collector failed");
	else if (res->status == COLLECTOR_NODATA)
		log_infof("collector",
			  LOG_KV("collector", s->c->name, "err", err_text(res->err, res->detail)),
			  "collector has no data on this host");
	else
		log_infof("collector", LOG_KV("collector", s->c->name), "collector recovered");

	s->last_status = res->status;
	s->last_err = res->err;
}

/* Puts a collector's set and summary part into the snapshot, or drops both. */
static void publish(struct slot *s, struct snapshot *snap, struct collector_result *res,
		    struct metric_set *ms, struct host_summary *part)
{
	if (res->status == COLLECTOR_OK) {
		int err = snapshot_add_set(snap, ms);

		if (err) {
			res->status = COLLECTOR_FAILED;
			res->err = err;
		} else {
			summary_take(&snap->summary, part);
		}
	} else {
		ms_free(ms);
	}
	summary_free(part);
	log_transition(s, res);
	snapshot_add_result(snap, res);
}

/* The sets published before a collector started, for its family_taken():
 * a copy of the pointers and a reference to their snapshot, so an abandoned
 * collector that returns late still reads live, unchanging sets. */
struct taken {
	struct snapshot *snap;
	size_t n;
	struct metric_set *sets[];
};

static bool family_taken(const struct collect_ctx *ctx, const char *name)
{
	const struct taken *t = ctx->taken_arg;

	for (size_t i = 0; i < t->n; i++)
		if (ms_find(t->sets[i], name))
			return true;
	return false;
}

/* Called with r->mu held. NULL when out of memory: nothing counts as taken. */
static struct taken *taken_new(struct snapshot *snap)
{
	struct taken *t = malloc(sizeof(*t) + snap->nsets * sizeof(t->sets[0]));

	if (!t)
		return NULL;
	t->snap = snapshot_ref(snap);
	t->n = snap->nsets;
	if (t->n) /* sets is NULL before the first: memcpy() must not see it */
		memcpy(t->sets, snap->sets, t->n * sizeof(t->sets[0]));
	return t;
}

static void taken_free(struct taken *t)
{
	if (!t)
		return;
	snapshot_put(t->snap);
	free(t);
}

/* Runs one collector; returns its set when res->status is OK, else NULL.
 * part (the caller's) receives its summary figures either way. */
static struct metric_set *run_one(struct slot *s, struct collector_result *res,
				  struct host_summary *part)
{
	struct metric_set *ms = ms_new();
	uint64_t start_ns;
	int err;

	*res = (struct collector_result){ .name = s->c->name };
	s->ctx.detail[0] = '\0';
	s->ctx.summary = part;
	start_ns = now_monotonic_ns();
	err = ms ? s->c->collect(&s->ctx, ms) : -ENOMEM;
	collect_ctx_sweep(&s->ctx);
	s->ctx.summary = NULL;
	if (!err && ms_error(ms))
		err = ms_error(ms);
	if (!err && summary_error(part))
		err = summary_error(part);
	res->duration_seconds = (double)(now_monotonic_ns() - start_ns) / 1e9;
	if (!err) {
		res->status = COLLECTOR_OK;
		/* A collector may succeed and still report a partial problem
		 * (one hung mount): keep its detail for /health. */
		snprintf(res->detail, sizeof(res->detail), "%s", s->ctx.detail);
		return ms;
	}
	res->status = err == -ENODATA ? COLLECTOR_NODATA : COLLECTOR_FAILED;
	res->err = err;
	snprintf(res->detail, sizeof(res->detail), "%s", err_text(err, s->ctx.detail));
	ms_free(ms);
	return NULL;
}

static void publish_failure(struct slot *s, struct snapshot *snap, int err, const char *detail)
{
	struct collector_result res = { .name = s->c->name, .status = COLLECTOR_FAILED,
					.err = err };

	snprintf(res.detail, sizeof(res.detail), "%s", detail);
	log_transition(s, &res);
	snapshot_add_result(snap, &res);
}

static void *crew_main(void *p)
{
	struct crew_arg arg = *(struct crew_arg *)p;
	struct runner *r = arg.r;
	bool last;

	free(p);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct collector_result res;
		struct host_summary part;
		struct metric_set *ms;
		struct taken *taken;
		struct slot *s;

		if (r->gen != arg.gen)
			break;
		if (!r->work) {
			pthread_cond_wait(&r->work_cv, &r->mu);
			continue;
		}
		if (r->next >= r->nslots) {
			r->work = NULL;
			pthread_cond_signal(&r->done_cv);
			continue;
		}
		s = &r->slots[r->next++];
		if (s->init_err) {
			publish_failure(s, r->work, s->init_err, s->init_detail);
			continue;
		}
		if (s->busy) {
			publish_failure(s, r->work, -ETIMEDOUT,
					"timed out earlier and has not returned yet");
			continue;
		}
		s->busy = true;
		r->cur = (size_t)(s - r->slots);
		r->cur_start = now_monotonic();
		r->running = true;
		taken = taken_new(r->work);
		s->ctx.family_taken = taken ? family_taken : NULL;
		s->ctx.taken_arg = taken;
		pthread_mutex_unlock(&r->mu);

		summary_init(&part);
		ms = run_one(s, &res, &part);

		pthread_mutex_lock(&r->mu);
		taken_free(taken);
		s->ctx.family_taken = NULL;
		s->busy = false;
		if (r->gen != arg.gen) {
			/* Given up on while it ran: its outcome is already reported. */
			ms_free(ms);
			summary_free(&part);
			break;
		}
		r->running = false;
		publish(s, r->work, &res, ms, &part);
	}
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (last)
		runner_destroy(r);
	return NULL;
}

/* Starts a crew thread of a new generation. Called with r->mu held. */
static int crew_spawn_locked(struct runner *r)
{
	struct crew_arg *arg = malloc(sizeof(*arg));
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int err;

	if (!arg)
		return -ENOMEM;
	*arg = (struct crew_arg){ .r = r, .gen = ++r->gen };
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Signals belong to the main thread (its handlers only set flags). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t, &attr, crew_main, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	r->crew_alive = !err;
	if (err) {
		free(arg);
		return -err;
	}
	r->refs++;
	return 0;
}

/* Hands the snapshot to the crew and waits until every collector has run or
 * been given up on. Called with r->mu held. */
static void collect_all_locked(struct runner *r, struct snapshot *snap)
{
	double timeout = (double)r->cfg->collector_timeout_ms / 1000.0;
	int err = r->crew_alive ? 0 : crew_spawn_locked(r);

	r->work = snap;
	r->next = 0;
	r->running = false;
	pthread_cond_broadcast(&r->work_cv);
	while (r->work && !err) {
		double now = now_monotonic(), deadline = now + timeout;
		struct timespec ts;

		if (r->running && now >= r->cur_start + timeout) {
			char detail[64];

			snprintf(detail, sizeof(detail), "timed out after %.3g s", timeout);
			/* The abandoned thread keeps the slot busy until it returns. */
			publish_failure(&r->slots[r->cur], snap, -ETIMEDOUT, detail);
			r->running = false;
			err = crew_spawn_locked(r);
			pthread_cond_broadcast(&r->work_cv);
			continue;
		}
		if (r->running)
			deadline = r->cur_start + timeout;
		ts.tv_sec = (time_t)deadline;
		ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
		pthread_cond_timedwait(&r->done_cv, &r->mu, &ts);
	}
	if (!err)
		return;
	/* No thread to run the rest on: report it rather than run it here, where
	 * a hang would stall every later collection. */
	for (; r->next < r->nslots; r->next++)
		publish_failure(&r->slots[r->next], snap, err, "no thread to run on");
	r->work = NULL;
}

static void add_meta(struct snapshot *snap)
{
	struct metric_set *ms = ms_new();
	struct family *ok, *dur, *ne_ok, *ne_dur;

	if (!ms)
		return;
	ok = ms_family(ms, "infra_monitor_collector_success", METRIC_GAUGE,
		       "Whether a collector succeeded in the last collection (no such data on "
		       "this host is not a failure).");
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
		/* Ours follows /health: a host without ZFS or InfiniBand is not
		 * failing, and the shipped alert must not fire for it. */
		ms_add(ms, ok, res->status != COLLECTOR_FAILED, "collector", res->name, NULL);
		ms_add(ms, dur, res->duration_seconds, "collector", res->name, NULL);
		ms_add(ms, ne_ok, res->status == COLLECTOR_OK, "collector", res->name, NULL);
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
	pthread_mutex_lock(&r->mu);
	collect_all_locked(r, snap);
	pthread_mutex_unlock(&r->mu);
	add_meta(snap);
	return snap;
}
