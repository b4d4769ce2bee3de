/* Configuration: one table of options serves the flags, the YAML config file
 * and --help, so the three can never disagree.
 *
 * Order: defaults, then the config file, then flags (flags win). A config key
 * is the flag's name without the dashes; nested YAML mappings are joined with
 * dots, so "web: {listen-address: ...}" and "web.listen-address: ..." are the
 * same key. Every error names the flag, or the file, line and key.
 */
#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "collector.h"
#include "config.h"
#include "util.h"

enum opt_kind { OPT_STRING, OPT_DURATION, OPT_BYTES, OPT_U32, OPT_U64, OPT_BOOL, OPT_ENUM };

struct option_def {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	const char *help;
	const char *const *choices;     /* OPT_ENUM: index = stored value */
	unsigned int commands;          /* bit per enum command where it applies */
};

#define ALL_CMDS ((1u << CMD_DAEMON) | (1u << CMD_ONCE) | (1u << CMD_LATENCY) | (1u << CMD_DOCTOR))
#define DAEMON (1u << CMD_DAEMON)
#define COLLECTING ((1u << CMD_DAEMON) | (1u << CMD_ONCE))
#define OFF(field) offsetof(struct config, field)

static const char *const mode_names[] = { "all", "collect", "export", NULL };
static const char *const hook_names[] = { "auto", "tp_btf", "raw_tp", "tracepoint", NULL };
static const char *const stats_names[] = { "off", "sampled", "on", NULL };
static const char *const format_names[] = { "prom", "json", "table", NULL };
static const char *const by_names[] = { "host", "cgroup", NULL };

