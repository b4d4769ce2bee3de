/* zfs: the kstats ZFS on Linux publishes under <procfs>/spl/kstat/zfs/ →
 * node_zfs_*, named and typed as node_exporter 1.12's zfs_linux.go builds them:
 *
 *   arcstats, dmu_tx, fm, ... (one "name type data" table each) → one untyped
 *     family per uint64 (type 4) or int64 (type 3) row, node_zfs_<subsystem>_
 *     <name> with '-' as '_', HELP "kstat.zfs.misc.<file>.<name>"; rows of
 *     other types are skipped; a file the module does not have is skipped.
 *   <pool>/io (a header row from "nread" and one row of numbers) →
 *     node_zfs_zpool_<column>{zpool}, untyped.
 *   <pool>/objset-* (one per dataset) → node_zfs_zpool_dataset_<name>{zpool,
 *     dataset} for its uint64 rows, untyped.
 *   <pool>/state ("ONLINE") → node_zfs_zpool_state{zpool,state} 1 for the
 *     pool's state and 0 for the six others, a gauge.
 *
 * No spl/kstat/zfs directory (no zfs module): -ENODATA. A table without its
 * header, a number that does not parse, a row twice: -EINVAL with the file in
 * ctx->detail. Lines are scanned in place: no allocation per row.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "parse.h"
#include "sysfs.h"
#include "util.h"

#define ZFS_BASE "spl/kstat/zfs"

/* node_exporter's linuxPathMap: subsystem → file under ZFS_BASE. */
static const struct zfs_table {
	const char *subsystem, *file;
} zfs_tables[] = {
	{ "zfs_abd", "abdstats" },
	{ "zfs_arc", "arcstats" },
	{ "zfs_dbuf", "dbufstats" },
	{ "zfs_dmu_tx", "dmu_tx" },
	{ "zfs_dnode", "dnodestats" },
	{ "zfs_fm", "fm" },
	{ "zfs_vdev_cache", "vdev_cache_stats" },
	{ "zfs_vdev_mirror", "vdev_mirror_stats" },
	{ "zfs_xuio", "xuio_stats" },
	{ "zfs_zfetch", "zfetchstats" },
	{ "zfs_zil", "zil" },
};

static const char *const zfs_states[] = { "online",  "degraded", "faulted",  "offline",
					  "removed", "unavail",	 "suspended" };

/* One blank-separated field of a line, left in place. */
struct zfs_field {
	const char *p;
	size_t len;
};

/* The largest io header kstat has printed is 12 columns; room for growth. */
#define ZFS_MAX_FIELDS 32

static bool zfs_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Splits [p, end) as Go's strings.Fields does (ASCII white space): at most
 * max fields stored, the count of all of them returned. */
static size_t zfs_fields(const char *p, const char *end, struct zfs_field *f, size_t max)
{
	size_t n = 0;

	while (p < end) {
		const char *s;

		while (p < end && zfs_space(*p))
			p++;
		if (p == end)
			break;
		s = p;
		while (p < end && !zfs_space(*p))
			p++;
		if (n < max)
			f[n] = (struct zfs_field){ s, (size_t)(p - s) };
		n++;
	}
	return n;
}

static bool zfs_is(const struct zfs_field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->p, s, f->len);
}

/* strconv.ParseUint(s, 10, 64): digits only. */
static int zfs_u64(const struct zfs_field *f, uint64_t *v)
{
	const char *e = pp_u64(f->p, v);

	return e == f->p + f->len ? 0 : -EINVAL;
}

/* strconv.ParseInt(s, 10, 64): an optional sign, then digits. */
static int zfs_i64(const struct zfs_field *f, double *v)
{
	struct zfs_field d = *f;
	bool neg = false;
	uint64_t u;

	if (d.len && (*d.p == '-' || *d.p == '+')) {
		neg = *d.p == '-';
		d.p++;
		d.len--;
	}
	if (zfs_u64(&d, &u) || u > (uint64_t)INT64_MAX + neg)
		return -EINVAL;
	*v = neg ? -(double)u : (double)u;
	return 0;
}

/* node_exporter's zfsSysctl.metricName(): prefix + the key's last '.'-part
 * with '-' as '_' into name, and HELP help_prefix + the field into help. */
static int zfs_names(char *name, char *help, size_t sz, const char *prefix,
		     const char *help_prefix, const struct zfs_field *f)
{
	const char *last = f->p, *dot;
	size_t np = strlen(prefix), hp = strlen(help_prefix), ln;

	while ((dot = memchr(last, '.', f->len - (size_t)(last - f->p))))
		last = dot + 1;
	ln = f->len - (size_t)(last - f->p);
	if (np + ln >= sz || hp + f->len >= sz)
		return -EINVAL;
	memcpy(name, prefix, np);
	for (size_t i = 0; i < ln; i++)
		name[np + i] = last[i] == '-' ? '_' : last[i];
	name[np + ln] = '\0';
	memcpy(help, help_prefix, hp);
	memcpy(help + hp, f->p, f->len);
	help[hp + f->len] = '\0';
	return 0;
}

