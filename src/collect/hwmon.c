/* hwmon: /sys/class/hwmon/hwmonN → node_hwmon_* (temperatures, voltages,
 * fans, power...), as node_exporter's hwmon collector names them.
 *
 * Every file of a chip directory (and of its device/ directory, where older
 * drivers keep their attributes) named <type><n>_<property> with a known
 * type is one value of sensor <type><n>. Units are converted to base units at
 * the edge (millidegrees, millivolts, microwatts...). The chip label is the
 * stable device path (platform_coretemp_0), not hwmonN, whose numbering
 * follows module load order; chips sharing one device get their name file or
 * hwmonN appended, as node_exporter 1.12 does.
 *
 * Sensor files come from drivers of varying quality: an unreadable file, or
 * one that is not a number, is skipped like node_exporter does, and only an
 * unreadable chip directory fails the collector.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "sysfs.h"
#include "util.h"

enum {
	HW_OPT_CHIP_INCLUDE,
	HW_OPT_CHIP_EXCLUDE,
	HW_OPT_SENSOR_INCLUDE,
	HW_OPT_SENSOR_EXCLUDE,
};

static const struct collector_option hwmon_options[] = {
	[HW_OPT_CHIP_INCLUDE] = { "collector.hwmon.chip-include", COPT_REGEX, NULL,
				  "Regexp of hwmon chips to include (mutually exclusive to chip-exclude)" },
	[HW_OPT_CHIP_EXCLUDE] = { "collector.hwmon.chip-exclude", COPT_REGEX, NULL,
				  "Regexp of hwmon chips to exclude (mutually exclusive to chip-include)" },
	[HW_OPT_SENSOR_INCLUDE] = { "collector.hwmon.sensor-include", COPT_REGEX, NULL,
				    "Regexp of hwmon sensor to include (mutually exclusive to sensor-exclude)." },
	[HW_OPT_SENSOR_EXCLUDE] = { "collector.hwmon.sensor-exclude", COPT_REGEX, NULL,
				    "Regexp of hwmon sensor to exclude (mutually exclusive to sensor-include)." },
	{ 0 },
};

static const char *const sensor_types[] = {
	"vrm",      "beep_enable", "update_interval", "in",       "cpu",       "fan",  "pwm",
	"temp",     "curr",        "power",           "energy",   "humidity",  "intrusion", "freq",
};

#define NAME_MAX_LEN 256
#define VALUE_MAX_LEN 128 /* node_exporter reads one 128-byte block per file */

struct hwmon_state {
	struct dev_filter chips, sensors;
};

/* One value file of a chip: sensor "temp1", property "max" ("" for a file
 * named just temp1). */
struct hw_value {
	char sensor[64];
	char type[32];
	char prop[64];
	char value[VALUE_MAX_LEN];
};

struct hw_values {
	struct hw_value *v;
	size_t n, cap;
};

struct hw_chip {
	char dir[PATH_MAX];
	char base[2 * NAME_MAX_LEN];
	char namefile[NAME_MAX_LEN];
	char chip[3 * NAME_MAX_LEN + 2];
};

/* node_exporter's ^([^0-9]+)([0-9]*)?(_(.+))?$ with Go's leftmost-first
 * backtracking: the longest non-digit type followed by its digits and an
 * optional _property, else the longest type ending before an '_' that starts
 * the property ("fan_x1y" → fan, x1y). */
static bool hwmon_explode(const char *fn, char *type, size_t tsz, unsigned long *num,
			  const char **prop)
{
	size_t len = strlen(fn), t = strcspn(fn, "0123456789"), d;

	if (!t)
		return false;
	d = strspn(fn + t, "0123456789");
	for (size_t i = t; i >= 1; i--) {
		const char *rest;

		if (i == t) {
			rest = fn + t + d;
			if (*rest && !(rest[0] == '_' && rest[1]))
				continue;
		} else if (fn[i] == '_' && i + 1 < len) {
			rest = fn + i;
			d = 0;
		} else {
			continue;
		}
		if (i >= tsz || d > 9)
			return false;
		memcpy(type, fn, i);
		type[i] = '\0';
		*num = 0;
		for (size_t k = 0; k < d; k++)
			*num = *num * 10 + (unsigned long)(fn[i + k] - '0');
		*prop = *rest ? rest + 1 : rest;
		return true;
	}
	return false;
}

