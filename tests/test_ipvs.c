#include "collect_assert.h"

#define IPVS_L(la, lp, ra, rp, pr, mk)                                                             \
	"local_address", la, "local_port", lp, "remote_address", ra, "remote_port", rp, "proto",  \
	    pr, "local_mark", mk

static void test_ipvs_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_ipvs, "default", 0);

	assert_family(ms, "node_ipvs_connections_total", METRIC_COUNTER,
		      "The total number of connections made.", 1);
	assert_sample(ms, 0x1C2F30, "node_ipvs_connections_total");
	assert_sample(ms, 0x9A3B2C1, "node_ipvs_incoming_packets_total");
	assert_sample(ms, 0x8F10AB2, "node_ipvs_outgoing_packets_total");
	assert_sample(ms, 0x3B9ACA0F1, "node_ipvs_incoming_bytes_total");
	assert_sample(ms, 0x1D4C2A3B77, "node_ipvs_outgoing_bytes_total");
	assert_family(ms, "node_ipvs_backend_weight", METRIC_GAUGE,
		      "The current backend weight by local and remote address.", 6);
	assert_sample(ms, 12, "node_ipvs_backend_connections_active",
		      IPVS_L("10.20.0.1", "443", "10.20.10.5", "8443", "TCP", ""));
	assert_sample(ms, 112, "node_ipvs_backend_connections_inactive",
		      IPVS_L("10.20.0.53", "53", "10.20.11.2", "53", "UDP", ""));
	assert_sample(ms, 2, "node_ipvs_backend_weight",
		      IPVS_L("fd00::10", "443", "fd00::a14:a05", "8443", "TCP", ""));
	/* Two lines for one real server under a firewall mark: summed. */
	assert_sample(ms, 8, "node_ipvs_backend_connections_active",
		      IPVS_L("", "0", "10.20.10.7", "80", "FWM", "00000bb8"));
	assert_sample(ms, 8, "node_ipvs_backend_weight",
		      IPVS_L("", "0", "10.20.10.7", "80", "FWM", "00000bb8"));
	ms_free(ms);
}

static void test_ipvs_labels(void **state)
{
	struct metric_set *ms = ms_new();
	struct config cfg;

	/* The IPv4 and IPv6 services on 443 fall together. */
	CONFIG_ONCE(&cfg, "--collector.ipvs.backend-labels=local_port,,proto");
	assert_int_equal(ca_collect_cfg(&collector_ipvs, "default", &cfg, ms), 0);
	assert_int_equal(ca_nsamples(ms, "node_ipvs_backend_connections_active"), 4);
	assert_sample(ms, 12 + 9 + 4, "node_ipvs_backend_connections_active", "local_port", "443",
		      "proto", "TCP");
	assert_sample(ms, 30 + 41 + 1, "node_ipvs_backend_connections_inactive", "local_port",
		      "443", "proto", "TCP");
	ms_free(ms);
	config_free(&cfg);

	ms = ms_new();
	CONFIG_ONCE(&cfg, "--collector.ipvs.backend-labels=local_port,vip");
	assert_int_equal(ca_collect_cfg(&collector_ipvs, "default", &cfg, ms), -EINVAL);
	ms_free(ms);
	config_free(&cfg);
}

#define STATS                                                                                      \
	{ "proc/net/ip_vs_stats", "Total\nConns\n 1 2 3 4 5\n\nConns/s\n 0 0 0 0 0\n", 0 }

static void test_ipvs_cases(void **state)
{
	static const struct ca_file bad_stats[] = {
		{ "proc/net/ip_vs_stats", "Total\nConns\n 1 2 3 4\n", 0 },
	};
	static const struct ca_file bad_addr[] = {
		STATS,
		{ "proc/net/ip_vs", "TCP  0A14001:01BB rr\n", 0 },
	};
	static const struct ca_file bad_weight[] = {
		STATS,
		{ "proc/net/ip_vs", "TCP  0A140001:01BB rr\n  -> 0A140A05:20FB Masq x 1 2\n", 0 },
	};
	static const struct ca_file no_table[] = { STATS };
	static const struct ca_file no_module[] = {
		{ "proc/loadavg", "0.1 0.2 0.3 1/2 3\n", 0 },
	};

	ms_free(ca_collect_case(&collector_ipvs, bad_stats, 1, 0, -EINVAL));
	ms_free(ca_collect_case(&collector_ipvs, bad_addr, 2, 1, -EINVAL));
	ms_free(ca_collect_case(&collector_ipvs, bad_weight, 2, 2, -EINVAL));
	/* Totals without the table is a broken host, not a missing module. */
	ms_free(ca_collect_case(&collector_ipvs, no_table, 1, 3, -ENOENT));
	ms_free(ca_collect_case(&collector_ipvs, no_module, 1, 4, -ENODATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipvs_default),
		cmocka_unit_test(test_ipvs_labels),
		cmocka_unit_test(test_ipvs_cases),
	};
	return cmocka_run_group_tests_name("ipvs", tests, NULL, NULL);
}
