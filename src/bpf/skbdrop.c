/* skbdrop: packet drops by reason, and the reason names, user side.
 *
 * The kernel program counts by number; names come from enum skb_drop_reason
 * in the running kernel's BTF, since the enum grows with every release and a
 * hard-coded table would mislabel drops on the next kernel. A number BTF does
 * not name gets "reason_N", never a guess.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../bpf/skbdrop.h"
#include "bpf/skbdrop.skel.h"
#include "bpf/loader.h"
#include "bpf/skbdrop.h"
#include "cli.h"
#include "log.h"
#include "util.h"

struct skbdrop_state {
	uint64_t now[SKBDROP_MAX_REASONS], shown[SKBDROP_MAX_REASONS];
	struct skbdrop_names names;
	int have_names;
	struct bpfl_wl_family wl;
};

BPFL_SKEL_OPEN(skbdrop)

static const char *label(const struct skbdrop_state *st, uint32_t reason, char *buf,
			 size_t bufsz);

static const char *wl_reason(const void *st, uint32_t reason, char *buf, size_t bufsz)
{
	return label(st, reason, buf, bufsz);
}

static int skbdrop_prepare(struct bpfl_prog *p, int hook)
{
	struct skbdrop_bpf *skel = p->skel;
	struct bpf_map *wl_maps[] = { skel->maps.cgroup_skb_drops_total };
	struct bpf_map *wl_caches[] = { skel->maps.wl_drop_cache };

	return bpfl_wl_prepare(p, hook != BPFL_TRACEPOINT,
			       "the kfree_skb tracepoint's record carries no socket",
			       &skel->rodata->wl_on, &skel->rodata->wl_filter, wl_maps,
			       ARRAY_SIZE(wl_maps), wl_caches, ARRAY_SIZE(wl_caches),
			       SKBDROP_MAX_REASONS);
}

static int skbdrop_init(struct bpfl_prog *p, const struct bpfl_opts *o)
{
	struct skbdrop_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	p->state = st;
	st->have_names = skbdrop_names_load(&st->names, NULL) == 0;
	if (!st->have_names)
		log_warnf("bpf", NULL, "enum skb_drop_reason not in BTF; drop reasons are numbers");
	st->wl = (struct bpfl_wl_family){
		.name = "infra_monitor_cgroup_skb_drops_total",
		.help = "Packets dropped by the kernel per workload (the socket's cgroup; none: "
			"the root) and drop reason.",
		.value = BPFL_WL_COUNT,
		.fd = bpf_map__fd(((struct skbdrop_bpf *)p->skel)->maps.cgroup_skb_drops_total),
		.cache = ((struct skbdrop_bpf *)p->skel)->maps.wl_drop_cache,
		.key_label = "reason", .key_name = wl_reason, .key_arg = st,
		.nkeys = SKBDROP_MAX_REASONS };
	return bpfl_wl_init(p, bpf_map__fd(((struct skbdrop_bpf *)p->skel)->maps.wl_ids),
			    bpf_map__fd(((struct skbdrop_bpf *)p->skel)->maps.wl_overflow), &st->wl,
			    1);
}

static int skbdrop_read(struct bpfl_prog *p)
{
	struct skbdrop_bpf *skel = p->skel;
	struct skbdrop_state *st = p->state;
	int err = bpfl_map_read_array(bpf_map__fd(skel->maps.skb_drops_total), sizeof(uint64_t),
				      SKBDROP_MAX_REASONS, st->now);

	return err ? err : bpfl_wl_read(p, &st->wl, 1);
}

static const char *label(const struct skbdrop_state *st, uint32_t reason, char *buf,
			 size_t bufsz)
{
	return skbdrop_reason_label(st->have_names ? &st->names : NULL, reason, buf, bufsz);
}

static void skbdrop_fill(struct bpfl_prog *p, struct metric_set *ms)
{
	const struct skbdrop_state *st = p->state;
	struct family *f = ms_family(ms, "infra_monitor_skb_drops_total", METRIC_COUNTER,
				     "Packets dropped by the kernel, by drop reason (skb:kfree_skb).");

	for (uint32_t i = 0; i < SKBDROP_MAX_REASONS; i++) {
		char buf[32];

		if (st->now[i])
			ms_add(ms, f, (double)st->now[i], "reason", label(st, i, buf, sizeof(buf)),
			       NULL);
	}
	bpfl_wl_fill_families(p, &st->wl, 1, ms);
}

/* The common reasons in a few words, and whether they are usually harmless
 * (teardown, filtering somebody asked for, a peer's stray segment) or worth a
 * look; the names are those of enum skb_drop_reason without its prefix. */
