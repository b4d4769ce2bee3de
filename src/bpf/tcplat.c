/* tcplat loader: TCP smoothed RTT and connect latency histograms, retransmit
 * and reset counters, read back summed over CPUs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tcplat.skel.h"
#include "bpf/loader.h"

static int tcplat_open(struct bpfl_prog *p)
{
	struct tcplat_bpf *skel = tcplat_bpf__open();

	if (!skel)
		return -errno;
	p->skel = skel;
	p->obj = skel->obj;
	return 0;
}

static int tcplat_prepare(struct bpfl_prog *p, int hook)
{
	return 0;
}

static int tcplat_load(struct bpfl_prog *p)
{
	return tcplat_bpf__load(p->skel);
}

static int tcplat_attach(struct bpfl_prog *p)
{
	return tcplat_bpf__attach(p->skel);
}

static void tcplat_destroy(struct bpfl_prog *p)
{
	tcplat_bpf__destroy(p->skel);
	p->skel = NULL;
	p->obj = NULL;
}

struct dump_arg {
	void *base;
	size_t elem;
	uint32_t n;
};

static void put_elem(const void *key, const uint64_t *sum, void *arg)
{
	struct dump_arg *a = arg;
	uint32_t k = *(const uint32_t *)key;

	if (k < a->n)
		memcpy((char *)a->base + (size_t)k * a->elem, sum, a->elem);
}

static int tcplat_read(struct bpfl_prog *p, struct bpfl_readout *r)
{
	struct tcplat_bpf *skel = p->skel;
	struct tcplat_data *d = &r->tcp;
	struct dump_arg h = { d->hist, sizeof(struct hist), TCPLAT_HISTS };
	struct dump_arg c = { d->counters, sizeof(uint64_t), TCPLAT_COUNTERS };
	int err;

	memset(d, 0, sizeof(*d));
	err = bpfl_map_dump_percpu(bpf_map__fd(skel->maps.tcp_latency_seconds), sizeof(uint32_t),
				   sizeof(struct hist), TCPLAT_HISTS, put_elem, &h);
	if (!err)
		err = bpfl_map_dump_percpu(bpf_map__fd(skel->maps.tcp_events_total),
					   sizeof(uint32_t), sizeof(uint64_t), TCPLAT_COUNTERS,
					   put_elem, &c);
	if (!err)
		err = bpfl_map_count(bpf_map__fd(skel->maps.tcp_connect_start), sizeof(uint64_t),
				     &d->inflight);
	return err;
}

const struct bpfl_prog_ops tcplat_ops = {
	.name = "tcplat",
	.open = tcplat_open,
	.prepare = tcplat_prepare,
	.load = tcplat_load,
	.attach = tcplat_attach,
	.destroy = tcplat_destroy,
	.read = tcplat_read,
};
