/* Unit tests of the BPF histogram path that need no kernel: the kernel's
 * slot rule (bpf/hist.bpf.h compiled here as plain C), export to Prometheus
 * buckets, per-CPU summing, interval deltas, drop-reason names from a BTF
 * built in memory, device names from a diskstats file, and the verifier's
 * last word in a libbpf load log. */
#include <stdlib.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "fixture.h"
#include "bpf/diskname.h"
#include "bpf/loader.h"
#include "bpf/skbdrop.h"
#include "buf.h"
#include "cli.h"
#include "render.h"

/* Just enough of the BPF helper surface for hist.bpf.h to compile as C. */
#ifndef __always_inline
#define __always_inline inline
#endif
#define barrier_var(x) __asm__ volatile("" : "+r"(x))
static void *bpf_map_lookup_elem(void *map, const void *key)
{
	(void)key;
	return map;
}
#include "../bpf/hist.bpf.h"

/* Upper bound of native bucket i in units of 1/scale (ns: 1e9, bytes: 1),
 * rounded down: the largest integer value the bucket holds. */
static __u64 bound_floor(int i, long double scale)
{
	return (__u64)floorl(scale * exp2l((long double)i / (1 << HIST_SCHEMA)));
}

/* Reference slot: the first bucket whose bound holds v, by brute force. */
static __u32 slot_ref(__u64 v, int first, long double scale)
{
	if (v <= bound_floor(first - 1, scale))
		return 0;
	for (int i = first; i < first + HIST_BUCKETS; i++)
		if (v <= bound_floor(i, scale))
			return (__u32)(i - first + 1);
	return HIST_SLOTS - 1;
}

/* Each boundary's largest integer value and the integer after it land
 * where the brute-force reference puts them: every le is true and the
 * tightest. */
static void check_boundaries(__u32 (*slot)(__u64), int first, long double scale)
{
	for (int i = first - 1; i < first + HIST_BUCKETS; i++) {
		__u64 t = bound_floor(i, scale);

		assert_int_equal(slot(t), slot_ref(t, first, scale));
		assert_int_equal(slot(t + 1), slot_ref(t + 1, first, scale));
	}
	assert_int_equal(slot(0), 0);
	assert_int_equal(slot(~0ULL), HIST_SLOTS - 1);
}

static void test_slot_ns_boundaries(void **state)
{
	check_boundaries(hist_slot_ns, HIST_FIRST_SECONDS, 1e9L);
	assert_int_equal(hist_slot_ns(953), 0);                  /* <= 2^-20 s */
	assert_int_equal(hist_slot_ns(954), 1);
	/* 1 s is a boundary exactly: 1e9 ns is "le 1", one more is not. */
	assert_int_equal(hist_slot_ns(1000000000ULL), -HIST_FIRST_SECONDS + 1);
	assert_int_equal(hist_slot_ns(1000000001ULL), -HIST_FIRST_SECONDS + 2);
	assert_int_equal(hist_slot_ns(64000000000ULL), HIST_BUCKETS);
	assert_int_equal(hist_slot_ns(64000000001ULL), HIST_SLOTS - 1);
}

static void test_slot_bytes_boundaries(void **state)
{
	check_boundaries(hist_slot_bytes, HIST_FIRST_BYTES, 1.0L);
	/* Powers of two are bucket bounds: 4 KiB is "le 4096". */
	assert_int_equal(hist_slot_bytes(1), 0);
	assert_int_equal(hist_slot_bytes(2), 8);
	assert_int_equal(hist_slot_bytes(4096), 96);
	assert_int_equal(hist_slot_bytes(4097), 97);
	assert_int_equal(hist_slot_bytes(1ULL << 26), HIST_BUCKETS);
	assert_int_equal(hist_slot_bytes((1ULL << 26) + 1), HIST_SLOTS - 1);
}

static void test_add_keeps_exact_sum(void **state)
{
	struct hist h = { 0 };

	hist_add_ns(&h, 1500);
	hist_add_ns(&h, 0);
	assert_int_equal(h.sum, 1500);
	assert_int_equal(h.slots[0], 1);
	assert_int_equal(h.slots[hist_slot_ns(1500)], 1);
}

/* Renders one histogram and returns the text (owned by b). */
static const char *render_one(const struct hist *k, enum bpfl_unit u, struct buf *b)
{
	struct metric_set *ms = ms_new();
	struct family *f = ms_family(ms, "x_seconds", METRIC_HISTOGRAM, "X.");
	const struct family *fams[1];
	struct nhist h;

	bpfl_hist_export(k, u, &h);
	ms_add_hist(ms, f, &h, NULL, 0);
	fams[0] = f;
	buf_reset(b);
	render_prom(b, fams, 1);
	ms_free(ms);
	return buf_cstr(b);
}

