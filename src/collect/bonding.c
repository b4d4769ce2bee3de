/* bonding: <sysfs>/class/net/bonding_masters and each master's bonding/slaves
 * → node_bonding_slaves{master} and node_bonding_active{master} (slaves whose
 * MII status is "up"), as node_exporter's bonding collector exports them.
 *
 * A slave's status is at <master>/lower_<slave>/bonding_slave/mii_status
 * (Linux 4.13 and later), else at <master>/slave_<slave>/... (older). Without
 * the bonding driver there is no bonding_masters: -ENODATA; any other missing
 * file is -ENODATA too, as node_exporter treats every ErrNotExist.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

/* An interface name from a file, safe to put in a path and a label. */
static bool bond_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < 64 && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") &&
	       pp_label_text(s, n);
}

/* A master listed twice would give one series two values. */
static bool bond_seen(const struct family *f, const char *master)
{
	for (size_t i = 0; i < f->nsamples; i++)
		if (!strcmp(sample_label(&f->samples[i], "master"), master))
			return true;
	return false;
}

/* 1 when the slave's MII status is "up", 0 otherwise, or -errno. */
static int bond_slave_up(const struct collect_ctx *ctx, const char *master, const char *slave,
			 struct buf *b)
{
	static const char *const dirs[] = { "lower_", "slave_" };
	char rel[256];
	int err = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(dirs) && err == -ENOENT; i++) {
		snprintf(rel, sizeof(rel), "class/net/%s/%s%s/bonding_slave/mii_status", master,
			 dirs[i], slave);
		err = read_file_at(ctx->sysfs, rel, b);
	}
	if (err)
		return err;
	err = pp_one_line(b);
	return err ? err : !strcmp(b->data, "up");
}

static int bonding_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct family *slaves_f = NULL, *active_f = NULL;
	struct buf masters, slaves, st;
	char *mcur, *master;
	int err;

	buf_init(&masters);
	buf_init(&slaves);
	buf_init(&st);
	err = read_file_at(ctx->sysfs, "class/net/bonding_masters", &masters);
	if (!err && memchr(masters.data, '\0', masters.len))
		err = -EINVAL;
	if (err)
		goto out;
	mcur = masters.data;
	while ((master = strtok_r(mcur, " \t\n", &mcur))) {
		char rel[256], *scur, *slave;
		unsigned nslaves = 0, nactive = 0;

		if (!bond_name_ok(master) ||
		    (slaves_f && bond_seen(slaves_f, master))) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "class/net/bonding_masters: bad or repeated name");
			err = -EINVAL;
			goto out;
		}
		snprintf(rel, sizeof(rel), "class/net/%s/bonding/slaves", master);
		err = read_file_at(ctx->sysfs, rel, &slaves);
		if (!err && memchr(slaves.data, '\0', slaves.len))
			err = -EINVAL;
		if (err)
			goto out;
		scur = slaves.data;
		while ((slave = strtok_r(scur, " \t\n", &scur))) {
			int up;

			if (!bond_name_ok(slave)) {
				snprintf(ctx->detail, sizeof(ctx->detail), "%.200s: bad slave name", rel);
				err = -EINVAL;
				goto out;
			}
			up = bond_slave_up(ctx, master, slave, &st);
			if (up < 0) {
				err = up;
				goto out;
			}
			nslaves++;
			nactive += (unsigned)up;
		}
		if (!slaves_f) {
			slaves_f = ms_family(ms, "node_bonding_slaves", METRIC_GAUGE,
					     "Number of configured slaves per bonding interface.");
			active_f = ms_family(ms, "node_bonding_active", METRIC_GAUGE,
					     "Number of active slaves per bonding interface.");
		}
		ms_add(ms, slaves_f, nslaves, "master", master, NULL);
		ms_add(ms, active_f, nactive, "master", master, NULL);
	}
	err = ms_error(ms);
out:
	buf_free(&st);
	buf_free(&slaves);
	buf_free(&masters);
	return err == -ENOENT ? -ENODATA : err;
}

const struct collector collector_bonding = {
	.name = "bonding",
	.help = "Configured and active slaves of bonding interfaces from /sys/class/net",
	.default_enabled = true,
	.collect = bonding_collect,
};
