/* tcplat loader: TCP smoothed RTT and connect latency histograms, retransmit
 * and reset counters, read back summed over CPUs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tcplat.skel.h"
#include "bpf/loader.h"

BPFL_SKEL_OPEN(tcplat)

static int tcplat_read(struct bpfl_prog *p, struct bpfl_readout *r)
{
	struct tcplat_bpf *skel = p->skel;
	struct tcplat_data *d = &r->tcp;
	int err;

	memset(d, 0, sizeof(*d));
	err = bpfl_map_read_array(bpf_map__fd(skel->maps.tcp_latency_seconds), sizeof(struct hist),
				  TCPLAT_HISTS, d->hist);
	if (!err)
		err = bpfl_map_read_array(bpf_map__fd(skel->maps.tcp_events_total),
					  sizeof(uint64_t), TCPLAT_COUNTERS, d->counters);
	if (!err)
		err = bpfl_map_count(bpf_map__fd(skel->maps.tcp_connect_start), sizeof(uint64_t),
				     &d->inflight);
	return err;
}

const struct bpfl_prog_ops tcplat_ops = {
	.name = "tcplat",
	.open = tcplat_open,
	.read = tcplat_read,
};
