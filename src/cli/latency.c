/* latency: the terminal view of the kernel latency programs.
 *
 * Loads the same BPF programs as the bpf collector (through src/bpf/loader.c,
 * without HTTP, JSONL or the statistics sampler), then every interval reads
 * the cumulative maps, subtracts the previous reading and prints the delta
 * histograms as text bars, bcc-style, with p50/p90/p99 per device and op or
 * per kind. A sink of the data flow like the others: it never writes a map.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/loader.h"
#include "cli.h"
#include "log.h"
#include "metrics.h"

#define BAR_WIDTH 40

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static const struct {
	const char *name;
	unsigned int progs;
} groups[] = {
	{ "disk", 1u << BPFL_BIOLAT },
	{ "tcp", 1u << BPFL_TCPLAT },
	{ "runq", 1u << BPFL_RUNQLAT },
	{ "drops", 1u << BPFL_SKBDROP },
};

/* "812us", "3.1ms", "1.20s", or bytes as "4KiB". */
static void fmt_value(char *out, size_t outsz, double v, int bytes)
{
	if (isnan(v))
		snprintf(out, outsz, "-");
	else if (bytes && v >= 1024 * 1024)
		snprintf(out, outsz, "%.1fMiB", v / (1024 * 1024));
	else if (bytes && v >= 1024)
		snprintf(out, outsz, "%.1fKiB", v / 1024);
	else if (bytes)
		snprintf(out, outsz, "%.0fB", v);
	else if (v >= 1)
		snprintf(out, outsz, "%.2fs", v);
	else if (v >= 1e-3)
		snprintf(out, outsz, "%.2fms", v * 1e3);
	else
		snprintf(out, outsz, "%.0fus", v * 1e6);
}

/* Prints one delta histogram: a title with count and percentiles (from the
 * fine native buckets), then one bar per power of two of the unit (the
 * classic buckets: eight native ones each) between the first and last
 * non-empty one. */
static void print_hist(const char *title, const struct hist *d, int bytes)
{
	enum { ROWS = HIST_BUCKETS >> HIST_SCHEMA };
	uint64_t rows[ROWS + 1] = { 0 }, max = 0;
	int first = -1, last = -1;
	char p50[16], p90[16], p99[16];
	struct nhist h;

	bpfl_hist_export(d, bytes ? HIST_FIRST_BYTES : HIST_FIRST_SECONDS, bytes ? 1 : 1e-9, &h);
	if (!h.count)
		return;
	/* Row r covers (2^(r-1), 2^r] times the lowest le; the zero bucket
	 * joins row 0, the overflow the last row. */
	rows[0] = h.zero_count;
	for (uint32_t i = 0; i < h.nbuckets; i++)
		rows[(i + (1u << HIST_SCHEMA) - 1) >> HIST_SCHEMA] += h.buckets[i];
	rows[ROWS] += nhist_overflow(&h);
	for (int r = 0; r <= ROWS; r++) {
		if (!rows[r])
			continue;
		if (first < 0)
			first = r;
		last = r;
		if (rows[r] > max)
			max = rows[r];
	}
	fmt_value(p50, sizeof(p50), nhist_quantile(&h, 0.50), bytes);
	fmt_value(p90, sizeof(p90), nhist_quantile(&h, 0.90), bytes);
	fmt_value(p99, sizeof(p99), nhist_quantile(&h, 0.99), bytes);
	printf("  %s  count=%llu p50=%s p90=%s p99=%s\n", title, (unsigned long long)h.count, p50,
	       p90, p99);
	printf("  %22s : %-8s %s\n", bytes ? "bytes" : "usecs", "count", "distribution");
	for (int r = first; r <= last; r++) {
		double unit = bytes ? 1 : 1e6;  /* bounds shown in bytes or us */
		double lo = r ? nhist_zero_threshold(&h) * ldexp(unit, r - 1) : 0;
		double hi = nhist_zero_threshold(&h) * ldexp(unit, r);
		char range[48], bar[BAR_WIDTH + 1];
		int n = (int)(max ? (rows[r] * BAR_WIDTH + max - 1) / max : 0);

		if (r == ROWS)
			snprintf(range, sizeof(range), "%.6g -> ...", lo);
		else
			snprintf(range, sizeof(range), "%.6g -> %.6g", lo, hi);
		memset(bar, '*', (size_t)n);
		bar[n] = '\0';
		printf("  %22s : %-8llu |%-*s|\n", range, (unsigned long long)rows[r], BAR_WIDTH,
		       bar);
	}
	printf("\n");
}

