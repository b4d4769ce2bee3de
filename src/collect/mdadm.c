/* mdadm: /proc/mdstat and /sys/block/mdN/md → node_md_*, as node_exporter
 * 1.12 (procfs's parseMDStat() and sysfs Mdraids()).
 *
 * mdstat is a report for people, and procfs reads it by position: a device
 * line, its status line, then the line after (or after the bitmap line) tells
 * a running sync. Every quirk that changes a value is kept, because alerts
 * built on node_exporter compare these numbers: raid0 and linear arrays count
 * the "[n]" on the device line as their disks, an inactive array has none, a
 * resync=PENDING or DELAYED array has synced 0 blocks, and a reshaping array
 * is in none of the five exported states. What procfs refuses (a short
 * record, a status line without "[n/m] [U_]", a sync line without its
 * numbers) fails the collector here too. No /proc/mdstat is -ENODATA.
 *
 * From sysfs only the three files behind exported series are read (level,
 * raid_disks, degraded); an array whose files vanish while it is read was
 * stopped meanwhile and is left out.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

#define MD_MAX_PERSONALITIES 32

struct md_word {
	const char *s;
	size_t len;
};

#define MD_WORD(lit) ((struct md_word){ lit, sizeof(lit) - 1 })

struct md_array {
	struct md_word state;   /* activity, as procfs names it */
	int64_t total, active, failed, spare, blocks, synced;
};

/* Go's strings.Fields separators, ASCII only: mdstat has nothing else. */
static bool md_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The next whitespace-separated word at *p, or false at the end. */
static bool md_word_next(const char **p, struct md_word *w)
{
	const char *s = *p;

	while (md_space(*s))
		s++;
	if (!*s)
		return false;
	w->s = s;
	while (*s && !md_space(*s))
		s++;
	w->len = (size_t)(s - w->s);
	*p = s;
	return true;
}

static bool md_word_is(const struct md_word *w, const char *s)
{
	return w->len == strlen(s) && !memcmp(w->s, s, w->len);
}

static size_t md_count(const char *s, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (s = strstr(s, needle); s; s = strstr(s + len, needle))
		n++;
	return n;
}

/* Decimal digits at p that fit in an int64, as strconv.ParseInt takes them
 * (kernel output has no sign); the byte after them or NULL. */
static const char *md_i64(const char *p, int64_t *out)
{
	uint64_t v;

	p = pp_u64(p, &v);
	if (!p || v > INT64_MAX)
		return NULL;
	*out = (int64_t)v;
	return p;
}

/* strconv.ParseFloat of s[0..len): the whole text, no surrounding blanks. */
static int md_float(const char *s, size_t len)
{
	char tmp[64], *end;

	if (!len || len >= sizeof(tmp) || md_space(*s))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	strtod(tmp, &end);
	return *end ? -EINVAL : 0;
}

static bool md_known(const struct md_word *w, const struct md_word *known, size_t nknown)
{
	if (memchr(w->s, '(', w->len) || memchr(w->s, '[', w->len))
		return false;
	for (size_t i = 0; i < nknown; i++)
		if (known[i].len == w->len && !memcmp(known[i].s, w->s, w->len))
			return true;
	return false;
}

/* procfs's componentDeviceRE `(.*)\[(\d+)\]`: the last "[digits]" of a word
 * is the descriptor index, which must fit an int32; words without one are
 * not devices and pass. */
static int md_component(const struct md_word *w)
{
	for (size_t i = w->len; i-- > 0;) {
		size_t d = 0;
		uint64_t v = 0;

		if (w->s[i] != '[')
			continue;
		while (i + 1 + d < w->len && isdigit((unsigned char)w->s[i + 1 + d]))
			d++;
		if (!d || i + 1 + d == w->len || w->s[i + 1 + d] != ']')
			continue;
		for (size_t k = 0; k < d; k++) {
			v = v * 10 + (uint64_t)(w->s[i + 1 + k] - '0');
			if (v > INT32_MAX)
				return -EINVAL;
		}
		return 0;
	}
	return 0;
}

