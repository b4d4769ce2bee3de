/* biolat's in-flight table when requests share a home slot, in the real
 * kernel: the raw_tp programs, loaded but not attached, are run through
 * BPF_PROG_TEST_RUN on made-up request addresses that hash to one home
 * slot. No disk sees these requests, and which two live requests of a host
 * collide cannot be chosen, so this is how the spill path is proven:
 *   two requests of one home: both stamped, both completed, none evicted,
 *     and the home's spill count back to 0;
 *   a third while both slots are live: it evicts the home's request
 *     (counted once), and the other two still complete.
 * The addresses are below the kernel's, so the programs' reads of the
 * request fault and give device 0 and op read.
 *
 * usage: spill_check (root, BTF); exit 0 only if every check passes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../../bpf/biolat.h"
#include "bpf/biolat.skel.h"
#include "check.h"

static int run(const struct bpf_program *prog, __u64 rq, __u64 nr_bytes)
{
	__u64 args[3] = { rq, 0, nr_bytes };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	if (err)
		fprintf(stderr, "spill_check: test run of %s: %s\n", bpf_program__name(prog),
			strerror(-err));
	return err;
}

static int io_start(struct biolat_bpf *skel, __u64 rq)
{
	return run(skel->progs.biolat_insert_raw, rq, 0) ?: run(skel->progs.biolat_issue_raw, rq, 0);
}

static int io_done(struct biolat_bpf *skel, __u64 rq)
{
	return run(skel->progs.biolat_complete_raw, rq, 4096);
}

/* Sum over CPUs of a per-CPU __u64 array's element. */
static __u64 percpu_u64(const struct bpf_map *map, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v = calloc((size_t)ncpu, sizeof(*v)), sum = 0;

	if (v && !bpf_map_lookup_elem(bpf_map__fd(map), &key, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* Reads completed on device 0, over every CPU's slot of that key. */
static __u64 reads_completed(const struct bpf_map *map)
{
	int ncpu = libbpf_num_possible_cpus();
	struct biolat_slot *v = calloc((size_t)ncpu, sizeof(*v));
	__u64 n = 0;

	for (__u32 key = 0; v && key < bpf_map__max_entries(map); key++) {
		if (bpf_map_lookup_elem(bpf_map__fd(map), &key, v))
			break;
		for (int c = 0; c < ncpu; c++) {
			if (!v[c].used || v[c].key.dev != 0 || v[c].key.op != BIOLAT_OP_READ)
				continue;
			for (int s = 0; s < HIST_SLOTS; s++)
				n += v[c].v.total.slots[s];
		}
	}
	free(v);
	return n;
}

static struct biolat_start start_at(const struct bpf_map *map, __u32 idx)
{
	struct biolat_start s = { 0 };

	bpf_map_lookup_elem(bpf_map__fd(map), &idx, &s);
	return s;
}

int main(void)
{
	struct biolat_bpf *skel;
	struct bpf_program *prog;
	__u64 rq[3], base = 0x10000;
	__u32 home, spill;
	int n = 0;

	if (geteuid() != 0) {
		printf("SKIP - spill_check needs root to load BPF programs\n");
		return 77;
	}
	skel = biolat_bpf__open();
	if (!skel) {
		fprintf(stderr, "spill_check: open: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.biolat_insert_raw ||
						prog == skel->progs.biolat_issue_raw ||
						prog == skel->progs.biolat_complete_raw);
	if (biolat_bpf__load(skel)) {
		fprintf(stderr, "spill_check: load: %s\n", strerror(errno));
		biolat_bpf__destroy(skel);
		return 1;
	}
	/* Three addresses with one home slot (a few thousand tries). */
	home = biolat_slot_of(base, 0);
	rq[n++] = base;
	for (__u64 a = base + 8; n < 3; a += 8)
		if (biolat_slot_of(a, 0) == home)
			rq[n++] = a;
	spill = BIOLAT_SPILL_OF(home);

	if (io_start(skel, rq[0]) || io_start(skel, rq[1])) {
		biolat_bpf__destroy(skel);
		return 1;
	}
	check(start_at(skel->maps.disk_io_start, home).id == rq[0], "first request in its home slot");
	check(start_at(skel->maps.disk_io_start, spill).id == rq[1],
	      "second request of that home in the spill slot");
	check(start_at(skel->maps.disk_io_start, home).spills == 1, "home counts one spill");
	io_done(skel, rq[1]);
	io_done(skel, rq[0]);
	check(reads_completed(skel->maps.disk_io_latency_seconds) == 2,
	      "both completed (%llu)", (unsigned long long)reads_completed(skel->maps.disk_io_latency_seconds));
	check(percpu_u64(skel->maps.bpf_map_full_misses_total, BIOLAT_START_MISSES) == 0,
	      "no eviction");
	check(start_at(skel->maps.disk_io_start, home).spills == 0, "home's spill count back to 0");

	/* Three live requests of one home: the third evicts the home's. */
	io_start(skel, rq[0]);
	io_start(skel, rq[1]);
	io_start(skel, rq[2]);
	check(percpu_u64(skel->maps.bpf_map_full_misses_total, BIOLAT_START_MISSES) == 1,
	      "a third live request evicts one, counted");
	io_done(skel, rq[0]);
	io_done(skel, rq[1]);
	io_done(skel, rq[2]);
	check(reads_completed(skel->maps.disk_io_latency_seconds) == 4,
	      "the two not evicted completed (%llu in all)",
	      (unsigned long long)reads_completed(skel->maps.disk_io_latency_seconds));
	check(start_at(skel->maps.disk_io_start, home).spills == 0 &&
	      start_at(skel->maps.disk_io_start, home).id == 0 &&
	      start_at(skel->maps.disk_io_start, spill).id == 0, "both slots free again");
	biolat_bpf__destroy(skel);
	return failures ? 1 : 0;
}
