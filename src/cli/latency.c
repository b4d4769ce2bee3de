/* latency: the terminal view of the kernel latency programs.
 *
 * Loads the same BPF programs as the bpf collector (bpfl_set_open(), without
 * HTTP, JSONL or the statistics sampler), then every interval has each
 * program read its cumulative maps and print what happened since the last
 * print (its print op, with the bars of hist.c), bcc-style, with p50/p90/p99
 * per device and op or per kind. With --by=cgroup it ranks workloads
 * instead: the per-workload rows of each histogram family (bpfl_wl_each_row,
 * every workload, not only those with series) go to one top.c view per
 * family. A sink of the data flow like the others: it never writes a map.
 */
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../bpf/workload.h"
#include "bpf/loader.h"
#include "cli.h"
#include "log.h"
#include "util.h"

/* Rows of each ranking: a screenful with both rankings of one family. */
#define TOP_ROWS 10
#define TOP_MAX_FAMILIES 4

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (!quit && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The per-workload view: one ranking per histogram family of the programs
 * loaded, filled from the attribution's rows each interval. */
struct by_cgroup {
	struct bpfl_wl *wl;
	regex_t re;
	bool has_re;
	struct cli_top *top[TOP_MAX_FAMILIES];
	const struct bpfl_wl_family *fam[TOP_MAX_FAMILIES];
	size_t n;
	int err;
};

/* "infra_monitor_cgroup_tcp_connect_latency_seconds" -> "tcp connect latency". */
static void family_title(const char *name, char *out, size_t outsz)
{
	static const char prefix[] = "infra_monitor_cgroup_", suffix[] = "_seconds";
	size_t len;

	if (!strncmp(name, prefix, sizeof(prefix) - 1))
		name += sizeof(prefix) - 1;
	len = strlen(name);
	if (len > sizeof(suffix) - 1 && !strcmp(name + len - (sizeof(suffix) - 1), suffix))
		len -= sizeof(suffix) - 1;
	snprintf(out, outsz, "%.*s", (int)len, name);
	for (char *c = out; *c; c++)
		if (*c == '_')
			*c = ' ';
}

static void by_cgroup_row(void *arg, const struct bpfl_wl_family *f, uint64_t id,
			  const uint64_t *vals)
{
	struct by_cgroup *b = arg;
	struct workload_identity ident;
	const char *path = id == WL_OTHER ? "other" : bpfl_wl_describe(b->wl, id, &ident);
	struct hist h;
	size_t i;
	int err;

	if (f->value != BPFL_WL_HIST || !path)
		return; /* unnamed ids are under resolve misses, not ranked */
	if (b->has_re && regexec(&b->re, path, 0, NULL, 0))
		return;
	for (i = 0; i < b->n && b->fam[i] != f; i++)
		;
	if (i == b->n) {
		char title[96];

		if (b->n == TOP_MAX_FAMILIES)
			return;
		family_title(f->name, title, sizeof(title));
		b->top[i] = cli_top_new(title);
		if (!b->top[i]) {
			b->err = -ENOMEM;
			return;
		}
		b->fam[b->n++] = f;
	}
	memcpy(h.slots, vals, sizeof(h.slots));
	h.sum = vals[HIST_SLOTS];
	err = cli_top_add(b->top[i], id, path, id == WL_OTHER ? NULL : &ident, &h);
	if (err)
		b->err = err;
}

/* One interval of the per-workload view; out NULL takes the baseline. */
static int by_cgroup_print(struct by_cgroup *b, FILE *out)
{
	b->err = 0;
	bpfl_wl_each_row(b->wl, by_cgroup_row, b);
	for (size_t i = 0; i < b->n; i++) {
		int err = cli_top_print(b->top[i], out, TOP_ROWS);

		if (err && !b->err)
			b->err = err;
	}
	if (out && !b->n)
		fprintf(out, "  no per-workload events%s\n\n", b->has_re ? " matching --cgroup" : "");
	return b->err;
}

static void by_cgroup_free(struct by_cgroup *b)
{
	for (size_t i = 0; i < b->n; i++)
		cli_top_free(b->top[i]);
	if (b->has_re)
		regfree(&b->re);
}

/* Whether any program attributes; prints why each one that runs does not.
 * Without attribution the view says so and shows the host-wide histograms,
 * rather than an empty ranking. */
static bool by_cgroup_possible(struct bpfl_set *set, const struct bpfl_prog *progs, size_t n)
{
	const char *why;
	bool any = false;

	if (!bpfl_set_wl(set, &why)) {
		printf("per-workload view unavailable: %s; showing host-wide histograms\n", why);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (progs[i].status != BPFL_ATTACHED)
			continue;
		if (progs[i].wl_on)
			any = true;
		else
			printf("%s: per-workload view unavailable on %s: %s\n", progs[i].name,
			       bpfl_hook_name(progs[i].hook), progs[i].wl_why);
	}
	if (!any)
		printf("per-workload view unavailable for every program loaded; showing host-wide "
		       "histograms\n");
	return any;
}

int latency_main(const struct config *cfg)
{
	struct bpfl_opts o = {
		.view = cfg->latency_what,
		.procfs = cfg->procfs ? cfg->procfs : "/proc",
		.sysfs = cfg->sysfs,
		.hook = cfg->bpf_hook,
		.stats = BPF_STATS_OFF,
	};
	struct bpfl_prog progs[BPFL_MAX_PROGS];
	struct bpfl_set *set = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct by_cgroup by = { 0 };
	bool ranked = false;
	const char *wl_why;
	size_t nprogs, nread;
	int rc = 1, err;
	char why[256];

	/* The terminal is for the report: log lines only on error (stderr),
	 * unless debug was asked for. */
	log_setup(cfg->log_level == LOG_DEBUG ? LOG_DEBUG : LOG_ERROR, cfg->log_format);
	if (bpfl_view_check(&o)) {
		bpfl_views(why, sizeof(why));
		fprintf(stderr, "infra-monitor latency: unknown view '%s' (%s)\n", o.view, why);
		return 2;
	}
	if (cfg->latency_by == LATENCY_BY_CGROUP) {
		bpfl_wl_opts_from(&o.wl, cfg, o.procfs, cfg->rootfs ? cfg->rootfs : "/");
		/* The terminal ranks every workload; no series cap applies. */
		by.has_re = cfg->latency_cgroup &&
			    !regcomp_bounded(&by.re, cfg->latency_cgroup);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = bpfl_set_open(&set, &o, why, sizeof(why));
	if (err) {
		fprintf(stderr, "infra-monitor latency: %s\n", why);
		by_cgroup_free(&by);
		return 1;
	}
	nprogs = bpfl_set_progs(set, progs);
	for (size_t i = 0; i < nprogs; i++)
		if (progs[i].status == BPFL_ATTACHED)
			printf("%s: %s\n", progs[i].name, bpfl_hook_name(progs[i].hook));
		else if (progs[i].status == BPFL_FAILED)
			printf("%s: failed: %s\n", progs[i].name, progs[i].error);
	if (cfg->latency_by == LATENCY_BY_CGROUP) {
		ranked = by_cgroup_possible(set, progs, nprogs);
		by.wl = bpfl_set_wl(set, &wl_why);
	}
	printf("Tracing; one report every %.1f s. Ctrl-C to stop.\n\n",
	       (double)cfg->latency_interval_ms / 1000);
	fflush(stdout);
	/* The baseline each interval is measured from. */
	bpfl_set_read(set, &nread);
	bpfl_set_print(set, NULL);
	if (ranked)
		by_cgroup_print(&by, NULL);
	for (uint64_t n = 0; !quit && (!cfg->latency_count || n < cfg->latency_count); n++) {
		char ts[16];
		time_t t;

		sleep_ms(cfg->latency_interval_ms);
		if (quit)
			break;
		err = bpfl_set_read(set, &nread);
		if (err && !nread) {
			fprintf(stderr, "infra-monitor latency: read maps: %s\n", strerror(-err));
			goto out;
		}
		t = time(NULL);
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		printf("%s\n", ts);
		if (!ranked)
			bpfl_set_print(set, stdout);
		else if (by_cgroup_print(&by, stdout))
			fprintf(stderr, "infra-monitor latency: out of memory for the ranking\n");
		fflush(stdout);
	}
	rc = 0;
out:
	by_cgroup_free(&by);
	bpfl_set_free(set);
	return rc;
}
