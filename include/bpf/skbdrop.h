/* Drop-reason names of the skbdrop program (src/bpf/skbdrop.c), from enum
 * skb_drop_reason in BTF. */
#ifndef IM_BPF_SKBDROP_API_H
#define IM_BPF_SKBDROP_API_H

#include <stddef.h>
#include <stdint.h>

#include "../../bpf/skbdrop.h"

struct btf;

struct skbdrop_names {
	char *name[SKBDROP_MAX_REASONS];        /* NULL where BTF has none */
};

/* Fills names from btf (NULL: the running kernel's); 0 or -errno, in which
 * case every label falls back to its number. */
int skbdrop_names_load(struct skbdrop_names *n, const struct btf *btf);
void skbdrop_names_free(struct skbdrop_names *n);
/* "NO_SOCKET", "reason_123" when BTF has no name, "other" for the overflow. */
const char *skbdrop_reason_label(const struct skbdrop_names *n, uint32_t reason, char *buf,
				 size_t bufsz);

#endif