/* "[total/active] [U_...]" at p, as statusLineRE's tail matches it. */
static bool md_status_at(const char *p, int64_t *total, int64_t *active)
{
	if (*p != '[' || !(p = md_i64(p + 1, total)) || *p != '/' ||
	    !(p = md_i64(p + 1, active)) || strncmp(p, "] [", 3))
		return false;
	p += 3;
	if (*p != 'U' && *p != '_')
		return false;
	p += strspn(p, "U_");
	return *p == ']';
}

/* evalStatusLine(): the size, and the disk counts the device line or the
 * status line gives. */
static int md_status(const char *dev, const char *status, struct md_array *a)
{
	const char *p = status, *b;
	struct md_word w;

	if (!md_word_next(&p, &w) || md_i64(w.s, &a->blocks) != w.s + w.len)
		return -EINVAL;
	if (strstr(dev, "raid0") || strstr(dev, "linear")) {
		a->total = a->active = (int64_t)md_count(dev, "[");
		return 0;
	}
	if (strstr(dev, "inactive")) {
		a->total = a->active = 0;
		return 0;
	}
	/* (\d+) blocks .*: the first " blocks " after a digit, then the last
	 * "[n/m] [U_]" after it (the greedy .*). */
	for (b = strstr(status, " blocks "); b; b = strstr(b + 1, " blocks "))
		if (b > status && isdigit((unsigned char)b[-1]))
			break;
	if (!b)
		return -EINVAL;
	for (const char *q = status + strlen(status); q-- > b + 8;)
		if (*q == '[' && md_status_at(q, &a->total, &a->active))
			return 0;
	return -EINVAL;
}

/* The text between the first key and the last byte after it that ends
 * (the greedy "key(.+)END" of procfs's regexes), or false. */
static bool md_capture(const char *line, const char *key, bool (*ends)(const char *),
		       const char **s, size_t *len)
{
	const char *p = strstr(line, key), *q;

	if (!p)
		return false;
	p += strlen(key);
	for (q = p + strlen(p); q-- > p + 1;)
		if (ends(q)) {
			*s = p;
			*len = (size_t)(q - p);
			return true;
		}
	return false;
}

static bool md_ends_pct(const char *q)
{
	return *q == '%';
}

static bool md_ends_min(const char *q)
{
	return !strncmp(q, "min", 3);
}

static bool md_ends_upper(const char *q)
{
	return *q >= 'A' && *q <= 'Z';
}

/* evalRecoveryLine(): the "(synced/total)" numbers, and the percentage,
 * finish time and speed procfs also insists on. */
static int md_recovery(const char *line, struct md_array *a)
{
	const char *p, *s;
	size_t len, d1 = 0, d2 = 0;
	int64_t todo;

	for (p = strchr(line, '('); p; p = strchr(p + 1, '(')) {
		d1 = strspn(p + 1, "0123456789");
		d2 = d1 && p[1 + d1] == '/' ? strspn(p + 2 + d1, "0123456789") : 0;
		if (d2 && p[2 + d1 + d2] == ')')
			break;
	}
	if (!p || !md_i64(p + 1, &a->synced) || !md_i64(p + 2 + d1, &todo))
		return -EINVAL;
	if (!md_capture(line, "= ", md_ends_pct, &s, &len))
		return -EINVAL;
	while (len && md_space(*s))
		s++, len--;
	while (len && md_space(s[len - 1]))
		len--;
	if (md_float(s, len) || !md_capture(line, "finish=", md_ends_min, &s, &len) ||
	    md_float(s, len) || !md_capture(line, "speed=", md_ends_upper, &s, &len))
		return -EINVAL;
	return md_float(s, len);
}

/* The next line after line, or NULL past the end: Go's Split counts the
 * empty text after the final newline as a line, and so does this. */
static const char *md_next(const char *line, const char *end)
{
	const char *n = line + strlen(line) + 1;

	return n <= end ? n : NULL;
}

