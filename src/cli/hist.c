/* The histogram and counter pieces of the terminal view (`infra-monitor
 * latency`), shared by the print op of every BPF program (src/bpf/NAME.c):
 * interval deltas of cumulative readings, shown as bcc-style text bars with
 * p50/p90/p99. A counter that went down shows as a gap, never as a clamped
 * or wrapped number, as in the JSONL's derived histograms.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define BAR_WIDTH 40

/* "812us", "3.1ms", "1.20s", or bytes as "4KiB". */
static void fmt_value(char *out, size_t outsz, double v, int bytes)
{
	if (isnan(v))
		snprintf(out, outsz, "-");
	else if (bytes && v >= 1024 * 1024)
		snprintf(out, outsz, "%.1fMiB", v / (1024 * 1024));
	else if (bytes && v >= 1024)
		snprintf(out, outsz, "%.1fKiB", v / 1024);
	else if (bytes)
		snprintf(out, outsz, "%.0fB", v);
	else if (v >= 1)
		snprintf(out, outsz, "%.2fs", v);
	else if (v >= 1e-3)
		snprintf(out, outsz, "%.2fms", v * 1e3);
	else
		snprintf(out, outsz, "%.0fus", v * 1e6);
}

/* The bars are one per power of two of the unit (the classic buckets: 2^schema
 * native ones each) between the first and last non-empty one; count and
 * percentiles come from the fine native buckets. */
void cli_hist_print(FILE *out, const char *title, const struct nhist *now,
		    const struct nhist *prev, int bytes)
{
	enum { MAX_ROWS = 64 };
	uint64_t rows[MAX_ROWS + 2] = { 0 }, max = 0;
	int first = -1, last = -1, nrows;
	char p50[16], p90[16], p99[16];
	struct nhist d;

	if (nhist_sub(now, prev, &d)) {
		fprintf(out, "  %s  counters reset: no value this interval\n\n", title);
		return;
	}
	if (!d.count)
		return;
	/* Row r >= 1 covers (2^(r-1), 2^r] times the zero threshold, which is
	 * a power of two: native buckets 8(r-1)+1 .. 8r above it. Row 0 is the
	 * zero bucket, row nrows + 1 what lies above the top bucket. */
	nrows = (int)((d.nbuckets + (1u << d.schema) - 1) >> d.schema);
	if (nrows > MAX_ROWS)
		nrows = MAX_ROWS;
	rows[0] = d.zero_count;
	for (uint32_t i = 0; i < d.nbuckets; i++) {
		uint32_t r = (i >> d.schema) + 1;

		rows[r <= (uint32_t)nrows ? r : (uint32_t)nrows] += d.buckets[i];
	}
	rows[nrows + 1] = nhist_overflow(&d);
	for (int r = 0; r <= nrows + 1; r++) {
		if (!rows[r])
			continue;
		if (first < 0)
			first = r;
		last = r;
		if (rows[r] > max)
			max = rows[r];
	}
	fmt_value(p50, sizeof(p50), nhist_quantile(&d, 0.50), bytes);
	fmt_value(p90, sizeof(p90), nhist_quantile(&d, 0.90), bytes);
	fmt_value(p99, sizeof(p99), nhist_quantile(&d, 0.99), bytes);
	fprintf(out, "  %s  count=%llu p50=%s p90=%s p99=%s\n", title, (unsigned long long)d.count,
		p50, p90, p99);
	fprintf(out, "  %22s : %-8s %s\n", bytes ? "bytes" : "usecs", "count", "distribution");
	for (int r = first; r <= last; r++) {
		double unit = bytes ? 1 : 1e6;  /* bounds shown in bytes or us */
		double lo = r ? nhist_zero_threshold(&d) * ldexp(unit, r - 1) : 0;
		double hi = nhist_zero_threshold(&d) * ldexp(unit, r);
		char range[48], bar[BAR_WIDTH + 1];
		int n = (int)(max ? (rows[r] * BAR_WIDTH + max - 1) / max : 0);

		if (r == nrows + 1)
			snprintf(range, sizeof(range), "%.6g -> ...", lo);
		else
			snprintf(range, sizeof(range), "%.6g -> %.6g", lo, hi);
		memset(bar, '*', (size_t)n);
		bar[n] = '\0';
		fprintf(out, "  %22s : %-8llu |%-*s|\n", range, (unsigned long long)rows[r],
			BAR_WIDTH, bar);
	}
	fprintf(out, "\n");
}

const char *cli_counter_delta(uint64_t now, uint64_t prev, char *buf, size_t bufsz)
{
	if (now < prev)
		return "-";
	snprintf(buf, bufsz, "%llu", (unsigned long long)(now - prev));
	return buf;
}