/* Calls row() for each line after the "name type data" header with at
 * least three fields; -EINVAL when there is no header. */
static int zfs_kstat_rows(const struct buf *b,
			  int (*row)(void *arg, const struct zfs_field *f, const char *line,
				     const char *eol),
			  void *arg)
{
	const char *p = b->data, *end = b->data + b->len;
	bool table = false;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct zfs_field f[3];
		size_t n;
		int err;

		if (!eol)
			eol = end;
		n = zfs_fields(p, eol, f, 3);
		if (!table) {
			table = n == 3 && zfs_is(&f[0], "name") && zfs_is(&f[1], "type") &&
				zfs_is(&f[2], "data");
		} else if (n >= 3) {
			err = row(arg, f, p, eol);
			if (err)
				return err;
		}
		p = eol + 1;
	}
	return table ? 0 : -EINVAL;
}

struct zfs_row_ctx {
	struct metric_set *ms;
	const char *prefix, *help_prefix;
	const char *zpool;       /* objset rows only */
	char dataset[256];
};

static int zfs_table_row(void *arg, const struct zfs_field *f, const char *line, const char *eol)
{
	struct zfs_row_ctx *rc = arg;
	char name[256], help[256];
	double v;
	uint64_t u;

	if (zfs_is(&f[1], "4")) {
		if (zfs_u64(&f[2], &u))
			return -EINVAL;
		v = (double)u;
	} else if (zfs_is(&f[1], "3")) {
		if (zfs_i64(&f[2], &v))
			return -EINVAL;
	} else {
		return 0;
	}
	if (zfs_names(name, help, sizeof(name), rc->prefix, rc->help_prefix, &f[0]))
		return -EINVAL;
	return pp_add_once(rc->ms, name, METRIC_UNTYPED, help, v);
}

static int zfs_fail(struct collect_ctx *ctx, const char *rel, int err, const char *why)
{
	snprintf(ctx->detail, sizeof(ctx->detail), "%s/%.160s: %s", ZFS_BASE, rel,
		 why ? why : strerror(-err));
	return err;
}

static int zfs_table(struct collect_ctx *ctx, struct metric_set *ms, const struct zfs_table *t,
		     struct buf *b)
{
	char rel[64], prefix[64], help_prefix[64];
	struct zfs_row_ctx rc = { .ms = ms, .prefix = prefix, .help_prefix = help_prefix };
	int err;

	snprintf(rel, sizeof(rel), ZFS_BASE "/%s", t->file);
	err = pp_read_text(ctx, ctx->procfs, rel, b);
	if (err == -ENOENT)
		return 0; /* a kstat of a feature this module version lacks */
	if (err)
		return zfs_fail(ctx, t->file, err, NULL);
	snprintf(prefix, sizeof(prefix), "node_%s_", t->subsystem);
	snprintf(help_prefix, sizeof(help_prefix), "kstat.zfs.misc.%s.", t->file);
	err = zfs_kstat_rows(b, zfs_table_row, &rc);
	return err ? zfs_fail(ctx, t->file, err, "not a \"name type data\" kstat table") : 0;
}

/* objset rows: dataset_name (whatever its type) names the dataset, the
 * rest of its line from the third field on, spaces included; uint64 rows
 * are its counters. */
static int zfs_objset_row(void *arg, const struct zfs_field *f, const char *line,
			  const char *eol)
{
	struct zfs_row_ctx *rc = arg;
	char name[256], help[256];
	uint64_t u;

	if (zfs_is(&f[0], "dataset_name")) {
		size_t len = (size_t)(eol - f[2].p);

		if (len >= sizeof(rc->dataset) || !pp_label_text(f[2].p, len))
			return -EINVAL;
		memcpy(rc->dataset, f[2].p, len);
		rc->dataset[len] = '\0';
		return 0;
	}
	if (!zfs_is(&f[1], "4"))
		return 0;
	if (zfs_u64(&f[2], &u) ||
	    zfs_names(name, help, sizeof(name), "node_zfs_zpool_dataset_",
		      "kstat.zfs.misc.objset.", &f[0]))
		return -EINVAL;
	ms_add(rc->ms, ms_family(rc->ms, name, METRIC_UNTYPED, help), (double)u, "zpool",
	       rc->zpool, "dataset", rc->dataset, NULL);
	return 0;
}