/* Parses the bucket values in order, +Inf last; returns how many. */
static size_t parse_buckets(const char *text, double *v, size_t max, double *count, double *sum)
{
	size_t n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, "x_seconds_bucket", 16) == 0 && n < max)
			v[n++] = strtod(strchr(l, '}') + 1, NULL);
		else if (strncmp(l, "x_seconds_count ", 16) == 0)
			*count = strtod(l + 16, NULL);
		else if (strncmp(l, "x_seconds_sum ", 14) == 0)
			*sum = strtod(l + 14, NULL);
	}
	return n;
}

/* 27 classic buckets (2^-20 .. 2^6 s) and +Inf. */
#define CLASSIC_BUCKETS ((HIST_BUCKETS >> HIST_SCHEMA) + 1)

static void test_export_inf_equals_count_monotone(void **state)
{
	struct hist k = { 0 };
	double v[64], count = -1, sum = -1;
	struct buf b;
	size_t n;

	for (__u64 ns = 1; ns < 200000000000ULL; ns = ns * 3 + 7)
		hist_add_ns(&k, ns);    /* up to ~200 s: some land in the overflow slot */
	assert_true(k.slots[HIST_SLOTS - 1] > 0);
	buf_init(&b);
	n = parse_buckets(render_one(&k, BPFL_SECONDS, &b), v, 64, &count, &sum);
	assert_int_equal(n, CLASSIC_BUCKETS + 1);
	for (size_t i = 1; i < n; i++)
		assert_true(v[i] >= v[i - 1]);
	assert_true(v[n - 1] == count);
	assert_true(count == (double)bpfl_hist_count(&k));
	assert_true(v[n - 2] < count);          /* the overflow shows only in +Inf */
	assert_true(fabs(sum - (double)k.sum * 1e-9) < 1e-9 * sum);
	assert_non_null(strstr(buf_cstr(&b), "le=\"64\""));
	assert_non_null(strstr(buf_cstr(&b), "le=\"1\""));
	buf_free(&b);
}

static void test_export_empty(void **state)
{
	struct hist k = { 0 };
	double v[64], count = -1, sum = -1;
	struct buf b;
	size_t n;

	buf_init(&b);
	n = parse_buckets(render_one(&k, BPFL_SECONDS, &b), v, 64, &count, &sum);
	assert_int_equal(n, CLASSIC_BUCKETS + 1);
	for (size_t i = 0; i < n; i++)
		assert_true(v[i] == 0);
	assert_true(count == 0);
	assert_true(sum == 0);
	assert_non_null(strstr(buf_cstr(&b), "x_seconds_bucket{le=\"+Inf\"} 0\n"));
	buf_free(&b);
}

static void test_export_bytes_unit(void **state)
{
	struct hist k = { 0 };
	struct nhist h;

	hist_add_bytes(&k, 4096);
	hist_add_bytes(&k, 4097);
	bpfl_hist_export(&k, BPFL_BYTES, &h);
	assert_int_equal(h.schema, 3);
	assert_int_equal(h.buckets[96 - h.first], 1);   /* le 2^(96/8) = 4096 */
	assert_int_equal(h.buckets[97 - h.first], 1);
	assert_true(nhist_bound(h.schema, 96) == 4096);
	assert_true(nhist_zero_threshold(&h) == 1);
	assert_true(h.sum == 8193);
	assert_int_equal(h.count, 2);
}

static void test_percpu_sum(void **state)
{
	/* 3 CPUs, a 2-word value padded to a 24-byte stride. */
	uint64_t percpu[3][3] = { { 1, 10, 999 }, { 2, 20, 999 }, { 3, 30, 999 } };
	uint64_t out[2] = { 77, 77 };

	bpfl_percpu_sum(percpu, 3, sizeof(percpu[0]), 2, out);
	assert_int_equal(out[0], 6);
	assert_int_equal(out[1], 60);
	bpfl_percpu_sum(percpu, 0, sizeof(percpu[0]), 2, out);
	assert_int_equal(out[0], 0);
}

/* Prints into a memory buffer; returns it (free() it). */
static char *print_one(const struct hist *now, const struct hist *prev, enum bpfl_unit u)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	bpfl_print_hist(f, "disk vda read", now, prev, u);
	fclose(f);
	return text;
}

/* The terminal shows what happened between two cumulative readings, one bar
 * per power of two; a counter that went down (a reload, a reset) is a gap,
 * never a clamped or negative value: the rule of the JSONL's histograms. */
