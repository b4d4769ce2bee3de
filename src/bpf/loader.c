/* BPF loader: the common part of src/bpf/ between the kernel programs of bpf/
 * and the bpf collector (src/collect/bpf.c) and latency view (src/cli/). It
 * knows programs only through their ops and the registry below.
 *
 * For each program it walks the hook ladder tp_btf -> raw_tp -> tracepoint
 * (or only the rung --bpf.hook forces): open the skeleton, keep autoload on
 * for that rung's handlers only, load, attach. The first rung that attaches
 * wins; that is the honest probe, since a rung can pass a BTF lookup and
 * still be refused at attach. Each program fails alone.
 *
 * It also runs the --bpf.stats sampler: the kernel's BPF run-time statistics
 * cost every BPF program on the host about 100 ns per event while on, so by
 * default they are switched on through the fd-scoped BPF_ENABLE_STATS for a
 * short window every period and the deltas over those windows are exported.
 * BPF_ENABLE_STATS needs CAP_SYS_ADMIN, which the daemon gives up after
 * start-up: the fd comes from the privileged helper (src/privsep.c).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/loader.h"
#include "cli.h"
#include "health.h"
#include "log.h"
#include "privsep.h"
#include "util.h"

/* Error texts are cut to fit their buffers on purpose (clang has no such warning). */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const hook_names[BPFL_HOOKS] = { "tp_btf", "raw_tp", "tracepoint" };
/* Section prefixes of each rung's handlers in the bpf/ programs. */
static const char *const hook_sections[BPFL_HOOKS] = { "tp_btf/", "raw_tp/", "tracepoint/" };
static const char *const status_names[] = { "disabled", "attached", "failed" };

/* The registry: one line per program, whose ops src/bpf/NAME.c defines as
 * NAME_ops. The order is that of /health, the exposition and the terminal. */
#define PROGRAMS(X)                                                                                \
	X(biolat)                                                                                  \
	X(tcplat)                                                                                  \
	X(skbdrop)                                                                                 \
	X(runqlat)

#define DECLARE_OPS(name) extern const struct bpfl_prog_ops name##_ops;
#define OPS_ENTRY(name) &name##_ops,
#define COMPONENT(name) "bpf/" #name,   /* health.h wants static component names */
PROGRAMS(DECLARE_OPS)
static const struct bpfl_prog_ops *const prog_ops[] = { PROGRAMS(OPS_ENTRY) };
static const char *const components[] = { PROGRAMS(COMPONENT) };
#define NPROGS ARRAY_SIZE(prog_ops)
_Static_assert(ARRAY_SIZE(prog_ops) <= BPFL_MAX_PROGS, "raise BPFL_MAX_PROGS");

extern const struct bpfl_prog_ops cgnames_ops;

struct bpfl_set {
	struct bpfl_prog progs[NPROGS];
	struct bpfl_prog names;         /* cgnames, serving wl; not in the registry */
	struct bpfl_wl *wl;             /* NULL: host-wide only */
	char wl_why[200];               /* why wl is NULL */
	struct bpfl_opts opts;
	/* --bpf.stats sampler */
	pthread_t sampler;
	int sampler_running;
	pthread_mutex_t lock;           /* guards run_* fields and stop */
	pthread_cond_t cond;
	int stop;
	int stats_fd;                   /* --bpf.stats=on: held open */
	uint64_t on_base_time[NPROGS], on_base_cnt[NPROGS];
};

const char *bpfl_hook_name(int hook)
{
	return hook >= 0 && hook < BPFL_HOOKS ? hook_names[hook] : "none";
}

size_t bpfl_prog_count(void)
{
	return NPROGS;
}

const char *bpfl_prog_name(size_t i)
{
	return i < NPROGS ? prog_ops[i]->name : "none";
}

const char *bpfl_status_name(enum bpfl_status s)
{
	return status_names[s];
}

void bpfl_views(char *buf, size_t bufsz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NPROGS && n < bufsz; i++)
		n += (size_t)snprintf(buf + n, bufsz - n, "%s%s", i ? ", " : "", prog_ops[i]->view);
}

static int selected(const struct bpfl_opts *o, size_t i)
{
	return !o->view || strcmp(o->view, prog_ops[i]->view) == 0;
}

int bpfl_view_check(const struct bpfl_opts *o)
{
	for (size_t i = 0; i < NPROGS; i++)
		if (selected(o, i))
			return 0;
	return -ENOENT;
}

