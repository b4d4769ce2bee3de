/* vmstat: /proc/vmstat → node_vmstat_<name> (untyped), for the fields
 * node_exporter 1.5 exports by default: paging in and out, swapping, page
 * faults and OOM kills.
 *
 * node_exporter selects them with the regular expression
 * ^(oom_kill|pgpg|pswp|pg.*fault).* (--collector.vmstat.fields). Anchored
 * at the start and open at the end, it is a prefix test plus one substring
 * search, done here without a regex engine on every line of a ~200-line file;
 * a --collector.vmstat.fields given runs as a regex (test_vmstat.c checks
 * that the two agree on the default).
 * Only the selected lines are parsed, so an odd value in a field we do not
 * export cannot fail the collector.
 */
#include <errno.h>
#include <stdbool.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

#define PREFIX "node_vmstat_"
#define HELP_PREFIX "/proc/vmstat information field "
/* Today's longest field name is 39 bytes (nr_..._alloc_success); anything far
 * longer is not a kernel field. */
#define MAX_FIELD 128

static const struct collector_option vmstat_options[] = {
	{ "collector.vmstat.fields", COPT_REGEX, "^(oom_kill|pgpg|pswp|pg.*fault).*",
	  "Regexp of fields to return for vmstat collector" },
	{ 0 },
};

/* The default --collector.vmstat.fields, spelled out. */
static bool default_field_wanted(const char *name, size_t len)
{
	static const char *const prefixes[] = { "oom_kill", "pgpg", "pswp" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	/* pg.*fault: "fault" anywhere after the leading "pg". */
	return len > 2 && name[0] == 'p' && name[1] == 'g' && memmem(name + 2, len - 2, "fault", 5);
}

/* re: the given --collector.vmstat.fields, or NULL for the default. */
static bool field_wanted(const regex_t *re, const char *name, size_t len)
{
	char field[MAX_FIELD + 1];

	if (!re)
		return default_field_wanted(name, len);
	if (len > MAX_FIELD)
		return true;    /* refused by the caller */
	memcpy(field, name, len);
	field[len] = '\0';
	return !regexec(re, field, 0, NULL, 0);
}

static int parse_line(struct metric_set *ms, const regex_t *re, const char *line)
{
	size_t len = strcspn(line, " \t");
	const char *p;
	uint64_t v;

	if (!field_wanted(re, line, len))
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
	err = pp_read_text(ctx, ctx->procfs, "vmstat", &b);
	if (err)
		goto out;
	cursor = b.data;
	while ((line = next_line(&cursor))) {
		err = parse_line(ms, ctx->state, line);
		if (err)
			goto out;
	}
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

static int vmstat_init(struct collect_ctx *ctx)
{
	regex_t *re;
	int err;

	if (!collector_opt_given(ctx, &vmstat_options[0]))
		return 0;
	re = malloc(sizeof(*re));
	if (!re)
		return -ENOMEM;
	err = collector_opt_regex(ctx, &vmstat_options[0], re);
	if (err) {
		free(re);
		return err;
	}
	ctx->state = re;
	return 0;
}

static void vmstat_fini(struct collect_ctx *ctx)
{
	if (ctx->state)
		regfree(ctx->state);
	free(ctx->state);
	ctx->state = NULL;
}

const struct collector collector_vmstat = {
	.name = "vmstat",
	.help = "Paging, swapping, page fault and OOM kill counters from /proc/vmstat",
	.default_enabled = true,
	.options = vmstat_options,
	.init = vmstat_init,
	.collect = vmstat_collect,
	.fini = vmstat_fini,
};