static const struct {
	const char *name;
	const char *meaning;
	int harmless;
} meanings[] = {
	{ "NOT_SPECIFIED", "no reason given; mostly data still queued when a socket closed", 1 },
	{ "QUEUE_PURGE", "queue emptied as its socket or device closed", 1 },
	{ "CONSUMED", "freed after normal use, not lost", 1 },
	{ "NO_SOCKET", "nobody listening: a closed port or a finished connection", 1 },
	{ "TCP_CLOSE", "segment for a connection already closed", 1 },
	{ "TCP_OLD_DATA", "data received twice (a retransmission we already had)", 1 },
	{ "TCP_OLD_ACK", "acknowledgement for data already acknowledged", 1 },
	{ "TCP_OFOMERGE", "out-of-order data merged with what was already queued", 1 },
	{ "SOCKET_FILTER", "a socket filter (e.g. a packet capture) did not want it", 1 },
	{ "OTHERHOST", "addressed to another host (promiscuous mode)", 1 },
	{ "UNHANDLED_PROTO", "a protocol no one here handles (e.g. LLDP)", 1 },
	{ "NETFILTER_DROP", "a firewall rule dropped it", 0 },
	{ "SOCKET_RCVBUFF", "receive buffer full: the application reads too slowly", 0 },
	{ "SOCKET_BACKLOG", "socket backlog full while the socket was busy", 0 },
	{ "PROTO_MEM", "protocol memory limit reached (tcp_mem, udp_mem)", 0 },
	{ "TCP_CSUM", "TCP checksum wrong: damaged on the way or bad offload", 0 },
	{ "UDP_CSUM", "UDP checksum wrong", 0 },
	{ "IP_CSUM", "IP header checksum wrong", 0 },
	{ "TCP_INVALID_SEQUENCE", "sequence number outside the window", 0 },
	{ "TCP_OVERWINDOW", "data beyond what the receive window allows", 0 },
	{ "TCP_ZEROWINDOW", "data while the receive window was zero", 0 },
	{ "TCP_OFO_QUEUE_PRUNE", "out-of-order queue pruned for lack of memory", 0 },
	{ "TCP_RFC7323_PAWS", "timestamp older than the last one seen (PAWS)", 0 },
	{ "CPU_BACKLOG", "per-CPU input backlog full (net.core.netdev_max_backlog)", 0 },
	{ "QDISC_DROP", "the queueing discipline dropped it (queue full or policy)", 0 },
	{ "TC_INGRESS", "a tc filter dropped it on the way in", 0 },
	{ "TC_EGRESS", "a tc filter dropped it on the way out", 0 },
	{ "XDP", "an XDP program dropped it", 0 },
	{ "NEIGH_FAILED", "neighbour (ARP, NDP) resolution failed", 0 },
	{ "NEIGH_QUEUEFULL", "too many packets waiting for neighbour resolution", 0 },
	{ "IP_OUTNOROUTES", "no route to the destination", 0 },
	{ "IP_INNOROUTES", "no route for a packet received", 0 },
	{ "IP_RPFILTER", "reverse-path filter: source not reachable through that interface", 0 },
	{ "PKT_TOO_SMALL", "shorter than its headers say", 0 },
	{ "PKT_TOO_BIG", "larger than the MTU allows", 0 },
	{ "NOMEM", "out of memory", 0 },
	{ "FULL_RING", "driver ring full", 0 },
};

static void skbdrop_print(struct bpfl_prog *p, FILE *out)
{
	struct skbdrop_state *st = p->state;
	int any = 0;

	for (uint32_t i = 0; out && i < SKBDROP_MAX_REASONS; i++) {
		const char *name, *meaning = "", *hint = "";
		char buf[32], nb[24];

		if (st->now[i] == st->shown[i])
			continue;
		name = label(st, i, buf, sizeof(buf));
		for (size_t j = 0; j < sizeof(meanings) / sizeof(meanings[0]); j++) {
			if (strcmp(name, meanings[j].name) == 0) {
				meaning = meanings[j].meaning;
				hint = meanings[j].harmless ? " (usually harmless)" : "";
			}
		}
		if (!any++)
			fprintf(out, "  %-24s %8s  %s\n", "drop reason", "count", "meaning");
		fprintf(out, "  %-24s %8s  %s%s\n", name,
			cli_counter_delta(st->now[i], st->shown[i], nb, sizeof(nb)), meaning, hint);
	}
	if (out)
		fprintf(out, any ? "\n" : "  drops: no packet dropped\n\n");
	memcpy(st->shown, st->now, sizeof(st->shown));
}

static void skbdrop_free(struct bpfl_prog *p)
{
	struct skbdrop_state *st = p->state;

	if (!st)
		return;
	bpfl_wl_free_families(&st->wl, 1);
	skbdrop_names_free(&st->names);
	free(st);
	p->state = NULL;
}

const struct bpfl_prog_ops skbdrop_ops = {
	.name = "skbdrop",
	.view = "drops",
	.open = skbdrop_open,
	.prepare = skbdrop_prepare,
	.init = skbdrop_init,
	.read = skbdrop_read,
	.fill = skbdrop_fill,
	.print = skbdrop_print,
	.free = skbdrop_free,
};

/* ---- reason names ------------------------------------------------------ */

int skbdrop_names_load(struct skbdrop_names *n, const struct btf *btf)
{
	struct btf *own = NULL;
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, err = 0;

	memset(n, 0, sizeof(*n));
	if (!btf) {
		own = btf__load_vmlinux_btf();
		if (!own)
			return -errno;
		btf = own;
	}
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0) {
		err = id;
		goto out;
	}
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);
		uint32_t v = (uint32_t)e->val;

		if (!name || v >= SKBDROP_MAX_REASONS - 1 || n->name[v])
			continue;
		if (strncmp(name, "SKB_DROP_REASON_", 16) == 0)
			name += 16;
		else if (strncmp(name, "SKB_", 4) == 0)
			name += 4;      /* SKB_CONSUMED, SKB_NOT_DROPPED_YET */
		if (!*name)
			continue;
		n->name[v] = strdup(name);
		if (!n->name[v]) {
			err = -ENOMEM;
			goto out;
		}
	}
out:
	btf__free(own);
	if (err)
		skbdrop_names_free(n);
	return err;
}

void skbdrop_names_free(struct skbdrop_names *n)
{
	if (!n)
		return;
	for (int i = 0; i < SKBDROP_MAX_REASONS; i++) {
		free(n->name[i]);
		n->name[i] = NULL;
	}
}

const char *skbdrop_reason_label(const struct skbdrop_names *n, uint32_t reason, char *buf,
				 size_t bufsz)
{
	if (reason >= SKBDROP_MAX_REASONS - 1)
		return "other";
	if (n && n->name[reason])
		return n->name[reason];
	snprintf(buf, bufsz, "reason_%u", reason);
	return buf;
}