/* ------------------------------------------------------------------------ */
/* libbpf output                                                            */
/* ------------------------------------------------------------------------ */

/* While a rung that may still fall back is being tried, libbpf's warnings are
 * expected and logged at debug; the first one is kept for the error text, and
 * the verifier's last word, which names what it refused (a helper that
 * lockdown=confidentiality withholds, a missing kfunc), in its place. */
static int libbpf_quiet;
static char libbpf_first_warn[160];
static char libbpf_verifier[160];

void bpfl_verifier_line(const char *log, char *out, size_t outsz)
{
	const char *b = strstr(log, "-- BEGIN PROG LOAD LOG --"), *e, *line;

	out[0] = '\0';
	if (!b || !(e = strstr(b, "-- END PROG LOAD LOG --")))
		return;
	b = strchr(b, '\n');
	for (line = b ? b + 1 : e; line && line < e;) {
		const char *nl = memchr(line, '\n', (size_t)(e - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(e - line);

		if (n && strncmp(line, "processed ", 10) != 0 &&
		    strncmp(line, "verification time", 17) != 0 &&
		    strncmp(line, "stack depth", 11) != 0)
			snprintf(out, outsz, "%.*s", (int)n, line);
		line = nl ? nl + 1 : NULL;
	}
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level lvl = level == LIBBPF_WARN ? LOG_WARN :
			     level == LIBBPF_INFO ? LOG_INFO : LOG_DEBUG;
	char *line = NULL;
	size_t n;

	if (level == LIBBPF_WARN && libbpf_quiet)
		lvl = LOG_DEBUG;
	if (!log_enabled(lvl) && level != LIBBPF_WARN)
		return 0;
	/* Verifier logs run to kilobytes and their end says why: keep it all. */
	if (vasprintf(&line, fmt, ap) < 0)
		return 0;
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n && level == LIBBPF_WARN && !libbpf_first_warn[0]) {
		const char *msg = strncmp(line, "libbpf: ", 8) == 0 ? line + 8 : line;

		snprintf(libbpf_first_warn, sizeof(libbpf_first_warn), "%s", msg);
		libbpf_first_warn[strcspn(libbpf_first_warn, "\n")] = '\0';
	}
	if (n && level == LIBBPF_WARN && !libbpf_verifier[0])
		bpfl_verifier_line(line, libbpf_verifier, sizeof(libbpf_verifier));
	if (n && log_enabled(lvl))
		log_write(lvl, "libbpf", 0, NULL, "%s", line);
	free(line);
	return 0;
}

void bpfl_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

/* 0 when BTF and the bpf() syscall are usable; else -errno and a sentence. */
static int probe_env(char *why, size_t whysz)
{
	int fd;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		int err = -errno;

		snprintf(why, whysz, "no kernel BTF at /sys/kernel/btf/vmlinux (%s): "
			 "CO-RE programs need CONFIG_DEBUG_INFO_BTF", strerror(-err));
		return err;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "im_probe", 4, 4, 1, NULL);
	if (fd < 0) {
		struct privsep_caps caps;
		const unsigned long long may_bpf = CAP_BIT(CAP_BPF) | CAP_BIT(CAP_SYS_ADMIN);

		/* Container runtimes' default seccomp profiles refuse bpf() to a
		 * process that holds CAP_BPF: asking for the capability again
		 * would send the reader the wrong way. */
		if (fd == -EPERM && privsep_read_caps(0, &caps) == 0 && (caps.eff & may_bpf) &&
		    caps.seccomp > 0)
			snprintf(why, whysz, "bpf() refused (%s) by a seccomp filter although "
				 "CAP_BPF is held: run the container with a profile that allows "
				 "bpf() and perf_event_open() (infra/seccomp/infra-monitor.json)",
				 strerror(-fd));
		else
			snprintf(why, whysz, "bpf() refused (%s): run as root or grant CAP_BPF, "
				 "CAP_PERFMON and CAP_SYS_RESOURCE", strerror(-fd));
		return fd == -EPERM || fd == -EACCES ? -EPERM : fd;
	}
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Opening one program on the hook ladder                                   */
/* ------------------------------------------------------------------------ */

static void set_autoload_hook(struct bpf_object *obj, int hook)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *want = hook_sections[hook];

		bpf_program__set_autoload(prog, strncmp(sec, want, strlen(want)) == 0);
	}
}