static void test_print_interval(void **state)
{
	struct hist a = { 0 }, b = { 0 };
	char *t;

	for (int i = 0; i < 5; i++)
		hist_add_ns(&b, 3000);          /* before the interval */
	a = b;
	for (int i = 0; i < 3; i++)
		hist_add_ns(&a, 3000);          /* (2^-19, 2^-18] s: 1.9 .. 3.8 us */
	hist_add_ns(&a, 200000);                /* (2^-13, 2^-12] s: 122 .. 244 us */
	t = print_one(&a, &b, BPFL_SECONDS);
	assert_non_null(strstr(t, "disk vda read  count=4 "));
	assert_non_null(strstr(t, "2us -> 4us : 3 "));
	assert_non_null(strstr(t, "122us -> 244us : 1 "));
	free(t);
	t = print_one(&b, &b, BPFL_SECONDS);   /* nothing happened: nothing printed */
	assert_string_equal(t, "");
	free(t);
	t = print_one(&b, &a, BPFL_SECONDS);
	assert_non_null(strstr(t, "disk vda read  counters reset: no value this interval"));
	assert_null(strstr(t, "count="));
	free(t);
}

/* A bar is the row's share of the interval: one event among a hundred is one
 * mark, not a bar as long as the mode's, and sizes are bucket bounds. */
static void test_print_share_and_sizes(void **state)
{
	struct hist a = { 0 }, z = { 0 };
	char *t, *one;

	for (int i = 0; i < 99; i++)
		hist_add_bytes(&a, 4096);
	hist_add_bytes(&a, 1 << 20);
	t = print_one(&a, &z, BPFL_BYTES);
	assert_non_null(strstr(t, "p50=4 KiB p90=4 KiB p99=4 KiB"));
	one = strstr(t, "512 KiB -> 1 MiB : 1 ");
	assert_non_null(one);
	assert_non_null(strstr(one, "  1.0% |*    "));
	assert_non_null(strstr(t, "2 KiB -> 4 KiB : 99 "));
	free(t);
}

/* Values above the top bucket get a row of their own, the open-ended one. */
static void test_print_overflow_row(void **state)
{
	struct hist a = { 0 }, z = { 0 };
	char *t;

	hist_add_bytes(&a, 1ULL << 26);         /* the top bucket */
	hist_add_bytes(&a, (1ULL << 26) + 1);   /* above it */
	t = print_one(&a, &z, BPFL_BYTES);
	assert_non_null(strstr(t, "32 MiB -> 64 MiB : 1 "));
	assert_non_null(strstr(t, "64 MiB -> ... : 1 "));
	free(t);
}

static void test_counter_delta(void **state)
{
	char buf[24];

	assert_string_equal(cli_counter_delta(12, 5, buf, sizeof(buf)), "7");
	assert_string_equal(cli_counter_delta(5, 5, buf, sizeof(buf)), "0");
	assert_string_equal(cli_counter_delta(5, 12, buf, sizeof(buf)), "-");
}

static struct btf *drop_btf(int with_enum)
{
	struct btf *btf = btf__new_empty();
	int id;

	assert_non_null(btf);
	if (!with_enum) {
		assert_true(btf__add_int(btf, "int", 4, BTF_INT_SIGNED) > 0);
		return btf;
	}
	id = btf__add_enum(btf, "skb_drop_reason", 4);
	assert_true(id > 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_CONSUMED", 1), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_NO_SOCKET", 3), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_MAX", 4), 0);
	/* subsystem-encoded values sit far above the array */
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_SUBSYS_MASK", 0x7fff0000), 0);
	return btf;
}

static void test_drop_reason_names(void **state)
{
	struct btf *btf = drop_btf(1);
	struct skbdrop_names n;
	char buf[32];

	assert_int_equal(skbdrop_names_load(&n, btf), 0);
	assert_string_equal(skbdrop_reason_label(&n, 3, buf, sizeof(buf)), "NO_SOCKET");
	assert_string_equal(skbdrop_reason_label(&n, 2, buf, sizeof(buf)), "NOT_SPECIFIED");
	assert_string_equal(skbdrop_reason_label(&n, 1, buf, sizeof(buf)), "CONSUMED");
	/* a number this BTF does not name: numeric label, never a guess */
	assert_string_equal(skbdrop_reason_label(&n, 77, buf, sizeof(buf)), "reason_77");
	/* the overflow slot the kernel side folds large reasons into */
	assert_string_equal(skbdrop_reason_label(&n, SKBDROP_MAX_REASONS - 1, buf, sizeof(buf)),
			    "other");
	assert_string_equal(skbdrop_reason_label(&n, 0x10003, buf, sizeof(buf)), "other");
	skbdrop_names_free(&n);
	btf__free(btf);
}

