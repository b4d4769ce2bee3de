#include "collect_assert.h"
#include "util.h"

struct tree {
	struct fixture_paths p;
	struct collect_ctx ctx;
	struct metric_set *ms;
};

static void collect_tree(struct tree *t, const char *tree, int want)
{
	t->ctx = fixture_ctx(&t->p, tree);
	assert_int_equal(collector_netstat.init(&t->ctx), 0);
	t->ms = ms_new();
	assert_int_equal(collector_netstat.collect(&t->ctx, t->ms), want);
}

static void tree_free(struct tree *t)
{
	ms_free(t->ms);
	collector_netstat.fini(&t->ctx);
	assert_null(t->ctx.state);
}

/* Exactly the 40 series node_exporter 1.5 prints for this tree. */
static void test_netstat_default(void **state)
{
	static const struct {
		const char *name;
		double v;
	} want[] = {
	    {"Icmp6_InErrors", 2},
	    {"Icmp6_InMsgs", 5521},
	    {"Icmp6_OutMsgs", 5120},
	    {"Icmp_InErrors", 5},
	    {"Icmp_InMsgs", 1822},
	    {"Icmp_OutMsgs", 1907},
	    {"Ip6_InOctets", 8812331},
	    {"Ip6_OutOctets", 9912330},
	    {"IpExt_InOctets", 68210035552.0},
	    {"IpExt_OutOctets", 43217741921.0},
	    {"Ip_Forwarding", 1},
	    {"TcpExt_ListenDrops", 14},
	    {"TcpExt_ListenOverflows", 12},
	    {"TcpExt_SyncookiesFailed", 1},
	    {"TcpExt_SyncookiesRecv", 2},
	    {"TcpExt_SyncookiesSent", 3},
	    {"TcpExt_TCPOFOQueue", 90210},
	    {"TcpExt_TCPRcvQDrop", 29734},
	    {"TcpExt_TCPSynRetrans", 4711},
	    {"TcpExt_TCPTimeouts", 2208},
	    {"Tcp_ActiveOpens", 5512893},
	    {"Tcp_CurrEstab", 271},
	    {"Tcp_InErrs", 42},
	    {"Tcp_InSegs", 52011234},
	    {"Tcp_OutRsts", 700123},
	    {"Tcp_OutSegs", 40877212},
	    {"Tcp_PassiveOpens", 1229418},
	    {"Tcp_RetransSegs", 88123},
	    {"Udp6_InDatagrams", 77120},
	    {"Udp6_InErrors", 1},
	    {"Udp6_NoPorts", 9},
	    {"Udp6_OutDatagrams", 77211},
	    {"Udp6_RcvbufErrors", 0},
	    {"Udp6_SndbufErrors", 0},
	    {"UdpLite6_InErrors", 0},
	    {"UdpLite_InErrors", 0},
	    {"Udp_InDatagrams", 991233},
	    {"Udp_InErrors", 7},
	    {"Udp_NoPorts", 313},
	    {"Udp_OutDatagrams", 992001},
	    {"Udp_RcvbufErrors", 6},
	    {"Udp_SndbufErrors", 1},
	};
	struct tree t;
	char name[96];

	collect_tree(&t, "default", 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		char help[96], *us;

		snprintf(name, sizeof(name), "node_netstat_%s", want[i].name);
		assert_sample(t.ms, want[i].v, name);
		/* "Statistic TcpExtListenDrops.": the protocol and field run together. */
		snprintf(help, sizeof(help), "Statistic %s.", want[i].name);
		us = strchr(help, '_');
		memmove(us, us + 1, strlen(us));
		assert_family(t.ms, name, METRIC_UNTYPED, help, -1);
	}
	assert_int_equal(ms_nfamilies(t.ms), ARRAY_SIZE(want));
	/* Not in 1.12's default filter. */
	assert_null(ms_find(t.ms, "node_netstat_TcpExt_TCPOFODrop"));
	assert_null(ms_find(t.ms, "node_netstat_Tcp_MaxConn"));
	tree_free(&t);
}

/* The filter answers are cached; a second pass must give the same set. */
static void test_netstat_twice(void **state)
{
	struct tree t;

	collect_tree(&t, "default", 0);
	ms_free(t.ms);
	t.ms = ms_new();
	assert_int_equal(collector_netstat.collect(&t.ctx, t.ms), 0);
	assert_int_equal(ms_nfamilies(t.ms), 42);
	assert_sample(t.ms, 14, "node_netstat_TcpExt_ListenDrops");
	tree_free(&t);
}

static void test_netstat_no_ipv6(void **state)
{
	struct tree t;

	collect_tree(&t, "noipv6", 0);
	assert_sample(t.ms, 271, "node_netstat_Tcp_CurrEstab");
	assert_null(ms_find(t.ms, "node_netstat_Ip6_InOctets"));
	assert_int_equal(ms_nfamilies(t.ms), 30);
	tree_free(&t);
}

static void test_netstat_bad(void **state)
{
	struct tree t;

	collect_tree(&t, "garbled", -EINVAL);
	assert_non_null(strstr(t.ctx.detail, "net/snmp"));
	tree_free(&t);
	collect_tree(&t, "truncated", -EINVAL);
	assert_non_null(strstr(t.ctx.detail, "net/netstat"));
	tree_free(&t);
	collect_tree(&t, "does-not-exist", -ENOENT);
	tree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netstat_default),
	    cmocka_unit_test(test_netstat_twice),
	    cmocka_unit_test(test_netstat_no_ipv6),
	    cmocka_unit_test(test_netstat_bad),
	};
	return cmocka_run_group_tests_name("netstat", tests, NULL, NULL);
}
