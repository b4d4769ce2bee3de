/* timex: adjtimex(2) → node_timex_*, the kernel's clock discipline state
 * (offset, frequency, error bounds, PPS counters, sync status), as
 * node_exporter's timex collector exports it.
 *
 * Not a file, so no --path.* applies: the values are the running kernel's.
 * A read-only call (modes 0) needs no privilege; a seccomp profile that
 * refuses it (EPERM) is the host having no such data, as in node_exporter.
 */
#include <errno.h>
#include <sys/timex.h>

#include "collector.h"
#include "util.h"

/* Replaced only by tests/test_timex.c, which feeds known kernel states. */
int (*timex_adjtimex_fn)(struct timex *tx) = adjtimex;

/* Units of struct timex (adjtimex(2)): offsets in µs, or ns with STA_NANO;
 * frequencies in ppm with a 16-bit binary fraction. */
#define TX_US 1e6
#define TX_NS 1e9
#define TX_PPM16 (1e6 * 65536.0)

static int timex_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct timex tx = { .modes = 0 };
	int state = timex_adjtimex_fn(&tx);
	double div;

	if (state < 0)
		return errno == EPERM ? -ENODATA : -errno;
	div = tx.status & STA_NANO ? TX_NS : TX_US;
	ms_set(ms, "node_timex_sync_status", METRIC_GAUGE,
	       "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
	       state == TIME_ERROR ? 0 : 1);
	ms_set(ms, "node_timex_offset_seconds", METRIC_GAUGE,
	       "Time offset in between local system and reference clock.", (double)tx.offset / div);
	ms_set(ms, "node_timex_frequency_adjustment_ratio", METRIC_GAUGE,
	       "Local clock frequency adjustment.", 1 + (double)tx.freq / TX_PPM16);
	ms_set(ms, "node_timex_maxerror_seconds", METRIC_GAUGE, "Maximum error in seconds.",
	       (double)tx.maxerror / TX_US);
	ms_set(ms, "node_timex_estimated_error_seconds", METRIC_GAUGE,
	       "Estimated error in seconds.", (double)tx.esterror / TX_US);
	ms_set(ms, "node_timex_status", METRIC_GAUGE, "Value of the status array bits.",
	       (double)tx.status);
	ms_set(ms, "node_timex_loop_time_constant", METRIC_GAUGE, "Phase-locked loop time constant.",
	       (double)tx.constant);
	ms_set(ms, "node_timex_tick_seconds", METRIC_GAUGE, "Seconds between clock ticks.",
	       (double)tx.tick / TX_US);
	ms_set(ms, "node_timex_pps_frequency_hertz", METRIC_GAUGE, "Pulse per second frequency.",
	       (double)tx.ppsfreq / TX_PPM16);
	ms_set(ms, "node_timex_pps_jitter_seconds", METRIC_GAUGE, "Pulse per second jitter.",
	       (double)tx.jitter / div);
	ms_set(ms, "node_timex_pps_shift_seconds", METRIC_GAUGE,
	       "Pulse per second interval duration.", (double)tx.shift);
	ms_set(ms, "node_timex_pps_stability_hertz", METRIC_GAUGE,
	       "Pulse per second stability, average of recent frequency changes.",
	       (double)tx.stabil / TX_PPM16);
	ms_set(ms, "node_timex_pps_jitter_total", METRIC_COUNTER,
	       "Pulse per second count of jitter limit exceeded events.", (double)tx.jitcnt);
	ms_set(ms, "node_timex_pps_calibration_total", METRIC_COUNTER,
	       "Pulse per second count of calibration intervals.", (double)tx.calcnt);
	ms_set(ms, "node_timex_pps_error_total", METRIC_COUNTER,
	       "Pulse per second count of calibration errors.", (double)tx.errcnt);
	ms_set(ms, "node_timex_pps_stability_exceeded_total", METRIC_COUNTER,
	       "Pulse per second count of stability limit exceeded events.", (double)tx.stbcnt);
	ms_set(ms, "node_timex_tai_offset_seconds", METRIC_GAUGE,
	       "International Atomic Time (TAI) offset.", (double)tx.tai);
	return ms_error(ms);
}

const struct collector collector_timex = {
	.name = "timex",
	.help = "Kernel clock discipline state (NTP/PTP) from adjtimex(2)",
	.default_enabled = true,
	.collect = timex_collect,
};
