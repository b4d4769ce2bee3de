/* doctor: whether and how BPF works on this node, and what to change where
 * it does not.
 *
 * Two parts. First the environment the programs depend on, read from /proc,
 * /sys and the process itself: kernel, BTF, cgroup v2, tracefs, capabilities
 * held against those this kernel wants, the bpf() sysctl, lockdown, memlock,
 * seccomp, and one bpf() call. Then the proof: every program on every rung
 * opened, loaded and attached through the loader (bpfl_try_rung()), as the
 * daemon would, and torn down again, with the kernel's or the verifier's own
 * line where it refused. The environment lines explain; the exit status comes
 * from the proof alone: 0 when each program attaches on some rung, else 1.
 * Every line that failed carries a remedy.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "bpf/loader.h"
#include "cli.h"
#include "log.h"
#include "privsep.h"
#include "util.h"

#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define KV(a, b) ((a) << 8 | (b))

enum dr_status { DR_OK, DR_INFO, DR_WARN, DR_FAIL };
static const char *const status_names[] = { "ok", "info", "warn", "fail" };

struct dr_check {
	const char *name;
	enum dr_status status;
	char detail[240];
	char remedy[240];
};

struct dr_rung {
	int rc;                 /* 0 attached, -errno */
	double ms;              /* open + load + attach */
	char error[200];        /* the loader's step and errno */
	char libbpf[200];       /* libbpf's first warning */
	char verifier[200];     /* the verifier's last word, when it refused */
	char remedy[240];
};

enum { CHK_KERNEL, CHK_BTF, CHK_CGROUP, CHK_TRACEFS, CHK_CAPS, CHK_UNPRIV, CHK_LOCKDOWN,
       CHK_MEMLOCK, CHK_SECCOMP, CHK_BPF, CHK_COUNT };

struct doctor {
	struct utsname uts;
	int kver;                       /* KV(major, minor) */
	unsigned long long capeff;
	int caps_ok;                    /* held what this kernel needs to trace */
	int lockdown_conf;
	int tracefs;
	struct dr_check chk[CHK_COUNT];
	size_t nprogs;                  /* the loader's registry */
	struct dr_rung rung[BPFL_MAX_PROGS][BPFL_HOOKS];
	/* libbpf's warnings during one attempt */
	char *cap;
	size_t caplen;
};

static struct doctor *capture_to;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct doctor *d = capture_to;
	va_list aq;
	int n;

	if (log_enabled(LOG_DEBUG)) {
		char line[512];

		va_copy(aq, ap);
		vsnprintf(line, sizeof(line), fmt, aq);
		va_end(aq);
		line[strcspn(line, "\n")] = '\0';
		log_debugf("libbpf", NULL, "%s", line);
	}
	if (!d || level != LIBBPF_WARN)
		return 0;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	/* Verifier logs reach kilobytes; what they end with is what counts. */
	if (n <= 0 || d->caplen + (size_t)n + 1 > 1u << 20)
		return 0;
	char *p = realloc(d->cap, d->caplen + (size_t)n + 1);

	if (!p)
		return 0;
	d->cap = p;
	vsnprintf(d->cap + d->caplen, (size_t)n + 1, fmt, ap);
	d->caplen += (size_t)n;
	return 0;
}

static void set_check(struct doctor *d, int i, const char *name, enum dr_status st,
		      const char *remedy, const char *fmt, ...)
{
	struct dr_check *c = &d->chk[i];
	va_list ap;

	c->name = name;
	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	snprintf(c->remedy, sizeof(c->remedy), "%s", st >= DR_WARN && remedy ? remedy : "");
}

static int has_cap(const struct doctor *d, int cap)
{
	return (d->capeff >> cap) & 1;
}

/* The fstype of the first mount of that type in /proc/self/mountinfo: its
 * mount point in out, 0; -ENOENT when none. */
static int find_mount(const char *fstype, char *out, size_t outsz)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[512], type[64];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1 || strcmp(type, fstype) != 0)
			continue;
		snprintf(out, outsz, "%s", mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static int read_line(const char *path, char *out, size_t outsz)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(out, (int)outsz, f))
		err = -EIO;
	else
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
	return err;
}

/* "Name:\tvalue" of /proc/self/status. */
static int status_field(const char *name, char *out, size_t outsz)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t n = strlen(name);
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;

			v += strspn(v, " \t");
			snprintf(out, outsz, "%s", v);
			out[strcspn(out, "\n")] = '\0';
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* ---- the environment ------------------------------------------------- */

