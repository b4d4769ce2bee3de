/* The collector table: every collector this binary knows, in run order.
 * Adding a collector is one line here plus its own src/collect/NAME.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#include "collector.h"
#include "config.h"
#include "util.h"

const struct collector *const collectors[] = {
	&collector_cpu,
	&collector_stat,
	&collector_meminfo,
	&collector_loadavg,
	&collector_vmstat,
	&collector_pressure,
	&collector_diskstats,
	&collector_filesystem,
	&collector_netdev,
	&collector_netstat,
	&collector_sockstat,
	&collector_uname,
	&collector_time,
	&collector_filefd,
	&collector_hwmon,
	&collector_thermal_zone,
	&collector_netclass,
	&collector_cpufreq,
	&collector_powersupplyclass,
	&collector_conntrack,
	&collector_entropy,
	&collector_softnet,
	&collector_timex,
	&collector_udp_queues,
	&collector_arp,
	&collector_schedstat,
	&collector_os,
	&collector_selinux,
	&collector_kernel_hung,
	&collector_rapl,
	&collector_bonding,
	&collector_dmi,
	&collector_nfs,
	&collector_nfsd,
	&collector_ipvs,
	&collector_watchdog,
	&collector_edac,
	&collector_fibrechannel,
	&collector_nvme,
	&collector_tapestats,
	&collector_infiniband,
	&collector_zfs,
	&collector_dmmultipath,
	&collector_mdadm,
	&collector_xfs,
	&collector_btrfs,
	&collector_bcache,
	&collector_bpf,
	/* Last: it refuses families the others exported (collect_ctx). */
	&collector_textfile,
	NULL,
};

const struct collector *collector_find(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		if (strcmp(collectors[i]->name, name) == 0)
			return collectors[i];
	return NULL;
}

const char *collector_opt(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = ctx->cfg ? config_collector_opt(ctx->cfg, o) : NULL;

	return v ? v : o->def;
}

/* The config layer checked every given value against its kind, and defaults
 * are ours: a parse failure here can only be an unset option, which reads as
 * false or 0. */
bool collector_opt_bool(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = collector_opt(ctx, o);
	int b = 0;

	return v && !parse_bool(v, &b) && b;
}

uint64_t collector_opt_u64(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = collector_opt(ctx, o);
	uint64_t u = 0;

	return v && !parse_u64(v, &u) ? u : 0;
}

uint64_t collector_opt_ms(const struct collect_ctx *ctx, const struct collector_option *o)
{
	const char *v = collector_opt(ctx, o);
	uint64_t ms = 0;

	return v && !parse_duration_ms(v, &ms) ? ms : 0;
}

bool collector_opt_given(const struct collect_ctx *ctx, const struct collector_option *o)
{
	return ctx->cfg && config_collector_opt(ctx->cfg, o);
}

int collector_opt_regex(const struct collect_ctx *ctx, const struct collector_option *o,
			regex_t *re)
{
	const char *v = collector_opt(ctx, o);

	if (!v)
		return -ENODATA;
	return collector_regcomp(re, v);
}

struct device_filter *device_filter_new(struct collect_ctx *ctx,
					const struct collector_option *include,
					const struct collector_option *exclude)
{
	struct device_filter *f = calloc(1, sizeof(*f));
	const struct collector_option *bad = include;
	bool inc_given = collector_opt_given(ctx, include);
	int err = -ENOMEM;

	if (!f)
		goto out;
	err = -EINVAL;
	if (inc_given && collector_opt_given(ctx, exclude)) {
		snprintf(ctx->detail, sizeof(ctx->detail), "--%s and --%s are mutually exclusive",
			 include->name, exclude->name);
		goto out;
	}
	err = collector_opt_regex(ctx, include, &f->include);
	f->has_include = !err;
	if (err == -ENODATA) {
		bad = exclude;
		err = collector_opt_regex(ctx, exclude, &f->exclude);
		f->has_exclude = !err;
	}
	if (err == -ENODATA || !err)
		return f;
	/* The config layer checked given values; only a default can fail. */
	snprintf(ctx->detail, sizeof(ctx->detail), "bad regex of --%s", bad->name);
out:
	device_filter_free(f);
	errno = -err;
	return NULL;
}

