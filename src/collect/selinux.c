/* selinux: node_selinux_enabled, and when it is, node_selinux_current_mode
 * (<sysfs>/fs/selinux/enforce) and node_selinux_config_mode (SELINUX= in
 * <rootfs>/etc/selinux/config: 1 enforcing, 0 permissive, -1 otherwise), as
 * node_exporter's selinux collector exports them through go-selinux.
 *
 * go-selinux finds selinuxfs through the mount table and reads the config at
 * /etc; here both go through --path.sysfs and --path.rootfs, so a container
 * watching its host reads the host's. SELinux is enabled when selinuxfs has
 * its enforce file, which the kernel only creates with a policy loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

/* SELINUX=... of the config, as go-selinux's DefaultEnforceMode() maps it. */
static int selinux_config_mode(const struct collect_ctx *ctx, struct buf *b)
{
	char *cur, *line;

	if (read_file_at(ctx->rootfs, "etc/selinux/config", b))
		return -1;
	cur = b->data;
	while ((line = next_line(&cur))) {
		char *p = (char *)pp_skip_blanks(line), *end;

		if (strncmp(p, "SELINUX=", 8) != 0)
			continue;
		p += 8;
		end = p + strlen(p);
		while (end > p && (pp_blank(end[-1]) || end[-1] == '\r'))
			*--end = '\0';
		if (*p == '"' && end - p >= 2 && end[-1] == '"') {
			end[-1] = '\0';
			p++;
		}
		if (!strcmp(p, "enforcing"))
			return 1;
		if (!strcmp(p, "permissive"))
			return 0;
		return -1;
	}
	return -1;
}

static int selinux_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct buf b;
	uint64_t enforce;
	int err;

	buf_init(&b);
	err = pp_read_u64(ctx, ctx->sysfs, "fs/selinux/enforce", &b, &enforce);
	if (err == -ENOENT) {
		ms_set(ms, "node_selinux_enabled", METRIC_GAUGE,
		       "SELinux is enabled, 1 is true, 0 is false", 0);
		err = ms_error(ms);
		goto out;
	}
	if (!err && enforce > 1)
		err = -EINVAL;
	if (err) {
		snprintf(ctx->detail, sizeof(ctx->detail), "fs/selinux/enforce: %s",
			 err == -EINVAL ? "not 0 or 1" : strerror(-err));
		goto out;
	}
	ms_set(ms, "node_selinux_enabled", METRIC_GAUGE, "SELinux is enabled, 1 is true, 0 is false",
	       1);
	ms_set(ms, "node_selinux_config_mode", METRIC_GAUGE, "Configured SELinux enforcement mode",
	       selinux_config_mode(ctx, &b));
	ms_set(ms, "node_selinux_current_mode", METRIC_GAUGE, "Current SELinux enforcement mode",
	       (double)enforce);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_selinux = {
	.name = "selinux",
	.help = "SELinux status and enforcement mode from selinuxfs and /etc/selinux/config",
	.default_enabled = true,
	.collect = selinux_collect,
};