static void check_kernel(struct doctor *d)
{
	int maj = 0, min = 0;

	uname(&d->uts);
	sscanf(d->uts.release, "%d.%d", &maj, &min);
	d->kver = KV(maj, min);
	set_check(d, CHK_KERNEL, "kernel", d->kver >= KV(5, 5) ? DR_OK : DR_FAIL,
		  "tp_btf needs Linux 5.5 and CO-RE needs kernel BTF (5.4 with "
		  "CONFIG_DEBUG_INFO_BTF): run a newer kernel",
		  "%s %s", d->uts.release, d->uts.machine);
}

/* Where libbpf looks for the kernel's BTF, in its order (btf__load_vmlinux_btf). */
static void check_btf(struct doctor *d)
{
	static const char *const where[] = {
		"/sys/kernel/btf/vmlinux", "/boot/vmlinux-%s", "/lib/modules/%s/vmlinux-%s",
		"/lib/modules/%s/build/vmlinux", "/usr/lib/modules/%s/kernel/vmlinux",
		"/usr/lib/debug/boot/vmlinux-%s", "/usr/lib/debug/boot/vmlinux-%s.debug",
		"/usr/lib/debug/lib/modules/%s/vmlinux",
	};
	const char *rel = d->uts.release;
	char path[PATH_MAX], seen[512] = "";

	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		struct btf *btf;

		snprintf(path, sizeof(path), where[i], rel, rel);
		if (access(path, F_OK) != 0)
			continue;
		btf = btf__parse(path, NULL);
		if (!btf) {
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s unreadable (%s)",
				 seen[0] ? "; " : "", path, strerror(errno));
			continue;
		}
		set_check(d, CHK_BTF, "btf", DR_OK, NULL, "%s (%s, %u types)", path,
			  i == 0 ? "from the kernel" : "a file libbpf finds", btf__type_cnt(btf));
		btf__free(btf);
		return;
	}
	set_check(d, CHK_BTF, "btf", DR_FAIL,
		  "run a kernel built with CONFIG_DEBUG_INFO_BTF=y, or place this kernel's BTF "
		  "at /boot/vmlinux-RELEASE, where libbpf looks for it",
		  "no kernel BTF: %s", seen[0] ? seen : "/sys/kernel/btf/vmlinux absent, no vmlinux file");
}

static void check_mounts(struct doctor *d)
{
	char mnt[512];

	if (find_mount("cgroup2", mnt, sizeof(mnt)) == 0)
		set_check(d, CHK_CGROUP, "cgroup2", DR_OK, NULL, "mounted at %s", mnt);
	else
		set_check(d, CHK_CGROUP, "cgroup2", DR_INFO, NULL,
			  "not mounted; the programs do not need it");
	if (find_mount("tracefs", mnt, sizeof(mnt)) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0) {
		if (access("/sys/kernel/debug/tracing/events", F_OK) == 0 &&
		    find_mount("tracefs", mnt, sizeof(mnt)) != 0)
			snprintf(mnt, sizeof(mnt), "/sys/kernel/debug/tracing");
		d->tracefs = 1;
		set_check(d, CHK_TRACEFS, "tracefs", DR_OK, NULL, "mounted at %s", mnt);
	} else {
		set_check(d, CHK_TRACEFS, "tracefs", DR_WARN,
			  "mount -t tracefs nodev /sys/kernel/tracing",
			  "not mounted: the tracepoint rung finds its events there");
	}
}

static void caps_text(const struct doctor *d, char *out, size_t outsz)
{
	static const struct { int cap; const char *name; } names[] = {
		{ CAP_BPF, "CAP_BPF" }, { CAP_PERFMON, "CAP_PERFMON" },
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" }, { CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE" },
	};
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (has_cap(d, names[i].cap) && n < outsz)
			n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? " " : "", names[i].name);
	if (!n)
		snprintf(out, outsz, "none of CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE");
}

