#include <sys/timex.h>

#include "collect_assert.h"

extern int (*timex_adjtimex_fn)(struct timex *tx);

static struct timex fake;
static int fake_state, fake_errno;

static int fake_adjtimex(struct timex *tx)
{
	if (fake_state < 0) {
		errno = fake_errno;
		return -1;
	}
	assert_int_equal(tx->modes, 0); /* read-only, never a clock change */
	*tx = fake;
	return fake_state;
}

static struct metric_set *run(int want)
{
	struct metric_set *ms = ms_new();
	struct collect_ctx ctx = { 0 };

	timex_adjtimex_fn = fake_adjtimex;
	assert_int_equal(collector_timex.collect(&ctx, ms), want);
	timex_adjtimex_fn = adjtimex;
	return ms;
}

static void test_timex_micro(void **state)
{
	struct metric_set *ms;

	/* chrony-disciplined, microsecond mode: values as adjtimex(2) reports them. */
	fake = (struct timex){ .offset = -1250, .freq = -1310720, .maxerror = 2500,
			       .esterror = 150, .status = STA_PLL, .constant = 7,
			       .tick = 10000, .ppsfreq = 655360, .jitter = 40, .shift = 2,
			       .stabil = 65536, .jitcnt = 3, .calcnt = 4, .errcnt = 5,
			       .stbcnt = 6, .tai = 37 };
	fake_state = TIME_OK;
	ms = run(0);
	assert_family(ms, "node_timex_offset_seconds", METRIC_GAUGE,
		      "Time offset in between local system and reference clock.", 1);
	assert_family(ms, "node_timex_pps_jitter_total", METRIC_COUNTER,
		      "Pulse per second count of jitter limit exceeded events.", 1);
	assert_sample(ms, 1, "node_timex_sync_status");
	assert_sample(ms, -0.00125, "node_timex_offset_seconds");
	assert_sample(ms, 1 - 20e-6, "node_timex_frequency_adjustment_ratio"); /* -20 ppm */
	assert_sample(ms, 0.0025, "node_timex_maxerror_seconds");
	assert_sample(ms, 0.00015, "node_timex_estimated_error_seconds");
	assert_sample(ms, STA_PLL, "node_timex_status");
	assert_sample(ms, 7, "node_timex_loop_time_constant");
	assert_sample(ms, 0.01, "node_timex_tick_seconds");
	assert_sample(ms, 10e-6, "node_timex_pps_frequency_hertz");
	assert_sample(ms, 40e-6, "node_timex_pps_jitter_seconds");
	assert_sample(ms, 2, "node_timex_pps_shift_seconds");
	assert_sample(ms, 1e-6, "node_timex_pps_stability_hertz");
	assert_sample(ms, 3, "node_timex_pps_jitter_total");
	assert_sample(ms, 4, "node_timex_pps_calibration_total");
	assert_sample(ms, 5, "node_timex_pps_error_total");
	assert_sample(ms, 6, "node_timex_pps_stability_exceeded_total");
	assert_sample(ms, 37, "node_timex_tai_offset_seconds");
	ms_free(ms);
}

static void test_timex_nano_unsynced(void **state)
{
	struct metric_set *ms;

	/* STA_NANO: offset and jitter are nanoseconds; TIME_ERROR: not synced. */
	fake = (struct timex){ .offset = 1500, .jitter = 250, .status = STA_NANO | STA_UNSYNC,
			       .maxerror = 16000000, .tick = 10000 };
	fake_state = TIME_ERROR;
	ms = run(0);
	assert_sample(ms, 0, "node_timex_sync_status");
	assert_sample(ms, 1.5e-6, "node_timex_offset_seconds");
	assert_sample(ms, 250e-9, "node_timex_pps_jitter_seconds");
	assert_sample(ms, 16, "node_timex_maxerror_seconds");
	ms_free(ms);

	/* A sandbox that forbids the call: the host has no such data. */
	fake_state = -1;
	fake_errno = EPERM;
	ms_free(run(-ENODATA));
	fake_errno = EFAULT;
	ms_free(run(-EFAULT));
}

static void test_timex_real(void **state)
{
	struct metric_set *ms = ms_new();
	struct collect_ctx ctx = { 0 };

	/* The running kernel: a tick is between 1/10000 and 1/10 s on any Linux. */
	assert_int_equal(collector_timex.collect(&ctx, ms), 0);
	assert_int_equal(ca_nsamples(ms, "node_timex_tick_seconds"), 1);
	assert_true(ms_find(ms, "node_timex_tick_seconds")->samples[0].value >= 1e-4);
	assert_true(ms_find(ms, "node_timex_tick_seconds")->samples[0].value <= 0.1);
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timex_micro),
		cmocka_unit_test(test_timex_nano_unsynced),
		cmocka_unit_test(test_timex_real),
	};
	return cmocka_run_group_tests_name("timex", tests, NULL, NULL);
}