static bool known_type(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(sensor_types); i++)
		if (!strcmp(sensor_types[i], type))
			return true;
	return false;
}

static int hw_values_push(struct hw_values *vs, struct hw_value **out)
{
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 64;
		struct hw_value *v = realloc(vs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vs->v = v;
		vs->cap = cap;
	}
	*out = &vs->v[vs->n++];
	return 0;
}

/* Reads the sensor files of one directory into vs; a later directory's value
 * replaces an earlier one's for the same sensor and property. */
static int hwmon_scan(const char *dir, struct hw_values *vs, struct buf *b)
{
	struct sysfs_dir d;
	int err = sysfs_dir_read(&d, dir, NULL);

	for (size_t i = 0; !err && i < d.n; i++) {
		const char *fn = sysfs_dir_name(&d, i), *prop;
		char type[32], sensor[64];
		unsigned long num;
		struct hw_value *v = NULL;
		size_t start = 0;

		if (!hwmon_explode(fn, type, sizeof(type), &num, &prop) || !known_type(type) ||
		    strlen(prop) >= sizeof(v->prop))
			continue;
		if (read_file_at(dir, fn, b) || memchr(b->data, '\0', b->len))
			continue;
		while (b->len && b->data[b->len - 1] == '\n')
			b->data[--b->len] = '\0';
		while (start < b->len && b->data[start] == '\n')
			start++;
		snprintf(sensor, sizeof(sensor), "%s%lu", type, num);
		for (size_t k = 0; k < vs->n; k++)
			if (!strcmp(vs->v[k].sensor, sensor) && !strcmp(vs->v[k].prop, prop))
				v = &vs->v[k];
		if (!v) {
			err = hw_values_push(vs, &v);
			if (err)
				break;
			snprintf(v->sensor, sizeof(v->sensor), "%s", sensor);
			snprintf(v->type, sizeof(v->type), "%s", type);
			snprintf(v->prop, sizeof(v->prop), "%s", prop);
		}
		snprintf(v->value, sizeof(v->value), "%.*s", (int)(b->len - start), b->data + start);
	}
	sysfs_dir_free(&d);
	return err;
}

static int cmp_value(const void *a, const void *b)
{
	const struct hw_value *x = a, *y = b;
	int c = strcmp(x->sensor, y->sensor);

	return c ? c : strcmp(x->prop, y->prop);
}

static void emit(struct metric_set *ms, const char *name, const char *help, enum metric_type t,
		 double v, const char *chip, const char *sensor)
{
	ms_add(ms, ms_family(ms, name, t, help), v, "chip", chip, "sensor", sensor, NULL);
}

/* The value of property prop of the sensor group g[0..n), or NULL. */
static const char *group_prop(const struct hw_value *g, size_t n, const char *prop)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].prop, prop))
			return g[i].value;
	return NULL;
}