static const struct option_def options[] = {
	{ "config.file", OPT_STRING, OFF(config_file), "YAML file with any of these options", NULL, ALL_CMDS },
	{ "web.listen-address", OPT_STRING, OFF(listen_address), "Address to serve /metrics and /health on ([host]:port)", NULL, DAEMON },
	{ "web.telemetry-path", OPT_STRING, OFF(telemetry_path), "Path under which to expose metrics", NULL, DAEMON },
	{ "web.config.file", OPT_STRING, OFF(web_config_file), "exporter-toolkit web config (TLS, basic auth)", NULL, DAEMON },
	{ "web.systemd-socket", OPT_BOOL, OFF(systemd_socket), "Serve on the socket systemd passes (socket activation) instead of --web.listen-address", NULL, DAEMON },
	{ "web.disable-exporter-metrics", OPT_BOOL, OFF(disable_exporter_metrics), "Leave the process_* and infra_monitor_http_* metrics out of /metrics", NULL, DAEMON },
	{ "web.max-requests", OPT_U64, OFF(max_requests), "/metrics responses in flight at once; past it 503 (0: no limit)", NULL, DAEMON },
	{ "collector.disable-defaults", OPT_BOOL, OFF(disable_defaults), "Disable every collector not named by a --[no-]collector.NAME flag", NULL, COLLECTING },
	{ "collect.interval", OPT_DURATION, OFF(interval_ms), "Time between collections (aligned to the wall clock)", NULL, DAEMON },
	{ "output.dir", OPT_STRING, OFF(output_dir), "Directory of the rotating JSONL files", NULL, DAEMON },
	{ "output.max-bytes", OPT_BYTES, OFF(output_max_bytes), "Rotate the JSONL file at this size (e.g. 64MiB)", NULL, DAEMON },
	{ "output.max-files", OPT_U32, OFF(output_max_files), "Rotated .jsonl.gz files to keep", NULL, DAEMON },
	{ "output.fsync", OPT_BOOL, OFF(output_fsync), "fdatasync() after every JSONL line", NULL, DAEMON },
	{ "export.stale-after", OPT_DURATION, OFF(export_stale_ms), "--mode=export: data older than this is stale (0: 3 intervals)", NULL, DAEMON },
	{ "path.procfs", OPT_STRING, OFF(procfs), "procfs mountpoint", NULL, COLLECTING },
	{ "path.sysfs", OPT_STRING, OFF(sysfs), "sysfs mountpoint", NULL, COLLECTING },
	{ "path.rootfs", OPT_STRING, OFF(rootfs), "rootfs mountpoint (filesystem collector)", NULL, COLLECTING },
	{ "collector.timeout", OPT_DURATION, OFF(collector_timeout_ms), "Time box for one collector; one that overruns is marked failed and skipped until it returns", NULL, COLLECTING },
	{ "path.udev.data", OPT_STRING, OFF(udev_data), "udev data path", NULL, COLLECTING },
	{ "log.level", OPT_ENUM, OFF(log_level), "Only log messages at or above this level", log_level_names, ALL_CMDS },
	{ "log.format", OPT_ENUM, OFF(log_format), "Log line format", log_format_names, ALL_CMDS },
	{ "log.file", OPT_STRING, OFF(log_file), "Also append logs to this file (reopened on SIGHUP)", NULL, DAEMON },
	{ "runtime.user", OPT_STRING, OFF(runtime_user), "After start-up, drop to this user (and its groups); capabilities are dropped either way", NULL, DAEMON },
	{ "runtime.gomaxprocs", OPT_STRING, OFF(gomaxprocs), "Accepted for node_exporter's units; no effect (tunes Go's runtime)", NULL, ALL_CMDS },
	{ "mode", OPT_ENUM, OFF(mode), "all: collect, write JSONL, serve; collect: only JSONL; export: serve the newest JSONL line of --output.dir", mode_names, DAEMON },
	{ "bpf.hook", OPT_ENUM, OFF(bpf_hook), "Force one hook rung for every BPF program", hook_names, ALL_CMDS },
	{ "bpf.stats", OPT_ENUM, OFF(bpf_stats), "Kernel BPF run-time statistics: off, sampled windows, or always on", stats_names, DAEMON },
	{ "bpf.stats-window", OPT_DURATION, OFF(bpf_stats_window_ms), "Length of one sampled statistics window", NULL, DAEMON },
	{ "bpf.stats-period", OPT_DURATION, OFF(bpf_stats_period_ms), "Time between sampled statistics windows", NULL, DAEMON },
	{ "bpf.cgroup", OPT_BOOL, OFF(bpf_cgroup), "Attribute BPF latency to cgroups (workloads); off: host-wide only", NULL, ALL_CMDS },
	{ "bpf.cgroup.max-entries", OPT_U32, OFF(bpf_cgroup_max_entries), "Entries of each per-workload kernel map (a full map counts new workloads under other)", NULL, ALL_CMDS },
	{ "bpf.cgroup.max-series", OPT_U32, OFF(bpf_cgroup_max_series), "Workloads exported with series of their own; the rest fold into cgroup=\"other\"", NULL, ALL_CMDS },
	{ "bpf.cgroup.hold", OPT_DURATION, OFF(bpf_cgroup_hold_ms), "An exported workload keeps its series this long after its last event", NULL, ALL_CMDS },
	{ "bpf.cgroup.grace", OPT_DURATION, OFF(bpf_cgroup_grace_ms), "A removed cgroup keeps its name and series this long", NULL, ALL_CMDS },
	{ "bpf.cgroup.include", OPT_STRING, OFF(bpf_cgroup_include), "Regex on the cgroup path: only these are attributed (in the kernel)", NULL, ALL_CMDS },
	{ "bpf.cgroup.exclude", OPT_STRING, OFF(bpf_cgroup_exclude), "Regex on the cgroup path: these count under other (in the kernel)", NULL, ALL_CMDS },
	{ "path.cgroup", OPT_STRING, OFF(cgroup_root), "The cgroup2 mount to name workloads from (default: the one in --path.procfs's 1/mountinfo, under --path.rootfs)", NULL, ALL_CMDS },
	{ "path.pod-logs", OPT_STRING, OFF(pod_logs), "Directory holding the kubelet's pods/ and containers/ logs (pod and container names)", NULL, ALL_CMDS },
	{ "format", OPT_ENUM, OFF(once_format), "Output format (once: prom|json; doctor: table|json)", format_names, 1u << CMD_ONCE | 1u << CMD_DOCTOR },
	{ "interval", OPT_DURATION, OFF(latency_interval_ms), "latency: time between prints", NULL, 1u << CMD_LATENCY },
	{ "count", OPT_U64, OFF(latency_count), "latency: stop after this many intervals (0: until interrupted)", NULL, 1u << CMD_LATENCY },
	{ "by", OPT_ENUM, OFF(latency_by), "latency: host-wide histograms, or workloads (cgroups) ranked by p99 and by events", by_names, 1u << CMD_LATENCY },
	{ "cgroup", OPT_STRING, OFF(latency_cgroup), "latency --by=cgroup: only workloads whose cgroup path matches this regex", NULL, 1u << CMD_LATENCY },
};

static void defaults(struct config *cfg)
{
	*cfg = (struct config){
		.interval_ms = 15000,
		.collector_timeout_ms = 5000,
		.output_max_bytes = 64ULL << 20,
		.output_max_files = 10,
		.log_level = LOG_INFO,
		.log_format = LOG_FORMAT_JSON,
		.mode = MODE_ALL,
		.bpf_hook = BPF_HOOK_AUTO,
		.bpf_stats = BPF_STATS_SAMPLED,
		.bpf_stats_window_ms = 1000,
		.bpf_stats_period_ms = 60000,
		.bpf_cgroup = true,
		.bpf_cgroup_max_entries = 1024,
		.bpf_cgroup_max_series = 50,
		.bpf_cgroup_hold_ms = 300000,
		.bpf_cgroup_grace_ms = 120000,
		.once_format = ONCE_PROM,
		.latency_interval_ms = 1000,
		.max_requests = 40,
	};
	cfg->listen_address = strdup(DEFAULT_LISTEN_ADDRESS);
	cfg->telemetry_path = strdup("/metrics");
	cfg->output_dir = strdup(DEFAULT_OUTPUT_DIR);
	cfg->procfs = strdup("/proc");
	cfg->sysfs = strdup("/sys");
	cfg->rootfs = strdup("/");
	cfg->pod_logs = strdup("/var/log");
	cfg->udev_data = strdup("/run/udev/data");
	for (size_t i = 0; collectors[i]; i++)
		cfg->collector_enabled[i] = collectors[i]->default_enabled;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (options[i].kind == OPT_STRING)
			free(*(char **)((char *)cfg + options[i].offset));
	free(cfg->latency_what);
	for (size_t i = 0; i < cfg->ncollector_opts; i++)
		free(cfg->collector_opts[i].value);
	free(cfg->collector_opts);
	memset(cfg, 0, sizeof(*cfg));
}

