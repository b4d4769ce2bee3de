/* nfs and nfsd: the kernel's RPC statistics for the NFS client
 * (<procfs>/net/rpc/nfs → node_nfs_*) and server (<procfs>/net/rpc/nfsd →
 * node_nfsd_*), as node_exporter's nfs and nfsd collectors export them
 * through procfs's nfs package. Two collectors, one parser: both files are
 * lines of a tag and decimal numbers ("net 0 0 0 0", "proc3 22 0 1 ...").
 *
 * Per-procedure lines start with their count of procedures; a line whose
 * count disagrees with its length is an error, as in procfs. A line that is
 * absent (NFSv2 on current kernels) exports zeros, because node_exporter
 * always exports every procedure it knows. A tag procfs does not know is an
 * error there and here. No file (module not loaded) is -ENODATA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "util.h"

/* More numbers than any line has (proc4ops: 76 in 6.x). */
#define NFS_MAX_VALS 128

enum { T_NET, T_RPC, T_PROC2, T_PROC3, T_PROC4, T_RC, T_FH, T_IO, T_TH, T_RA, T_PROC4OPS,
       T_WDELEG, T_NTAGS };
static const char *const nfs_tags[T_NTAGS] = { "net", "rpc", "proc2", "proc3", "proc4",
					       "rc",  "fh",  "io",    "th",    "ra",
					       "proc4ops", "wdeleg_getattr" };

struct nfs_stats {
	uint64_t v[T_NTAGS][NFS_MAX_VALS]; /* zero where the line was absent */
	size_t n[T_NTAGS];
};

/* Procedure names in the order of their columns (after the count), as
 * procfs's V2Stats, V3Stats and ClientV4Stats name them. */
static const char *const nfs_v2[] = { "Null",   "GetAttr", "SetAttr", "Root",  "Lookup",
				      "ReadLink", "Read",  "WrCache", "Write", "Create",
				      "Remove", "Rename",  "Link",    "SymLink", "MkDir",
				      "RmDir",  "ReadDir", "FsStat" };
static const char *const nfs_v3[] = { "Null",    "GetAttr", "SetAttr",     "Lookup", "Access",
				      "ReadLink", "Read",   "Write",       "Create", "MkDir",
				      "SymLink", "MkNod",   "Remove",      "RmDir",  "Rename",
				      "Link",    "ReadDir", "ReadDirPlus", "FsStat", "FsInfo",
				      "PathConf", "Commit" };
static const char *const nfs_v4_client[] = {
	"Null", "Read", "Write", "Commit", "Open", "OpenConfirm", "OpenNoattr", "OpenDowngrade",
	"Close", "Setattr", "FsInfo", "Renew", "SetClientID", "SetClientIDConfirm", "Lock",
	"Lockt", "Locku", "Access", "Getattr", "Lookup", "LookupRoot", "Remove", "Rename", "Link",
	"Symlink", "Create", "Pathconf", "StatFs", "ReadLink", "ReadDir", "ServerCaps",
	"DelegReturn", "GetACL", "SetACL", "FsLocations", "ReleaseLockowner", "Secinfo",
	"FsidPresent", "ExchangeID", "CreateSession", "DestroySession", "Sequence",
	"GetLeaseTime", "ReclaimComplete", "GetDeviceInfo", "LayoutGet", "LayoutCommit",
	"LayoutReturn", "SecinfoNoName", "TestStateID", "FreeStateID", "GetDeviceList",
	"BindConnToSession", "DestroyClientID", "Seek", "Allocate", "DeAllocate", "LayoutStats",
	"Clone",
};
/* The server's NFSv4 operations node_exporter exports, by their column in
 * proc4ops (after the count; op 0-2 are unused and not exported). */
