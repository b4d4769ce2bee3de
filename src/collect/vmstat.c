/* vmstat: /proc/vmstat → node_vmstat_<name> (untyped), for the fields
 * node_exporter 1.5 exports by default: paging in and out, swapping, page
 * faults and OOM kills.
 *
 * node_exporter selects them with the regular expression
 * ^(oom_kill|pgpg|pswp|pg.*fault).* (--collector.vmstat.fields). Anchored
 * at the start and open at the end, it is a prefix test plus one substring
 * search, done here without a regex engine on every line of a ~200-line file.
 * Only the selected lines are parsed, so an odd value in a field we do not
 * export cannot fail the collector.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

#define PREFIX "node_vmstat_"
#define HELP_PREFIX "/proc/vmstat information field "
/* Today's longest field name is 39 bytes (nr_..._alloc_success); anything far
 * longer is not a kernel field. */
#define MAX_FIELD 128

/* The default --collector.vmstat.fields of node_exporter, spelled out. */
static bool field_wanted(const char *name, size_t len)
{
	static const char *const prefixes[] = { "oom_kill", "pgpg", "pswp" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	/* pg.*fault: "fault" anywhere after the leading "pg". */
	return len > 2 && name[0] == 'p' && name[1] == 'g' && memmem(name + 2, len - 2, "fault", 5);
}

static int parse_line(struct metric_set *ms, const char *line)
{
	size_t len = strcspn(line, " \t");
	const char *p;
	uint64_t v;

	if (!field_wanted(line, len))
		return 0;
	if (len > MAX_FIELD)
		return -EINVAL;
	p = pp_u64_field(pp_skip_blanks(line + len), &v);
	if (!p || *pp_skip_blanks(p))
		return -EINVAL;
	/* ms_family() rejects a name that is not a metric name (sticky). */
	return pp_add_field(ms, PREFIX, HELP_PREFIX, line, len, METRIC_UNTYPED, (double)v);
}

static int vmstat_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	char *cursor, *line;
	struct buf b;
	int err;

	buf_init(&b);
	err = pp_read_text(ctx->procfs, "vmstat", &b);
	if (err)
		goto out;
	cursor = b.data;
	while ((line = next_line(&cursor))) {
		err = parse_line(ms, line);
		if (err)
			goto out;
	}
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_vmstat = {
	.name = "vmstat",
	.help = "Paging, swapping, page fault and OOM kill counters from /proc/vmstat",
	.default_enabled = true,
	.collect = vmstat_collect,
};
