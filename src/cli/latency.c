/* latency: the terminal view of the kernel latency programs.
 *
 * Loads the same BPF programs as the bpf collector (bpfl_set_open(), without
 * HTTP, JSONL or the statistics sampler), then every interval has each
 * program read its cumulative maps and print what happened since the last
 * print (its print op, with the bars of hist.c), bcc-style, with p50/p90/p99
 * per device and op or per kind. A sink of the data flow like the others: it
 * never writes a map.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bpf/loader.h"
#include "cli.h"
#include "log.h"

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (!quit && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int latency_main(const struct config *cfg)
{
	struct bpfl_opts o = {
		.view = cfg->latency_what,
		.procfs = cfg->procfs ? cfg->procfs : "/proc",
		.hook = cfg->bpf_hook,
		.stats = BPF_STATS_OFF,
	};
	struct bpfl_prog progs[BPFL_MAX_PROGS];
	struct bpfl_set *set = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	size_t nprogs, nread;
	int rc = 1, err;
	char why[256];

	/* The terminal is for the report: log lines only on error (stderr),
	 * unless debug was asked for. */
	log_setup(cfg->log_level == LOG_DEBUG ? LOG_DEBUG : LOG_ERROR, cfg->log_format);
	if (bpfl_view_check(&o)) {
		bpfl_views(why, sizeof(why));
		fprintf(stderr, "infra-monitor latency: unknown view '%s' (%s)\n", o.view, why);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = bpfl_set_open(&set, &o, why, sizeof(why));
	if (err) {
		fprintf(stderr, "infra-monitor latency: %s\n", why);
		return 1;
	}
	nprogs = bpfl_set_progs(set, progs);
	for (size_t i = 0; i < nprogs; i++)
		if (progs[i].status == BPFL_ATTACHED)
			printf("%s: %s\n", progs[i].name, bpfl_hook_name(progs[i].hook));
		else if (progs[i].status == BPFL_FAILED)
			printf("%s: failed: %s\n", progs[i].name, progs[i].error);
	printf("Tracing; one report every %.1f s. Ctrl-C to stop.\n\n",
	       (double)cfg->latency_interval_ms / 1000);
	fflush(stdout);
	/* The baseline each interval is measured from. */
	bpfl_set_read(set, &nread);
	bpfl_set_print(set, NULL);
	for (uint64_t n = 0; !quit && (!cfg->latency_count || n < cfg->latency_count); n++) {
		char ts[16];
		time_t t;

		sleep_ms(cfg->latency_interval_ms);
		if (quit)
			break;
		err = bpfl_set_read(set, &nread);
		if (err && !nread) {
			fprintf(stderr, "infra-monitor latency: read maps: %s\n", strerror(-err));
			goto out;
		}
		t = time(NULL);
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		printf("%s\n", ts);
		bpfl_set_print(set, stdout);
		fflush(stdout);
	}
	rc = 0;
out:
	bpfl_set_free(set);
	return rc;
}
