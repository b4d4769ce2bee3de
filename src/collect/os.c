/* os: <rootfs>/etc/os-release, else <rootfs>/usr/lib/os-release (os-release(5))
 * → node_os_info{build_id,id,...,version_id} 1, node_os_version{id,id_like,
 * name} (the major.minor of VERSION_ID) and node_os_support_end_timestamp_seconds
 * (SUPPORT_END), as node_exporter's os collector exports them.
 *
 * The file is shell-style assignments: KEY=value, the value bare, in double
 * quotes (backslash escapes \" \\ \$ \`) or in single quotes (literal), with
 * comments and blank lines. A line that is none of those is an error naming
 * it, as node_exporter's envparse refuses it. Neither file: -ENODATA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

/* The keys that become labels, in node_os_info's label order. */
enum { OS_BUILD_ID, OS_ID, OS_ID_LIKE, OS_IMAGE_ID, OS_IMAGE_VERSION, OS_NAME, OS_PRETTY_NAME,
       OS_VARIANT, OS_VARIANT_ID, OS_VERSION, OS_VERSION_CODENAME, OS_VERSION_ID, OS_SUPPORT_END,
       OS_NKEYS };
static const char *const os_keys[OS_NKEYS] = {
	"BUILD_ID", "ID",      "ID_LIKE",    "IMAGE_ID", "IMAGE_VERSION",    "NAME",	   "PRETTY_NAME",
	"VARIANT",  "VARIANT_ID", "VERSION", "VERSION_CODENAME", "VERSION_ID", "SUPPORT_END",
};
static const char *const os_labels[OS_SUPPORT_END] = {
	"build_id", "id",      "id_like",    "image_id", "image_version",    "name",	     "pretty_name",
	"variant",  "variant_id", "version", "version_codename", "version_id",
};

/* Decodes the value at p in place (quotes and escapes removed) and returns
 * it, or NULL when a quote is not closed or text follows it. */