static const struct option_def *find_option(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* Stores value into the field; on error writes why into err. */
static int set_option(struct config *cfg, const struct option_def *o, const char *value,
		      char *err, size_t errsz)
{
	void *field = (char *)cfg + o->offset;
	uint64_t u;
	int b, rc = 0;

	switch (o->kind) {
	case OPT_STRING: {
		char *copy = strdup(value);

		if (!copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case OPT_DURATION:
		rc = parse_duration_ms(value, &u);
		if (!rc)
			*(uint64_t *)field = u;
		else
			snprintf(err, errsz, "invalid duration \"%s\" (use e.g. 500ms, 15s, 1m)", value);
		return rc;
	case OPT_BYTES:
		rc = parse_bytes(value, &u);
		if (!rc)
			*(uint64_t *)field = u;
		else
			snprintf(err, errsz, "invalid size \"%s\" (use e.g. 1048576, 64MiB)", value);
		return rc;
	case OPT_U32:
	case OPT_U64:
		rc = parse_u64(value, &u);
		if (!rc && o->kind == OPT_U32 && u > UINT32_MAX)
			rc = -ERANGE;
		if (rc)
			snprintf(err, errsz, "invalid number \"%s\"", value);
		else if (o->kind == OPT_U32)
			*(uint32_t *)field = (uint32_t)u;
		else
			*(uint64_t *)field = u;
		return rc;
	case OPT_BOOL:
		rc = parse_bool(value, &b);
		if (!rc)
			*(bool *)field = b;
		else
			snprintf(err, errsz, "invalid boolean \"%s\" (use true or false)", value);
		return rc;
	case OPT_ENUM:
		for (int i = 0; o->choices[i]; i++) {
			if (strcmp(o->choices[i], value) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		snprintf(err, errsz, "invalid value \"%s\" (one of:", value);
		for (int i = 0; o->choices[i]; i++) {
			size_t len = strlen(err);

			snprintf(err + len, errsz - len, " %s", o->choices[i]);
		}
		strncat(err, ")", errsz - strlen(err) - 1);
		return -EINVAL;
	}
	return -EINVAL;
}

/* "collector.NAME" / "no-collector.NAME" toggle a collector; returns 1 if
 * the name was one, 0 if not, -EINVAL for an unknown collector. */
static int set_collector(struct config *cfg, const char *name, bool on)
{
	const struct collector *c = collector_find(name + strlen("collector."));

	if (!c)
		return -EINVAL;
	for (size_t i = 0; collectors[i]; i++) {
		if (collectors[i] == c) {
			cfg->collector_enabled[i] = on;
			cfg->collector_named[i] = true;
		}
	}
	return 1;
}

/* ------------------------------------------------------------------------ */
/* node_exporter 1.12 names without an implementation here                  */

/* Its Linux collectors this binary lacks (all off by default there, but
 * bcachefs): --no-collector.X is accepted, --collector.X is an error, so a
 * swapped-in unit never silently loses what it asked for. The reasons are in
 * docs/migrating-from-node-exporter.md. */
static const char *const ne_missing_collectors[] = {
	"bcachefs", "buddyinfo", "cgroups", "cpu_vulnerabilities", "drbd", "drm", "ethtool",
	"interrupts", "ksmd", "lnstat", "logind", "meminfo_numa", "mountstats", "netclass_rtnl",
	"network_route", "ntp", "nvmesubsystem", "pcidevice", "perf", "processes", "qdisc",
	"runit", "slabinfo", "softirqs", "supervisord", "swap", "sysctl", "systemd", "tcpstat",
	"wifi", "xfrm", "zoneinfo", NULL,
};

/* Its flags that are accepted with a warning: options of those collectors
 * (which cannot be enabled), and choices with no counterpart here. */
static const struct ne_flag {
	const char *name;
	bool takes_value;
	const char *why;
} ne_ignored_flags[] = {
	{ "collector.filesystem.stat-workers", true, "statvfs() calls run one at a time in a time-boxed helper process" },
	{ "collector.ethtool.device-include", true, NULL },
	{ "collector.ethtool.device-exclude", true, NULL },
	{ "collector.ethtool.metrics-include", true, NULL },
	{ "collector.interrupts.name-include", true, NULL },
	{ "collector.interrupts.name-exclude", true, NULL },
	{ "collector.interrupts.include-zeros", false, NULL },
	{ "collector.netclass_rtnl.with-stats", false, NULL },
	{ "collector.ntp.server", true, NULL },
	{ "collector.ntp.server-port", true, NULL },
	{ "collector.ntp.protocol-version", true, NULL },
	{ "collector.ntp.server-is-local", false, NULL },
	{ "collector.ntp.ip-ttl", true, NULL },
	{ "collector.ntp.max-distance", true, NULL },
	{ "collector.ntp.local-offset-tolerance", true, NULL },
	{ "collector.pcidevice.idsfile", true, NULL },
	{ "collector.pcidevice.names", false, NULL },
	{ "collector.perf.cpus", true, NULL },
	{ "collector.perf.tracepoint", true, NULL },
	{ "collector.perf.disable-hardware-profilers", false, NULL },
	{ "collector.perf.hardware-profilers", true, NULL },
	{ "collector.perf.disable-software-profilers", false, NULL },
	{ "collector.perf.software-profilers", true, NULL },
	{ "collector.perf.disable-cache-profilers", false, NULL },
	{ "collector.perf.cache-profilers", true, NULL },
	{ "collector.qdisc.fixtures", true, NULL },
	{ "collector.qdisc.device-include", true, NULL },
	{ "collector.qdisc.device-exclude", true, NULL },
	{ "collector.qdisk.device-include", true, NULL },
	{ "collector.qdisk.device-exclude", true, NULL },
	{ "collector.runit.servicedir", true, NULL },
	{ "collector.slabinfo.slabs-include", true, NULL },
	{ "collector.slabinfo.slabs-exclude", true, NULL },
	{ "collector.supervisord.url", true, NULL },
	{ "collector.sysctl.include", true, NULL },
	{ "collector.sysctl.include-info", true, NULL },
	{ "collector.systemd.unit-include", true, NULL },
	{ "collector.systemd.unit-whitelist", true, NULL },
	{ "collector.systemd.unit-exclude", true, NULL },
	{ "collector.systemd.unit-blacklist", true, NULL },
	{ "collector.systemd.private", false, NULL },
	{ "collector.systemd.enable-task-metrics", false, NULL },
	{ "collector.systemd.enable-restarts-metrics", false, NULL },
	{ "collector.systemd.enable-start-time-metrics", false, NULL },
	{ "collector.wifi.fixtures", true, NULL },
};

static bool ne_missing_collector(const char *name)
{
	for (size_t i = 0; ne_missing_collectors[i]; i++)
		if (strcmp(ne_missing_collectors[i], name) == 0)
			return true;
	return false;
}

static const struct ne_flag *find_ne_flag(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ne_ignored_flags); i++)
		if (strcmp(ne_ignored_flags[i].name, name) == 0)
			return &ne_ignored_flags[i];
	return NULL;
}

/* A toggle of a collector this binary does not have: 0 (accepted) or an
 * error naming where, with what in the message. */
static int toggle_missing(const char *name, bool on, const char **what)
{
	const char *coll = name + strlen("collector.");

	if (!ne_missing_collector(coll)) {
		*what = "unknown collector";
		return -EINVAL;
	}
	*what = "node_exporter's collector is not implemented by infra-monitor "
		"(see docs/migrating-from-node-exporter.md)";
	return on ? -EINVAL : 0;
}

static void warn_ne_flag(const char *where, const struct ne_flag *f)
{
	const char *dot = strchr(f->name + strlen("collector."), '.');

	if (f->why)
		fprintf(stderr, "infra-monitor: warning: %s: has no effect here: %s\n", where, f->why);
	else
		fprintf(stderr,
			"infra-monitor: warning: %s: has no effect here: node_exporter's %.*s "
			"collector is not implemented\n",
			where, (int)(dot - f->name - strlen("collector.")),
			f->name + strlen("collector."));
}

static int is_collector_toggle(const char *name)
{
	/* --collector.disable-defaults is an option, not a collector. */
	return strncmp(name, "collector.", 10) == 0 && !strchr(name + 10, '.') && !find_option(name);
}

/* ------------------------------------------------------------------------ */
/* Collector options (declared by each collector, see collector.h)          */

/* Second names of collector options: node_exporter's deprecated spellings it
 * still accepts, and our own older ones. Each sets the same value. */
static const struct {
	const char *alias, *name;
} ne_aliases[] = {
	{ "collector.netdev.device-whitelist", "collector.netdev.device-include" },
	{ "collector.netdev.device-blacklist", "collector.netdev.device-exclude" },
	{ "collector.diskstats.ignored-devices", "collector.diskstats.device-exclude" },
	{ "collector.filesystem.ignored-mount-points", "collector.filesystem.mount-points-exclude" },
	{ "collector.filesystem.ignored-fs-types", "collector.filesystem.fs-types-exclude" },
	{ "collector.filesystem.timeout", "collector.filesystem.mount-timeout" },
};

static const struct collector_option *find_collector_opt(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		for (const struct collector_option *o = collectors[i]->options; o && o->name; o++)
			if (strcmp(o->name, name) == 0)
				return o;
	for (size_t i = 0; i < ARRAY_SIZE(ne_aliases); i++)
		if (strcmp(ne_aliases[i].alias, name) == 0)
			return find_collector_opt(ne_aliases[i].name);
	return NULL;
}

const char *config_collector_opt(const struct config *cfg, const struct collector_option *o)
{
	for (size_t i = 0; i < cfg->ncollector_opts; i++)
		if (cfg->collector_opts[i].opt == o)
			return cfg->collector_opts[i].value;
	return NULL;
}

/* What is wrong with a pattern regcomp_bounded() refused with err. */
static const char *regex_problem(int err)
{
	return err == -E2BIG ? "too large (repetition or groups nested too deep)"
			     : "invalid";
}

/* Checks value against the option's kind, then keeps a copy (the last one
 * given wins, so flags override the file). */
static int set_collector_opt(struct config *cfg, const struct collector_option *o,
			     const char *value, char *err, size_t errsz)
{
	struct collector_opt_value *v = NULL, *grown;
	uint64_t u;
	regex_t re;
	int b, rc;

	switch (o->kind) {
	case COPT_STRING:
		break;
	case COPT_REGEX:
		rc = collector_regcomp(&re, value);
		if (rc) {
			snprintf(err, errsz, "%s regular expression \"%s\" (Go syntax that POSIX ERE "
				 "can express)", regex_problem(rc), value);
			return -EINVAL;
		}
		regfree(&re);
		break;
	case COPT_BOOL:
		if (parse_bool(value, &b)) {
			snprintf(err, errsz, "invalid boolean \"%s\" (use true or false)", value);
			return -EINVAL;
		}
		break;
	case COPT_DURATION:
		if (parse_duration_ms(value, &u)) {
			snprintf(err, errsz, "invalid duration \"%s\" (use e.g. 500ms, 15s, 1m)", value);
			return -EINVAL;
		}
		break;
	case COPT_U64:
		if (parse_u64(value, &u)) {
			snprintf(err, errsz, "invalid number \"%s\"", value);
			return -EINVAL;
		}
		break;
	}
	for (size_t i = 0; i < cfg->ncollector_opts; i++)
		if (cfg->collector_opts[i].opt == o)
			v = &cfg->collector_opts[i];
	if (!v) {
		grown = realloc(cfg->collector_opts, (cfg->ncollector_opts + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		cfg->collector_opts = grown;
		v = &grown[cfg->ncollector_opts++];
		*v = (struct collector_opt_value){ .opt = o };
	}
	free(v->value);
	v->value = strdup(value);
	return v->value ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* YAML config file                                                         */

struct yaml_ctx {
	const char *path;
	struct config *cfg;
};

static int yaml_error(const struct yaml_ctx *y, const yaml_node_t *node, const char *key,
		      const char *what)
{
	fprintf(stderr, "infra-monitor: %s:%lu:%lu: %s%s%s\n", y->path,
		(unsigned long)node->start_mark.line + 1, (unsigned long)node->start_mark.column + 1,
		key ? key : "", key ? ": " : "", what);
	return -EINVAL;
}

static int yaml_apply(struct yaml_ctx *y, yaml_document_t *doc, yaml_node_t *node,
		      const char *prefix)
{
	if (node->type != YAML_MAPPING_NODE)
		return yaml_error(y, node, prefix[0] ? prefix : NULL, "expected a mapping of options");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		char key[256], err[256] = "";
		const struct option_def *o;
		int rc;

		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return yaml_error(y, k ? k : node, NULL, "keys must be plain strings");
		if (snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "",
			     (const char *)k->data.scalar.value) >= (int)sizeof(key))
			return yaml_error(y, k, NULL, "key too long");
		if (v->type == YAML_MAPPING_NODE) {
			rc = yaml_apply(y, doc, v, key);
			if (rc)
				return rc;
			continue;
		}
		if (v->type != YAML_SCALAR_NODE)
			return yaml_error(y, v, key, "expected a single value");
		const char *val = (const char *)v->data.scalar.value;

		if (is_collector_toggle(key)) {
			int on;

			const char *what;

			if (parse_bool(val, &on))
				return yaml_error(y, v, key, "expected true or false");
			if (set_collector(y->cfg, key, on) < 0 && toggle_missing(key, on, &what))
				return yaml_error(y, k, key, what);
			continue;
		}
		const struct collector_option *co = find_collector_opt(key);
		const struct ne_flag *nf = find_ne_flag(key);

		if (nf) {
			warn_ne_flag(key, nf);
			continue;
		}

		if (co) {
			rc = set_collector_opt(y->cfg, co, val, err, sizeof(err));
			if (rc)
				return yaml_error(y, v, key, err[0] ? err : strerror(-rc));
			continue;
		}
		o = find_option(key);
		if (!o || strcmp(key, "config.file") == 0)
			return yaml_error(y, k, key, "unknown key");
		rc = set_option(y->cfg, o, val, err, sizeof(err));
		if (rc)
			return yaml_error(y, v, key, err[0] ? err : strerror(-rc));
	}
	return 0;
}

static int load_file(struct config *cfg, const char *path)
{
	struct yaml_ctx y = { .path = path, .cfg = cfg };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f) {
		fprintf(stderr, "infra-monitor: --config.file=%s: %s\n", path, strerror(errno));
		return -EINVAL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "infra-monitor: %s:%lu:%lu: %s\n", path,
			(unsigned long)parser.problem_mark.line + 1,
			(unsigned long)parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "invalid YAML");
		rc = -EINVAL;
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	/* An empty file is a valid, empty configuration. */
	if (root && !(root->type == YAML_SCALAR_NODE && !root->data.scalar.length))
		rc = yaml_apply(&y, &doc, root, "");
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Flags                                                                    */

static int flag_error(const char *flag, const char *what)
{
	fprintf(stderr, "infra-monitor: %s: %s (see --help)\n", flag, what);
	return -EINVAL;
}

static const char *const command_names[] = { [CMD_DAEMON] = NULL, [CMD_ONCE] = "once",
					     [CMD_LATENCY] = "latency", [CMD_DOCTOR] = "doctor" };

/* "--name value" (no '=') consumes the next argument unless name is a
 * boolean or a collector toggle. */
static bool takes_next_arg(const char *arg)
{
	const struct option_def *o;

	if (strncmp(arg, "--", 2) != 0 || strchr(arg, '='))
		return false;
	const struct collector_option *co = find_collector_opt(arg + 2);
	const struct ne_flag *nf = find_ne_flag(arg + 2);

	if (co)
		return co->kind != COPT_BOOL;
	if (nf)
		return nf->takes_value;
	o = find_option(arg + 2);
	return o && o->kind != OPT_BOOL;
}

static int parse_command(struct config *cfg, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			i += takes_next_arg(argv[i]);
			continue;
		}
		for (int c = CMD_ONCE; c <= CMD_DOCTOR; c++) {
			if (strcmp(argv[i], command_names[c]) == 0) {
				cfg->command = (enum command)c;
				if (c == CMD_DOCTOR)
					cfg->once_format = FORMAT_TABLE;
				argv[i] = NULL;
				return 0;
			}
		}
		return flag_error(argv[i], "unknown command (commands: once, latency, doctor)");
	}
	return 0;
}

static int apply_flags(struct config *cfg, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i], name[128], err[256] = "";
		const char *value = NULL, *eq;
		const struct option_def *o;
		bool negated;
		int rc;

		if (!arg)
			continue;       /* the command word */
		if (arg[0] != '-' || arg[1] != '-') {
			if (cfg->command == CMD_LATENCY && !cfg->latency_what &&
			    (!strcmp(arg, "disk") || !strcmp(arg, "tcp") || !strcmp(arg, "runq") ||
			     !strcmp(arg, "drops"))) {
				cfg->latency_what = strdup(arg);
				continue;
			}
			return flag_error(arg, "unexpected argument");
		}
		arg += 2;
		eq = strchr(arg, '=');
		if ((size_t)(eq ? eq - arg : (ptrdiff_t)strlen(arg)) >= sizeof(name))
			return flag_error(argv[i], "unknown flag");
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - arg : (ptrdiff_t)strlen(arg)), arg);
		if (eq)
			value = eq + 1;
		negated = strncmp(name, "no-", 3) == 0;
		const char *base = negated ? name + 3 : name;

		if (is_collector_toggle(base)) {
			int on = !negated;

			const char *what;

			if (value && (negated || parse_bool(value, &on)))
				return flag_error(argv[i], "takes no value, or true/false");
			if (set_collector(cfg, base, on) < 0 && toggle_missing(base, on, &what))
				return flag_error(argv[i], what);
			continue;
		}
		const struct collector_option *co = find_collector_opt(base);
		const struct ne_flag *nf = find_ne_flag(base);

		if (nf) {
			if (nf->takes_value && !value && !negated && i + 1 < argc && argv[i + 1])
				i++;
			warn_ne_flag(argv[i][0] == '-' ? argv[i] : argv[i - 1], nf);
			continue;
		}

		if (co) {
			if (cfg->command == CMD_LATENCY)
				return flag_error(argv[i], "not used by the latency command");
			if (co->kind == COPT_BOOL && !value)
				value = negated ? "false" : "true";
			else if (negated)
				return flag_error(argv[i], "unknown flag");
			else if (!value) {
				if (i + 1 >= argc || !argv[i + 1])
					return flag_error(argv[i], "needs a value");
				value = argv[++i];
			}
			rc = set_collector_opt(cfg, co, value, err, sizeof(err));
			if (rc)
				return flag_error(argv[i][0] == '-' ? argv[i] : argv[i - 1],
						  err[0] ? err : strerror(-rc));
			continue;
		}
		o = find_option(base);
		if (o && !(o->commands & (1u << cfg->command))) {
			size_t len = (size_t)snprintf(err, sizeof(err), "not used by %s%s; only by:",
						      cfg->command == CMD_DAEMON ? "the daemon" : "",
						      cfg->command == CMD_DAEMON ? "" : command_names[cfg->command]);

			for (int c = CMD_DAEMON; c <= CMD_LATENCY && len < sizeof(err); c++)
				if (o->commands & (1u << c))
					len += (size_t)snprintf(err + len, sizeof(err) - len, " %s",
								c == CMD_DAEMON ? "the daemon" : command_names[c]);
			return flag_error(argv[i], err);
		}
		if (!o)
			return flag_error(argv[i], "unknown flag");
		if (o->kind == OPT_BOOL && !value) {
			*(bool *)((char *)cfg + o->offset) = !negated;
			continue;
		}
		if (negated)
			return flag_error(argv[i], "unknown flag");
		if (!value) {
			if (i + 1 >= argc || !argv[i + 1])
				return flag_error(argv[i], "needs a value");
			value = argv[++i];
		}
		rc = set_option(cfg, o, value, err, sizeof(err));
		if (rc)
			return flag_error(argv[i][0] == '-' ? argv[i] : argv[i - 1],
					  err[0] ? err : strerror(-rc));
	}
	return 0;
}

