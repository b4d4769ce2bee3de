/* netstat: /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6 →
 * node_netstat_<Proto>_<Field>, untyped, as node_exporter 1.5 names them.
 *
 * netstat and snmp come as line pairs, a header of field names then a line of
 * values under the same "Proto:" prefix; snmp6 is one "Ip6InOctets 128" per
 * line, the protocol being the name up to its first '6'. The kernel exports
 * some four hundred counters; node_exporter keeps only those its default
 * --collector.netstat.fields regex names, and so do we. The regex runs once per
 * field name ever seen, not once per field per interval: the answers are kept
 * in a small hash set, since the same names come back every time.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "parse.h"

/* 1.12's default (1.5's plus TCPOFOQueue and TCPRcvQDrop). */
static const struct collector_option netstat_options[] = {
	{ "collector.netstat.fields", COPT_REGEX,
	  "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|"
	  "OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|"
	  "TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|"
	  "CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$",
	  "Regexp of fields to return for netstat collector" },
	{ 0 },
};

/* Twice the names a 6.x kernel has, so the set stays under half full; past
 * the cap new names are simply matched every time. */
#define NETSTAT_CACHE_SLOTS 2048
#define NETSTAT_CACHE_MAX (NETSTAT_CACHE_SLOTS / 2)
/* A kernel line has ~150 fields (TcpExt); the bound only stops hostile input
 * and keeps the two field arrays at 8 KiB of stack. */
#define NETSTAT_MAX_FIELDS 512

struct netstat_slot {
	char *name; /* "TcpExt_ListenDrops", owned */
	bool match;
};

struct netstat_state {
	regex_t re;
	bool re_ran; /* since it was compiled */
	size_t nused;
	struct netstat_slot slots[NETSTAT_CACHE_SLOTS];
};

static uint64_t netstat_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool netstat_wanted(struct netstat_state *st, const char *name)
{
	size_t i = (size_t)netstat_hash(name) & (NETSTAT_CACHE_SLOTS - 1);
	struct netstat_slot *s;

	for (;; i = (i + 1) & (NETSTAT_CACHE_SLOTS - 1)) {
		s = &st->slots[i];
		if (!s->name)
			break;
		if (!strcmp(s->name, name))
			return s->match;
	}
	bool match = regexec(&st->re, name, 0, NULL, 0) == 0;

	st->re_ran = true;

	if (st->nused < NETSTAT_CACHE_MAX && (s->name = strdup(name))) {
		s->match = match;
		st->nused++;
	}
	return match;
}

static int netstat_emit(struct netstat_state *st, struct metric_set *ms, const char *proto,
			const char *field, const char *value)
{
	size_t plen = strlen(proto), flen = strlen(field);
	char key[128], name[160], help[160];
	double v;

	/* By hand, not snprintf: this runs for every one of ~400 fields and most are
	 * dropped by the filter, so the key is the only string worth building. */
	if (plen + 1 + flen >= sizeof(key))
		return -EINVAL;
	memcpy(key, proto, plen);
	key[plen] = '_';
	memcpy(key + plen + 1, field, flen + 1);
	if (!netstat_wanted(st, key))
		return 0;
	snprintf(name, sizeof(name), "node_netstat_%s", key);
	snprintf(help, sizeof(help), "Statistic %s%s.", proto, field);
	if (!metric_name_valid(name) || parse_double(value, &v))
		return -EINVAL;
	return pp_add_once(ms, name, METRIC_UNTYPED, help, v);
}