static char *os_value(char *p)
{
	char *out = p, *start = p, q = 0;

	while (*p) {
		if (q == '\'') {
			if (*p == '\'')
				q = 0;
			else
				*out++ = *p;
			p++;
			continue;
		}
		if (q == '"') {
			if (*p == '"') {
				q = 0;
				p++;
			} else if (*p == '\\' && p[1] && strchr("\"\\$`", p[1])) {
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
			continue;
		}
		if (*p == '"' || *p == '\'') {
			q = *p++;
			continue;
		}
		if (pp_blank(*p) || *p == '\r') {
			/* Only a comment may follow a value. */
			p = (char *)pp_skip_blanks(p);
			if (*p == '\r')
				p++;
			if (*p && *p != '#')
				return NULL;
			break;
		}
		if (*p == '\\' && p[1]) {
			*out++ = p[1];
			p += 2;
			continue;
		}
		*out++ = *p++;
	}
	if (q)
		return NULL;
	*out = '\0';
	return start;
}

static bool os_key_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

/* Fills vals (pointers into b) from the file's text; -EINVAL names the line. */
static int os_parse(struct collect_ctx *ctx, const char *rel, struct buf *b,
		    const char *vals[OS_NKEYS])
{
	char *cur = b->data, *line;
	unsigned lineno = 0;

	if (memchr(b->data, '\0', b->len))
		goto bad;
	while ((line = next_line(&cur))) {
		char *p = (char *)pp_skip_blanks(line), *key, *eq, *v;

		lineno++;
		if (!*p || *p == '#' || !strcmp(p, "\r"))
			continue;
		if (!strncmp(p, "export", 6) && pp_blank(p[6]))
			p = (char *)pp_skip_blanks(p + 6);
		key = p;
		for (; os_key_char(*p, p == key); p++)
			;
		eq = p;
		if (eq == key || *eq != '=')
			goto bad;
		*eq = '\0';
		v = os_value(eq + 1);
		if (!v)
			goto bad;
		for (size_t i = 0; i < OS_NKEYS; i++)
			if (!strcmp(key, os_keys[i]))
				vals[i] = v;
	}
	return 0;
bad:
	snprintf(ctx->detail, sizeof(ctx->detail), "%s line %u: not KEY=value", rel, lineno);
	return -EINVAL;
}

/* VERSION_ID's leading digits[.digits] ("22.04.3" → 22.04), as node_exporter's
 * ^[0-9]+\.?[0-9]* takes them; 0 when it starts otherwise. */
static double os_version(const char *s)
{
	char tmp[64];
	size_t n = 0;

	while (n < sizeof(tmp) - 1 && s[n] >= '0' && s[n] <= '9')
		n++;
	if (!n)
		return 0;
	if (s[n] == '.')
		for (n++; n < sizeof(tmp) - 1 && s[n] >= '0' && s[n] <= '9'; n++)
			;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

/* SUPPORT_END, YYYY-MM-DD, as Unix seconds at 00:00 UTC. */
static int os_support_end(const char *s, double *out)
{
	struct tm tm = { 0 }, back;
	const char *end;
	int mday;
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -EINVAL;
	/* timegm() rolls 2024-02-30 over into March; Go's time.Parse refuses it. */
	mday = tm.tm_mday;
	t = timegm(&tm);
	if (!gmtime_r(&t, &back) || back.tm_mday != mday)
		return -EINVAL;
	*out = (double)t;
	return 0;
}

static int os_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	static const char *const files[] = { "etc/os-release", "usr/lib/os-release" };
	const char *vals[OS_NKEYS] = { 0 };
	struct label info[OS_SUPPORT_END];
	const char *rel = NULL;
	struct buf b;
	double ver, end = 0;
	int err = -ENOENT;

	buf_init(&b);
	for (size_t i = 0; i < ARRAY_SIZE(files) && err == -ENOENT; i++) {
		rel = files[i];
		err = read_file_at(ctx->rootfs, rel, &b);
	}
	if (err == -ENOENT)
		err = -ENODATA;
	if (!err)
		err = os_parse(ctx, rel, &b, vals);
	if (err)
		goto out;
	for (size_t i = 0; i < OS_SUPPORT_END; i++) {
		const char *v = vals[i] ? vals[i] : "";

		if (!pp_label_text(v, strlen(v))) {
			snprintf(ctx->detail, sizeof(ctx->detail), "%s: %s is not UTF-8 text", rel,
				 os_keys[i]);
			err = -EINVAL;
			goto out;
		}
		info[i] = (struct label){ os_labels[i], v };
	}
	if (vals[OS_SUPPORT_END] && *vals[OS_SUPPORT_END] &&
	    os_support_end(vals[OS_SUPPORT_END], &end)) {
		snprintf(ctx->detail, sizeof(ctx->detail), "%s: SUPPORT_END is not YYYY-MM-DD", rel);
		err = -EINVAL;
		goto out;
	}
	ms_add_labels(ms,
		      ms_family(ms, "node_os_info", METRIC_GAUGE,
				"A metric with a constant '1' value labeled by build_id, id, id_like, "
				"image_id, image_version, name, pretty_name, variant, variant_id, "
				"version, version_codename, version_id."),
		      1, info, OS_SUPPORT_END);
	ver = os_version(info[OS_VERSION_ID].value);
	if (ver > 0)
		ms_add(ms,
		       ms_family(ms, "node_os_version", METRIC_GAUGE,
				 "Metric containing the major.minor part of the OS version."),
		       ver, "id", info[OS_ID].value, "id_like", info[OS_ID_LIKE].value, "name",
		       info[OS_NAME].value, NULL);
	if (vals[OS_SUPPORT_END] && *vals[OS_SUPPORT_END])
		ms_set(ms, "node_os_support_end_timestamp_seconds", METRIC_GAUGE,
		       "Metric containing the end-of-life date timestamp of the OS.", end);
	err = ms_error(ms);
out:
	buf_free(&b);
	return err;
}

const struct collector collector_os = {
	.name = "os",
	.help = "Operating system identification from /etc/os-release",
	.default_enabled = true,
	.collect = os_collect,
};
