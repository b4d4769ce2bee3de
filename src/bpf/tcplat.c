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

struct tcplat_reading {
	struct hist srtt, connect;
	uint64_t retransmits, resets[TCPLAT_RESETS];
	uint64_t misses;                /* connects not timed: tcp_connect_start full */
	uint64_t inflight;              /* entries in tcp_connect_start */
};

struct tcplat_state {
	struct tcplat_reading now, shown;
};

BPFL_SKEL_OPEN(tcplat)

static int tcplat_init(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	p->state = calloc(1, sizeof(struct tcplat_state));
	return p->state ? 0 : -ENOMEM;
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
	free(p->state);
	p->state = NULL;
}

const struct bpfl_prog_ops tcplat_ops = {
	.name = "tcplat",
	.view = "tcp",
	.open = tcplat_open,
	.init = tcplat_init,
	.read = tcplat_read,
	.fill = tcplat_fill,
	.maps = tcplat_maps,
	.print = tcplat_print,
	.free = tcplat_free,
};
