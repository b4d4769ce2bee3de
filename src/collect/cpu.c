/* cpu: per-CPU time from /proc/stat → node_cpu_seconds_total{cpu,mode} and
 * node_cpu_guest_seconds_total{cpu,mode}, plus node_cpu_isolated{cpu} from
 * sysfs, under node_exporter 1.5's names, labels and help texts.
 *
 * Like node_exporter, the collector keeps the last value it published per CPU
 * and never lets a counter go down: the kernel's iowait (and on some
 * hypervisors idle and steal) can step backwards by a few ticks, and a
 * Prometheus rate() reads any decrease as a counter reset, i.e. a huge spike.
 * A large drop of idle means the CPU went offline and came back; then the
 * CPU starts afresh. The aggregate "cpu " line is ignored, as node_exporter
 * does; sum the per-CPU series instead.
 *
 * Where the hardware exposes thermal throttle counters (Intel, bare metal),
 * node_cpu_core_throttles_total{core,package} and
 * node_cpu_package_throttles_total{package} come from
 * <sysfs>/devices/system/cpu/cpuN/thermal_throttle/ as in node_exporter. Which
 * CPU stands for which core and package is worked out once in init(), so each
 * interval costs one read per core and per package and nothing at all on
 * virtual machines, which have no such counters.
 *
 * Options as node_exporter 1.12 has them: --no-collector.cpu.guest drops the
 * guest series; --collector.cpu.info (implied by either include regex) adds
 * node_cpu_info from /proc/cpuinfo, and node_cpu_flag_info /
 * node_cpu_bug_info for the first CPU's flags and bugs matching
 * --collector.cpu.info.flags-include / .bugs-include. node_exporter's
 * cpuinfo-based node_cpu_frequency_hertz is left out: with cpufreq on it
 * would be a second family of that name, which the cpufreq collector owns.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"
#include "sysfs.h"

/* /proc/stat counts in USER_HZ ticks, which the kernel fixes at 100 for user
 * space on every architecture we build for, whatever CONFIG_HZ is (it
 * converts with jiffies_64_to_clock_t()). sysconf(_SC_CLK_TCK) only echoes the
 * same constant, and reading the tree of another host (--path.procfs) must not
 * depend on this process's view of it. */
#define USER_HZ 100.0

/* An idle counter that drops by this much is not jitter but a CPU that was
 * unplugged and came back with fresh counters (node_exporter's threshold). */
#define JUMP_BACK_TICKS (3 * (uint64_t)USER_HZ)

/* CPU numbers above this are garbage, not hardware: the kernel's NR_CPUS
 * tops out at 8192 (x86 MAXSMP). Twice that bounds what one hostile line can
 * make us allocate for history to about 1.5 MiB. */
#define MAX_CPU_ID 16383

/* Columns of a cpuN line, in the kernel's order. Kernels before 2.6.33 lack
 * the later columns; like node_exporter we report those as 0. */
enum {
	COL_USER,
	COL_NICE,
	COL_SYSTEM,
	COL_IDLE,
	COL_IOWAIT,
	COL_IRQ,
	COL_SOFTIRQ,
	COL_STEAL,
	COL_GUEST,
	COL_GUEST_NICE,
	NCOLS,
	MIN_COLS = COL_IDLE + 1,        /* every kernel since 2.4 has these */
};

static const char *const mode_names[NCOLS] = {
	[COL_USER] = "user",   [COL_NICE] = "nice",       [COL_SYSTEM] = "system",
	[COL_IDLE] = "idle",   [COL_IOWAIT] = "iowait",   [COL_IRQ] = "irq",
	[COL_SOFTIRQ] = "softirq", [COL_STEAL] = "steal", [COL_GUEST] = "user",
	[COL_GUEST_NICE] = "nice",
};

/* The host summary takes the columns before the guest ones, in this order. */
_Static_assert((int)COL_GUEST == (int)SUMMARY_CPU_NMODES &&
		       (int)COL_IDLE == (int)SUMMARY_CPU_IDLE &&
		       (int)COL_IOWAIT == (int)SUMMARY_CPU_IOWAIT &&
		       (int)COL_STEAL == (int)SUMMARY_CPU_STEAL,
	       "cpu columns and summary.h's modes differ");