/* What every skeleton's __destroy() does, for any skeleton type. */
static void destroy_prog(struct bpfl_prog *p)
{
	if (p->sk)
		bpf_object__destroy_skeleton(p->sk);
	free(p->skel);
	p->skel = NULL;
	p->obj = NULL;
	p->sk = NULL;
}

static int try_hook(const struct bpfl_prog_ops *ops, struct bpfl_prog *p, int hook)
{
	const char *step = "open";
	int err;

	p->error[0] = '\0';
	libbpf_first_warn[0] = '\0';
	libbpf_verifier[0] = '\0';
	err = ops->open(p);
	if (err)
		goto out;
	set_autoload_hook(p->obj, hook);
	step = "prepare";
	err = ops->prepare ? ops->prepare(p, hook) : 0;
	if (err)
		goto out;
	step = "load";
	err = bpf_object__load_skeleton(p->sk);
	if (err)
		goto out;
	step = "attach";
	err = bpf_object__attach_skeleton(p->sk);
	if (err)
		goto out;
	return 0;
out:
	if (p->error[0])
		;       /* the program's own, more precise text */
	else if (libbpf_verifier[0])
		snprintf(p->error, sizeof(p->error), "%s %s %s: %s (verifier: %s)", step, p->name,
			 hook_names[hook], strerror(-err), libbpf_verifier);
	else if (libbpf_first_warn[0])
		snprintf(p->error, sizeof(p->error), "%s %s %s: %s (%s)", step, p->name,
			 hook_names[hook], strerror(-err), libbpf_first_warn);
	else
		snprintf(p->error, sizeof(p->error), "%s %s %s: %s", step, p->name,
			 hook_names[hook], strerror(-err));
	destroy_prog(p);
	return err;
}

static void open_prog(struct bpfl_prog *p, enum bpf_hook_pref pref)
{
	const struct bpfl_prog_ops *ops = p->ops;
	int first = pref == BPF_HOOK_AUTO ? 0 : (int)pref - 1;
	int last = pref == BPF_HOOK_AUTO ? BPFL_HOOKS - 1 : first;
	char tried[BPFL_HOOKS][sizeof(p->error)];
	int err = -ENOENT;

	for (int hook = first; hook <= last; hook++) {
		libbpf_quiet = hook < last;
		err = try_hook(ops, p, hook);
		if (!err) {
			p->hook = hook;
			p->status = BPFL_ATTACHED;
			if (hook != first)
				log_infof("bpf",
					  LOG_KV("program", p->name, "hook", hook_names[hook], "err",
						 tried[first]),
					  "hook fell back");
			break;
		}
		snprintf(tried[hook], sizeof(tried[hook]), "%s", p->error);
		log_debugf("bpf", LOG_KV("program", p->name, "hook", hook_names[hook], "err", p->error),
			   "hook failed");
	}
	libbpf_quiet = 0;
	if (err) {
		p->status = BPFL_FAILED;
		p->hook = -1;
		if (last != first) {
			/* Name the preferred rung's failure: usually the telling one. */
			char all[sizeof(p->error)];

			snprintf(all, sizeof(all), "%s", tried[first]);
			snprintf(p->error, sizeof(p->error), "%s", all);
		}
	}
}

