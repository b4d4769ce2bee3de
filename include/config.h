/* Configuration: defaults, then the YAML file (--config.file), then flags.
 * Every flag is also a config key of the same name without the dashes
 * ("web.listen-address: ..."); flags win. Errors name the flag, or the file,
 * line and key, and make main() exit with status 2.
 */
#ifndef IM_CONFIG_H
#define IM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

struct collector_option;

#define DEFAULT_LISTEN_ADDRESS ":9479"
#define DEFAULT_OUTPUT_DIR "/var/lib/infra-monitor"
#define MAX_COLLECTORS 96

enum run_mode { MODE_ALL, MODE_COLLECT, MODE_EXPORT };
enum bpf_hook_pref { BPF_HOOK_AUTO, BPF_HOOK_TP_BTF, BPF_HOOK_RAW_TP, BPF_HOOK_TRACEPOINT };
enum bpf_stats_mode { BPF_STATS_OFF, BPF_STATS_SAMPLED, BPF_STATS_ON };
enum command { CMD_DAEMON, CMD_ONCE, CMD_LATENCY, CMD_DOCTOR };
enum once_format { ONCE_PROM, ONCE_JSON, FORMAT_TABLE };
enum latency_by { LATENCY_BY_HOST, LATENCY_BY_CGROUP };

struct config {
	enum command command;
	char *config_file;

	char *listen_address;           /* "[host]:port" */
	char *telemetry_path;           /* "/metrics" */
	char *web_config_file;          /* exporter-toolkit web config, or NULL */

	uint64_t interval_ms;
	char *output_dir;
	uint64_t output_max_bytes;
	uint32_t output_max_files;
	bool output_fsync;
	uint64_t export_stale_ms;       /* --mode=export: data older than this is stale */

	uint64_t collector_timeout_ms;  /* one collector's time box */
	bool disable_exporter_metrics;  /* no process_* / infra_monitor_http_* on /metrics */
	uint64_t max_requests;          /* /metrics responses in flight; 0: no limit */
	bool systemd_socket;            /* listen on the socket systemd passed (fd 3) */

	char *procfs, *sysfs, *rootfs, *udev_data;
	/* Indexed like collectors[] in collector.h. */
	bool collector_enabled[MAX_COLLECTORS];
	/* Named by a --[no-]collector.NAME flag or key: what
	 * --collector.disable-defaults leaves alone. */
	bool collector_named[MAX_COLLECTORS];
	bool disable_defaults;
	/* Collector options given by flag or config key (collector.h); the
	 * others keep their defaults. */
	struct collector_opt_value {
		const struct collector_option *opt;
		char *value;
	} *collector_opts;
	size_t ncollector_opts;

	enum log_level log_level;
	enum log_format log_format;
	char *log_file;

	enum run_mode mode;
	char *runtime_user;
	char *gomaxprocs;               /* accepted for node_exporter; no effect */             /* --runtime.user: setresuid() to it after start-up */

	enum bpf_hook_pref bpf_hook;
	enum bpf_stats_mode bpf_stats;
	uint64_t bpf_stats_window_ms;
	uint64_t bpf_stats_period_ms;
	/* Per-workload attribution (docs/workloads.md). */
	bool bpf_cgroup;
	uint32_t bpf_cgroup_max_entries;        /* per map, kernel side */
	uint32_t bpf_cgroup_max_series;         /* exported workloads */
	uint64_t bpf_cgroup_hold_ms, bpf_cgroup_grace_ms;
	char *bpf_cgroup_include, *bpf_cgroup_exclude;  /* regex on the path */
	char *pod_logs;                         /* --path.pod-logs */
	char *cgroup_root;                      /* --path.cgroup, NULL: from mountinfo */

	/* `once` */
	enum once_format once_format;
	/* `latency` */
	char *latency_what;             /* disk|tcp|runq|drops or NULL for all */
	uint64_t latency_interval_ms;
	uint64_t latency_count;         /* 0: until interrupted */
	enum latency_by latency_by;     /* --by */
	char *latency_cgroup;           /* --cgroup: regex on the path, or NULL */
};

/* Fills defaults, reads the config file if one is named, applies flags.
 * Returns 0, 1 when --help or --version was printed (exit 0), or -EINVAL
 * after printing the error to stderr (exit 2). */
int config_load(struct config *cfg, int argc, char **argv);
/* The value given for a collector option, or NULL when it kept its default. */
const char *config_collector_opt(const struct config *cfg, const struct collector_option *o);
void config_free(struct config *cfg);
void config_usage(FILE *out);

#endif