static int md_record(const char *dev, const char *end, const struct md_word *known,
		     size_t nknown, struct md_array *a, struct md_word *name)
{
	const char *status = md_next(dev, end), *sync = status ? md_next(status, end) : NULL;
	const char *p = dev, *after = sync ? md_next(sync, end) : NULL;
	struct md_word w[5];
	size_t n = 0, start = 0;
	int err;

	while (n < 5 && md_word_next(&p, &w[n]))
		n++;
	if (n < 3 || !after)
		return -EINVAL;
	*name = w[0];
	if (n > 3 && md_known(&w[3], known, nknown))
		start = 4;
	else if (n > 4 && md_known(&w[4], known, nknown))
		start = 5;
	a->failed = (int64_t)md_count(dev, "(F)");
	a->spare = (int64_t)md_count(dev, "(S)");
	err = md_status(dev, status, a);
	if (err)
		return err;
	if (strstr(sync, "bitmap"))
		sync = after;
	a->state = w[2];
	a->synced = a->blocks;
	if (strstr(sync, "recovery"))
		a->state = MD_WORD("recovering");
	else if (strstr(sync, "reshape"))
		a->state = MD_WORD("reshaping");
	else if (strstr(sync, "check"))
		a->state = MD_WORD("checking");
	else if (strstr(sync, "resync"))
		a->state = MD_WORD("resyncing");
	if (a->state.s != w[2].s) {
		if (strstr(sync, "PENDING") || strstr(sync, "DELAYED"))
			a->synced = 0;
		else if ((err = md_recovery(sync, a)))
			return err;
	}
	p = dev;
	for (size_t i = 0; md_word_next(&p, &w[0]); i++)
		if (i >= start && (err = md_component(&w[0])))
			return err;
	return 0;
}

static void md_export(struct metric_set *ms, const char *dev, const struct md_array *a)
{
	static const char *const states[][2] = { { "active", "active" },
						 { "inactive", "inactive" },
						 { "recovering", "recovering" },
						 { "resync", "resyncing" },
						 { "check", "checking" } };
	static const char *const disks[] = { "active", "failed", "spare" };
	const double nd[] = { (double)a->active, (double)a->failed, (double)a->spare };
	struct family *f;

	ms_add(ms, ms_family(ms, "node_md_disks_required", METRIC_GAUGE,
			     "Total number of disks of device."),
	       (double)a->total, "device", dev, NULL);
	f = ms_family(ms, "node_md_disks", METRIC_GAUGE,
		      "Number of active/failed/spare disks of device.");
	for (size_t i = 0; i < 3; i++)
		ms_add(ms, f, nd[i], "device", dev, "state", disks[i], NULL);
	f = ms_family(ms, "node_md_state", METRIC_GAUGE, "Indicates the state of md-device.");
	for (size_t i = 0; i < 5; i++)
		ms_add(ms, f, md_word_is(&a->state, states[i][1]), "device", dev, "state",
		       states[i][0], NULL);
	ms_add(ms, ms_family(ms, "node_md_blocks", METRIC_GAUGE,
			     "Total number of blocks on device."),
	       (double)a->blocks, "device", dev, NULL);
	ms_add(ms, ms_family(ms, "node_md_blocks_synced", METRIC_GAUGE,
			     "Number of blocks synced on device."),
	       (double)a->synced, "device", dev, NULL);
}

/* The Personalities line's "[raid1]" words; a word not in brackets is
 * -EINVAL (procfs would panic slicing it). */
static int md_personalities(const char *p, struct md_word *known, size_t *nknown)
{
	struct md_word w;

	while (md_word_next(&p, &w)) {
		if (w.len < 2)
			return -EINVAL;
		if (*nknown < MD_MAX_PERSONALITIES)
			known[(*nknown)++] = (struct md_word){ w.s + 1, w.len - 2 };
	}
	return 0;
}