int bpfl_try_rung(size_t i, int hook, char *err, size_t errsz)
{
	struct bpfl_prog p = { .hook = -1 };
	int rc;

	if (i >= NPROGS || hook < 0 || hook >= BPFL_HOOKS)
		return -EINVAL;
	p.ops = prog_ops[i];
	p.name = prog_ops[i]->name;
	rc = try_hook(prog_ops[i], &p, hook);
	if (!rc)
		destroy_prog(&p);
	snprintf(err, errsz, "%s", rc ? p.error : "");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Run-time statistics                                                      */
/* ------------------------------------------------------------------------ */

/* Sums run_time_ns, run_cnt and recursion_misses over a program's loaded
 * handlers; misses may be NULL. */
static void prog_stats(const struct bpfl_prog *p, uint64_t *time_ns, uint64_t *cnt,
		       uint64_t *misses)
{
	struct bpf_program *prog;
	uint64_t unused;

	if (!misses)
		misses = &unused;
	*time_ns = *cnt = *misses = 0;
	if (p->status != BPFL_ATTACHED)
		return;
	bpf_object__for_each_program(prog, p->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (!bpf_program__autoload(prog) || fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		*time_ns += info.run_time_ns;
		*cnt += info.run_cnt;
		*misses += info.recursion_misses;
	}
}

static void deadline_after(struct timespec *ts, uint64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Waits for ms or until stop; returns stop. Called with s->lock held. */
static int wait_ms(struct bpfl_set *s, uint64_t ms)
{
	struct timespec ts;

	deadline_after(&ts, ms);
	while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &ts) != ETIMEDOUT)
		;
	return s->stop;
}

static void *sampler_main(void *arg)
{
	struct bpfl_set *s = arg;
	uint64_t t0[NPROGS], c0[NPROGS], t1, c1;
	int warned = 0;

	pthread_mutex_lock(&s->lock);
	/* First window soon after start, so a cost is known early. */
	if (wait_ms(s, 1000))
		goto out;
	for (;;) {
		int fd;

		pthread_mutex_unlock(&s->lock);
		fd = privsep_enable_stats();
		if (fd < 0 && !warned) {
			log_warn_errno("bpf", fd, NULL,
				       "enable BPF run-time statistics failed; no cost figures");
			warned = 1;
		}
		for (size_t i = 0; fd >= 0 && i < NPROGS; i++)
			prog_stats(&s->progs[i], &t0[i], &c0[i], NULL);
		pthread_mutex_lock(&s->lock);
		if (fd >= 0) {
			int stop = wait_ms(s, s->opts.stats_window_ms);

			pthread_mutex_unlock(&s->lock);
			for (size_t i = 0; i < NPROGS; i++) {
				struct bpfl_prog *p = &s->progs[i];

				prog_stats(p, &t1, &c1, NULL);
				pthread_mutex_lock(&s->lock);
				if (p->status == BPFL_ATTACHED && c1 >= c0[i] && t1 >= t0[i]) {
					p->run_time_ns += t1 - t0[i];
					p->run_cnt += c1 - c0[i];
					p->windows++;
					if (c1 > c0[i])
						p->event_cost_ns = (double)(t1 - t0[i]) /
								   (double)(c1 - c0[i]);
				}
				pthread_mutex_unlock(&s->lock);
			}
			close(fd);
			pthread_mutex_lock(&s->lock);
			if (stop)
				break;
		}
		if (wait_ms(s, s->opts.stats_period_ms > s->opts.stats_window_ms ?
				       s->opts.stats_period_ms - s->opts.stats_window_ms :
				       s->opts.stats_period_ms))
			break;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int stats_start(struct bpfl_set *s)
{
	int err;

	if (s->opts.stats == BPF_STATS_OFF)
		return 0;
	if (s->opts.stats == BPF_STATS_ON) {
		s->stats_fd = privsep_enable_stats();
		if (s->stats_fd < 0) {
			log_warn_errno("bpf", s->stats_fd, NULL,
				       "enable BPF run-time statistics failed; no cost figures");
			return 0;
		}
		for (size_t i = 0; i < NPROGS; i++)
			prog_stats(&s->progs[i], &s->on_base_time[i], &s->on_base_cnt[i], NULL);
		return 0;
	}
	if (!s->opts.stats_window_ms)
		s->opts.stats_window_ms = 1000;
	if (!s->opts.stats_period_ms)
		s->opts.stats_period_ms = 60000;
	err = -pthread_create(&s->sampler, NULL, sampler_main, s);
	if (err) {
		log_warn_errno("bpf", err, NULL, "start BPF statistics sampler failed");
		return 0;
	}
	s->sampler_running = 1;
	return 0;
}

size_t bpfl_set_progs(struct bpfl_set *s, struct bpfl_prog *out)
{
	int always_on = s->opts.stats == BPF_STATS_ON && s->stats_fd >= 0;

	pthread_mutex_lock(&s->lock);
	memcpy(out, s->progs, sizeof(s->progs));
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < NPROGS; i++) {
		uint64_t t, c, misses;

		/* The kernel counts recursion misses whether statistics are on or not. */
		prog_stats(&out[i], &t, &c, &misses);
		out[i].recursion_misses = misses;
		if (!always_on || t < s->on_base_time[i] || c < s->on_base_cnt[i])
			continue;
		/* Always on: totals since we switched them on; cost since the last call. */
		pthread_mutex_lock(&s->lock);
		struct bpfl_prog *p = &s->progs[i];

		if (c - s->on_base_cnt[i] > p->run_cnt)
			p->event_cost_ns = (double)(t - s->on_base_time[i] - p->run_time_ns) /
					   (double)(c - s->on_base_cnt[i] - p->run_cnt);
		p->run_time_ns = t - s->on_base_time[i];
		p->run_cnt = c - s->on_base_cnt[i];
		p->windows = 1;
		out[i] = *p;
		out[i].recursion_misses = misses;
		pthread_mutex_unlock(&s->lock);
	}
	return NPROGS;
}

/* ------------------------------------------------------------------------ */
/* The set                                                                  */
/* ------------------------------------------------------------------------ */

/* A program that attached gets its own state; one that cannot is closed. */
static void init_prog(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	int err = p->ops->init(p, o);

	if (!err)
		return;
	snprintf(p->error, sizeof(p->error), "init %s: %s", p->name, strerror(-err));
	p->ops->free(p);
	p->state = NULL;
	destroy_prog(p);
	p->status = BPFL_FAILED;
	p->hook = -1;
}

static void reread_names(void *arg)
{
	struct bpfl_prog *names = arg;

	/* A failure shows in the collection's own read of them. */
	(void)names->ops->read(names);
}

/* The cgroups made from now on, named as they are made; without it (an old
 * kernel, a tree below a namespace's root) walks alone name them. */
static void open_names(struct bpfl_set *s, const struct bpfl_opts *o)
{
	struct bpfl_prog *p = &s->names;

	*p = (struct bpfl_prog){ .ops = &cgnames_ops, .name = cgnames_ops.name, .wl = s->wl,
				 .procfs = o->procfs, .hook = -1, .event_cost_ns = NAN };
	if (!s->wl)
		return;
	if (!bpfl_wl_at_top(s->wl)) {
		bpfl_wl_naming(s->wl, NULL, "the cgroup2 tree read is not the hierarchy's root "
				      "(a cgroup namespace's mount?), and the kernel's paths start there");
		return;
	}
	open_prog(p, o->hook);
	if (p->status == BPFL_ATTACHED)
		init_prog(p, o);
	if (p->status == BPFL_ATTACHED)         /* still: init can fail */
		bpfl_wl_names_reader(s->wl, reread_names, p);
	bpfl_wl_naming(s->wl, p->status == BPFL_ATTACHED ? hook_names[p->hook] : NULL, p->error);
}

int bpfl_set_open(struct bpfl_set **out, const struct bpfl_opts *o, char *why, size_t whysz)
{
	struct bpfl_set *s;
	int attached = 0, err;

	err = probe_env(why, whysz);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *o;
	s->stats_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	bpfl_setup_libbpf_log();
	s->wl = bpfl_wl_new(&o->wl, s->wl_why, sizeof(s->wl_why));
	if (!s->wl && o->wl.on)
		log_warnf("bpf", LOG_KV("reason", s->wl_why),
			  "per-workload attribution off: host-wide series only");
	if (!s->wl) /* else bpfl_wl_new() said how its cgroup2 tree is */
		health_set("bpf/cgroup", HEALTH_DISABLED, s->wl_why);
	open_names(s, o);
	for (size_t i = 0; i < NPROGS; i++) {
		struct bpfl_prog *p = &s->progs[i];

		p->ops = prog_ops[i];
		p->wl = s->wl;
		p->procfs = o->procfs;
		p->sysfs = o->sysfs;
		p->name = prog_ops[i]->name;
		p->hook = -1;
		p->event_cost_ns = NAN;
		if (!selected(o, i)) {
			p->status = BPFL_DISABLED;
			continue;
		}
		open_prog(p, o->hook);
		if (p->status == BPFL_ATTACHED)
			init_prog(p, o);
		if (p->status == BPFL_ATTACHED) {
			attached++;
			char detail[200];

			log_infof("bpf", LOG_KV("program", p->name, "hook", hook_names[p->hook]),
				  "program attached");
			snprintf(detail, sizeof(detail), "%s%s%s", hook_names[p->hook],
				 p->wl_on ? "" : "; per-workload series absent: ",
				 p->wl_on ? "" : p->wl_why);
			health_set(components[i], HEALTH_OK, detail);
		} else {
			log_warnf("bpf", LOG_KV("program", p->name, "err", p->error), "program failed");
			health_set(components[i], HEALTH_FAILED, p->error);
		}
	}
	if (!attached) {
		err = -ENOENT;
		for (size_t i = 0; i < NPROGS; i++)
			if (s->progs[i].status == BPFL_FAILED)
				err = -EPERM;
		snprintf(why, whysz, "no BPF program attached (see bpf/* in /health)");
		bpfl_set_free(s);
		return err;
	}
	stats_start(s);
	*out = s;
	return 0;
}

int bpfl_set_read(struct bpfl_set *s, size_t *nread)
{
	int err = 0;

	*nread = 0;
	/* First, so that the cgroups made since the last read are named. */
	s->names.read_ok = 0;
	if (s->names.status == BPFL_ATTACHED) {
		err = s->names.ops->read(&s->names);
		s->names.read_ok = !err;
	}
	for (size_t i = 0; i < NPROGS; i++) {
		struct bpfl_prog *p = &s->progs[i];
		int e;

		p->read_ok = 0;
		if (p->status != BPFL_ATTACHED)
			continue;
		e = p->ops->read(p);
		if (e) {
			if (!err)
				err = e;
			continue;
		}
		p->read_ok = 1;
		(*nread)++;
	}
	bpfl_wl_decide(s->wl);
	return err;
}

void bpfl_set_fill(struct bpfl_set *s, struct metric_set *ms)
{
	for (size_t i = 0; i < NPROGS; i++)
		if (s->progs[i].read_ok)
			s->progs[i].ops->fill(&s->progs[i], ms);
	/* As for the programs: no figures from a read that failed. */
	if (s->names.read_ok)
		s->names.ops->fill(&s->names, ms);
	bpfl_wl_fill(s->wl, ms);
}

void bpfl_set_print(struct bpfl_set *s, FILE *out)
{
	for (size_t i = 0; i < NPROGS; i++)
		if (s->progs[i].read_ok)
			s->progs[i].ops->print(&s->progs[i], out);
}

struct bpfl_wl *bpfl_set_wl(struct bpfl_set *s, const char **why)
{
	*why = s->wl_why;
	return s->wl;
}

size_t bpfl_set_maps(struct bpfl_set *s, size_t i, struct bpfl_map_fill *out)
{
	const struct bpfl_prog *p = i < NPROGS ? &s->progs[i] : NULL;

	return p && p->read_ok && p->ops->maps ? p->ops->maps(p, out) : 0;
}

void bpfl_set_free(struct bpfl_set *s)
{
	if (!s)
		return;
	if (s->sampler_running) {
		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->sampler, NULL);
	}
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	for (size_t i = 0; i < NPROGS; i++) {
		struct bpfl_prog *p = &s->progs[i];

		if (p->state)
			p->ops->free(p);
		destroy_prog(p);
	}
	if (s->names.state)
		cgnames_ops.free(&s->names);
	destroy_prog(&s->names);
	bpfl_wl_free(s->wl);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ------------------------------------------------------------------------ */
/* Histograms and per-CPU values                                            */
/* ------------------------------------------------------------------------ */

void bpfl_percpu_sum(const void *percpu, size_t ncpu, size_t stride, size_t words,
		     uint64_t *out)
{
	memset(out, 0, words * sizeof(*out));
	for (size_t c = 0; c < ncpu; c++) {
		const uint64_t *v = (const uint64_t *)((const char *)percpu + c * stride);

		for (size_t w = 0; w < words; w++)
			out[w] += v[w];
	}
}

uint64_t bpfl_hist_count(const struct hist *h)
{
	uint64_t n = 0;

	for (int i = 0; i < HIST_SLOTS; i++)
		n += h->slots[i];
	return n;
}

#define NSEC 1e-9       /* latency sums are in ns */

void bpfl_hist_export(const struct hist *h, enum bpfl_unit u, struct nhist *out)
{
	memset(out, 0, offsetof(struct nhist, buckets));
	out->schema = HIST_SCHEMA;
	out->first = u == BPFL_SECONDS ? HIST_FIRST_SECONDS : HIST_FIRST_BYTES;
	out->nbuckets = HIST_BUCKETS;
	out->zero_count = h->slots[0];
	memcpy(out->buckets, &h->slots[1], HIST_BUCKETS * sizeof(out->buckets[0]));
	out->count = bpfl_hist_count(h);
	out->sum = (double)h->sum * (u == BPFL_SECONDS ? NSEC : 1);
}

void bpfl_add_hist(struct metric_set *ms, struct family *f, const struct hist *h,
		   enum bpfl_unit u, const struct label *l, uint32_t nl)
{
	struct nhist lh;

	bpfl_hist_export(h, u, &lh);
	ms_add_hist(ms, f, &lh, l, nl);
}

int bpfl_print_hist(FILE *out, const char *title, const struct hist *now,
		    const struct hist *prev, enum bpfl_unit u)
{
	struct nhist n, p;

	bpfl_hist_export(now, u, &n);
	bpfl_hist_export(prev, u, &p);
	return cli_hist_print(out, title, &n, &p, u == BPFL_BYTES);
}

struct array_out {
	void *base;
	size_t elem;
	uint32_t n;
};

static void put_array_elem(const void *key, const uint64_t *sum, void *arg)
{
	struct array_out *a = arg;
	uint32_t k = *(const uint32_t *)key;

	if (k < a->n)
		memcpy((char *)a->base + (size_t)k * a->elem, sum, a->elem);
}

int bpfl_map_read_array(int fd, uint32_t value_size, uint32_t n, void *out)
{
	struct array_out a = { out, value_size, n };

	return bpfl_map_dump_percpu(fd, sizeof(uint32_t), value_size, n, put_array_elem, &a);
}

/* ncpu copies of each value (1 for a map that is not per-CPU). */
static int map_dump(int fd, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		    int ncpu, bpfl_entry_cb cb, void *arg)
{
	size_t stride = (value_size + 7) & ~(size_t)7;
	size_t words = value_size / sizeof(uint64_t);
	unsigned char in[64], outb[64];
	void *keys = NULL, *vals = NULL, *inp = NULL;
	uint64_t *sum = NULL;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	if (key_size > sizeof(in) || value_size % sizeof(uint64_t) || !max_entries)
		return -EINVAL;
	keys = calloc(max_entries, key_size);
	vals = calloc(max_entries, stride * (size_t)ncpu);
	sum = calloc(words, sizeof(*sum));
	if (!keys || !vals || !sum) {
		err = -ENOMEM;
		goto out;
	}
	/* One batch call reads the whole map: about three times cheaper than a
	 * lookup per key. Kernels without batch ops fall back below. */
	for (int rounds = 0;; rounds++) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = max_entries;

		err = bpf_map_lookup_batch(fd, inp, outb, keys, vals, &count, &opts);
		if (err && err != -ENOENT) {
			if (rounds == 0 && (err == -EINVAL || err == -EOPNOTSUPP || err == -524))
				goto fallback;
			goto out;
		}
		for (__u32 i = 0; i < count; i++) {
			bpfl_percpu_sum((char *)vals + (size_t)i * stride * (size_t)ncpu,
					(size_t)ncpu, stride, words, sum);
			cb((char *)keys + (size_t)i * key_size, sum, arg);
		}
		if (err == -ENOENT || count == 0) {
			err = 0;
			goto out;
		}
		memcpy(in, outb, sizeof(in));
		inp = in;
	}
fallback:
	err = 0;
	{
		void *prev = NULL, *key = keys, *next = (char *)keys + key_size;

		if (max_entries < 2) {
			free(keys);
			keys = calloc(2, key_size);
			if (!keys) {
				err = -ENOMEM;
				goto out;
			}
			key = keys;
			next = (char *)keys + key_size;
		}
		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			memcpy(key, next, key_size);
			prev = key;
			if (bpf_map_lookup_elem(fd, key, vals))
				continue;
			bpfl_percpu_sum(vals, (size_t)ncpu, stride, words, sum);
			cb(key, sum, arg);
		}
	}
out:
	free(sum);
	free(vals);
	free(keys);
	return err;
}

int bpfl_map_dump_percpu(int fd, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
			 bpfl_entry_cb cb, void *arg)
{
	return map_dump(fd, key_size, value_size, max_entries, libbpf_num_possible_cpus(), cb,
			arg);
}

int bpfl_map_dump(int fd, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		  bpfl_entry_cb cb, void *arg)
{
	return map_dump(fd, key_size, value_size, max_entries, 1, cb, arg);
}

int bpfl_map_count(int fd, uint32_t key_size, uint64_t *out)
{
	unsigned char a[64], b[64];
	void *prev = NULL, *next = a;
	uint64_t n = 0;
	int err;

	if (key_size > sizeof(a))
		return -EINVAL;
	while ((err = bpf_map_get_next_key(fd, prev, next)) == 0) {
		n++;
		prev = next;
		next = next == a ? b : a;
	}
	*out = n;
	return err == -ENOENT ? 0 : err;
}