static const struct biolat_entry *find_disk(const struct biolat_data *d, uint32_t dev,
					    uint32_t op)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].dev == dev && d->e[i].op == op)
			return &d->e[i];
	return NULL;
}

static void print_disk(const struct bpfl_readout *now, const struct bpfl_readout *prev,
		       struct disk_names *names)
{
	static const struct hist zero;

	for (size_t i = 0; i < now->disk.n; i++) {
		const struct biolat_entry *e = &now->disk.e[i];
		const struct biolat_entry *p = find_disk(&prev->disk, e->dev, e->op);
		struct hist d;
		char title[128], nb[32];
		const char *dev = disk_names_get(names, e->dev, nb, sizeof(nb));
		const char *op = biolat_op_name(e->op);

		bpfl_hist_sub(&e->total, p ? &p->total : &zero, &d);
		snprintf(title, sizeof(title), "disk %s %s queue+service", dev, op);
		print_hist(title, &d, 0);
		bpfl_hist_sub(&e->service, p ? &p->service : &zero, &d);
		snprintf(title, sizeof(title), "disk %s %s service", dev, op);
		print_hist(title, &d, 0);
		bpfl_hist_sub(&e->size, p ? &p->size : &zero, &d);
		snprintf(title, sizeof(title), "disk %s %s size", dev, op);
		print_hist(title, &d, 1);
	}
}

static void print_tcp(const struct bpfl_readout *now, const struct bpfl_readout *prev)
{
	const struct tcplat_data *n = &now->tcp, *p = &prev->tcp;
	struct hist d;

	bpfl_hist_sub(&n->hist[TCPLAT_SRTT], &p->hist[TCPLAT_SRTT], &d);
	print_hist("tcp srtt", &d, 0);
	bpfl_hist_sub(&n->hist[TCPLAT_CONNECT], &p->hist[TCPLAT_CONNECT], &d);
	print_hist("tcp connect", &d, 0);
	printf("  tcp retransmits=%llu resets sent=%llu received=%llu\n\n",
	       (unsigned long long)(n->counters[TCPLAT_RETRANSMITS] -
				    p->counters[TCPLAT_RETRANSMITS]),
	       (unsigned long long)(n->counters[TCPLAT_RESETS_SENT] -
				    p->counters[TCPLAT_RESETS_SENT]),
	       (unsigned long long)(n->counters[TCPLAT_RESETS_RECEIVED] -
				    p->counters[TCPLAT_RESETS_RECEIVED]));
}

static void print_runq(const struct bpfl_readout *now, const struct bpfl_readout *prev)
{
	struct hist d;

	bpfl_hist_sub(&now->runq.lat, &prev->runq.lat, &d);
	print_hist("run queue", &d, 0);
}

static void print_drops(const struct bpfl_readout *now, const struct bpfl_readout *prev,
			const struct skbdrop_names *names)
{
	int any = 0;

	for (uint32_t i = 0; i < SKBDROP_MAX_REASONS; i++) {
		uint64_t d = now->drops.drops[i] - prev->drops.drops[i];
		char buf[32];

		if (!d)
			continue;
		if (!any)
			printf("  %-32s %s\n", "drop reason", "count");
		any = 1;
		printf("  %-32s %llu\n", skbdrop_reason_label(names, i, buf, sizeof(buf)),
		       (unsigned long long)d);
	}
	if (any)
		printf("\n");
}

