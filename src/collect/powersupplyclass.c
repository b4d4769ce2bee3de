/* powersupplyclass: /sys/class/power_supply/<supply>/ → node_power_supply_*
 * (batteries, mains adapters, UPSes), as node_exporter 1.12 names them.
 *
 * Each regular file whose name the kernel's power_supply class documents is
 * one value: counts as they are, micro-units (µA, µV, µWh, µW) in base units,
 * tenths of a degree in degrees, and the text attributes as labels of one
 * node_power_supply_info series. An attribute the driver cannot answer
 * (ENODEV, EINVAL, EOPNOTSUPP, as a battery being removed does) is skipped;
 * any other read error, or a number that is not one, fails the collector as
 * procfs's PowerSupplyClass() does.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

enum ps_kind {
	PS_PLAIN,       /* a count or percentage, exported as is */
	PS_MICRO,       /* µA, µV, µAh, µWh, µW */
	PS_DECI,        /* tenths of a degree Celsius */
	PS_PARSED,      /* a number procfs checks but node_exporter does not export */
	PS_LABEL,       /* text for node_power_supply_info */
};

static const struct {
	const char *file, *metric;
	enum ps_kind kind;
} ps_attrs[] = {
	{ "authentic", "authentic", PS_PLAIN },
	{ "calibrate", "calibrate", PS_PLAIN },
	{ "capacity", "capacity", PS_PLAIN },
	{ "capacity_alert_max", "capacity_alert_max", PS_PLAIN },
	{ "capacity_alert_min", "capacity_alert_min", PS_PLAIN },
	{ "capacity_level", "capacity_level", PS_LABEL },
	{ "charge_avg", NULL, PS_PARSED },
	{ "charge_control_limit", "charge_control_limit", PS_MICRO },
	{ "charge_control_limit_max", "charge_control_limit_max", PS_MICRO },
	{ "charge_counter", "charge_counter", PS_MICRO },
	{ "charge_empty", "charge_empty", PS_MICRO },
	{ "charge_empty_design", "charge_empty_design", PS_MICRO },
	{ "charge_full", "charge_full", PS_MICRO },
	{ "charge_full_design", "charge_full_design", PS_MICRO },
	{ "charge_now", "charge_ampere", PS_MICRO },
	{ "charge_term_current", "charge_term_current", PS_MICRO },
	{ "charge_type", "charge_type", PS_LABEL },
	{ "constant_charge_current", "constant_charge_current", PS_MICRO },
	{ "constant_charge_current_max", "constant_charge_current_max", PS_MICRO },
	{ "constant_charge_voltage", "constant_charge_voltage", PS_MICRO },
	{ "constant_charge_voltage_max", "constant_charge_voltage_max", PS_MICRO },
	{ "current_avg", NULL, PS_PARSED },
	{ "current_boot", "current_boot", PS_MICRO },
	{ "current_max", "current_max", PS_MICRO },
	{ "current_now", "current_ampere", PS_MICRO },
	{ "cycle_count", "cyclecount", PS_PLAIN },
	{ "energy_avg", NULL, PS_PARSED },
	{ "energy_empty", "energy_empty", PS_MICRO },
	{ "energy_empty_design", "energy_empty_design", PS_MICRO },
	{ "energy_full", "energy_full", PS_MICRO },
	{ "energy_full_design", "energy_full_design", PS_MICRO },
	{ "energy_now", "energy_watthour", PS_MICRO },
	{ "health", "health", PS_LABEL },
	{ "input_current_limit", "input_current_limit", PS_MICRO },
	{ "manufacturer", "manufacturer", PS_LABEL },
	{ "model_name", "model_name", PS_LABEL },
	{ "online", "online", PS_PLAIN },
	{ "power_avg", NULL, PS_PARSED },
	{ "power_now", "power_watt", PS_MICRO },
	{ "precharge_current", "precharge_current", PS_MICRO },
	{ "present", "present", PS_PLAIN },
	{ "scope", "scope", PS_LABEL },
	{ "serial_number", "serial_number", PS_LABEL },
	{ "status", "status", PS_LABEL },
	{ "technology", "technology", PS_LABEL },
	{ "temp", "temp_celsius", PS_DECI },
	{ "temp_alert_max", "temp_alert_max_celsius", PS_DECI },
	{ "temp_alert_min", "temp_alert_min_celsius", PS_DECI },
	{ "temp_ambient", "temp_ambient_celsius", PS_DECI },
	{ "temp_ambient_max", "temp_ambient_max_celsius", PS_DECI },
	{ "temp_ambient_min", "temp_ambient_min_celsius", PS_DECI },
	{ "temp_max", "temp_max_celsius", PS_DECI },
	{ "temp_min", "temp_min_celsius", PS_DECI },
	{ "time_to_empty_avg", NULL, PS_PARSED },
	{ "time_to_empty_now", "time_to_empty_seconds", PS_PLAIN },
	{ "time_to_full_avg", NULL, PS_PARSED },
	{ "time_to_full_now", "time_to_full_seconds", PS_PLAIN },
	{ "type", "type", PS_LABEL },
	{ "usb_type", "usb_type", PS_LABEL },
	{ "voltage_avg", NULL, PS_PARSED },
	{ "voltage_boot", "voltage_boot", PS_MICRO },
	{ "voltage_max", "voltage_max", PS_MICRO },
	{ "voltage_max_design", "voltage_max_design", PS_MICRO },
	{ "voltage_min", "voltage_min", PS_MICRO },
	{ "voltage_min_design", "voltage_min_design", PS_MICRO },
	{ "voltage_now", "voltage_volt", PS_MICRO },
	{ "voltage_ocv", "voltage_ocv", PS_MICRO },
};

