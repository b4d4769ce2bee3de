/* skbdrop loader: packet drops by reason, and the reason names.
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

#include "bpf/skbdrop.skel.h"
#include "bpf/loader.h"

BPFL_SKEL_OPEN(skbdrop)

static int skbdrop_read(struct bpfl_prog *p, struct bpfl_readout *r)
{
	struct skbdrop_bpf *skel = p->skel;

	memset(&r->drops, 0, sizeof(r->drops));
	return bpfl_map_read_array(bpf_map__fd(skel->maps.skb_drops_total), sizeof(uint64_t),
				   SKBDROP_MAX_REASONS, r->drops.drops);
}

const struct bpfl_prog_ops skbdrop_ops = {
	.name = "skbdrop",
	.open = skbdrop_open,
	.read = skbdrop_read,
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
