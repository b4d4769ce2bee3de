/* uname: node_uname_info{domainname,machine,nodename,release,sysname,version} 1,
 * node_exporter 1.5's labelled info series for joining host facts onto
 * other metrics.
 *
 * node_exporter asks uname(2), which always describes the host it runs on.
 * We read the same strings from <procfs>/sys/kernel/ (the kernel fills
 * utsname from the same fields), so that --path.procfs, a container looking
 * at the host's /proc, and the fixture trees of the tests all describe the
 * tree they point at. Only machine, which /proc/sys does not publish, comes
 * from uname(2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

/* utsname fields are 65 bytes in the kernel; allow slack, refuse junk. */
#define MAX_VALUE 256

/* Label order is node_exporter's (alphabetical); machine has no file. */
static const struct {
	const char *label;
	const char *file;
} fields[] = {
	{ "domainname", "sys/kernel/domainname" },
	{ "machine", NULL },
	{ "nodename", "sys/kernel/hostname" },
	{ "release", "sys/kernel/osrelease" },
	{ "sysname", "sys/kernel/ostype" },
	{ "version", "sys/kernel/version" },
};

#define NFIELDS ARRAY_SIZE(fields)

static int uname_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	char values[NFIELDS][MAX_VALUE + 1];
	struct label labels[NFIELDS];
	struct utsname u;
	struct buf b;
	int err = 0;

	if (uname(&u))
		return -errno;
	buf_init(&b);
	for (size_t i = 0; i < NFIELDS; i++) {
		labels[i] = (struct label){ fields[i].label, values[i] };
		if (!fields[i].file) {
			memcpy(values[i], u.machine, sizeof(u.machine) < sizeof(values[i])
							     ? sizeof(u.machine)
							     : sizeof(values[i]));
			values[i][MAX_VALUE] = '\0';
			continue;
		}
		err = read_file_at(ctx->procfs, fields[i].file, &b);
		if (!err)
			err = pp_one_line(&b);
		if (!err && (b.len > MAX_VALUE || !pp_label_text(b.data, b.len)))
			err = -EINVAL;
		if (err) {
			snprintf(ctx->detail, sizeof(ctx->detail), "%s", fields[i].file);
			goto out;
		}
		memcpy(values[i], b.data, b.len + 1);
	}
	ms_add_labels(ms, ms_family(ms, "node_uname_info", METRIC_GAUGE,
				    "Labeled system information as provided by the uname system call."),
		      1, labels, NFIELDS);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_uname = {
	.name = "uname",
	.help = "Kernel name, release, version, host name and machine as a labelled info series",
	.default_enabled = true,
	.collect = uname_collect,
};