/* One element of a sensor, named and scaled as node_exporter does. */
static void hwmon_element(struct metric_set *ms, const char *chip, const struct hw_value *g,
			  size_t n, const struct hw_value *e, struct buf *tmp)
{
	const char *type = e->type, *elem = e->prop;
	char name[256], help[256], clean[64];
	double v;

	snprintf(clean, sizeof(clean), "%s", elem);
	sysfs_clean_name(clean);
	if (!strcmp(elem, "input"))
		snprintf(name, sizeof(name), "node_hwmon_%s%s", type,
			 group_prop(g, n, "") ? "_input" : "");
	else if (*elem)
		snprintf(name, sizeof(name), "node_hwmon_%s_%s", type, clean);
	else
		snprintf(name, sizeof(name), "node_hwmon_%s", type);
	if (parse_double(e->value, &v))
		return;

/* Scaled as node_exporter does, milli by multiplying and micro by dividing,
 * so the float results are the same to the last bit. */
#define EMIT(suffix, mul, div, t, ...)                                                               \
	do {                                                                                       \
		char n_[300];                                                                      \
		snprintf(help, sizeof(help), __VA_ARGS__);                                         \
		snprintf(n_, sizeof(n_), "%s%s", name, suffix);                                    \
		emit(ms, n_, help, t, v * (mul) / (div), chip, e->sensor);                               \
		return;                                                                            \
	} while (0)

	if (!strcmp(elem, "fault") || !strcmp(elem, "alarm"))
		EMIT("", 1, 1, METRIC_GAUGE, "Hardware sensor %s status (%s)", elem, type);
	if (!strcmp(elem, "beep"))
		EMIT("_enabled", 1, 1, METRIC_GAUGE, "Hardware monitor sensor has beeping enabled");
	if (!strcmp(type, "in") || !strcmp(type, "cpu"))
		EMIT("_volts", 0.001, 1, METRIC_GAUGE, "Hardware monitor for voltage (%s)", elem);
	if (!strcmp(type, "temp") && strcmp(elem, "type"))
		EMIT("_celsius", 0.001, 1, METRIC_GAUGE, "Hardware monitor for temperature (%s)",
		     *elem ? elem : "input");
	if (!strcmp(type, "curr"))
		EMIT("_amps", 0.001, 1, METRIC_GAUGE, "Hardware monitor for current (%s)", elem);
	if (!strcmp(type, "energy"))
		EMIT("_joule_total", 1, 1e6, METRIC_COUNTER,
		     "Hardware monitor for joules used so far (%s)", elem);
	if (!strcmp(type, "power") && !strcmp(elem, "accuracy"))
		EMIT("", 1, 1e6, METRIC_GAUGE, "Hardware monitor power meter accuracy, as a ratio");
	if (!strcmp(type, "power") && !strncmp(elem, "average_interval", 16) &&
	    (!elem[16] || !strcmp(elem + 16, "_min") || !strcmp(elem + 16, "_max")))
		EMIT("_seconds", 0.001, 1, METRIC_GAUGE,
		     "Hardware monitor power usage update interval (%s)", elem);
	if (!strcmp(type, "power"))
		EMIT("_watt", 1, 1e6, METRIC_GAUGE, "Hardware monitor for power usage in watts (%s)",
		     elem);
	if (!strcmp(type, "humidity"))
		EMIT("", 1, 1e6, METRIC_GAUGE,
		     "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (%s)",
		     elem);
	if (!strcmp(type, "fan") && (!strcmp(elem, "input") || !strcmp(elem, "min") ||
				     !strcmp(elem, "max") || !strcmp(elem, "target")))
		EMIT("_rpm", 1, 1, METRIC_GAUGE, "Hardware monitor for fan revolutions per minute (%s)",
		     elem);
#undef EMIT
	if (!strcmp(type, "freq")) {
		const char *label = group_prop(g, n, "label");

		/* The GPU clock's own label ("sclk") names the series. */
		if (label && !strcmp(elem, "input")) {
			buf_reset(tmp);
			buf_puts(tmp, label);
			if (tmp->oom)
				return;
			sysfs_clean_name(tmp->data);
			char fam[300];

			snprintf(fam, sizeof(fam), "%s_freq_mhz", name);
			ms_add(ms, ms_family(ms, fam, METRIC_GAUGE,
					     "Hardware monitor for GPU frequency in MHz"),
			       v / 1e6, "chip", chip, "sensor", tmp->data, NULL);
		}
		return;
	}
	snprintf(help, sizeof(help), "Hardware monitor %s element %s", type, elem);
	emit(ms, name, help, METRIC_GAUGE, v, chip, e->sensor);
}

static void hwmon_sensor(struct metric_set *ms, const char *chip, const struct hw_value *g,
			 size_t n, struct buf *tmp)
{
	const char *label = group_prop(g, n, "label"), *raw = group_prop(g, n, "");
	const char *type = g[0].type, *sensor = g[0].sensor;
	double v;

	if (label) {
		sysfs_valid_utf8(tmp, label, strlen(label));
		ms_add(ms, ms_family(ms, "node_hwmon_sensor_label", METRIC_GAUGE,
				     "Label for given chip and sensor"),
		       1, "chip", chip, "label", tmp->data ? tmp->data : "", "sensor", sensor, NULL);
	}
	if (!strcmp(type, "beep_enable")) {
		emit(ms, "node_hwmon_beep_enabled", "Hardware beep enabled", METRIC_GAUGE,
		     raw && !strcmp(raw, "1"), chip, sensor);
		return;
	}
	if (!strcmp(type, "vrm")) {
		if (raw && !parse_double(raw, &v))
			emit(ms, "node_hwmon_voltage_regulator_version", "Hardware voltage regulator",
			     METRIC_GAUGE, v, chip, sensor);
		return;
	}
	if (!strcmp(type, "update_interval")) {
		if (raw && !parse_double(raw, &v))
			emit(ms, "node_hwmon_update_interval_seconds",
			     "Hardware monitor update interval", METRIC_GAUGE, v * 0.001, chip,
			     sensor);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].prop, "label"))
			hwmon_element(ms, chip, g, n, &g[i], tmp);
}