/* 0 when re is valid (unset is), else the flag's error, printed. */
static int regex_check(const char *flag, const char *re)
{
	regex_t r;
	char why[96];
	int err;

	if (!re)
		return 0;
	err = regcomp_bounded(&r, re);
	if (!err) {
		regfree(&r);
		return 0;
	}
	snprintf(why, sizeof(why), "%s regular expression", regex_problem(err));
	return flag_error(flag, why);
}

static int validate(struct config *cfg)
{
	if (cfg->disable_defaults)
		for (size_t i = 0; collectors[i]; i++)
			if (!cfg->collector_named[i])
				cfg->collector_enabled[i] = false;
	uint64_t procs;

	if (cfg->gomaxprocs && parse_u64(cfg->gomaxprocs, &procs))
		return flag_error("--runtime.gomaxprocs", "invalid number");
	if (cfg->gomaxprocs)
		fprintf(stderr, "infra-monitor: warning: --runtime.gomaxprocs: has no effect here "
				"(it tunes Go's runtime; infra-monitor uses one collection thread)\n");
	if (!cfg->udev_data[0])
		return flag_error("--path.udev.data", "must not be empty");
	if (cfg->command == CMD_DAEMON && cfg->interval_ms < 100)
		return flag_error("--collect.interval", "must be at least 100ms");
	if (cfg->command == CMD_ONCE && cfg->once_format == FORMAT_TABLE)
		return flag_error("--format=table", "is for doctor; once prints prom or json");
	if (cfg->command == CMD_DOCTOR && cfg->once_format == ONCE_PROM)
		return flag_error("--format=prom", "is for once; doctor prints table or json");
	if (cfg->command == CMD_LATENCY && cfg->latency_interval_ms < 100)
		return flag_error("--interval", "must be at least 100ms");
	if (cfg->latency_cgroup && cfg->latency_by != LATENCY_BY_CGROUP)
		return flag_error("--cgroup", "only with --by=cgroup");
	if (regex_check("--cgroup", cfg->latency_cgroup))
		return -EINVAL;
	if (cfg->latency_by == LATENCY_BY_CGROUP && cfg->latency_what &&
	    !strcmp(cfg->latency_what, "drops"))
		return flag_error("--by=cgroup", "ranks latencies: disk, tcp or runq (drops have none)");
	if (cfg->telemetry_path[0] != '/' || !strcmp(cfg->telemetry_path, "/") ||
	    !strcmp(cfg->telemetry_path, "/health"))
		return flag_error("--web.telemetry-path", "must start with / and not be / or /health");
	if (cfg->collector_timeout_ms < 10)
		return flag_error("--collector.timeout", "must be at least 10ms");
	if (cfg->output_max_bytes < 4096)
		return flag_error("--output.max-bytes", "must be at least 4KiB");
	if (!cfg->output_dir[0])
		return flag_error("--output.dir", "must not be empty");
	if (regex_check("--bpf.cgroup.include", cfg->bpf_cgroup_include) ||
	    regex_check("--bpf.cgroup.exclude", cfg->bpf_cgroup_exclude))
		return -EINVAL;
	if (cfg->bpf_cgroup_max_entries < 16)
		return flag_error("--bpf.cgroup.max-entries", "must be at least 16");
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv)
{
	const char *file = NULL;
	int rc;

	defaults(cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			config_usage(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("infra-monitor %s (revision %s)\n", IM_VERSION, IM_REVISION);
			return 1;
		}
	}
	rc = parse_command(cfg, argc, argv);
	if (rc)
		return rc;
	/* The file is read before the other flags so that flags win. */
	for (int i = 1; i < argc; i++) {
		if (!argv[i])
			continue;
		if (takes_next_arg(argv[i]) && strcmp(argv[i], "--config.file") != 0)
			i++;
		else if (!strncmp(argv[i], "--config.file=", 14))
			file = argv[i] + 14;
		else if (!strcmp(argv[i], "--config.file") && i + 1 < argc)
			file = argv[i + 1];
	}
	if (file) {
		rc = load_file(cfg, file);
		if (rc)
			return rc;
	}
	rc = apply_flags(cfg, argc, argv);
	return rc ? rc : validate(cfg);
}

