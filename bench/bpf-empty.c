/* bench/bpf-empty: loads bpf/bench_empty.bpf.c (every empty program, on
 * every rung it names) and keeps it attached until SIGINT/SIGTERM, so the
 * overhead benchmark can read the floor cost of each hook from the kernel's
 * BPF statistics. Built by bench/bpf-overhead.sh, not by make. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "bpf/bench_empty.skel.h"

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

int main(void)
{
	struct bench_empty_bpf *skel = bench_empty_bpf__open_and_load();

	if (!skel || bench_empty_bpf__attach(skel)) {
		fprintf(stderr, "bpf-empty: load or attach failed\n");
		bench_empty_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!quit)
		pause();
	bench_empty_bpf__destroy(skel);
	return 0;
}
