/* Assertions for the /proc collector tests, on top of fixture.h: a family's
 * type, HELP text and size, and a collector's whole life on one tree. Kept
 * apart from fixture.h so the two can grow without stepping on each other. */
#ifndef IM_TEST_COLLECT_ASSERT_H
#define IM_TEST_COLLECT_ASSERT_H

#include "fixture.h"

/* Asserts that family `name` exists with that type and HELP text, and has
 * nsamples samples (a negative nsamples skips the count). */
#define assert_family(ms, name, type_, help_, nsamples_)                                  \
	do {                                                                              \
		const struct family *f_ = ms_find(ms, name);                              \
		if (!f_)                                                                  \
			fail_msg("no family %s", name);                                   \
		assert_int_equal(f_->type, type_);                                        \
		assert_string_equal(f_->help, help_);                                     \
		if ((nsamples_) >= 0)                                                     \
			assert_int_equal(f_->nsamples, (size_t)(nsamples_));              \
	} while (0)

/* Number of samples in family `name`, 0 when it does not exist. */
static inline size_t ca_nsamples(const struct metric_set *ms, const char *name)
{
	const struct family *f = ms_find(ms, name);

	return f ? f->nsamples : 0;
}

/* Runs a collector's whole life (init, collect, fini) on one fixture tree and
 * returns collect's result; the set is left filled for assertions. */
static inline int ca_collect(const struct collector *c, const char *tree,
				  struct metric_set *ms)
{
	struct fixture_paths p;
	struct collect_ctx ctx = fixture_ctx(&p, tree);
	int err = c->init ? c->init(&ctx) : 0;

	if (!err)
		err = c->collect(&ctx, ms);
	if (c->fini)
		c->fini(&ctx);
	return err;
}

#endif