static const struct nfs_op {
	unsigned col;
	const char *name;
} nfsd_v4_ops[] = {
	{ 4, "Access" },     { 5, "Close" },	   { 6, "Commit" },	 { 7, "Create" },
	{ 8, "DelegPurge" }, { 9, "DelegReturn" }, { 10, "GetAttr" },	 { 11, "GetFH" },
	{ 12, "Link" },	     { 13, "Lock" },	   { 14, "Lockt" },	 { 15, "Locku" },
	{ 16, "Lookup" },    { 17, "LookupRoot" }, { 18, "Nverify" },	 { 19, "Open" },
	{ 20, "OpenAttr" },  { 21, "OpenConfirm" }, { 22, "OpenDgrd" },	 { 23, "PutFH" },
	{ 26, "Read" },	     { 27, "ReadDir" },	   { 28, "ReadLink" },	 { 29, "Remove" },
	{ 30, "Rename" },    { 31, "Renew" },	   { 32, "RestoreFH" },	 { 33, "SaveFH" },
	{ 34, "SecInfo" },   { 35, "SetAttr" },	   { 36, "SetClientID" },
	{ 37, "SetClientIDConfirm" },		   { 38, "Verify" },	 { 39, "Write" },
	{ 40, "RelLockOwner" },
};

/* The length rule of each tag as procfs checks it: exact counts for the
 * fixed lines; a leading procedure count (at least min) for the proc lines. */
static bool nfs_line_ok(int tag, const uint64_t *v, size_t n)
{
	static const size_t exact[T_NTAGS] = { [T_NET] = 4, [T_RC] = 3, [T_FH] = 5, [T_IO] = 2,
					       [T_TH] = 2, [T_RA] = 12, [T_WDELEG] = 1 };

	switch (tag) {
	case T_RPC:
		return true; /* 3 for the client, 5 for the server: checked by each */
	case T_PROC2:
		return n - 1 == v[0] && v[0] >= 18;
	case T_PROC3:
		return n - 1 == v[0] && v[0] >= 22;
	case T_PROC4:
		return n - 1 == v[0];
	case T_PROC4OPS:
		return n - 1 == v[0] && v[0] >= 39;
	case T_WDELEG:
		return n >= 1;
	default:
		return n == exact[tag];
	}
}

static int nfs_parse(struct collect_ctx *ctx, const char *rel, struct nfs_stats *st)
{
	struct buf b;
	char *cur, *line;
	unsigned lineno = 0;
	int err;

	memset(st, 0, sizeof(*st));
	buf_init(&b);
	err = pp_read_text(ctx, ctx->procfs, rel, &b);
	if (err)
		goto out;
	cur = b.data;
	while ((line = next_line(&cur))) {
		const char *p = pp_skip_blanks(line), *tag = p;
		size_t taglen, n = 0;
		uint64_t v[NFS_MAX_VALS];
		int t;

		lineno++;
		while (*p && !pp_blank(*p))
			p++;
		taglen = (size_t)(p - tag);
		for (t = 0; t < T_NTAGS; t++)
			if (strlen(nfs_tags[t]) == taglen && !strncmp(tag, nfs_tags[t], taglen))
				break;
		if (t == T_NTAGS)
			goto bad;
		p = pp_skip_blanks(p);
		while (*p) {
			if (n == NFS_MAX_VALS)
				goto bad;
			/* "th" carries an old histogram of floats after its two counts. */
			if (t == T_TH && n == 2)
				break;
			p = pp_u64_field(p, &v[n++]);
			if (!p)
				goto bad;
			p = pp_skip_blanks(p);
		}
		if (!n || !nfs_line_ok(t, v, n))
			goto bad;
		memcpy(st->v[t], v, n * sizeof(v[0]));
		memset(st->v[t] + n, 0, (NFS_MAX_VALS - n) * sizeof(v[0]));
		st->n[t] = n;
	}
	goto out;
bad:
	snprintf(ctx->detail, sizeof(ctx->detail), "%s line %u: not a known tag and its numbers",
		 rel, lineno);
	err = -EINVAL;
out:
	buf_free(&b);
	return err == -ENOENT ? -ENODATA : err;
}