struct cpu_line {
	uint32_t id;
	uint64_t ticks[NCOLS];
};

/* What was last published for one CPU number. */
struct cpu_prev {
	uint64_t ticks[NCOLS];
	uint64_t seen;          /* generation that last published it; 0 never */
	uint64_t mark;          /* markgen of the read that last listed it */
};

enum {
	CPU_OPT_GUEST,
	CPU_OPT_INFO,
	CPU_OPT_FLAGS,
	CPU_OPT_BUGS,
};

static const struct collector_option cpu_options[] = {
	[CPU_OPT_GUEST] = { "collector.cpu.guest", COPT_BOOL, "true",
			    "Enables metric node_cpu_guest_seconds_total" },
	[CPU_OPT_INFO] = { "collector.cpu.info", COPT_BOOL, "false", "Enables metric cpu_info" },
	[CPU_OPT_FLAGS] = { "collector.cpu.info.flags-include", COPT_REGEX, NULL,
			    "Filter the `flags` field in cpuInfo with a value that must be a regular expression" },
	[CPU_OPT_BUGS] = { "collector.cpu.info.bugs-include", COPT_REGEX, NULL,
			   "Filter the `bugs` field in cpuInfo with a value that must be a regular expression" },
	{ 0 },
};

struct cpu_state {
	bool guest, info;
	struct dev_filter flags, bugs; /* include-only filters */
	struct cpu_prev *prev;  /* indexed by CPU number */
	size_t nprev;
	uint64_t gen;           /* successful reads so far */
	uint64_t markgen;       /* reads attempted, failed ones included */
	struct cpu_line *lines; /* scratch reused every interval */
	size_t cap;
	uint32_t *isolated;     /* read once: isolcpus= is fixed at boot */
	size_t nisolated;
	struct throttle *cores; /* one per (package, core) */
	size_t ncores;
	struct throttle *packages;      /* one per package */
	size_t npackages;
};

/* A counter file to read each interval and the labels it is reported under. */
struct throttle {
	uint32_t cpu;           /* the lowest-numbered CPU of that core or package */
	uint64_t package_id, core_id;
	char package[24], core[24];
};

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

/* "cpuN v v v ..." → *out; 1 for a per-CPU line, 0 for any other line
 * (including the aggregate "cpu "), -EINVAL for a malformed cpuN line. */
static int parse_cpu_line(const char *line, struct cpu_line *out)
{
	const char *p = line + 3;
	uint64_t id;
	size_t n = 0;

	if (strncmp(line, "cpu", 3) != 0 || !(*p >= '0' && *p <= '9'))
		return 0;
	p = pp_u64(p, &id);
	if (!p || !pp_blank(*p) || id > MAX_CPU_ID)
		return -EINVAL;
	out->id = (uint32_t)id;
	for (;;) {
		p = pp_skip_blanks(p);
		if (!*p)
			break;
		/* Later kernels may add columns; take the ones we know. */
		if (n == NCOLS)
			break;
		p = pp_u64_field(p, &out->ticks[n]);
		if (!p)
			return -EINVAL;
		n++;
	}
	if (n < MIN_COLS)
		return -EINVAL;
	for (; n < NCOLS; n++)
		out->ticks[n] = 0;
	return 1;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
	*arr = p;
	*cap = n;
	return 0;
}

/* All cpuN lines of /proc/stat into st->lines; nothing is published yet, so a
 * bad line anywhere leaves the state as it was. */
