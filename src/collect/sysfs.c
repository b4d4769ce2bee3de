/* sysfs walking helpers shared by the /sys collectors; see sysfs.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sysfs.h"
#include "util.h"

static int cmp_entry(const void *a, const void *b, void *names)
{
	const char *base = names;

	return strcmp(base + *(const size_t *)a, base + *(const size_t *)b);
}

int sysfs_dir_read(struct sysfs_dir *d, const char *root, const char *rel)
{
	char path[4096];
	size_t cap = 0;
	struct dirent *e;
	DIR *dir;
	int err = rel ? path_join(path, sizeof(path), root, rel) : 0;

	memset(d, 0, sizeof(*d));
	buf_init(&d->names);
	if (err)
		return err;
	dir = opendir(rel ? path : root);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (d->n == cap) {
			size_t *o = realloc(d->off, (cap ? cap * 2 : 16) * sizeof(*o));

			if (!o) {
				err = -ENOMEM;
				break;
			}
			d->off = o;
			cap = cap ? cap * 2 : 16;
		}
		d->off[d->n++] = d->names.len;
		buf_put(&d->names, e->d_name, strlen(e->d_name) + 1);
	}
	closedir(dir);
	if (!err && d->names.oom)
		err = -ENOMEM;
	if (err) {
		sysfs_dir_free(d);
		return err;
	}
	if (d->n)
		qsort_r(d->off, d->n, sizeof(*d->off), cmp_entry, d->names.data);
	return 0;
}

void sysfs_dir_free(struct sysfs_dir *d)
{
	buf_free(&d->names);
	free(d->off);
	d->off = NULL;
	d->n = 0;
}

int sysfs_each_set(const char *root, const char *rel,
		   int (*fn)(const char *dir, const char *name, void *arg), void *arg)
{
	struct sysfs_dir d;
	char dir[4096];
	size_t found = 0;
	int err = sysfs_dir_read(&d, root, rel);

	if (err == -ENOENT)
		return -ENODATA;
	for (size_t i = 0; !err && i < d.n; i++) {
		const char *name = sysfs_dir_name(&d, i);

		if (!strchr(name, '-'))
			continue;
		found++;
		err = sysfs_path(dir, sizeof(dir), root, rel, name);
		if (!err)
			err = fn(dir, name, arg);
	}
	sysfs_dir_free(&d);
	return err ? err : found ? 0 : -ENODATA;
}

int sysfs_read_str(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b)
{
	int err = collect_read(ctx, root, rel, b);
	size_t start = 0;

	if (err)
		return err;
	while (b->len && isspace((unsigned char)b->data[b->len - 1]))
		b->data[--b->len] = '\0';
	while (start < b->len && isspace((unsigned char)b->data[start]))
		start++;
	if (start) {
		memmove(b->data, b->data + start, b->len - start + 1);
		b->len -= start;
	}
	if (memchr(b->data, '\0', b->len) || memchr(b->data, '\n', b->len))
		return -EINVAL;
	return 0;
}

int sysfs_read_u64(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b,
		   uint64_t *out)
{
	int err = sysfs_read_str(ctx, root, rel, b);

	return err ? err : parse_u64(b->data, out);
}

int sysfs_read_i64(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b,
		   int64_t *out)
{
	int err = sysfs_read_str(ctx, root, rel, b);

	return err ? err : parse_i64(b->data, out);
}

int sysfs_read_double(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b,
		   double *out)
{
	int err = sysfs_read_str(ctx, root, rel, b);

	return err ? err : parse_double(b->data, out);
}

int sysfs_path(char *out, size_t outsz, const char *root, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s/%s/%s", root, a, b);

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

/* node_exporter reads an empty pattern as no pattern, not as one matching
 * everything. */
static int filter_regex(const struct collect_ctx *ctx, const struct collector_option *o,
			regex_t *re, bool *has)
{
	const char *v = o ? collector_opt(ctx, o) : NULL;
	int err = v && *v ? collector_opt_regex(ctx, o, re) : -ENODATA;

	*has = !err;
	return err == -ENODATA ? 0 : err;
}

int dev_filter_init(struct dev_filter *f, const struct collect_ctx *ctx,
		    const struct collector_option *exclude, const struct collector_option *include)
{
	int err;

	memset(f, 0, sizeof(*f));
	err = filter_regex(ctx, exclude, &f->exclude, &f->has_exclude);
	if (!err)
		err = filter_regex(ctx, include, &f->include, &f->has_include);
	if (err)
		dev_filter_free(f);
	return err;
}

bool dev_filter_ignored(const struct dev_filter *f, const char *name)
{
	return (f->has_exclude && !regexec(&f->exclude, name, 0, NULL, 0)) ||
	       (f->has_include && regexec(&f->include, name, 0, NULL, 0));
}

void dev_filter_free(struct dev_filter *f)
{
	if (f->has_exclude)
		regfree(&f->exclude);
	if (f->has_include)
		regfree(&f->include);
	f->has_exclude = f->has_include = false;
}

int dev_filter_state_init(struct collect_ctx *ctx, const struct collector_option *exclude)
{
	return dev_filter_pair_state_init(ctx, exclude, NULL);
}

int dev_filter_pair_state_init(struct collect_ctx *ctx, const struct collector_option *exclude,
			       const struct collector_option *include)
{
	struct dev_filter *f = calloc(1, sizeof(*f));
	int err = f ? dev_filter_init(f, ctx, exclude, include) : -ENOMEM;

	if (err) {
		free(f);
		return err;
	}
	ctx->state = f;
	return 0;
}

void dev_filter_state_fini(struct collect_ctx *ctx)
{
	if (ctx->state)
		dev_filter_free(ctx->state);
	free(ctx->state);
	ctx->state = NULL;
}

char *sysfs_clean_name(char *s)
{
	size_t n = 0, start = 0, len;

	for (char *p = s; *p; p++) {
		char c = (char)tolower((unsigned char)*p);

		*p = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' ? c : '_';
	}
	len = strlen(s);
	while (start < len && s[start] == '_')
		start++;
	while (len > start && s[len - 1] == '_')
		len--;
	n = len - start;
	memmove(s, s + start, n);
	s[n] = '\0';
	return s;
}

void sysfs_valid_utf8(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	bool bad = false;

	buf_reset(out);
	while (p < end) {
		size_t n = pp_utf8_len(p, end);

		if (!n) {
			if (!bad)
				buf_puts(out, "\xef\xbf\xbd");
			bad = true;
			p++;
			continue;
		}
		bad = false;
		buf_put(out, p, n);
		p += n;
	}
	buf_cstr(out);
}