/* One family's worth of requests_total{proto,method}: names[i] is column
 * first + i of the line. */
static void nfs_requests(struct metric_set *ms, struct family *f, const char *proto,
			 const uint64_t *v, const char *const *names, size_t nnames, size_t first)
{
	for (size_t i = 0; i < nnames; i++)
		ms_add(ms, f, (double)v[first + i], "proto", proto, "method", names[i], NULL);
}

static int nfs_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct nfs_stats *st = malloc(sizeof(*st)); /* 12 KiB, off the runner's stack */
	const uint64_t *net, *rpc;
	struct family *f;
	int err = st ? nfs_parse(ctx, "net/rpc/nfs", st) : -ENOMEM;

	if (err)
		goto out;
	net = st->v[T_NET];
	rpc = st->v[T_RPC];
	if (st->n[T_RPC] && st->n[T_RPC] != 3) {
		snprintf(ctx->detail, sizeof(ctx->detail), "net/rpc/nfs: rpc line is not 3 numbers");
		err = -EINVAL;
		goto out;
	}
	f = ms_family(ms, "node_nfs_packets_total", METRIC_COUNTER,
		      "Total NFSd network packets (sent+received) by protocol type.");
	ms_add(ms, f, (double)net[1], "protocol", "udp", NULL);
	ms_add(ms, f, (double)net[2], "protocol", "tcp", NULL);
	ms_set(ms, "node_nfs_connections_total", METRIC_COUNTER,
	       "Total number of NFSd TCP connections.", (double)net[3]);
	ms_set(ms, "node_nfs_rpcs_total", METRIC_COUNTER, "Total number of RPCs performed.",
	       (double)rpc[0]);
	ms_set(ms, "node_nfs_rpc_retransmissions_total", METRIC_COUNTER,
	       "Number of RPC transmissions performed.", (double)rpc[1]);
	ms_set(ms, "node_nfs_rpc_authentication_refreshes_total", METRIC_COUNTER,
	       "Number of RPC authentication refreshes performed.", (double)rpc[2]);
	f = ms_family(ms, "node_nfs_requests_total", METRIC_COUNTER,
		      "Number of NFS procedures invoked.");
	nfs_requests(ms, f, "2", st->v[T_PROC2], nfs_v2, ARRAY_SIZE(nfs_v2), 1);
	nfs_requests(ms, f, "3", st->v[T_PROC3], nfs_v3, ARRAY_SIZE(nfs_v3), 1);
	/* Columns past the line's own count are zero (older kernels have fewer). */
	nfs_requests(ms, f, "4", st->v[T_PROC4], nfs_v4_client, ARRAY_SIZE(nfs_v4_client), 1);
	err = ms_error(ms);
out:
	free(st);
	return err;
}