static int hwmon_chip(struct hwmon_state *st, struct metric_set *ms, const struct hw_chip *c,
		      struct hw_values *vs, struct buf *b)
{
	char dev[PATH_MAX + 8], filter[sizeof(c->chip) + 80];
	struct stat sb;
	int err;

	vs->n = 0;
	err = hwmon_scan(c->dir, vs, b);
	snprintf(dev, sizeof(dev), "%s/device", c->dir);
	if (!err && !stat(dev, &sb))
		err = hwmon_scan(dev, vs, b);
	if (err)
		return err;
	if (c->namefile[0]) {
		char clean[NAME_MAX_LEN];

		snprintf(clean, sizeof(clean), "%s", c->namefile);
		if (*sysfs_clean_name(clean))
			ms_add(ms, ms_family(ms, "node_hwmon_chip_names", METRIC_GAUGE,
					     "Annotation metric for human-readable chip names"),
			       1, "chip", c->chip, "chip_name", clean, NULL);
	}
	if (vs->n)
		qsort(vs->v, vs->n, sizeof(*vs->v), cmp_value);
	for (size_t i = 0, j; i < vs->n; i = j) {
		for (j = i + 1; j < vs->n && !strcmp(vs->v[j].sensor, vs->v[i].sensor); j++)
			;
		/* "chip;sensor", so one sensor of one chip can be singled out. */
		snprintf(filter, sizeof(filter), "%s;%s", c->chip, vs->v[i].sensor);
		if (!dev_filter_ignored(&st->sensors, filter))
			hwmon_sensor(ms, c->chip, &vs->v[i], j - i, b);
	}
	return 0;
}

/* The last path element of p and the one before it, cleaned. */
static void split_last(const char *p, char *last, char *parent, size_t sz)
{
	const char *s = strrchr(p, '/'), *q;

	snprintf(last, sz, "%s", s ? s + 1 : p);
	parent[0] = '\0';
	if (s && s > p) {
		for (q = s - 1; q > p && *q != '/'; q--)
			;
		snprintf(parent, sz, "%.*s", (int)(s - q - (*q == '/')), q + (*q == '/'));
	}
	sysfs_clean_name(last);
	sysfs_clean_name(parent);
}

/* The chip's stable name: its device's bus and name, else its name file,
 * else hwmonN. */
static int hwmon_base_name(const char *dir, struct buf *b, char *out, size_t sz)
{
	char path[PATH_MAX + 8], real[PATH_MAX], name[NAME_MAX_LEN], type[NAME_MAX_LEN];

	snprintf(path, sizeof(path), "%s/device", dir);
	if (realpath(path, real)) {
		split_last(real, name, type, sizeof(name));
		if (*type && *name) {
			snprintf(out, sz, "%s_%s", type, name);
			return 0;
		}
		if (*name) {
			snprintf(out, sz, "%s", name);
			return 0;
		}
	}
	if (!read_file_at(dir, "name", b) && b->len && !memchr(b->data, '\0', b->len)) {
		snprintf(name, sizeof(name), "%s", b->data);
		if (*sysfs_clean_name(name)) {
			snprintf(out, sz, "%s", name);
			return 0;
		}
	}
	if (!realpath(dir, real))
		return -errno;
	split_last(real, name, type, sizeof(name));
	if (!*name)
		return -EINVAL;
	snprintf(out, sz, "%s", name);
	return 0;
}

static int cmp_chip(const void *a, const void *b)
{
	return strcmp(((const struct hw_chip *)a)->chip, ((const struct hw_chip *)b)->chip);
}