static int parse_stat(struct cpu_state *st, char *text, size_t *nlines)
{
	char *cursor = text, *line;
	size_t n = 0;
	int r;

	while ((line = next_line(&cursor))) {
		if (line[0] != 'c')
			continue;
		if (n == st->cap) {
			r = grow((void **)&st->lines, &st->cap, n + 1, sizeof(*st->lines));
			if (r)
				return r;
		}
		r = parse_cpu_line(line, &st->lines[n]);
		if (r < 0)
			return r;
		n += (size_t)r;
	}
	if (!n)
		return -EINVAL;
	*nlines = n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Counters that never go backwards                                        */

/* Rejects a CPU listed twice (two series with the same labels) before any
 * state changes. */
static int check_and_size(struct cpu_state *st, size_t nlines)
{
	uint32_t max = 0;
	uint64_t mark = ++st->markgen;
	int err;

	for (size_t i = 0; i < nlines; i++)
		if (st->lines[i].id > max)
			max = st->lines[i].id;
	err = grow((void **)&st->prev, &st->nprev, (size_t)max + 1, sizeof(*st->prev));
	if (err)
		return err;
	for (size_t i = 0; i < nlines; i++) {
		struct cpu_prev *e = &st->prev[st->lines[i].id];

		if (e->mark == mark)
			return -EINVAL;
		e->mark = mark;
	}
	return 0;
}

static void clamp(struct cpu_state *st, struct cpu_line *l)
{
	struct cpu_prev *e = &st->prev[l->id];
	/* A CPU missing from the last interval was offline: start afresh. */
	bool fresh = e->seen != st->gen || e->seen == 0;

	if (!fresh && e->ticks[COL_IDLE] > l->ticks[COL_IDLE] &&
	    e->ticks[COL_IDLE] - l->ticks[COL_IDLE] >= JUMP_BACK_TICKS)
		fresh = true;
	for (size_t c = 0; c < NCOLS; c++) {
		if (!fresh && l->ticks[c] < e->ticks[c])
			l->ticks[c] = e->ticks[c];
		e->ticks[c] = l->ticks[c];
	}
	e->seen = st->gen + 1;
}

/* ------------------------------------------------------------------------ */
/* Isolated CPUs                                                            */

/* A kernel cpulist ("0-3,8,10-11", empty when none) into st->isolated. */
static int parse_cpulist(struct cpu_state *st, const char *p)
{
	size_t cap = 0;
	uint64_t lo, hi;
	int more;

	while ((more = pp_cpulist_next(&p, &lo, &hi)) > 0) {
		if (hi > MAX_CPU_ID)
			return -EINVAL;
		for (uint64_t c = lo; c <= hi; c++) {
			if (grow((void **)&st->isolated, &cap, st->nisolated + 1,
				 sizeof(*st->isolated)))
				return -ENOMEM;
			st->isolated[st->nisolated++] = (uint32_t)c;
		}
	}
	return more;
}

static void read_isolated(struct collect_ctx *ctx, struct cpu_state *st)
{
	struct buf b;

	buf_init(&b);
	/* A missing file (kernels before 4.2) or a garbled one means no
	 * isolated CPUs to report, not a broken collector. */
	if (collect_read(ctx, ctx->sysfs, "devices/system/cpu/isolated", &b) == 0 &&
	    pp_one_line(&b) == 0 && parse_cpulist(st, b.data) != 0) {
		free(st->isolated);
		st->isolated = NULL;
		st->nisolated = 0;
	}
	buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Thermal throttling                                                       */

/* One decimal value of a sysfs file under devices/system/cpu/cpuN/. */
static int read_cpu_u64(struct collect_ctx *ctx, struct buf *b, uint32_t cpu, const char *file,
			uint64_t *v)
{
	char rel[128], id[24];
	const char *p;
	int err;

	pp_fmt_u64(id, cpu);
	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%s/%s", id, file);
	err = read_file_at(ctx->sysfs, rel, b);
	if (!err)
		err = pp_one_line(b);
	if (err)
		return err;
	p = pp_u64(b->data, v);
	return p && !*p ? 0 : -EINVAL;
}

static int add_throttle(struct throttle **arr, size_t *n, size_t *cap, uint32_t cpu,
			uint64_t package, uint64_t core, bool per_core)
{
	struct throttle *t;

	if (!per_core)
		core = 0;
	for (size_t i = 0; i < *n; i++) {
		t = &(*arr)[i];
		if (t->package_id == package && t->core_id == core) {
			if (cpu < t->cpu)
				t->cpu = cpu;
			return 0;
		}
	}
	if (grow((void **)arr, cap, *n + 1, sizeof(**arr)))
		return -ENOMEM;
	t = &(*arr)[(*n)++];
	t->cpu = cpu;
	t->package_id = package;
	t->core_id = core;
	pp_fmt_u64(t->package, package);
	pp_fmt_u64(t->core, core);
	return 0;
}

/* Output in package, core order whatever order readdir gave. */
static int cmp_throttle(const void *a, const void *b)
{
	const struct throttle *x = a, *y = b;

	if (x->package_id != y->package_id)
		return x->package_id < y->package_id ? -1 : 1;
	return x->core_id < y->core_id ? -1 : x->core_id > y->core_id;
}

/* The two throttle counters: per core (labelled core and package) and per
 * package (labelled package alone). */
struct throttle_kind {
	const char *file, *name, *help;
	bool per_core;
};

static const struct throttle_kind core_throttles = {
	.file = "thermal_throttle/core_throttle_count",
	.name = "node_cpu_core_throttles_total",
	.help = "Number of times this CPU core has been throttled.",
	.per_core = true,
};

static const struct throttle_kind package_throttles = {
	.file = "thermal_throttle/package_throttle_count",
	.name = "node_cpu_package_throttles_total",
	.help = "Number of times this CPU package has been throttled.",
	.per_core = false,
};

/* Every CPU with a thermal_throttle directory, grouped by core and package.
 * A CPU whose topology cannot be read is left out rather than guessed. */
static int find_throttles(struct collect_ctx *ctx, struct cpu_state *st)
{
	size_t core_cap = 0, pkg_cap = 0;
	uint64_t package, core, count;
	char path[4096];
	struct dirent *de;
	struct buf b;
	DIR *d;
	int err = path_join(path, sizeof(path), ctx->sysfs, "devices/system/cpu");

	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return 0;
	buf_init(&b);
	while (!err && (de = readdir(d))) {
		const char *p;
		uint64_t cpu;

		if (strncmp(de->d_name, "cpu", 3) != 0)
			continue;
		p = pp_u64(de->d_name + 3, &cpu);
		if (!p || *p || cpu > MAX_CPU_ID)
			continue;
		if (read_cpu_u64(ctx, &b, (uint32_t)cpu, "topology/physical_package_id",
				 &package) ||
		    read_cpu_u64(ctx, &b, (uint32_t)cpu, "topology/core_id", &core))
			continue;
		if (!read_cpu_u64(ctx, &b, (uint32_t)cpu, core_throttles.file, &count))
			err = add_throttle(&st->cores, &st->ncores, &core_cap, (uint32_t)cpu,
					   package, core, true);
		if (!err && !read_cpu_u64(ctx, &b, (uint32_t)cpu, package_throttles.file, &count))
			err = add_throttle(&st->packages, &st->npackages, &pkg_cap, (uint32_t)cpu,
					   package, core, false);
	}
	buf_free(&b);
	closedir(d);
	if (st->ncores)
		qsort(st->cores, st->ncores, sizeof(*st->cores), cmp_throttle);
	if (st->npackages)
		qsort(st->packages, st->npackages, sizeof(*st->packages), cmp_throttle);
	return err;
}

/* A CPU gone offline takes its thermal_throttle directory with it: its entry
 * is skipped until it returns. Anything else unreadable is an error. The
 * family is made on its first sample, so that a host whose counters all went
 * offline shows none rather than an empty one. */
static int emit_throttle_list(struct collect_ctx *ctx, struct buf *b,
			      const struct throttle_kind *k, const struct throttle *list, size_t n,
			      struct metric_set *ms)
{
	struct family *f = NULL;
	uint64_t v;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		const struct throttle *t = &list[i];
		const struct label l[] = { { "core", t->core }, { "package", t->package } };

		err = read_cpu_u64(ctx, b, t->cpu, k->file, &v);
		if (!err && !f)
			f = ms_family(ms, k->name, METRIC_COUNTER, k->help);
		if (!err)
			ms_add_labels(ms, f, (double)v, k->per_core ? l : l + 1, k->per_core ? 2 : 1);
		else if (err == -ENOENT)
			err = 0;
	}
	return err;
}

static int emit_throttles(struct collect_ctx *ctx, struct cpu_state *st, struct metric_set *ms)
{
	struct buf b;
	int err;

	buf_init(&b);
	err = emit_throttle_list(ctx, &b, &core_throttles, st->cores, st->ncores, ms);
	if (!err)
		err = emit_throttle_list(ctx, &b, &package_throttles, st->packages, st->npackages,
					 ms);
	buf_free(&b);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Collector                                                                */

/* ------------------------------------------------------------------------ */
/* /proc/cpuinfo (--collector.cpu.info)                                     */

/* node_cpu_info's labels, in node_exporter's order. */
enum {
	I_PACKAGE,
	I_CORE,
	I_CPU,
	I_VENDOR,
	I_FAMILY,
	I_MODEL,
	I_MODEL_NAME,
	I_MICROCODE,
	I_STEPPING,
	I_CACHESIZE,
	NINFO,
};

static const struct {
	const char *key, *label;
	int idx;
} info_keys[] = {
	{ "physical id", "package", I_PACKAGE }, { "core id", "core", I_CORE },
	{ "processor", "cpu", I_CPU },           { "vendor_id", "vendor", I_VENDOR },
	{ "vendor", "vendor", I_VENDOR },        { "cpu family", "family", I_FAMILY },
	{ "model", "model", I_MODEL },           { "model name", "model_name", I_MODEL_NAME },
	{ "microcode", "microcode", I_MICROCODE }, { "stepping", "stepping", I_STEPPING },
	{ "cache size", "cachesize", I_CACHESIZE },
};

static void info_emit(struct metric_set *ms, const char *const *vals)
{
	struct label l[NINFO];

	for (size_t i = 0; i < ARRAY_SIZE(info_keys); i++)
		l[info_keys[i].idx] = (struct label){ info_keys[i].label, vals[info_keys[i].idx] };
	ms_add_labels(ms, ms_family(ms, "node_cpu_info", METRIC_GAUGE,
				    "CPU information from /proc/cpuinfo."),
		      1, l, NINFO);
}

/* One series per word of the first CPU's flags or bugs the include regex takes. */
static void info_words(struct metric_set *ms, const struct dev_filter *f, char *list,
		       const char *name, const char *help, const char *label)
{
	char *save = NULL;

	if (!f->has_include || !list)
		return;
	for (char *w = strtok_r(list, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (!dev_filter_ignored(f, w))
			ms_add(ms, ms_family(ms, name, METRIC_GAUGE, help), 1, label, w, NULL);
}

/* x86's layout: blocks of "key\t: value" lines, each opened by "processor". */
static int emit_cpuinfo(struct collect_ctx *ctx, struct cpu_state *st, struct metric_set *ms)
{
	const char *vals[NINFO];
	char *flags = NULL, *bugs = NULL, *cursor, *line, cpu[24];
	size_t ncpus = 0;
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "cpuinfo", &b);
	cursor = b.data;
	while (!err && (line = next_line(&cursor))) {
		char *colon = strchr(line, ':'), *v, *end;
		uint64_t id;
		size_t i;

		if (!colon)
			continue;
		v = colon[1] == ' ' ? colon + 2 : colon + 1;
		for (end = colon; end > line && pp_blank(end[-1]); end--)
			;
		*end = '\0';
		if (!strcmp(line, "flags") || !strcmp(line, "bugs")) {
			if (ncpus == 1)
				*(line[0] == 'f' ? &flags : &bugs) = v;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(info_keys) && strcmp(line, info_keys[i].key); i++)
			;
		if (i == ARRAY_SIZE(info_keys))
			continue;
		if (!pp_label_text(v, strlen(v))) {
			err = -EINVAL;
			break;
		}
		if (info_keys[i].idx == I_CPU) {
			if (parse_u64(v, &id) || id > MAX_CPU_ID) {
				err = -EINVAL;
				break;
			}
			if (ncpus++)
				info_emit(ms, vals);
			for (size_t k = 0; k < NINFO; k++)
				vals[k] = "";
			pp_fmt_u64(cpu, id);
			vals[I_CPU] = cpu;
			continue;
		}
		if (!ncpus) {
			err = -EINVAL; /* the file must open with a processor line */
			break;
		}
		vals[info_keys[i].idx] = v;
	}
	if (!err && !ncpus)
		err = -EINVAL;
	if (!err) {
		info_emit(ms, vals);
		info_words(ms, &st->flags, flags, "node_cpu_flag_info",
			   "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.",
			   "flag");
		info_words(ms, &st->bugs, bugs, "node_cpu_bug_info",
			   "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.",
			   "bug");
	}
	buf_free(&b);
	return err;
}

static void cpu_state_free(struct cpu_state *st)
{
	if (!st)
		return;
	dev_filter_free(&st->flags);
	dev_filter_free(&st->bugs);
	free(st->prev);
	free(st->lines);
	free(st->isolated);
	free(st->cores);
	free(st->packages);
	free(st);
}

static int cpu_init(struct collect_ctx *ctx)
{
	struct cpu_state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	st->guest = collector_opt_bool(ctx, &cpu_options[CPU_OPT_GUEST]);
	err = dev_filter_init(&st->flags, ctx, NULL, &cpu_options[CPU_OPT_FLAGS]);
	if (!err)
		err = dev_filter_init(&st->bugs, ctx, NULL, &cpu_options[CPU_OPT_BUGS]);
	/* Either include regex turns the info on, as in node_exporter. */
	st->info = collector_opt_bool(ctx, &cpu_options[CPU_OPT_INFO]) || st->flags.has_include ||
		   st->bugs.has_include;
	read_isolated(ctx, st);
	if (!err)
		err = find_throttles(ctx, st);
	if (err) {
		cpu_state_free(st);
		return err;
	}
	ctx->state = st;
	return 0;
}

static void cpu_fini(struct collect_ctx *ctx)
{
	cpu_state_free(ctx->state);
	ctx->state = NULL;
}

static void emit(struct cpu_state *st, size_t nlines, struct metric_set *ms,
		 struct host_summary *sum)
{
	struct family *fs = ms_family(ms, "node_cpu_seconds_total", METRIC_COUNTER,
				      "Seconds the CPUs spent in each mode.");
	struct family *fg = st->guest ? ms_family(ms, "node_cpu_guest_seconds_total",
						  METRIC_COUNTER,
						  "Seconds the CPUs spent in guests (VMs) for each mode.")
				      : NULL;
	char id[24];
	struct label l[2] = { { "cpu", id }, { "mode", NULL } };

	for (size_t i = 0; i < nlines; i++) {
		const struct cpu_line *c = &st->lines[i];
		double *modes;

		pp_fmt_u64(id, c->id);
		modes = summary_add(sum, SUMMARY_CPUS, id);
		for (size_t m = 0; m < (fg ? NCOLS : COL_GUEST); m++) {
			l[1].value = mode_names[m];
			ms_add_labels(ms, m < COL_GUEST ? fs : fg, (double)c->ticks[m] / USER_HZ,
				      l, 2);
			if (modes && m < COL_GUEST)
				modes[m] = (double)c->ticks[m] / USER_HZ;
		}
	}
	if (st->nisolated) {
		struct family *fi = ms_family(
			ms, "node_cpu_isolated", METRIC_GAUGE,
			"Whether each core is isolated, information from "
			"/sys/devices/system/cpu/isolated.");

		for (size_t i = 0; i < st->nisolated; i++) {
			pp_fmt_u64(id, st->isolated[i]);
			ms_add_labels(ms, fi, 1, l, 1);
		}
	}
}

static int cpu_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	/* Without init() (a one-shot caller) there is no history to clamp
	 * against; a throw-away state gives the same output for one read. */
	struct cpu_state local = { .guest = true };
	struct cpu_state *st = ctx->state ? ctx->state : &local;
	size_t nlines = 0;
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "stat", &b);
	if (!err)
		err = parse_stat(st, b.data, &nlines);
	if (!err)
		err = check_and_size(st, nlines);
	if (err)
		goto out;
	for (size_t i = 0; i < nlines; i++)
		clamp(st, &st->lines[i]);
	st->gen++;
	emit(st, nlines, ms, ctx->summary);
	err = emit_throttles(ctx, st, ms);
	if (!err && st->info)
		err = emit_cpuinfo(ctx, st, ms);
	if (!err)
		err = ms_error(ms);
out:
	buf_free(&b);
	if (st == &local) {
		free(local.prev);
		free(local.lines);
		free(local.isolated);
	}
	return err;
}

const struct collector collector_cpu = {
	.name = "cpu",
	.help = "CPU time per CPU and mode from /proc/stat",
	.default_enabled = true,
	.options = cpu_options,
	.init = cpu_init,
	.collect = cpu_collect,
	.fini = cpu_fini,
};
