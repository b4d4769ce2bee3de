// SPDX-License-Identifier: GPL-2.0
/* Loads tests/kernels/selfcheck.bpf.o one program at a time (tp_btf, raw_tp, tracepoint), attaches
 * it, lets the scheduler run, and prints one line per rung:
 *   selfcheck rung=<rung> status=attached|failed events=<n> load_us=<n> verified_insns=<n> err="..."
 * Built static so that it runs in a bare busybox guest. Exit status: 0 when every rung attached and
 * counted, 1 otherwise.
 *
 *   selfcheck OBJ probe CMD...   attaches the wl_* workload probes (classic tracepoints), runs CMD
 *                                through /bin/sh -c, and prints per probe
 *   probe tp=<category/name> status=attached|failed events=<n> err="..."
 *                                exit status: CMD's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static char last_err[512];
/* A helper the verifier does not know here (lockdown=confidentiality withholds
 * bpf_probe_read_kernel): said deep in the load log, and the telling part. */
static char unknown_func[160];

static int on_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char msg[1 << 16];
	const char *u;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	u = strstr(msg, "unknown func ");
	if (u && !unknown_func[0])
		snprintf(unknown_func, sizeof(unknown_func), "%.*s", (int)strcspn(u, "\n"), u);
	msg[strcspn(msg, "\n")] = 0;
	if (msg[0])
		snprintf(last_err, sizeof(last_err), "%.*s", (int)sizeof(last_err) - 1, msg);
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void churn(void)
{
	/* Context switches on every CPU: a few children that sleep and yield. */
	for (int i = 0; i < 4; i++) {
		pid_t p = fork();

		if (p == 0) {
			for (int j = 0; j < 50; j++) {
				usleep(1000);
				sched_yield();
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
}

static int check(const char *path, const char *rung, const char *prog_name, int slot)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog, *p;
	struct bpf_link *link = NULL;
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	unsigned long long events = 0;
	double t0, load_us = 0;
	int ncpu = libbpf_num_possible_cpus(), err = 0, map_fd;
	unsigned long long *vals = NULL;
	const char *status = "failed";

	last_err[0] = 0;
	unknown_func[0] = 0;
	memset(&info, 0, sizeof(info));
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		goto out;
	}
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		err = -ENOENT;
		goto out;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	t0 = now_us();
	err = bpf_object__load(obj);
	load_us = now_us() - t0;
	if (err)
		goto out;
	link = bpf_program__attach(prog);
	if (!link) {
		err = -errno;
		goto out;
	}
	status = "attached";
	bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len);
	churn();
	vals = calloc(ncpu, sizeof(*vals));
	map_fd = bpf_object__find_map_fd_by_name(obj, "counts");
	__u32 key = slot;
	if (vals && bpf_map_lookup_elem(map_fd, &key, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			events += vals[i];
out:
	printf("selfcheck rung=%s status=%s events=%llu load_us=%.0f verified_insns=%u err=\"%s%s%s\"\n",
	       rung, status, events, load_us, info.verified_insns, err ? strerror(-err) : "",
	       err && last_err[0] ? ": " : "", !err ? "" : unknown_func[0] ? unknown_func : last_err);
	fflush(stdout);
	free(vals);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return !(err == 0 && events > 0);
}

/* Must match the PROBE() slots in selfcheck.bpf.c. */
static const struct {
	const char *prog;
	__u32 slot;
} probe_slots[] = {
	{ "wl_rq_insert", 3 }, { "wl_rq_issue", 4 },	{ "wl_rq_complete", 5 },
	{ "wl_sock_state", 6 }, { "wl_tcp_probe", 7 },	{ "wl_tcp_rst", 8 },
	{ "wl_kfree_skb", 9 }, { "wl_wakeup", 10 },	{ "wl_wakeup_new", 11 },
};

static int probe_slot(const char *name)
{
	for (size_t i = 0; i < sizeof(probe_slots) / sizeof(probe_slots[0]); i++)
		if (!strcmp(probe_slots[i].prog, name))
			return probe_slots[i].slot;
	return -1;
}

static int probe(const char *path, char **cmd, int ncmd)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_link *links[32] = { 0 };
	int errs[32] = { 0 }, n = 0, rc, ncpu = libbpf_num_possible_cpus();
	char line[4096] = "";
	unsigned long long *vals = calloc(ncpu, sizeof(*vals));

	if (!obj || !vals) {
		fprintf(stderr, "selfcheck: open %s failed\n", path);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__name(p), "wl_", 3));
	if (bpf_object__load(obj)) {
		fprintf(stderr, "selfcheck: loading the probes failed: %s\n", last_err);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		if (strncmp(bpf_program__name(p), "wl_", 3) || n >= 32)
			continue;
		links[n] = bpf_program__attach(p);
		errs[n] = links[n] ? 0 : errno;
		n++;
	}
	for (int i = 0; i < ncmd; i++) {
		strncat(line, cmd[i], sizeof(line) - strlen(line) - 2);
		strcat(line, " ");
	}
	fflush(stdout);
	rc = system(line);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
	int map_fd = bpf_object__find_map_fd_by_name(obj, "counts"), i = 0;
	bpf_object__for_each_program(p, obj) {
		unsigned long long events = 0;
		int slot = probe_slot(bpf_program__name(p));
		__u32 key = slot;

		if (strncmp(bpf_program__name(p), "wl_", 3) || i >= 32)
			continue;
		if (slot >= 0 && bpf_map_lookup_elem(map_fd, &key, vals) == 0)
			for (int c = 0; c < ncpu; c++)
				events += vals[c];
		printf("probe tp=%s status=%s events=%llu err=\"%s\"\n",
		       bpf_program__section_name(p) + strlen("tracepoint/"),
		       links[i] ? "attached" : "failed", events, errs[i] ? strerror(errs[i]) : "");
		bpf_link__destroy(links[i]);
		i++;
	}
	bpf_object__close(obj);
	free(vals);
	return rc;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "selfcheck.bpf.o";
	int bad = 0;

	libbpf_set_print(on_libbpf_log);
	if (argc > 3 && !strcmp(argv[2], "probe"))
		return probe(path, argv + 3, argc - 3);
	bad |= check(path, "tp_btf", "sc_tp_btf", 0);
	bad |= check(path, "raw_tp", "sc_raw_tp", 1);
	bad |= check(path, "tracepoint", "sc_tracepoint", 2);
	return bad;
}