static void check_caps(struct doctor *d)
{
	char v[64], held[128];
	const char *need;

	if (status_field("CapEff", v, sizeof(v)) == 0)
		d->capeff = strtoull(v, NULL, 16);
	caps_text(d, held, sizeof(held));
	if (d->kver >= KV(5, 8)) {
		d->caps_ok = has_cap(d, CAP_SYS_ADMIN) ||
			     (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON));
		need = "CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)";
	} else {
		d->caps_ok = has_cap(d, CAP_SYS_ADMIN);
		need = "CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON exist from 5.8)";
	}
	set_check(d, CHK_CAPS, "capabilities", d->caps_ok ? DR_OK : DR_FAIL,
		  d->kver >= KV(5, 8) ?
		  "run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE "
		  "(systemd: AmbientCapabilities=; Kubernetes: securityContext.capabilities.add)" :
		  "run as root, or grant CAP_SYS_ADMIN and CAP_SYS_RESOURCE: this kernel has "
		  "no CAP_BPF or CAP_PERFMON",
		  "held: %s; this kernel needs %s", held, need);
}

static void check_unpriv(struct doctor *d)
{
	char v[32];
	int n;

	if (read_line("/proc/sys/kernel/unprivileged_bpf_disabled", v, sizeof(v)) != 0) {
		set_check(d, CHK_UNPRIV, "unprivileged_bpf_disabled", DR_INFO, NULL, "not readable");
		return;
	}
	n = atoi(v);
	if (n == 0)
		set_check(d, CHK_UNPRIV, "unprivileged_bpf_disabled", DR_OK, NULL,
			  "0: bpf() open to all (tracing programs still need the capabilities)");
	else if (d->caps_ok)
		set_check(d, CHK_UNPRIV, "unprivileged_bpf_disabled", DR_OK, NULL,
			  "%d: no effect, the capabilities are held", n);
	else
		set_check(d, CHK_UNPRIV, "unprivileged_bpf_disabled", DR_FAIL,
			  "grant the capabilities above; lowering the sysctl would not let an "
			  "unprivileged process load tracing programs anyway",
			  "%d: bpf() refused to a process without CAP_BPF or CAP_SYS_ADMIN", n);
}

static void check_lockdown(struct doctor *d)
{
	char v[128], *sel, *end;

	if (read_line("/sys/kernel/security/lockdown", v, sizeof(v)) != 0) {
		set_check(d, CHK_LOCKDOWN, "lockdown", DR_INFO, NULL, "%s",
			  find_mount("securityfs", v, sizeof(v)) == 0 ? "no lockdown LSM in this kernel" :
			  "unknown: securityfs is not mounted");
		return;
	}
	sel = strchr(v, '[');
	end = sel ? strchr(sel, ']') : NULL;
	if (!sel || !end) {
		set_check(d, CHK_LOCKDOWN, "lockdown", DR_INFO, NULL, "unparsed: %s", v);
		return;
	}
	*end = '\0';
	sel++;
	d->lockdown_conf = strcmp(sel, "confidentiality") == 0;
	set_check(d, CHK_LOCKDOWN, "lockdown", d->lockdown_conf ? DR_WARN : DR_OK,
		  "boot with lockdown=integrity (or none): confidentiality refuses "
		  "bpf_probe_read_kernel, which the raw_tp and tracepoint rungs use",
		  "%s%s", sel, d->lockdown_conf ? ": reading kernel memory from BPF is refused" : "");
}

static void fmt_bytes(char *out, size_t outsz, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(out, outsz, "unlimited");
	else if (v >= 1 << 20)
		snprintf(out, outsz, "%llu MiB", (unsigned long long)v >> 20);
	else
		snprintf(out, outsz, "%llu KiB", (unsigned long long)v >> 10);
}

/* Maps are charged to RLIMIT_MEMLOCK before 5.11 and to the memory cgroup
 * since; libbpf lifts the limit itself only with CAP_SYS_RESOURCE. The
 * programs' maps take a few MiB: below 16 MiB they may not all fit. */
static void check_memlock(struct doctor *d)
{
	struct rlimit rl;
	char cur[32];

	getrlimit(RLIMIT_MEMLOCK, &rl);
	fmt_bytes(cur, sizeof(cur), rl.rlim_cur);
	if (d->kver >= KV(5, 11))
		set_check(d, CHK_MEMLOCK, "memlock", DR_OK, NULL,
			  "%s; unused: maps are charged to the memory cgroup since 5.11", cur);
	else if (has_cap(d, CAP_SYS_RESOURCE) || rl.rlim_cur == RLIM_INFINITY)
		set_check(d, CHK_MEMLOCK, "memlock", DR_OK, NULL, "%s%s", cur,
			  rl.rlim_cur == RLIM_INFINITY ? "" : ", raised by libbpf (CAP_SYS_RESOURCE held)");
	else
		set_check(d, CHK_MEMLOCK, "memlock", rl.rlim_cur < 16u << 20 ? DR_FAIL : DR_WARN,
			  "before 5.11 BPF maps count against RLIMIT_MEMLOCK: grant CAP_SYS_RESOURCE, "
			  "or raise the limit (ulimit -l unlimited; systemd: LimitMEMLOCK=infinity)",
			  "%s without CAP_SYS_RESOURCE on a kernel that charges maps to it", cur);
}