bool device_filter_ignored(const struct device_filter *f, const char *name)
{
	if (f->has_exclude && !regexec(&f->exclude, name, 0, NULL, 0))
		return true;
	return f->has_include && regexec(&f->include, name, 0, NULL, 0);
}

void device_filter_free(struct device_filter *f)
{
	if (!f)
		return;
	if (f->has_include)
		regfree(&f->include);
	if (f->has_exclude)
		regfree(&f->exclude);
	free(f);
}

/* ------------------------------------------------------------------------ */
/* Go (RE2) expressions to POSIX ERE                                        */

/* Perl classes as ERE: outside a bracket expression, and the inside of one. */
static const struct {
	char c;
	const char *outside, *inside;
} perl_classes[] = {
	{ 'd', "[0-9]", "0-9" },
	{ 'D', "[^0-9]", NULL },
	{ 's', "[[:space:]]", "[:space:]" },
	{ 'S', "[^[:space:]]", NULL },
	{ 'w', "[[:alnum:]_]", "[:alnum:]_" },
	{ 'W', "[^[:alnum:]_]", NULL },
};

static int go_escape(struct buf *out, char c, bool in_bracket)
{
	for (size_t i = 0; i < ARRAY_SIZE(perl_classes); i++) {
		if (perl_classes[i].c != c)
			continue;
		/* A negated class inside [...] has no ERE spelling. */
		if (in_bracket && !perl_classes[i].inside)
			return -EINVAL;
		buf_puts(out, in_bracket ? perl_classes[i].inside : perl_classes[i].outside);
		return 0;
	}
	if (c == 't' || c == 'n') {
		buf_putc(out, c == 't' ? '\t' : '\n');
		return 0;
	}
	/* \b, \A, \pL...: assertions and classes ERE lacks. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || !c)
		return -EINVAL;
	if (in_bracket) {
		/* Inside ERE brackets a backslash is literal and ], - and ^ only
		 * mean themselves by position, which a translation cannot keep. */
		if (c == ']' || c == '-' || c == '^')
			return -EINVAL;
		if (c == '\\')
			buf_putc(out, '\\');
		else
			buf_putc(out, c);
		return 0;
	}
	buf_putc(out, '\\');
	buf_putc(out, c);
	return 0;
}

int collector_regcomp(regex_t *re, const char *go_re)
{
	struct buf out;
	bool in_bracket = false;
	int err = 0;

	buf_init(&out);
	for (const char *p = go_re; *p && !err; p++) {
		if (*p == '\\') {
			err = go_escape(&out, *++p, in_bracket);
			if (!*p)
				break;
			continue;
		}
		if (in_bracket) {
			/* "[:alpha:]" inside brackets is one token in both dialects. */
			if (p[0] == '[' && p[1] == ':') {
				const char *end = strstr(p + 2, ":]");

				if (end) {
					buf_put(&out, p, (size_t)(end + 2 - p));
					p = end + 1;
					continue;
				}
			}
			in_bracket = *p != ']';
			buf_putc(&out, *p);
			continue;
		}
		if (*p == '[') {
			/* A leading ^ and then a leading ] belong to the set. */
			buf_putc(&out, *p);
			if (p[1] == '^')
				buf_putc(&out, *++p);
			if (p[1] == ']')
				buf_putc(&out, *++p);
			in_bracket = true;
			continue;
		}
		if (*p == '(' && p[1] == '?') {
			if (p[2] != ':') {
				err = -EINVAL;     /* flags, named groups */
				break;
			}
			buf_putc(&out, '(');
			p += 2;
			continue;
		}
		if ((*p == '*' || *p == '+' || *p == '?' || *p == '}') && p[1] == '?') {
			err = -EINVAL;     /* lazy quantifier */
			break;
		}
		/* Nested repetition ("p++", "a*+"): Go refuses it, and glibc's
		 * regcomp() expands it exponentially (2 GiB for 77 '+'). */
		if ((*p == '*' || *p == '+' || *p == '?') && (p[1] == '*' || p[1] == '+')) {
			err = -EINVAL;
			break;
		}
		buf_putc(&out, *p);
	}
	if (!err && in_bracket)
		err = -EINVAL;
	if (!err && out.oom)
		err = -ENOMEM;
	if (!err)
		err = regcomp_bounded(re, buf_cstr(&out));
	buf_free(&out);
	return err;
}

