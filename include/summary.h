/* The host summary: the few figures that /health's "system" block and the
 * JSONL "derived" block are computed from, typed, so that neither looks a
 * metric up by its name and a renamed metric cannot silently turn into null.
 *
 * The collectors that own the figures fill it as they fill their metric set
 * (loadavg, meminfo, stat, cpu, diskstats, netdev); the runner keeps a
 * collector's part only when its set is kept. In --mode=export the JSONL
 * parser rebuilds it from the families of the line (source.h), and a unit test
 * checks that the two ways agree.
 */
#ifndef IM_SUMMARY_H
#define IM_SUMMARY_H

#include <stddef.h>

enum summary_scalar {
	SUMMARY_LOAD1,                  /* loadavg */
	SUMMARY_LOAD5,
	SUMMARY_LOAD15,
	SUMMARY_MEM_TOTAL_BYTES,        /* meminfo */
	SUMMARY_MEM_AVAILABLE_BYTES,
	SUMMARY_BOOT_TIME_SECONDS,      /* stat: unix seconds */
	SUMMARY_NSCALARS,
};

/* Per-object counters, each since boot in base units. */
enum summary_cpu_mode {         /* seconds per CPU, as node_cpu_seconds_total's modes */
	SUMMARY_CPU_USER,
	SUMMARY_CPU_NICE,
	SUMMARY_CPU_SYSTEM,
	SUMMARY_CPU_IDLE,
	SUMMARY_CPU_IOWAIT,
	SUMMARY_CPU_IRQ,
	SUMMARY_CPU_SOFTIRQ,
	SUMMARY_CPU_STEAL,
	SUMMARY_CPU_NMODES,
};

enum summary_disk_counter {
	SUMMARY_DISK_READS,             /* completed */
	SUMMARY_DISK_WRITES,
	SUMMARY_DISK_READ_BYTES,
	SUMMARY_DISK_WRITTEN_BYTES,
	SUMMARY_DISK_READ_SECONDS,
	SUMMARY_DISK_WRITE_SECONDS,
	SUMMARY_DISK_NCOUNTERS,
};

enum summary_net_counter {
	SUMMARY_NET_RECEIVE_BYTES,
	SUMMARY_NET_TRANSMIT_BYTES,
	SUMMARY_NET_NCOUNTERS,
};

#define SUMMARY_MAX_COUNTERS SUMMARY_CPU_NMODES

/* One CPU, disk or network device: its label value and counters (NAN when
 * not known). Names longer than the field are cut. */
struct summary_obj {
	char name[64];
	double v[SUMMARY_MAX_COUNTERS];
};

struct summary_list {
	struct summary_obj *v;
	size_t n, cap;
};

enum summary_kind { SUMMARY_CPUS, SUMMARY_DISKS, SUMMARY_NETS, SUMMARY_NKINDS };

struct host_summary {
	double scalar[SUMMARY_NSCALARS];        /* NAN when not collected */
	struct summary_list list[SUMMARY_NKINDS];
	int err;                                /* sticky -ENOMEM */
};

/* Everything unknown. */
void summary_init(struct host_summary *s);
void summary_free(struct host_summary *s);      /* the lists; s itself is the caller's */

/* Setters for collectors. Each accepts s == NULL (a caller that keeps no
 * summary: unit tests, fuzzers) and does nothing then. */
void summary_set(struct host_summary *s, enum summary_scalar k, double v);
/* A new object of that kind, its counters NAN, in the order added; NULL when
 * s is NULL or out of memory (then summary_error() says so). */
double *summary_add(struct host_summary *s, enum summary_kind kind, const char *name);
/* 0 or -ENOMEM. */
int summary_error(const struct host_summary *s);

/* Moves what src knows into dst (scalars it set, lists it filled) and leaves
 * src empty: one collector's part into the snapshot's summary. */
void summary_take(struct host_summary *dst, struct host_summary *src);

/* The object named name, or NULL (mutable when the caller owns l, as with
 * strchr()). *hint (start at 0) makes a walk over objects in a stable order
 * linear: it is where the last match ended. */
struct summary_obj *summary_find(const struct summary_list *l, const char *name, size_t *hint);

#endif