static void check_seccomp(struct doctor *d)
{
	char mode[16] = "", filters[16] = "";

	if (status_field("Seccomp", mode, sizeof(mode)) != 0) {
		set_check(d, CHK_SECCOMP, "seccomp", DR_INFO, NULL, "not reported by this kernel");
		return;
	}
	status_field("Seccomp_filters", filters, sizeof(filters));
	if (atoi(mode) == 0)
		set_check(d, CHK_SECCOMP, "seccomp", DR_OK, NULL, "no filter");
	else
		set_check(d, CHK_SECCOMP, "seccomp", DR_INFO, NULL, "mode %s, %s filter(s)%s", mode,
			  filters[0] ? filters : "?", ": the bpf() line below tells whether it passes");
}

/* One bpf() call, and when it fails, which of the lines above explains it. */
static void check_bpf(struct doctor *d)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "im_doctor", 4, 4, 1, NULL);
	const struct dr_check *cause = NULL;

	if (fd >= 0) {
		close(fd);
		set_check(d, CHK_BPF, "bpf()", DR_OK, NULL, "a map was created");
		return;
	}
	if (fd == -ENOSYS) {
		set_check(d, CHK_BPF, "bpf()", DR_FAIL,
			  "run a kernel built with CONFIG_BPF_SYSCALL=y", "no bpf() system call");
		return;
	}
	if (!d->caps_ok)
		cause = &d->chk[CHK_CAPS];
	else if (d->chk[CHK_MEMLOCK].status >= DR_WARN)
		cause = &d->chk[CHK_MEMLOCK];
	else if (strcmp(d->chk[CHK_SECCOMP].detail, "no filter") != 0) {
		set_check(d, CHK_SECCOMP, "seccomp", DR_FAIL,
			  "run the container with a seccomp profile that allows bpf() and "
			  "perf_event_open() (podman/docker: --security-opt seccomp=PROFILE)",
			  "a seccomp filter refuses bpf() although the capabilities are held");
		cause = &d->chk[CHK_SECCOMP];
	}
	set_check(d, CHK_BPF, "bpf()", DR_FAIL, cause ? cause->remedy : "see the lines above",
		  "refused: %s%s%s", strerror(-fd), cause ? "; cause: " : "", cause ? cause->name : "");
}

/* ---- the proof --------------------------------------------------------- */

static void first_warning(const char *log, char *out, size_t outsz)
{
	const char *l = log;

	out[0] = '\0';
	if (!l)
		return;
	l += strspn(l, "\n ");
	if (strncmp(l, "libbpf: ", 8) == 0)
		l += 8;
	snprintf(out, outsz, "%.*s", (int)strcspn(l, "\n"), l);
}

/* Kernel features the programs use, with the release that brought each:
 * matched against what the kernel or libbpf said. */
static const struct {
	const char *says;
	const char *remedy;
} known[] = {
	{ "bpf_task_storage_get", "task storage for tracing programs needs Linux 5.13; "
	  "another rung stands in" },
	{ "bpf_rdonly_cast", "the bpf_rdonly_cast kfunc needs Linux 6.2; another rung stands in" },
	{ "bpf_probe_read_kernel", "lockdown=confidentiality (or a kernel before 5.5) refuses "
	  "bpf_probe_read_kernel: boot with lockdown=integrity, or use the tp_btf rung" },
	{ "failed to find BTF", "this kernel lacks the hook or type in its BTF: another rung "
	  "stands in" },
	{ "failed to resolve CO-RE relocation", "a field or type this rung reads is not in this "
	  "kernel and nothing guards it (bpf/core_fixes.bpf.h): another rung may stand in; report "
	  "this line with the kernel release" },
	{ "Error in bpf_create_map", "this kernel lacks a map type the rung uses (task storage "
	  "for tracing programs: 5.13); another rung stands in" },
};