static int md_mdstat(struct metric_set *ms, char *text, size_t len)
{
	static const char prefix[] = "Personalities : ";
	struct md_word known[MD_MAX_PERSONALITIES], name;
	const char *end = text + len;
	size_t nknown = 0;
	int err = 0;

	/* Lines become strings in place; md_next() walks them. */
	for (char *p = text; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		*p = '\0';
	for (const char *line = text; !err && line; line = md_next(line, end)) {
		struct md_array a;
		char dev[128];

		if (!*line || *line == ' ' || !strncmp(line, "unused", 6) ||
		    strspn(line, " \t\v\f\r") == strlen(line))
			continue;
		if (!nknown && !strncmp(line, prefix, sizeof(prefix) - 1)) {
			err = md_personalities(line + sizeof(prefix) - 1, known, &nknown);
			if (!err)
				continue;
		}
		if (!err)
			err = md_record(line, end, known, nknown, &a, &name);
		if (!err && (name.len >= sizeof(dev) || !pp_label_text(name.s, name.len)))
			err = -EINVAL;
		if (err)
			break;
		memcpy(dev, name.s, name.len);
		dev[name.len] = '\0';
		md_export(ms, dev, &a);
	}
	return err;
}

/* raid_disks as procfs reads it: a number, or "current (previous)" during a
 * reshape; anything else (or empty) is no series rather than an error. */
static bool md_raid_disks(const char *s, uint64_t *v)
{
	const char *p = pp_u64(s, v);

	return p && (!*p || (*p == ' ' && p > s));
}

static int md_sysfs_array(struct metric_set *ms, const char *root, const char *dev,
			  struct buf *b)
{
	static const char *const degraded_levels[] = { "raid1", "raid4", "raid5", "raid6",
						       "raid10" };
	char dir[4200];
	uint64_t disks = 0, degraded = 0;
	bool has_disks = false, has_degraded = false;
	int err = snprintf(dir, sizeof(dir), "%s/block/%s/md", root, dev) >= (int)sizeof(dir) ?
		  -ENAMETOOLONG : sysfs_read_str(NULL, dir, "level", b);

	if (err)
		return err;
	if (b->len && strcmp(b->data, "container") && strcmp(b->data, "imsm") &&
	    strcmp(b->data, "ddf"))
		has_disks = true;
	for (size_t i = 0; i < ARRAY_SIZE(degraded_levels); i++)
		has_degraded |= !strcmp(b->data, degraded_levels[i]);
	if (has_disks) {
		err = sysfs_read_str(NULL, dir, "raid_disks", b);
		if (err)
			return err;
		has_disks = md_raid_disks(b->data, &disks);
	}
	if (has_degraded && (err = sysfs_read_u64(NULL, dir, "degraded", b, &degraded)))
		return err;
	if (has_disks)
		ms_add(ms, ms_family(ms, "node_md_raid_disks", METRIC_GAUGE,
				     "Number of raid disks on device."),
		       (double)disks, "device", dev, NULL);
	ms_add(ms, ms_family(ms, "node_md_degraded", METRIC_GAUGE,
			     "Number of degraded disks on device."),
	       (double)degraded, "device", dev, NULL);
	return 0;
}

static int md_sysfs(struct metric_set *ms, const char *root, struct buf *b)
{
	struct sysfs_dir d;
	int err = sysfs_dir_read(&d, root, "block");

	if (err == -ENOENT)
		return 0; /* the glob matches nothing */
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *dev = sysfs_dir_name(&d, i);

		if (strncmp(dev, "md", 2) || !pp_label_text(dev, strlen(dev)))
			continue;
		err = md_sysfs_array(ms, root, dev, b);
		if (err == -ENOENT || err == -ENOTDIR)
			err = 0; /* no md directory, or the array stopped meanwhile */
	}
	sysfs_dir_free(&d);
	return err;
}

static int mdadm_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, "mdstat", &b);
	if (err == -ENOENT)
		err = -ENODATA;
	if (!err)
		err = md_mdstat(ms, b.data, b.len);
	if (!err)
		err = md_sysfs(ms, ctx->sysfs, &b);
	buf_free(&b);
	return err;
}

const struct collector collector_mdadm = {
	.name = "mdadm",
	.help = "md RAID arrays from /proc/mdstat and /sys/block/mdN/md",
	.default_enabled = true,
	.collect = mdadm_collect,
};
