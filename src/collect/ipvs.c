/* ipvs: <procfs>/net/ip_vs_stats → node_ipvs_{connections,incoming_packets,
 * outgoing_packets,incoming_bytes,outgoing_bytes}_total, and <procfs>/net/ip_vs
 * → node_ipvs_backend_{connections_active,connections_inactive,weight} per
 * backend, as node_exporter's ipvs collector exports them.
 *
 * --collector.ipvs.backend-labels picks which of the six backend labels are
 * kept (node_exporter's flag and default); backends that become equal under
 * the labels kept are summed, as there. Without the ip_vs module the stats
 * file is missing: -ENODATA.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

enum { IPVS_OPT_LABELS };
static const struct collector_option ipvs_options[] = {
	[IPVS_OPT_LABELS] = { "collector.ipvs.backend-labels", COPT_STRING,
			      "local_address,local_port,remote_address,remote_port,proto,local_mark",
			      "Comma separated list for IPVS backend stats labels" },
	{ 0 },
};

enum { L_LADDR, L_LPORT, L_RADDR, L_RPORT, L_PROTO, L_MARK, L_N };
static const char *const ipvs_label_names[L_N] = { "local_address",  "local_port", "remote_address",
						   "remote_port", "proto",	     "local_mark" };
/* INET6_ADDRSTRLEN, and a firewall mark's text is cut to fit as well. */
#define IPVS_VAL 48

struct ipvs_backend {
	char val[L_N][IPVS_VAL]; /* "" for a label not kept */
	uint64_t active, inactive, weight;
};

struct ipvs_state {
	bool keep[L_N];
};

/* "C0A80016:0CEA" (IPv4, hex) or "[2620:0:...]:0050" (IPv6) into text as Go's
 * net.IP prints it (IPv4-mapped IPv6 as IPv4) and the port in decimal. */
static int ipvs_addr(const char *s, char addr[IPVS_VAL], char port[IPVS_VAL])
{
	size_t len = strlen(s);
	uint64_t v;
	const char *p;

	if (len == 13 && s[8] == ':') {
		struct in_addr a;
		char hex[9];

		memcpy(hex, s, 8);
		hex[8] = '\0';
		p = pp_x64(hex, &v);
		if (!p || *p)
			return -EINVAL;
		a.s_addr = htonl((uint32_t)v);
		inet_ntop(AF_INET, &a, addr, IPVS_VAL);
	} else if (len == 46 && s[0] == '[' && s[40] == ']' && s[41] == ':') {
		struct in6_addr a6;
		char tmp[40];

		memcpy(tmp, s + 1, 39);
		tmp[39] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return -EINVAL;
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			inet_ntop(AF_INET, &a6.s6_addr[12], addr, IPVS_VAL);
		else
			inet_ntop(AF_INET6, &a6, addr, IPVS_VAL);
	} else {
		return -EINVAL;
	}
	p = pp_x64(s + len - 4, &v);
	if (!p || *p)
		return -EINVAL;
	pp_fmt_u64(port, v);
	return 0;
}

static int ipvs_cmp(const void *a, const void *b)
{
	const struct ipvs_backend *x = a, *y = b;

	for (int i = 0; i < L_N; i++) {
		int c = strcmp(x->val[i], y->val[i]);

		if (c)
			return c;
	}
	return 0;
}

/* The third line of ip_vs_stats: five hex totals. */
static int ipvs_totals(struct collect_ctx *ctx, struct metric_set *ms, struct buf *b)
{
	static const char *const names[] = { "node_ipvs_connections_total",
					     "node_ipvs_incoming_packets_total",
					     "node_ipvs_outgoing_packets_total",
					     "node_ipvs_incoming_bytes_total",
					     "node_ipvs_outgoing_bytes_total" };
	static const char *const helps[] = { "The total number of connections made.",
					     "The total number of incoming packets.",
					     "The total number of outgoing packets.",
					     "The total amount of incoming data.",
					     "The total amount of outgoing data." };
	char *cur, *line = NULL, *f[6];
	uint64_t v[5];
	int err = pp_read_text(ctx, ctx->procfs, "net/ip_vs_stats", b);

	if (err)
		return err == -ENOENT ? -ENODATA : err;
	cur = b->data;
	for (int i = 0; i < 3; i++)
		line = next_line(&cur);
	if (!line || split_fields(line, f, ARRAY_SIZE(f)) != 5)
		goto bad;
	for (int i = 0; i < 5; i++) {
		const char *p = pp_x64(f[i], &v[i]);

		if (!p || *p)
			goto bad;
	}
	for (int i = 0; i < 5; i++)
		ms_set(ms, names[i], METRIC_COUNTER, helps[i], (double)v[i]);
	return 0;
bad:
	snprintf(ctx->detail, sizeof(ctx->detail), "net/ip_vs_stats: line 3 is not 5 hex totals");
	return -EINVAL;
}

/* Backends of net/ip_vs into *out (the caller frees), the labels not kept
 * blanked. */
