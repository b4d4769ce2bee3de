/* The histogram and counter pieces of the terminal view (`infra-monitor
 * latency`), shared by the print op of every BPF program (src/bpf/NAME.c):
 * interval deltas of cumulative readings, shown as text bars with
 * p50/p90/p99. A counter that went down shows as a gap, never as a clamped
 * or wrapped number, as in the JSONL's derived histograms.
 *
 * Written for a person troubleshooting: a bar is the share of the interval's
 * events (one event among many is a sliver, not a tail), and sizes are the
 * upper bound of their bucket, which for block I/O (powers of two) is the
 * size itself: 4 KiB I/Os read "4 KiB".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define BAR_WIDTH 40

/* "812us", "3.10ms", "1.20s"; bytes as "4 KiB", "1.5 MiB", "512 B". */
static void fmt_value(char *out, size_t outsz, double v, int bytes)
{
	if (isnan(v))
		snprintf(out, outsz, "-");
	else if (bytes && v >= 1024 * 1024)
		snprintf(out, outsz, "%.3g MiB", v / (1024 * 1024));
	else if (bytes && v >= 1024)
		snprintf(out, outsz, "%.3g KiB", v / 1024);
	else if (bytes)
		snprintf(out, outsz, "%.0f B", v);
	else if (v >= 1)
		snprintf(out, outsz, "%.2fs", v);
	else if (v >= 1e-3)
		snprintf(out, outsz, "%.2fms", v * 1e3);
	else
		snprintf(out, outsz, "%.0fus", v * 1e6);
}

/* The upper bound of the bucket holding quantile q: a value the data really
 * reached, where interpolation would invent 3.0 KiB between 2 and 4. */
static double quantile_le(const struct nhist *h, double q)
{
	double rank = q * (double)h->count;
	uint64_t seen = h->zero_count;

	if (!h->count)
		return NAN;
	if (h->zero_count && (double)seen >= rank)
		return nhist_zero_threshold(h);
	for (uint32_t i = 0; i < h->nbuckets; i++) {
		seen += h->buckets[i];
		if (h->buckets[i] && (double)seen >= rank)
			return nhist_bound(h->schema, h->first + (int32_t)i);
	}
	return nhist_bound(h->schema, h->first + (int32_t)h->nbuckets - 1);
}

/* The bars are one per power of two of the unit (the classic buckets: 2^schema
 * native ones each) between the first and last non-empty one; count and
 * percentiles come from the fine native buckets. */
int cli_hist_print(FILE *out, const char *title, const struct nhist *now,
		   const struct nhist *prev, int bytes)
{
	enum { MAX_ROWS = 64 };
	uint64_t rows[MAX_ROWS + 2] = { 0 };
	int first = -1, last = -1, nrows;
	char p50[16], p90[16], p99[16];
	struct nhist d;

	if (nhist_sub(now, prev, &d)) {
		fprintf(out, "  %s  counters reset: no value this interval\n\n", title);
		return 1;
	}
	if (!d.count)
		return 0;
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
	}
	if (bytes) {
		fmt_value(p50, sizeof(p50), quantile_le(&d, 0.50), bytes);
		fmt_value(p90, sizeof(p90), quantile_le(&d, 0.90), bytes);
		fmt_value(p99, sizeof(p99), quantile_le(&d, 0.99), bytes);
	} else {
		fmt_value(p50, sizeof(p50), nhist_quantile(&d, 0.50), bytes);
		fmt_value(p90, sizeof(p90), nhist_quantile(&d, 0.90), bytes);
		fmt_value(p99, sizeof(p99), nhist_quantile(&d, 0.99), bytes);
	}
	fprintf(out, "  %s  count=%llu p50=%s p90=%s p99=%s\n", title, (unsigned long long)d.count,
		p50, p90, p99);
	fprintf(out, "  %24s : %-8s %-6s %s\n", bytes ? "size" : "latency", "count", "share",
		"distribution");
	for (int r = first; r <= last; r++) {
		double lo = r ? nhist_zero_threshold(&d) * ldexp(1, r - 1) : 0;
		double hi = nhist_zero_threshold(&d) * ldexp(1, r);
		char range[48], l[16], h[16], bar[BAR_WIDTH + 1];
		/* Share of the interval's events, at least one mark when any. */
		int n = (int)((rows[r] * BAR_WIDTH + d.count - 1) / d.count);

		fmt_value(l, sizeof(l), lo, bytes);
		fmt_value(h, sizeof(h), hi, bytes);
		if (r == nrows + 1)
			snprintf(range, sizeof(range), "%s -> ...", l);
		else
			snprintf(range, sizeof(range), "%s -> %s", r ? l : "0", h);
		memset(bar, '*', (size_t)n);
		bar[n] = '\0';
		fprintf(out, "  %24s : %-8llu %5.1f%% |%-*s|\n", range, (unsigned long long)rows[r],
			100.0 * (double)rows[r] / (double)d.count, BAR_WIDTH, bar);
	}
	fprintf(out, "\n");
	return 1;
}

void cli_fmt_seconds(char *out, size_t outsz, double v)
{
	fmt_value(out, outsz, v, 0);
}

const char *cli_counter_delta(uint64_t now, uint64_t prev, char *buf, size_t bufsz)
{
	if (now < prev)
		return "-";
	snprintf(buf, bufsz, "%llu", (unsigned long long)(now - prev));
	return buf;
}