/* A deep copy of what print_* compare against next time. */
static int keep(struct bpfl_readout *dst, const struct bpfl_readout *src)
{
	struct biolat_entry *e = dst->disk.e;
	size_t cap = dst->disk.cap;

	if (src->disk.n > cap) {
		/* On failure dst keeps its old array, which its owner frees. */
		struct biolat_entry *grown = realloc(e, src->disk.n * sizeof(*e));

		if (!grown)
			return -ENOMEM;
		e = grown;
		cap = src->disk.n;
	}
	*dst = *src;
	dst->disk.e = e;
	dst->disk.cap = cap;
	if (src->disk.n)
		memcpy(e, src->disk.e, src->disk.n * sizeof(*e));
	return 0;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (!quit && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int latency_main(const struct config *cfg)
{
	struct bpfl_opts o = { .hook = cfg->bpf_hook, .stats = BPF_STATS_OFF };
	struct bpfl_readout now = { 0 }, prev = { 0 };
	struct skbdrop_names reasons;
	struct disk_names *disks = NULL;
	struct bpfl_set *set = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int have_reasons = 0, rc = 1, err;
	char why[256];

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!cfg->latency_what || strcmp(cfg->latency_what, groups[i].name) == 0)
			o.progs |= groups[i].progs;
	if (!o.progs) {
		fprintf(stderr, "infra-monitor latency: unknown view '%s' (disk, tcp, runq, drops)\n",
			cfg->latency_what);
		return 2;
	}
	err = bpfl_probe_env(why, sizeof(why));
	if (err) {
		fprintf(stderr, "infra-monitor latency: %s\n", why);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = bpfl_set_open(&set, &o);
	if (err) {
		fprintf(stderr, "infra-monitor latency: no BPF program could be attached: %s\n",
			strerror(-err));
		return 1;
	}
	if (o.progs & (1u << BPFL_BIOLAT))
		disks = disk_names_new(cfg->procfs ? cfg->procfs : "/proc");
	if (o.progs & (1u << BPFL_SKBDROP))
		have_reasons = skbdrop_names_load(&reasons, NULL) == 0;
	for (int i = 0; i < BPFL_PROGS; i++)
		if (set->progs[i].status == BPFL_ATTACHED)
			printf("%s: %s\n", set->progs[i].name, bpfl_hook_name(set->progs[i].hook));
		else if (set->progs[i].status == BPFL_FAILED)
			printf("%s: failed: %s\n", set->progs[i].name, set->progs[i].error);
	printf("Tracing; one report every %.1f s. Ctrl-C to stop.\n\n",
	       (double)cfg->latency_interval_ms / 1000);
	fflush(stdout);
	if (bpfl_set_read(set, &now) == 0 || now.valid)
		keep(&prev, &now);
	for (uint64_t n = 0; !quit && (!cfg->latency_count || n < cfg->latency_count); n++) {
		char ts[16];
		time_t t;

		sleep_ms(cfg->latency_interval_ms);
		if (quit)
			break;
		err = bpfl_set_read(set, &now);
		if (err && !now.valid) {
			fprintf(stderr, "infra-monitor latency: read maps: %s\n", strerror(-err));
			goto out;
		}
		t = time(NULL);
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		printf("%s\n", ts);
		if (now.valid & (1u << BPFL_BIOLAT))
			print_disk(&now, &prev, disks);
		if (now.valid & (1u << BPFL_TCPLAT))
			print_tcp(&now, &prev);
		if (now.valid & (1u << BPFL_RUNQLAT))
			print_runq(&now, &prev);
		if (now.valid & (1u << BPFL_SKBDROP))
			print_drops(&now, &prev, have_reasons ? &reasons : NULL);
		fflush(stdout);
		if (keep(&prev, &now))
			goto out;
	}
	rc = 0;
out:
	bpfl_readout_free(&now);
	bpfl_readout_free(&prev);
	if (have_reasons)
		skbdrop_names_free(&reasons);
	disk_names_free(disks);
	bpfl_set_free(set);
	return rc;
}