struct kept_file {
	char *path;
	int fd;
	unsigned int read_flags; /* for read_fd() */
	bool read;      /* by the collect() under way */
};

/* A bound on the files kept by all collectors together (hundreds of disks):
 * past it, files are opened each time. With the netclass collector's 184 it
 * stays inside the 512 descriptors the daemon budgets for itself beside its
 * HTTP connections (HTTP_NOFILE_WANTED). */
#define KEPT_MAX 256
static atomic_uint kept_total;

static void kept_close(struct collect_ctx *ctx, size_t i)
{
	atomic_fetch_sub(&kept_total, 1);
	close(ctx->kept[i].fd);
	free(ctx->kept[i].path);
	ctx->kept[i] = ctx->kept[--ctx->nkept];
}

/* Keeps fd, open on path (root/rel), if it is a kernel file and the bound
 * allows. */
static void keep(struct collect_ctx *ctx, const char *path, const char *root, const char *rel,
		 int fd)
{
	enum kernel_fs fs = atomic_load(&kept_total) < KEPT_MAX ? kernel_fs_of(fd) : KERNEL_FS_NONE;
	/* The sysctls: procfs's sys/ directory. */
	bool sysctl = fs == KERNEL_FS_PROC && root && ctx->procfs && !strcmp(root, ctx->procfs) &&
		      !strncmp(rel, "sys/", 4);
	char *copy = NULL;

	if (fs && !array_reserve((void **)&ctx->kept, &ctx->kept_cap, ctx->nkept,
				 sizeof(*ctx->kept), 8) &&
	    (copy = strdup(path))) {
		ctx->kept[ctx->nkept++] = (struct kept_file){
			.path = copy,
			.fd = fd,
			.read_flags = READ_FROM_START |
				      (fs == KERNEL_FS_SYS || sysctl ? READ_WHOLE_AT_ONCE : 0),
			.read = true,
		};
		atomic_fetch_add(&kept_total, 1);
		return;
	}
	close(fd);
}

int collect_read(struct collect_ctx *ctx, const char *root, const char *rel, struct buf *b)
{
	char path[4096];
	int fd, err = path_join(path, sizeof(path), root, rel);

	if (err)
		return err;
	if (!ctx)
		return read_file(path, b);
	for (size_t i = 0; i < ctx->nkept; i++) {
		struct kept_file *k = &ctx->kept[i];

		if (strcmp(k->path, path))
			continue;
		k->read = true;
		if (!read_fd(k->fd, k->read_flags, b))
			return 0;
		kept_close(ctx, i);
		break;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_reset(b);
		return -errno;
	}
	err = read_fd(fd, 0, b);
	if (err)
		close(fd);
	else
		keep(ctx, path, root, rel, fd);
	return err;
}

void collect_ctx_sweep(struct collect_ctx *ctx)
{
	for (size_t i = ctx->nkept; i-- > 0;) {
		if (ctx->kept[i].read)
			ctx->kept[i].read = false;
		else
			kept_close(ctx, i);
	}
}

void collect_ctx_release(struct collect_ctx *ctx)
{
	while (ctx->nkept)
		kept_close(ctx, ctx->nkept - 1);
	free(ctx->kept);
	ctx->kept = NULL;
	ctx->nkept = ctx->kept_cap = 0;
}