static void test_drop_reason_fallback_without_enum(void **state)
{
	struct btf *btf = drop_btf(0);
	struct skbdrop_names n;
	char buf[32];

	assert_true(skbdrop_names_load(&n, btf) < 0);
	assert_string_equal(skbdrop_reason_label(&n, 3, buf, sizeof(buf)), "reason_3");
	assert_string_equal(skbdrop_reason_label(NULL, 5, buf, sizeof(buf)), "reason_5");
	btf__free(btf);
}

static void test_disk_names(void **state)
{
	char dir[] = "/tmp/test_bpf_hist.XXXXXX", path[64], buf[32];
	struct disk_names *d;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/diskstats", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("   7       0 loop0 10 0 80 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
	      " 253       0 vda 1 2 3 4 5 6 7 8 9 10 11\n"
	      " 259       3 nvme0n1p1 1 2 3 4 5 6 7 8 9 10 11\n"
	      "garbage\n", f);
	fclose(f);
	d = disk_names_new(dir);
	assert_non_null(d);
	assert_string_equal(disk_names_get(d, 7u << 20 | 0, buf, sizeof(buf)), "loop0");
	assert_string_equal(disk_names_get(d, 253u << 20 | 0, buf, sizeof(buf)), "vda");
	assert_string_equal(disk_names_get(d, 259u << 20 | 3, buf, sizeof(buf)), "nvme0n1p1");
	assert_string_equal(disk_names_get(d, 8u << 20 | 99, buf, sizeof(buf)), "8:99");
	disk_names_free(d);
	unlink(path);
	rmdir(dir);
}

static void test_hook_names(void **state)
{
	assert_string_equal(bpfl_hook_name(BPFL_TRACEPOINT), "tracepoint");
	assert_string_equal(bpfl_hook_name(-1), "none");
}

/* The terminal's views come from the registry, and only those are accepted. */
static void test_views(void **state)
{
	struct bpfl_opts o = { .view = "disk" };
	char buf[128];

	assert_int_equal(bpfl_view_check(&o), 0);
	o.view = NULL;
	assert_int_equal(bpfl_view_check(&o), 0);
	o.view = "fs";
	assert_int_equal(bpfl_view_check(&o), -ENOENT);
	bpfl_views(buf, sizeof(buf));
	assert_string_equal(buf, "disk, tcp, drops, runq");
}

/* The verifier's refusal, not its statistics, out of libbpf's whole load log;
 * nothing from a message without one. */
static void test_verifier_line(void **state)
{
	char out[80];

	(void)state;
	bpfl_verifier_line("libbpf: prog 'tcp_probe_raw': -- BEGIN PROG LOAD LOG --\n"
			   "0: R1=ctx() R10=fp0\n"
			   "; sk = (void *)ctx[0];\n"
			   "3: (85) call bpf_probe_read_kernel#113\n"
			   "unknown func bpf_probe_read_kernel#113\n"
			   "processed 4 insns (limit 1000000) max_states_per_insn 0\n"
			   "-- END PROG LOAD LOG --\n", out, sizeof(out));
	assert_string_equal(out, "unknown func bpf_probe_read_kernel#113");
	bpfl_verifier_line("libbpf: prog 'x': BPF program load failed: Invalid argument", out, sizeof(out));
	assert_string_equal(out, "");
	bpfl_verifier_line("libbpf: -- BEGIN PROG LOAD LOG --\nno end", out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_ns_boundaries),
		cmocka_unit_test(test_slot_bytes_boundaries),
		cmocka_unit_test(test_add_keeps_exact_sum),
		cmocka_unit_test(test_export_inf_equals_count_monotone),
		cmocka_unit_test(test_export_empty),
		cmocka_unit_test(test_export_bytes_unit),
		cmocka_unit_test(test_percpu_sum),
		cmocka_unit_test(test_print_interval),
		cmocka_unit_test(test_print_overflow_row),
		cmocka_unit_test(test_print_share_and_sizes),
		cmocka_unit_test(test_counter_delta),
		cmocka_unit_test(test_drop_reason_names),
		cmocka_unit_test(test_drop_reason_fallback_without_enum),
		cmocka_unit_test(test_disk_names),
		cmocka_unit_test(test_hook_names),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_verifier_line),
	};
	return cmocka_run_group_tests_name("bpf_hist", tests, NULL, NULL);
}