static void rung_remedy(const struct doctor *d, int hook, struct dr_rung *r)
{
	char all[sizeof(r->error) + sizeof(r->libbpf) + sizeof(r->verifier) + 4];

	snprintf(all, sizeof(all), "%s\n%s\n%s", r->error, r->libbpf, r->verifier);
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		if (strstr(all, known[i].says)) {
			snprintf(r->remedy, sizeof(r->remedy), "%s", known[i].remedy);
			return;
		}
	}
	if (r->rc == -EPERM || r->rc == -EACCES) {
		for (int i = 0; i < CHK_COUNT; i++) {
			if (d->chk[i].status == DR_FAIL && i != CHK_BPF) {
				snprintf(r->remedy, sizeof(r->remedy), "cause: %s; %s", d->chk[i].name,
					 d->chk[i].remedy);
				return;
			}
		}
	}
	if (hook == BPFL_TRACEPOINT && !d->tracefs)
		snprintf(r->remedy, sizeof(r->remedy), "%s", d->chk[CHK_TRACEFS].remedy);
	else if (r->verifier[0])
		snprintf(r->remedy, sizeof(r->remedy),
			 "the verifier refused this rung on this kernel; where no rung attaches, "
			 "report this line with the kernel release");
	else if (r->rc == -ENOENT || r->rc == -ESRCH)
		snprintf(r->remedy, sizeof(r->remedy),
			 "the hook does not exist on this kernel; another rung stands in");
	else
		snprintf(r->remedy, sizeof(r->remedy),
			 "run with --log.level=debug for libbpf's whole output");
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void prove(struct doctor *d)
{
	libbpf_print_fn_t old = libbpf_set_print(capture_print);

	capture_to = d;
	for (size_t p = 0; p < d->nprogs; p++) {
		for (int h = 0; h < BPFL_HOOKS; h++) {
			struct dr_rung *r = &d->rung[p][h];
			struct timespec t0;

			d->caplen = 0;
			if (d->cap)
				d->cap[0] = '\0';
			clock_gettime(CLOCK_MONOTONIC, &t0);
			r->rc = bpfl_try_rung(p, h, r->error, sizeof(r->error));
			r->ms = ms_since(&t0);
			if (!r->rc)
				continue;
			first_warning(d->cap, r->libbpf, sizeof(r->libbpf));
			if (d->cap)
				bpfl_verifier_line(d->cap, r->verifier, sizeof(r->verifier));
			rung_remedy(d, h, r);
		}
	}
	capture_to = NULL;
	libbpf_set_print(old);
	free(d->cap);
	d->cap = NULL;
}

/* The rung auto would pick for program p, or -1. */
static int auto_rung(const struct doctor *d, size_t p)
{
	for (int h = 0; h < BPFL_HOOKS; h++)
		if (!d->rung[p][h].rc)
			return h;
	return -1;
}

/* ---- output ------------------------------------------------------------ */

static void print_table(const struct doctor *d, int rc)
{
	printf("infra-monitor doctor: can the BPF programs run here?\n\n");
	printf("%-26s %-6s %s\n", "CHECK", "STATUS", "DETAIL");
	for (int i = 0; i < CHK_COUNT; i++) {
		const struct dr_check *c = &d->chk[i];

		printf("%-26s %-6s %s\n", c->name, status_names[c->status], c->detail);
		if (c->remedy[0])
			printf("%-26s %-6s remedy: %s\n", "", "", c->remedy);
	}
	printf("\n%-9s %-10s %-8s %8s  %s\n", "PROGRAM", "RUNG", "STATUS", "MS", "DETAIL");
	/* The same cause repeats on every rung when bpf() itself is refused:
	 * its libbpf line and remedy are printed once. */
	const char *last_libbpf = "", *last_remedy = "";

	for (size_t p = 0; p < d->nprogs; p++) {
		const char *name = bpfl_prog_name(p);
		int a = auto_rung(d, p);

		for (int h = 0; h < BPFL_HOOKS; h++) {
			const struct dr_rung *r = &d->rung[p][h];

			printf("%-9s %-10s %-8s %8.1f  %s\n", name, bpfl_hook_name(h),
			       r->rc ? "failed" : "attached", r->ms, r->rc ? r->error : "");
			if (!r->rc)
				continue;
			if (r->libbpf[0] && strcmp(r->libbpf, last_libbpf) != 0)
				printf("%-40slibbpf: %s\n", "", r->libbpf);
			if (r->verifier[0])
				printf("%-40sverifier: %s\n", "", r->verifier);
			printf("%-40sremedy: %s\n", "",
			       strcmp(r->remedy, last_remedy) != 0 ? r->remedy : "as above");
			last_libbpf = r->libbpf;
			last_remedy = r->remedy;
		}
		printf("%-9s %-10s %s\n", name, "auto", a < 0 ? "no rung attaches" : bpfl_hook_name(a));
	}
	if (!rc) {
		printf("\nverdict: OK: every program attaches on at least one rung (exit 0)\n");
		return;
	}
	printf("\nverdict: FAIL: a program attaches on no rung (exit 1)\n");
	for (int i = 0; i < CHK_COUNT; i++)
		if (d->chk[i].status == DR_FAIL)
			printf("cause: %s: %s\n", d->chk[i].name, d->chk[i].detail);
}