/* netstat and snmp: "Proto: names..." then "Proto: values...". */
static int netstat_parse_pairs(struct netstat_state *st, struct metric_set *ms, char *text)
{
	char *names[NETSTAT_MAX_FIELDS], *values[NETSTAT_MAX_FIELDS];
	char *cur = text, *hdr, *val;

	while ((hdr = next_line(&cur))) {
		size_t nn, nv, plen;
		int err;

		nn = split_fields(hdr, names, NETSTAT_MAX_FIELDS);
		if (nn == 0)
			continue;
		val = next_line(&cur);
		if (!val)
			return -EINVAL;
		nv = split_fields(val, values, NETSTAT_MAX_FIELDS);
		plen = strlen(names[0]);
		if (nn != nv || nn == NETSTAT_MAX_FIELDS || plen < 2 || names[0][plen - 1] != ':' ||
		    strcmp(names[0], values[0]))
			return -EINVAL;
		names[0][plen - 1] = '\0';
		for (size_t i = 1; i < nn; i++) {
			err = netstat_emit(st, ms, names[0], names[i], values[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

/* snmp6: "Ip6InReceives    1". */
static int netstat_parse_snmp6(struct netstat_state *st, struct metric_set *ms, char *text)
{
	char *cur = text, *line;

	while ((line = next_line(&cur))) {
		char *f[3], *six, proto[64];
		size_t n = split_fields(line, f, 3);
		int err;

		if (n == 0)
			continue;
		if (n != 2)
			return -EINVAL;
		six = strchr(f[0], '6');
		/* Every name the kernel writes has its '6'; a line without one is nothing we
		 * know how to name, so it is left out rather than guessed at. */
		if (!six || six[1] == '\0' || (size_t)(six - f[0]) + 2 > sizeof(proto))
			continue;
		memcpy(proto, f[0], (size_t)(six - f[0]) + 1);
		proto[six - f[0] + 1] = '\0';
		err = netstat_emit(st, ms, proto, six + 1, f[1]);
		if (err)
			return err;
	}
	return 0;
}

static int netstat_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	static const struct {
		const char *rel;
		bool optional; /* snmp6 is absent when IPv6 is off */
		bool snmp6;
	} files[] = {
	    {"net/netstat", false, false},
	    {"net/snmp", false, false},
	    {"net/snmp6", true, true},
	};
	struct netstat_state *st = ctx->state;
	struct buf b;
	int err = 0;

	if (!st)
		return -EINVAL;
	buf_init(&b);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		err = collect_read(ctx, ctx->procfs, files[i].rel, &b);
		if (err == -ENOENT && files[i].optional) {
			err = 0;
			continue;
		}
		if (!err)
			err = files[i].snmp6 ? netstat_parse_snmp6(st, ms, b.data)
					     : netstat_parse_pairs(st, ms, b.data);
		if (err) {
			snprintf(ctx->detail, sizeof(ctx->detail), "%s: %s", files[i].rel,
				 strerror(-err));
			goto out;
		}
	}
	err = ms_error(ms);
out:
	buf_free(&b);
	/* glibc's regexec() builds a DFA as it matches and keeps it with the
	 * regex: 450 KiB for the default's ".*_" over the first collection's
	 * names. Those answers are cached now, and a fresh compile holds no DFA
	 * until a new name comes. */
	if (st->re_ran) {
		regex_t fresh;

		if (!collector_opt_regex(ctx, &netstat_options[0], &fresh)) {
			regfree(&st->re);
			st->re = fresh;
			st->re_ran = false;
		}
	}
	return err;
}

static void netstat_fini(struct collect_ctx *ctx)
{
	struct netstat_state *st = ctx->state;

	if (!st)
		return;
	for (size_t i = 0; i < NETSTAT_CACHE_SLOTS; i++)
		free(st->slots[i].name);
	regfree(&st->re);
	free(st);
	ctx->state = NULL;
}

static int netstat_init(struct collect_ctx *ctx)
{
	struct netstat_state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	/* An empty --collector.netstat.fields matches every field, as in Go. */
	err = collector_opt_regex(ctx, &netstat_options[0], &st->re);
	if (err) {
		free(st);
		return err;
	}
	ctx->state = st;
	return 0;
}

const struct collector collector_netstat = {
    .name = "netstat",
    .help = "Network statistics from /proc/net/netstat, snmp and snmp6",
    .default_enabled = true,
    .options = netstat_options,
    .init = netstat_init,
    .collect = netstat_collect,
    .fini = netstat_fini,
};
