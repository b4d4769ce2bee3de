/* tcplat: TCP smoothed RTT and connect latency histograms, retransmit and
 * reset counters, user side: read back summed over CPUs, as the tcp families
 * and the tcp part of the terminal view. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/tcplat.h"
#include "bpf/tcplat.skel.h"
#include "bpf/loader.h"
#include "cli.h"
#include "util.h"

struct tcplat_reading {
	struct hist srtt, connect;
	uint64_t retransmits, resets[TCPLAT_RESETS];
	uint64_t misses;                /* connects not timed: tcp_connect_start full */
	uint64_t inflight;              /* entries in tcp_connect_start */
};

enum { WL_SRTT, WL_CONNECT, WL_RETRANS, WL_RESETS, WL_NFAM };

struct tcplat_state {
	struct tcplat_reading now, shown;
	struct bpfl_wl_family wl[WL_NFAM];
};

static const char *direction_name(const void *arg, uint32_t d, char *buf, size_t bufsz)
{
	return d == TCPLAT_RESETS_SENT ? "sent" : "received";
}

BPFL_SKEL_OPEN(tcplat)

static int tcplat_prepare(struct bpfl_prog *p, int hook)
{
	struct tcplat_bpf *skel = p->skel;
	struct bpf_map *wl_maps[] = { skel->maps.cgroup_tcp_srtt_seconds,
				      skel->maps.cgroup_tcp_connect_latency_seconds,
				      skel->maps.cgroup_tcp_retransmits_total,
				      skel->maps.cgroup_tcp_resets_total };
	struct bpf_map *wl_caches[] = { skel->maps.wl_srtt_cache };

	return bpfl_wl_prepare(p, hook != BPFL_TRACEPOINT,
			       "the tcp tracepoints' records carry no socket to follow",
			       &skel->rodata->wl_on, &skel->rodata->wl_filter, wl_maps,
			       ARRAY_SIZE(wl_maps), wl_caches, ARRAY_SIZE(wl_caches),
			       TCPLAT_RESETS);
}

static int tcplat_init(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	struct tcplat_bpf *skel = p->skel;
	struct tcplat_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	p->state = st;
	st->wl[WL_SRTT] = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_tcp_srtt_seconds",
		.help = "TCP smoothed round-trip time per workload (the socket's cgroup).",
		.value = BPFL_WL_HIST, .fd = bpf_map__fd(skel->maps.cgroup_tcp_srtt_seconds),
		.cache = skel->maps.wl_srtt_cache };
	st->wl[WL_CONNECT] = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_tcp_connect_latency_seconds",
		.help = "TCP active connect latency per workload (the socket's cgroup).",
		.value = BPFL_WL_HIST,
		.fd = bpf_map__fd(skel->maps.cgroup_tcp_connect_latency_seconds) };
	st->wl[WL_RETRANS] = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_tcp_retransmits_total",
		.help = "TCP segments retransmitted per workload (the socket's cgroup).",
		.value = BPFL_WL_COUNT, .fd = bpf_map__fd(skel->maps.cgroup_tcp_retransmits_total) };
	st->wl[WL_RESETS] = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_tcp_resets_total",
		.help = "TCP resets sent and received per workload (the socket's cgroup; a reset "
			"with no socket counts under the root).",
		.value = BPFL_WL_COUNT, .fd = bpf_map__fd(skel->maps.cgroup_tcp_resets_total),
		.key_label = "direction", .key_name = direction_name, .nkeys = TCPLAT_RESETS };
	return bpfl_wl_init(p, bpf_map__fd(skel->maps.wl_ids), bpf_map__fd(skel->maps.wl_overflow),
			    st->wl, WL_NFAM);
}

static int tcplat_read(struct bpfl_prog *p)
{
	struct tcplat_bpf *skel = p->skel;
	struct tcplat_reading *r = &((struct tcplat_state *)p->state)->now;
	int err;

	err = bpfl_map_read_array(bpf_map__fd(skel->maps.tcp_srtt_seconds), sizeof(struct hist), 1,
				  &r->srtt);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.tcp_connect_latency_seconds),
					  sizeof(struct hist), 1, &r->connect);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.tcp_retransmits_total),
					  sizeof(uint64_t), 1, &r->retransmits);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.tcp_resets_total),
					  sizeof(uint64_t), TCPLAT_RESETS, r->resets);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.bpf_map_full_misses_total),
					  sizeof(uint64_t), 1, &r->misses);
	if (!err)
		err = bpfl_map_count(bpf_map__fd(skel->maps.tcp_connect_start), sizeof(uint64_t),
				     &r->inflight);
	if (!err)
		err = bpfl_wl_read(p, ((struct tcplat_state *)p->state)->wl, WL_NFAM);
	return err;
}

