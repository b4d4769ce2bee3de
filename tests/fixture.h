/* Shared helpers for the cmocka unit tests: where the fixture trees are,
 * looking up one sample of a filled metric_set by name and labels, and
 * inflating the gzip the server and gzjoin write. */
#ifndef IM_TEST_FIXTURE_H
#define IM_TEST_FIXTURE_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "buf.h"
#include "collector.h"
#include "metrics.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures"
#endif

/* A collect_ctx rooted in a fixture tree, e.g. fixture_ctx("default"):
 * procfs = tests/fixtures/default/proc, sysfs = .../sys, rootfs = .../root,
 * udev_data = .../root/run/udev/data (where --path.udev.data points in e2e.sh). */
struct fixture_paths {
	char procfs[512], sysfs[512], rootfs[512], udev_data[600];
};

static inline struct collect_ctx fixture_ctx(struct fixture_paths *p, const char *tree)
{
	snprintf(p->procfs, sizeof(p->procfs), "%s/%s/proc", FIXTURES, tree);
	snprintf(p->sysfs, sizeof(p->sysfs), "%s/%s/sys", FIXTURES, tree);
	snprintf(p->rootfs, sizeof(p->rootfs), "%s/%s/root", FIXTURES, tree);
	snprintf(p->udev_data, sizeof(p->udev_data), "%s/%s/root/run/udev/data", FIXTURES, tree);
	return (struct collect_ctx){ .procfs = p->procfs, .sysfs = p->sysfs, .rootfs = p->rootfs,
				     .udev_data = p->udev_data };
}

/* The sample of family `name` whose labels are exactly the NULL-terminated
 * name/value pairs given, or NULL. */
static inline const struct sample *fixture_find(const struct metric_set *ms, const char *name, ...)
{
	const struct family *f = ms_find(ms, name);
	const char *want[32];
	size_t n = 0;
	va_list ap;

	if (!f)
		return NULL;
	va_start(ap, name);
	for (const char *k; n < 30 && (k = va_arg(ap, const char *));) {
		want[n++] = k;
		want[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	for (size_t i = 0; i < f->nsamples; i++) {
		const struct sample *s = &f->samples[i];
		size_t j;

		if (s->nlabels != n / 2)
			continue;
		for (j = 0; j < n; j += 2) {
			const char *v = sample_label(s, want[j]);

			if (!v || strcmp(v, want[j + 1]) != 0)
				break;
		}
		if (j == n)
			return s;
	}
	return NULL;
}

/* Asserts that the sample exists and has the value expected (to 1e-9 relative). */
#define assert_sample(ms, expected, ...)                                                  \
	do {                                                                              \
		const struct sample *s_ = fixture_find(ms, __VA_ARGS__, NULL);            \
		if (!s_)                                                                  \
			fail_msg("no sample %s", #__VA_ARGS__);                           \
		double e_ = (expected);                                                   \
		if (fabs(s_->value - e_) > 1e-9 * fmax(1.0, fabs(e_)))                    \
			fail_msg("%s = %.17g, want %.17g", #__VA_ARGS__, s_->value, e_); \
	} while (0)

#define assert_no_sample(ms, ...) assert_null(fixture_find(ms, __VA_ARGS__, NULL))

/* Any sample of family `name` carrying label `label` = `value`, whatever its
 * other labels, or NULL: for checking that a device or mount is present or
 * excluded without spelling out every label. */
static inline const struct sample *fixture_find_labeled(const struct metric_set *ms,
							const char *name, const char *label,
							const char *value)
{
	const struct family *f = ms_find(ms, name);

	for (size_t i = 0; f && i < f->nsamples; i++) {
		const char *v = sample_label(&f->samples[i], label);

		if (v && strcmp(v, value) == 0)
			return &f->samples[i];
	}
	return NULL;
}

/* Inflates one gzip member into out, NUL-terminated (16 + MAX_WBITS: gzip
 * header and trailer, whose CRC and length zlib checks). 0, or a zlib error;
 * trailing garbage after the member is an error too. */
static inline int fixture_gunzip(const void *in, size_t inlen, struct buf *out)
{
	z_stream zs = { 0 };
	int rc;

	buf_reset(out);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return Z_MEM_ERROR;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)inlen;
	do {
		buf_reserve(out, 65536);
		zs.next_out = (Bytef *)out->data + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		rc = inflate(&zs, Z_NO_FLUSH);
		out->len = zs.total_out;
	} while (rc == Z_OK);
	if (rc == Z_STREAM_END && zs.avail_in)
		rc = Z_DATA_ERROR;
	inflateEnd(&zs);
	buf_cstr(out);
	return rc == Z_STREAM_END ? 0 : rc;
}

#endif