/* The default of an option as a user would type it. */
static void format_default(const struct config *def, const struct option_def *o, char *out,
			   size_t outsz)
{
	const void *field = (const char *)def + o->offset;
	uint64_t v;

	out[0] = '\0';
	switch (o->kind) {
	case OPT_STRING:
		if (*(char *const *)field)
			snprintf(out, outsz, "%s", *(char *const *)field);
		return;
	case OPT_DURATION:
		v = *(const uint64_t *)field;
		if (v && v % 60000 == 0)
			snprintf(out, outsz, "%lum", (unsigned long)(v / 60000));
		else if (v && v % 1000 == 0)
			snprintf(out, outsz, "%lus", (unsigned long)(v / 1000));
		else
			snprintf(out, outsz, "%lums", (unsigned long)v);
		return;
	case OPT_BYTES:
		v = *(const uint64_t *)field;
		if (v % (1 << 20) == 0)
			snprintf(out, outsz, "%luMiB", (unsigned long)(v >> 20));
		else
			snprintf(out, outsz, "%lu", (unsigned long)v);
		return;
	case OPT_U32:
		snprintf(out, outsz, "%u", *(const uint32_t *)field);
		return;
	case OPT_U64:
		snprintf(out, outsz, "%lu", (unsigned long)*(const uint64_t *)field);
		return;
	case OPT_BOOL:
		snprintf(out, outsz, "%s", *(const bool *)field ? "true" : "false");
		return;
	case OPT_ENUM:
		snprintf(out, outsz, "%s", o->choices[*(const int *)field]);
		return;
	}
}