static int nfsd_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct nfs_stats *st = malloc(sizeof(*st)); /* as in nfs_collect() */
	const uint64_t *rpc, *net, *ops;
	struct family *f;
	int err = st ? nfs_parse(ctx, "net/rpc/nfsd", st) : -ENOMEM;

	if (err)
		goto out;
	rpc = st->v[T_RPC];
	net = st->v[T_NET];
	ops = st->v[T_PROC4OPS];
	if ((st->n[T_RPC] && st->n[T_RPC] != 5) || (st->n[T_PROC4] && st->v[T_PROC4][0] != 2)) {
		snprintf(ctx->detail, sizeof(ctx->detail),
			 "net/rpc/nfsd: rpc is not 5 numbers or proc4 not 2 procedures");
		err = -EINVAL;
		goto out;
	}
	ms_set(ms, "node_nfsd_reply_cache_hits_total", METRIC_COUNTER,
	       "Total number of NFSd Reply Cache hits (client lost server response).",
	       (double)st->v[T_RC][0]);
	ms_set(ms, "node_nfsd_reply_cache_misses_total", METRIC_COUNTER,
	       "Total number of NFSd Reply Cache an operation that requires caching (idempotent).",
	       (double)st->v[T_RC][1]);
	ms_set(ms, "node_nfsd_reply_cache_nocache_total", METRIC_COUNTER,
	       "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/\u2026).",
	       (double)st->v[T_RC][2]);
	ms_set(ms, "node_nfsd_file_handles_stale_total", METRIC_COUNTER,
	       "Total number of NFSd stale file handles", (double)st->v[T_FH][0]);
	ms_set(ms, "node_nfsd_disk_bytes_read_total", METRIC_COUNTER, "Total NFSd bytes read.",
	       (double)st->v[T_IO][0]);
	ms_set(ms, "node_nfsd_disk_bytes_written_total", METRIC_COUNTER,
	       "Total NFSd bytes written.", (double)st->v[T_IO][1]);
	ms_set(ms, "node_nfsd_server_threads", METRIC_GAUGE,
	       "Total number of NFSd kernel threads that are running.", (double)st->v[T_TH][0]);
	ms_set(ms, "node_nfsd_read_ahead_cache_size_blocks", METRIC_GAUGE,
	       "How large the read ahead cache is in blocks.", (double)st->v[T_RA][0]);
	ms_set(ms, "node_nfsd_read_ahead_cache_not_found_total", METRIC_COUNTER,
	       "Total number of NFSd read ahead cache not found.", (double)st->v[T_RA][11]);
	f = ms_family(ms, "node_nfsd_packets_total", METRIC_COUNTER,
		      "Total NFSd network packets (sent+received) by protocol type.");
	ms_add(ms, f, (double)net[1], "proto", "udp", NULL);
	ms_add(ms, f, (double)net[2], "proto", "tcp", NULL);
	ms_set(ms, "node_nfsd_connections_total", METRIC_COUNTER,
	       "Total number of NFSd TCP connections.", (double)net[3]);
	f = ms_family(ms, "node_nfsd_rpc_errors_total", METRIC_COUNTER,
		      "Total number of NFSd RPC errors by error type.");
	ms_add(ms, f, (double)rpc[2], "error", "fmt", NULL);
	ms_add(ms, f, (double)rpc[3], "error", "auth", NULL);
	ms_add(ms, f, (double)rpc[4], "error", "cInt", NULL);
	ms_set(ms, "node_nfsd_server_rpcs_total", METRIC_COUNTER, "Total number of NFSd RPCs.",
	       (double)rpc[0]);
	f = ms_family(ms, "node_nfsd_requests_total", METRIC_COUNTER,
		      "Total number NFSd Requests by method and protocol.");
	/* The server side leaves Null out of v2 and v3. */
	nfs_requests(ms, f, "2", st->v[T_PROC2], nfs_v2 + 1, ARRAY_SIZE(nfs_v2) - 1, 2);
	nfs_requests(ms, f, "3", st->v[T_PROC3], nfs_v3 + 1, ARRAY_SIZE(nfs_v3) - 1, 2);
	for (size_t i = 0; i < ARRAY_SIZE(nfsd_v4_ops); i++)
		ms_add(ms, f, (double)ops[nfsd_v4_ops[i].col], "proto", "4", "method",
		       nfsd_v4_ops[i].name, NULL);
	ms_add(ms, f, (double)st->v[T_WDELEG][0], "proto", "4", "method", "WdelegGetattr", NULL);
	err = ms_error(ms);
out:
	free(st);
	return err;
}

const struct collector collector_nfs = {
	.name = "nfs",
	.help = "NFS client RPC statistics from /proc/net/rpc/nfs",
	.default_enabled = true,
	.collect = nfs_collect,
};

const struct collector collector_nfsd = {
	.name = "nfsd",
	.help = "NFS server RPC statistics from /proc/net/rpc/nfsd",
	.default_enabled = true,
	.collect = nfsd_collect,
};