static int hwmon_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct hwmon_state *st = ctx->state;
	struct hw_values vs = { 0 };
	struct hw_chip *chips = NULL;
	struct sysfs_dir d;
	size_t n = 0;
	struct buf b;
	int err;

	buf_init(&b);
	err = sysfs_dir_read(&d, ctx->sysfs, "class/hwmon");
	if (err) {
		err = err == -ENOENT ? -ENODATA : err;
		goto out;
	}
	chips = calloc(d.n ? d.n : 1, sizeof(*chips));
	if (!chips) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct hw_chip *c = &chips[n];
		struct stat sb;

		if (sysfs_path(c->dir, sizeof(c->dir), ctx->sysfs, "class/hwmon",
			       sysfs_dir_name(&d, i)) ||
		    stat(c->dir, &sb) || !S_ISDIR(sb.st_mode) ||
		    hwmon_base_name(c->dir, &b, c->base, sizeof(c->base)))
			continue;
		c->namefile[0] = '\0';
		if (!sysfs_read_str(ctx, c->dir, "name", &b))
			snprintf(c->namefile, sizeof(c->namefile), "%s", b.data);
		n++;
	}
	/* Chips sharing a device (asus-nb-wmi has two) would collide: the name
	 * file tells them apart, else their hwmonN. */
	for (size_t i = 0; i < n; i++) {
		size_t same_base = 0, same_name = 0;
		char suffix[NAME_MAX_LEN];

		for (size_t k = 0; k < n; k++) {
			if (strcmp(chips[k].base, chips[i].base))
				continue;
			same_base++;
			same_name += !strcmp(chips[k].namefile, chips[i].namefile);
		}
		if (same_base == 1) {
			snprintf(chips[i].chip, sizeof(chips[i].chip), "%s", chips[i].base);
			continue;
		}
		snprintf(suffix, sizeof(suffix), "%s", chips[i].namefile);
		if (!*sysfs_clean_name(suffix) || same_name > 1) {
			const char *s = strrchr(chips[i].dir, '/');

			snprintf(suffix, sizeof(suffix), "%s", s + 1);
			sysfs_clean_name(suffix);
		}
		snprintf(chips[i].chip, sizeof(chips[i].chip), "%s_%s", chips[i].base, suffix);
	}
	if (n)
		qsort(chips, n, sizeof(*chips), cmp_chip);
	for (size_t i = 0; i < n; i++) {
		int e;

		if (dev_filter_ignored(&st->chips, chips[i].chip))
			continue;
		e = hwmon_chip(st, ms, &chips[i], &vs, &b);
		if (e)
			err = e; /* the other chips still count, as in node_exporter */
	}
out:
	sysfs_dir_free(&d);
	free(chips);
	free(vs.v);
	buf_free(&b);
	return err;
}

static int hwmon_init(struct collect_ctx *ctx)
{
	struct hwmon_state *st = calloc(1, sizeof(*st));
	int err = st ? 0 : -ENOMEM;

	if (!err)
		err = dev_filter_init(&st->chips, ctx, &hwmon_options[HW_OPT_CHIP_EXCLUDE],
				      &hwmon_options[HW_OPT_CHIP_INCLUDE]);
	if (!err) {
		err = dev_filter_init(&st->sensors, ctx, &hwmon_options[HW_OPT_SENSOR_EXCLUDE],
				      &hwmon_options[HW_OPT_SENSOR_INCLUDE]);
		if (err)
			dev_filter_free(&st->chips);
	}
	if (err) {
		free(st);
		return err;
	}
	ctx->state = st;
	return 0;
}

static void hwmon_fini(struct collect_ctx *ctx)
{
	struct hwmon_state *st = ctx->state;

	if (st) {
		dev_filter_free(&st->chips);
		dev_filter_free(&st->sensors);
		free(st);
	}
	ctx->state = NULL;
}

const struct collector collector_hwmon = {
	.name = "hwmon",
	.help = "Hardware sensors from /sys/class/hwmon",
	.default_enabled = true,
	.options = hwmon_options,
	.init = hwmon_init,
	.collect = hwmon_collect,
	.fini = hwmon_fini,
};
