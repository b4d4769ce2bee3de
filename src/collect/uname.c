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
 *
 * sysname, release and version are fixed in the running kernel image, so
 * after the first good read they are kept in the state (three fewer file
 * reads per interval); nodename and domainname can change at any time and
 * are read every interval.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
	bool fixed;             /* cannot change until reboot */
} fields[] = {
	{ "domainname", "sys/kernel/domainname", false },
	{ "machine", NULL, true },
	{ "nodename", "sys/kernel/hostname", false },
	{ "release", "sys/kernel/osrelease", true },
	{ "sysname", "sys/kernel/ostype", true },
	{ "version", "sys/kernel/version", true },
};

#define NFIELDS ARRAY_SIZE(fields)

struct uname_state {
	bool cached;
	char values[NFIELDS][MAX_VALUE + 1];    /* the fixed fields only */
};

static int uname_init(struct collect_ctx *ctx)
{
	ctx->state = calloc(1, sizeof(struct uname_state));
	return ctx->state ? 0 : -ENOMEM;
}

static void uname_fini(struct collect_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

static int uname_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct uname_state *st = ctx->state;
	char values[NFIELDS][MAX_VALUE + 1];
	struct label labels[NFIELDS];
	struct utsname u;
	struct family *f;
	struct buf b;
	int err = 0;

	if (uname(&u))
		return -errno;
	buf_init(&b);
	for (size_t i = 0; i < NFIELDS; i++) {
		labels[i] = (struct label){ fields[i].label, values[i] };
		if (st && st->cached && fields[i].fixed) {
			memcpy(values[i], st->values[i], sizeof(values[i]));
			continue;
		}
		if (!fields[i].file) {
			memcpy(values[i], u.machine, sizeof(u.machine) < sizeof(values[i])
							     ? sizeof(u.machine)
							     : sizeof(values[i]));
			values[i][MAX_VALUE] = '\0';
			continue;
		}
		err = collect_read(ctx, ctx->procfs, fields[i].file, &b);
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
	if (st && !st->cached) {
		for (size_t i = 0; i < NFIELDS; i++)
			if (fields[i].fixed)
				memcpy(st->values[i], values[i], sizeof(values[i]));
		st->cached = true;
	}
	f = ms_family(ms, "node_uname_info", METRIC_GAUGE,
		      "Labeled system information as provided by the uname system call.");
	ms_add_labels(ms, f, 1, labels, NFIELDS);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_uname = {
	.name = "uname",
	.help = "Kernel name, release, version, host name and machine as a labelled info series",
	.default_enabled = true,
	.init = uname_init,
	.collect = uname_collect,
	.fini = uname_fini,
};