#define PS_MAX_LABELS 12

static const struct collector_option ps_options[] = {
	{ "collector.powersupply.ignored-supplies", COPT_REGEX, "^$",
	  "Regexp of power supplies to ignore for powersupplyclass collector." },
	{ 0 },
};

static int ps_attr(const char *file)
{
	for (size_t i = 0; i < ARRAY_SIZE(ps_attrs); i++)
		if (!strcmp(ps_attrs[i].file, file))
			return (int)i;
	return -1;
}

/* What a driver says when it cannot answer for this attribute right now. */
static bool ps_unanswered(int err)
{
	return err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV || err == -EINVAL;
}

static int ps_supply(struct metric_set *ms, const char *dir, const char *name, struct buf *b,
		     struct buf *text)
{
	struct label labels[PS_MAX_LABELS];
	uint32_t nlabels = 0;
	struct sysfs_dir d;
	int err = sysfs_dir_read(&d, dir, NULL);
	int dfd = err ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (!err && dfd < 0)
		err = -errno;
	labels[nlabels++] = (struct label){ "power_supply", ms_strdup(ms, name) };
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *f = sysfs_dir_name(&d, i);
		char metric[96], help[160];
		int a = ps_attr(f);
		struct stat sb;
		int64_t v;

		if (a < 0)
			continue;
		/* Regular files only: device, subsystem and power/ are links and
		 * directories whose names could match. */
		if (fstatat(dfd, f, &sb, AT_SYMLINK_NOFOLLOW) || !S_ISREG(sb.st_mode))
			continue;
		err = sysfs_read_str(NULL, dir, f, b);
		if (err) {
			err = ps_unanswered(err) ? 0 : err;
			continue;
		}
		if (ps_attrs[a].kind == PS_LABEL) {
			/* Labels are added in the table's order, which is by name. */
			if (b->len && nlabels < PS_MAX_LABELS) {
				sysfs_valid_utf8(text, b->data, b->len);
				labels[nlabels++] = (struct label){ ps_attrs[a].metric,
								    ms_strdup(ms, text->data) };
			}
			continue;
		}
		err = parse_i64(b->data, &v);
		if (err || ps_attrs[a].kind == PS_PARSED)
			continue;
		snprintf(metric, sizeof(metric), "node_power_supply_%s", ps_attrs[a].metric);
		snprintf(help, sizeof(help), "%s value of /sys/class/power_supply/<power_supply>.",
			 ps_attrs[a].metric);
		ms_add(ms, ms_family(ms, metric, METRIC_GAUGE, help),
		       ps_attrs[a].kind == PS_MICRO  ? (double)v / 1e6 :
		       ps_attrs[a].kind == PS_DECI ? (double)v / 10.0 :
						     (double)v,
		       "power_supply", name, NULL);
	}
	sysfs_dir_free(&d);
	if (dfd >= 0)
		close(dfd);
	if (!err)
		ms_add_labels(ms, ms_family(ms, "node_power_supply_info", METRIC_GAUGE,
					    "info of /sys/class/power_supply/<power_supply>."),
			      1, labels, nlabels);
	return err;
}

static int ps_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	const struct dev_filter *ignored = ctx->state;
	struct buf b, text;
	struct sysfs_dir d;
	char dir[4096];
	int err;

	buf_init(&b);
	buf_init(&text);
	err = sysfs_dir_read(&d, ctx->sysfs, "class/power_supply");
	if (err == -ENOENT)
		err = -ENODATA;
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *name = sysfs_dir_name(&d, i);

		if (dev_filter_ignored(ignored, name))
			continue;
		err = sysfs_path(dir, sizeof(dir), ctx->sysfs, "class/power_supply", name);
		if (!err)
			err = ps_supply(ms, dir, name, &b, &text);
	}
	sysfs_dir_free(&d);
	buf_free(&b);
	buf_free(&text);
	return err;
}

static int ps_init(struct collect_ctx *ctx)
{
	return dev_filter_state_init(ctx, &ps_options[0]);
}

const struct collector collector_powersupplyclass = {
	.name = "powersupplyclass",
	.help = "Batteries and power adapters from /sys/class/power_supply",
	.default_enabled = true,
	.options = ps_options,
	.init = ps_init,
	.collect = ps_collect,
	.fini = dev_filter_state_fini,
};