static void tcplat_fill(struct bpfl_prog *p, struct metric_set *ms)
{
	const struct tcplat_reading *r = &((struct tcplat_state *)p->state)->now;
	struct family *f;

	f = ms_family(ms, "infra_monitor_tcp_srtt_seconds", METRIC_HISTOGRAM,
		      "TCP smoothed round-trip time, sampled per received segment (tcp_probe).");
	bpfl_add_hist(ms, f, &r->srtt, BPFL_SECONDS, NULL, 0);
	f = ms_family(ms, "infra_monitor_tcp_connect_latency_seconds", METRIC_HISTOGRAM,
		      "TCP active connect latency, SYN_SENT to ESTABLISHED.");
	bpfl_add_hist(ms, f, &r->connect, BPFL_SECONDS, NULL, 0);
	f = ms_family(ms, "infra_monitor_tcp_retransmits_total", METRIC_COUNTER,
		      "TCP segments retransmitted.");
	ms_add(ms, f, (double)r->retransmits, NULL);
	f = ms_family(ms, "infra_monitor_tcp_resets_total", METRIC_COUNTER,
		      "TCP resets sent and received.");
	ms_add(ms, f, (double)r->resets[TCPLAT_RESETS_SENT], "direction", "sent", NULL);
	ms_add(ms, f, (double)r->resets[TCPLAT_RESETS_RECEIVED], "direction", "received", NULL);
	bpfl_wl_fill_families(p, ((struct tcplat_state *)p->state)->wl, WL_NFAM, ms);
}

static size_t tcplat_maps(const struct bpfl_prog *p, struct bpfl_map_fill *out)
{
	const struct tcplat_reading *r = &((const struct tcplat_state *)p->state)->now;

	out[0] = (struct bpfl_map_fill){ "tcp_connect_start", (double)r->inflight,
					 TCPLAT_MAX_CONNECTS, r->misses };
	return 1;
}

static void tcplat_print(struct bpfl_prog *p, FILE *out)
{
	struct tcplat_state *st = p->state;
	const struct tcplat_reading *n = &st->now, *w = &st->shown;
	char a[24], b[24], c[24];

	if (out) {
		if (!bpfl_print_hist(out, "tcp srtt", &n->srtt, &w->srtt, BPFL_SECONDS))
			fprintf(out, "  tcp srtt: no segments received\n\n");
		if (!bpfl_print_hist(out, "tcp connect", &n->connect, &w->connect, BPFL_SECONDS))
			fprintf(out, "  tcp connect: no connection opened\n\n");
		fprintf(out, "  tcp retransmits=%s resets sent=%s received=%s\n\n",
			cli_counter_delta(n->retransmits, w->retransmits, a, sizeof(a)),
			cli_counter_delta(n->resets[TCPLAT_RESETS_SENT],
					  w->resets[TCPLAT_RESETS_SENT], b, sizeof(b)),
			cli_counter_delta(n->resets[TCPLAT_RESETS_RECEIVED],
					  w->resets[TCPLAT_RESETS_RECEIVED], c, sizeof(c)));
	}
	st->shown = st->now;
}

static void tcplat_free(struct bpfl_prog *p)
{
	struct tcplat_state *st = p->state;

	if (st)
		bpfl_wl_free_families(st->wl, WL_NFAM);
	free(p->state);
	p->state = NULL;
}

const struct bpfl_prog_ops tcplat_ops = {
	.name = "tcplat",
	.view = "tcp",
	.open = tcplat_open,
	.prepare = tcplat_prepare,
	.init = tcplat_init,
	.read = tcplat_read,
	.fill = tcplat_fill,
	.maps = tcplat_maps,
	.print = tcplat_print,
	.free = tcplat_free,
};