void config_usage(FILE *out)
{
	struct config def;

	defaults(&def);
	fprintf(out,
		"usage: infra-monitor [flags]            run the daemon\n"
		"       infra-monitor once [--format=prom|json] [flags]\n"
		"                                        collect once, print to stdout\n"
		"       infra-monitor latency [disk|tcp|runq|drops] [--interval=1s] [--count=N]\n"
		"                                        kernel latency histograms on the terminal\n"
		"       infra-monitor latency [disk|tcp|runq] --by=cgroup [--cgroup=REGEX]\n"
		"                                        a top of workloads: each interval, the\n"
		"                                        cgroups ranked by p99 and by events, with\n"
		"                                        their unit, container or pod names\n"
		"       infra-monitor doctor [--format=table|json]\n"
		"                                        can BPF run here? each check, each program\n"
		"                                        on each rung, and what to change\n"
		"\nFlags (each also a key of --config.file; flags win):\n");
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option_def *o = &options[i];
		char name[64], dflt[128];

		snprintf(name, sizeof(name), "--%s%s", o->kind == OPT_BOOL ? "[no-]" : "", o->name);
		fprintf(out, "  %-46s %s", name, o->help);
		if (o->choices) {
			fputs(" (", out);
			for (int c = 0; o->choices[c]; c++)
				fprintf(out, "%s%s", c ? "|" : "", o->choices[c]);
			fputc(')', out);
		}
		format_default(&def, o, dflt, sizeof(dflt));
		if (dflt[0])
			fprintf(out, " [default: %s]", dflt);
		fputc('\n', out);
	}
	for (size_t i = 0; collectors[i]; i++) {
		for (const struct collector_option *o = collectors[i]->options; o && o->name; o++) {
			char name[96];

			snprintf(name, sizeof(name), "--%s%s", o->kind == COPT_BOOL ? "[no-]" : "",
				 o->name);
			fprintf(out, "  %-46s %s", name, o->help);
			if (o->def)
				fprintf(out, " [default: %s]", o->def);
			fputc('\n', out);
		}
	}
	fprintf(out, "  %-46s %s\n", "--[no-]collector.NAME", "Enable or disable a collector:");
	for (size_t i = 0; collectors[i]; i++)
		fprintf(out, "      %-12s %-6s %s\n", collectors[i]->name,
			collectors[i]->default_enabled ? "[on]" : "[off]", collectors[i]->help);
	fprintf(out, "  %-46s %s\n  %-46s %s\n", "--help", "This text", "--version",
		"Print version and exit");
	config_free(&def);
}