static int print_json(const struct doctor *d, int rc)
{
	json_t *root = json_object(), *checks = json_array(), *progs = json_array();
	int err;

	for (int i = 0; i < CHK_COUNT; i++) {
		const struct dr_check *c = &d->chk[i];
		json_t *o = json_pack("{s:s, s:s, s:s}", "name", c->name, "status",
				      status_names[c->status], "detail", c->detail);

		if (c->remedy[0])
			json_object_set_new(o, "remedy", json_string(c->remedy));
		json_array_append_new(checks, o);
	}
	for (size_t p = 0; p < d->nprogs; p++) {
		json_t *rungs = json_array();
		int a = auto_rung(d, p);

		for (int h = 0; h < BPFL_HOOKS; h++) {
			const struct dr_rung *r = &d->rung[p][h];
			json_t *o = json_pack("{s:s, s:s, s:f}", "rung", bpfl_hook_name(h), "status",
					      r->rc ? "failed" : "attached", "ms", r->ms);

			if (r->rc) {
				json_object_set_new(o, "errno", json_integer(-r->rc));
				json_object_set_new(o, "error", json_string(r->error));
				if (r->libbpf[0])
					json_object_set_new(o, "libbpf", json_string(r->libbpf));
				if (r->verifier[0])
					json_object_set_new(o, "verifier", json_string(r->verifier));
				json_object_set_new(o, "remedy", json_string(r->remedy));
			}
			json_array_append_new(rungs, o);
		}
		json_array_append_new(progs, json_pack("{s:s, s:o, s:o}", "name", bpfl_prog_name(p),
						       "auto",
						       a < 0 ? json_null() : json_string(bpfl_hook_name(a)),
						       "rungs", rungs));
	}
	json_object_set_new(root, "kernel", json_pack("{s:s, s:s}", "release", d->uts.release,
						      "machine", d->uts.machine));
	json_object_set_new(root, "checks", checks);
	json_object_set_new(root, "programs", progs);
	json_object_set_new(root, "ok", json_boolean(!rc));
	err = json_dumpf(root, stdout, JSON_INDENT(2)) ? -EIO : 0;
	putchar('\n');
	json_decref(root);
	return err;
}

int doctor_main(const struct config *cfg)
{
	struct doctor *d = calloc(1, sizeof(*d));
	int rc = 0;

	if (!d) {
		fprintf(stderr, "infra-monitor: doctor: %s\n", strerror(ENOMEM));
		return 1;
	}
	d->nprogs = bpfl_prog_count();
	if (d->nprogs > BPFL_MAX_PROGS)
		d->nprogs = BPFL_MAX_PROGS;
	check_kernel(d);
	check_btf(d);
	check_mounts(d);
	check_caps(d);
	check_unpriv(d);
	check_lockdown(d);
	check_memlock(d);
	check_seccomp(d);
	check_bpf(d);
	prove(d);
	for (size_t p = 0; p < d->nprogs; p++)
		if (auto_rung(d, p) < 0)
			rc = 1;
	if (cfg->once_format == ONCE_JSON) {
		if (print_json(d, rc))
			rc = 1;
	} else {
		print_table(d, rc);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "infra-monitor: doctor: write stdout: %s\n", strerror(errno));
		rc = 1;
	}
	free(d);
	return rc;
}