static int ipvs_backends(struct collect_ctx *ctx, struct buf *b, struct ipvs_backend **out,
			 size_t *nout)
{
	struct ipvs_state *s = ctx->state;
	char proto[IPVS_VAL] = "", mark[IPVS_VAL] = "", laddr[IPVS_VAL] = "", lport[IPVS_VAL] = "0";
	struct ipvs_backend *v = NULL;
	size_t n = 0, cap = 0;
	unsigned lineno = 0;
	char *cur, *line;
	int err = pp_read_text(ctx, ctx->procfs, "net/ip_vs", b);

	if (err)
		return err;
	cur = b->data;
	while ((line = next_line(&cur))) {
		char *f[7];
		size_t nf = split_fields(line, f, ARRAY_SIZE(f));
		struct ipvs_backend *e;
		const char *const *vals;

		lineno++;
		if (nf < 2 || !strcmp(f[0], "IP") || !strcmp(f[0], "Prot") ||
		    !strcmp(f[1], "RemoteAddress:Port"))
			continue;
		if (!strcmp(f[0], "TCP") || !strcmp(f[0], "UDP")) {
			snprintf(proto, sizeof(proto), "%s", f[0]);
			mark[0] = '\0';
			if (ipvs_addr(f[1], laddr, lport))
				goto bad;
			continue;
		}
		if (!strcmp(f[0], "FWM")) {
			if (strlen(f[1]) >= IPVS_VAL || !pp_label_text(f[1], strlen(f[1])))
				goto bad;
			snprintf(proto, sizeof(proto), "%s", f[0]);
			snprintf(mark, sizeof(mark), "%s", f[1]);
			laddr[0] = '\0';
			strcpy(lport, "0");
			continue;
		}
		if (strcmp(f[0], "->") || nf < 6)
			continue;
		if (n == cap) {
			struct ipvs_backend *nv = realloc(v, (cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv) {
				err = -ENOMEM;
				goto out;
			}
			v = nv;
			cap = cap ? cap * 2 : 32;
		}
		e = &v[n];
		if (ipvs_addr(f[1], e->val[L_RADDR], e->val[L_RPORT]) ||
		    parse_u64(f[3], &e->weight) || parse_u64(f[4], &e->active) ||
		    parse_u64(f[5], &e->inactive))
			goto bad;
		vals = (const char *const[]){ laddr, lport, NULL, NULL, proto, mark };
		for (int i = 0; i < L_N; i++) {
			if (vals[i])
				snprintf(e->val[i], IPVS_VAL, "%s", vals[i]);
			if (!s->keep[i])
				e->val[i][0] = '\0';
		}
		n++;
	}
	*out = v;
	*nout = n;
	return 0;
bad:
	snprintf(ctx->detail, sizeof(ctx->detail), "net/ip_vs line %u: not a service or backend",
		 lineno);
	err = -EINVAL;
out:
	free(v);
	return err;
}

static int ipvs_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct ipvs_state *s = ctx->state;
	struct family *act = NULL, *inact = NULL, *weight = NULL;
	struct ipvs_backend *v = NULL;
	size_t n = 0;
	struct buf b;
	int err;

	buf_init(&b);
	err = ipvs_totals(ctx, ms, &b);
	if (!err)
		err = ipvs_backends(ctx, &b, &v, &n);
	if (err)
		goto out;
	if (n)
		qsort(v, n, sizeof(*v), ipvs_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		struct label l[L_N];
		uint32_t nl = 0;

		for (j = i + 1; j < n && !ipvs_cmp(&v[i], &v[j]); j++) {
			v[i].active += v[j].active;
			v[i].inactive += v[j].inactive;
			v[i].weight += v[j].weight;
		}
		for (int k = 0; k < L_N; k++)
			if (s->keep[k])
				l[nl++] = (struct label){ ipvs_label_names[k], v[i].val[k] };
		if (!act) {
			act = ms_family(ms, "node_ipvs_backend_connections_active", METRIC_GAUGE,
					"The current active connections by local and remote address.");
			inact = ms_family(ms, "node_ipvs_backend_connections_inactive", METRIC_GAUGE,
					  "The current inactive connections by local and remote "
					  "address.");
			weight = ms_family(ms, "node_ipvs_backend_weight", METRIC_GAUGE,
					   "The current backend weight by local and remote address.");
		}
		ms_add_labels(ms, act, (double)v[i].active, l, nl);
		ms_add_labels(ms, inact, (double)v[i].inactive, l, nl);
		ms_add_labels(ms, weight, (double)v[i].weight, l, nl);
	}
	err = ms_error(ms);
out:
	free(v);
	buf_free(&b);
	return err;
}

static int ipvs_init(struct collect_ctx *ctx)
{
	const char *spec = collector_opt(ctx, &ipvs_options[IPVS_OPT_LABELS]);
	struct ipvs_state *s = calloc(1, sizeof(*s));
	const char *p = spec ? spec : "";

	if (!s)
		return -ENOMEM;
	/* Empty items are skipped, an unknown name is an error (node_exporter's
	 * parseIpvsLabels); the order of the labels is always the default's. */
	while (*p) {
		size_t len = strcspn(p, ",");
		int i;

		for (i = 0; i < L_N; i++)
			if (len == strlen(ipvs_label_names[i]) &&
			    !strncmp(p, ipvs_label_names[i], len))
				break;
		if (len && i == L_N) {
			snprintf(ctx->detail, sizeof(ctx->detail),
				 "--collector.ipvs.backend-labels: unknown label \"%.*s\"",
				 (int)(len > 64 ? 64 : len), p);
			free(s);
			return -EINVAL;
		}
		if (len)
			s->keep[i] = true;
		p += len + (p[len] == ',');
	}
	ctx->state = s;
	return 0;
}

static void ipvs_fini(struct collect_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct collector collector_ipvs = {
	.name = "ipvs",
	.help = "IPVS totals and backend connections from /proc/net/ip_vs and ip_vs_stats",
	.default_enabled = true,
	.options = ipvs_options,
	.init = ipvs_init,
	.collect = ipvs_collect,
	.fini = ipvs_fini,
};