/* <pool>/io: the row after the "nread ..." header, one number per column. */
static int zfs_pool_io(struct metric_set *ms, const struct buf *b, const char *zpool)
{
	const char *p = b->data, *end = b->data + b->len;
	struct zfs_field hdr[ZFS_MAX_FIELDS], val[ZFS_MAX_FIELDS];
	size_t nhdr = 0;
	bool seen = false;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!eol)
			eol = end;
		if (!nhdr) {
			n = zfs_fields(p, eol, hdr, ZFS_MAX_FIELDS);
			if (n > ZFS_MAX_FIELDS)
				return -EINVAL;
			if (n >= 12 && zfs_is(&hdr[0], "nread"))
				nhdr = n;
		} else {
			/* One row of numbers, as wide as the header: a second
			 * row would repeat each series. */
			n = zfs_fields(p, eol, val, ZFS_MAX_FIELDS);
			if (seen || n < nhdr)
				return -EINVAL;
			for (size_t i = 0; i < nhdr; i++) {
				char name[256], help[256];
				uint64_t u;

				if (zfs_u64(&val[i], &u) ||
				    zfs_names(name, help, sizeof(name), "node_zfs_zpool_",
					      "kstat.zfs.misc.io.", &hdr[i]))
					return -EINVAL;
				ms_add(ms, ms_family(ms, name, METRIC_UNTYPED, help), (double)u,
				       "zpool", zpool, NULL);
			}
			seen = true;
		}
		p = eol + 1;
	}
	return 0;
}

/* <pool>/state: its first line, in lower case, against the seven states. */
static void zfs_pool_state(struct metric_set *ms, const struct buf *b, const char *zpool)
{
	struct family *f = ms_family(ms, "node_zfs_zpool_state", METRIC_GAUGE,
				     "kstat.zfs.misc.state");
	size_t len = strcspn(b->data, "\n");
	char state[16];

	if (len >= sizeof(state))
		len = 0; /* matches none */
	for (size_t i = 0; i < len; i++)
		state[i] = (char)tolower((unsigned char)b->data[i]);
	state[len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(zfs_states); i++)
		ms_add(ms, f, !strcmp(state, zfs_states[i]), "zpool", zpool, "state",
		       zfs_states[i], NULL);
}

static int zfs_pool(struct collect_ctx *ctx, struct metric_set *ms, const char *zpool,
		    struct buf *b)
{
	struct zfs_row_ctx rc = { .ms = ms, .zpool = zpool };
	struct sysfs_dir d;
	char rel[512];
	int err;

	snprintf(rel, sizeof(rel), ZFS_BASE "/%s", zpool);
	err = sysfs_dir_read(&d, ctx->procfs, rel);
	if (err == -ENOTDIR)
		return 0; /* one of the tables, not a pool */
	if (err)
		return zfs_fail(ctx, zpool, err, NULL);
	if (!pp_label_text(zpool, strlen(zpool))) {
		err = zfs_fail(ctx, zpool, -EINVAL, "pool name not UTF-8 text");
		goto out;
	}
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *file = sysfs_dir_name(&d, i);
		bool io = !strcmp(file, "io"), state = !strcmp(file, "state");
		bool objset = !strncmp(file, "objset-", 7);

		if (!io && !state && !objset)
			continue;
		snprintf(rel, sizeof(rel), ZFS_BASE "/%s/%s", zpool, file);
		err = state ? read_file_at(ctx->procfs, rel, b) : pp_read_text(ctx, ctx->procfs, rel, b);
		if (err == -ENOENT) {
			err = 0; /* the pool is being exported */
			continue;
		}
		if (err) {
			err = zfs_fail(ctx, rel + sizeof(ZFS_BASE), err, NULL);
			break;
		}
		if (state) {
			zfs_pool_state(ms, b, zpool);
			continue;
		}
		if (io) {
			err = zfs_pool_io(ms, b, zpool);
		} else {
			rc.dataset[0] = '\0';
			err = zfs_kstat_rows(b, zfs_objset_row, &rc);
		}
		if (err)
			err = zfs_fail(ctx, rel + sizeof(ZFS_BASE), err, "not in kstat's format");
	}
out:
	sysfs_dir_free(&d);
	return err;
}

static int zfs_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct sysfs_dir pools;
	struct buf b;
	int err;

	err = sysfs_dir_read(&pools, ctx->procfs, ZFS_BASE);
	if (err == -ENOENT || err == -ENOTDIR)
		return -ENODATA;
	if (err)
		return err;
	buf_init(&b);
	for (size_t i = 0; !err && i < ARRAY_SIZE(zfs_tables); i++)
		err = zfs_table(ctx, ms, &zfs_tables[i], &b);
	for (size_t i = 0; !err && i < pools.n; i++) {
		const char *name = sysfs_dir_name(&pools, i);

		if (name[0] != '.')
			err = zfs_pool(ctx, ms, name, &b);
	}
	if (!err)
		err = ms_error(ms);
	buf_free(&b);
	sysfs_dir_free(&pools);
	return err;
}

const struct collector collector_zfs = {
	.name = "zfs",
	.help = "ZFS ARC, DMU, ZIL and per-pool kstats from /proc/spl/kstat/zfs",
	.default_enabled = true,
	.collect = zfs_collect,
};
