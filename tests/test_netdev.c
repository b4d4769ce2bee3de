#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "../src/collect/netaddr.h"
#include "collect_assert.h"
#include "util.h"

static void test_netdev_default(void **state)
{
	static const char *const rx[] = {"bytes", "packets", "errs",	   "drop",
					 "fifo",  "frame",   "compressed", "multicast"};
	static const char *const tx[] = {"bytes", "packets", "errs",	"drop",
					 "fifo",  "colls",   "carrier", "compressed"};
	static const double eth0_rx[] = {68210035552.0, 52735682, 0, 121, 0, 0, 0, 103855};
	static const double eth0_tx[] = {43217741921.0, 41023477, 3, 0, 1, 0, 2, 0};
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "default", 0);
	char name[96], help[96];

	for (size_t i = 0; i < ARRAY_SIZE(rx); i++) {
		snprintf(name, sizeof(name), "node_network_receive_%s_total", rx[i]);
		snprintf(help, sizeof(help), "Network device statistic receive_%s.", rx[i]);
		assert_sample(ms, eth0_rx[i], name, "device", "eth0");
		/* Seven devices: 1.12 excludes none by default. */
		assert_family(ms, name, METRIC_COUNTER, help, 7);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tx); i++) {
		snprintf(name, sizeof(name), "node_network_transmit_%s_total", tx[i]);
		assert_sample(ms, eth0_tx[i], name, "device", "eth0");
		assert_int_equal(ms_find(ms, name)->nsamples, 7);
	}
	assert_int_equal(ms_nfamilies(ms), 17);
	assert_sample(ms, 7, "node_network_receive_errs_total", "device", "eth1");
	assert_sample(ms, 68217949040.0, "node_network_receive_bytes_total", "device", "bond0");
	assert_sample(ms, 79101239, "node_network_transmit_bytes_total", "device", "veth8a3e1f2");
	assert_sample(ms, 5, "node_network_transmit_drop_total", "device", "veth8a3e1f2");
	/* Quotes and backslashes stay raw here; escaping is the renderer's job. */
	assert_sample(ms, 928, "node_network_receive_bytes_total", "device", "wg\"q\\uote");
	assert_sample(ms, 18446620, "node_network_receive_bytes_total", "device", "lo");
	ms_free(ms);
}

/* --collector.netdev.device-include/-exclude and their deprecated names, as
 * Go regexes (\d), and the two together refused. */
static void test_netdev_filters(void **state)
{
	static const char *const inc[] = { "--collector.netdev.device-include=^eth\\d$", NULL };
	static const char *const exc[] = { "--collector.netdev.device-blacklist=^(lo|veth.*)$",
					   NULL };
	static const char *const both[] = { "--collector.netdev.device-whitelist=eth",
					    "--collector.netdev.device-exclude=lo", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, inc), 0);
	assert_int_equal(ca_nsamples(ms, "node_network_receive_bytes_total"), 2);
	assert_sample(ms, 7, "node_network_receive_errs_total", "device", "eth1");
	assert_no_sample(ms, "node_network_receive_bytes_total", "device", "lo");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, exc), 0);
	assert_int_equal(ca_nsamples(ms, "node_network_receive_bytes_total"), 5);
	assert_no_sample(ms, "node_network_receive_bytes_total", "device", "veth8a3e1f2");
	assert_sample(ms, 928, "node_network_receive_bytes_total", "device", "wg\"q\\uote");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, both), -EINVAL);
	ms_free(ms);
}

/* rx_nohandler comes from sysfs, for the devices that have the file. */
static void test_netdev_nohandler(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "default", 0);
	const struct family *f = ms_find(ms, "node_network_receive_nohandler_total");

	assert_non_null(f);
	assert_string_equal(f->help, "Network device statistic receive_nohandler.");
	assert_sample(ms, 17, "node_network_receive_nohandler_total", "device", "eth0");
	assert_sample(ms, 0, "node_network_receive_nohandler_total", "device", "bond0");
	assert_int_equal(f->nsamples, 2);
	ms_free(ms);
}

/* A column the kernel adds gets its own series; it beats sysfs for nohandler. */
static void test_netdev_new_column(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "netdev-newcol", 0);

	assert_sample(ms, 99, "node_network_receive_nohandler_total", "device", "eth0");
	assert_sample(ms, 16, "node_network_transmit_compressed_total", "device", "eth0");
	assert_int_equal(ms_nfamilies(ms), 17);
	ms_free(ms);
}

static void test_netdev_bad(void **state)
{
	static const struct ca_tree_err cases[] = {
		{ "garbled", -EINVAL },
		{ "truncated", -EINVAL },
		{ "netdev-header", -EINVAL },
		{ "does-not-exist", -ENOENT },
	};

	assert_collect_errors(&collector_netdev, cases, ARRAY_SIZE(cases), false);
}

/* --collector.netdev.enable-detailed-metrics: node_exporter's netlink names,
 * one family per rtnl_link_stats64 counter, read from sysfs. */
static const char *const netdev_detailed_flag[] = { "--collector.netdev.enable-detailed-metrics",
						    NULL };

static void test_netdev_detailed(void **state)
{
	static const char *const keys[] = {
		"receive_packets",	 "transmit_packets",	  "receive_bytes",
		"transmit_bytes",	 "receive_errors",	  "transmit_errors",
		"receive_dropped",	 "transmit_dropped",	  "multicast",
		"collisions",		 "receive_length_errors", "receive_over_errors",
		"receive_crc_errors",	 "receive_frame_errors",  "receive_fifo_errors",
		"receive_missed_errors", "transmit_aborted_errors", "transmit_carrier_errors",
		"transmit_fifo_errors",	 "transmit_heartbeat_errors", "transmit_window_errors",
		"receive_compressed",	 "transmit_compressed",	  "receive_nohandler",
	};
	/* eth0's file for each key above, as the fixture holds them. */
	static const double eth0[] = { 52735682, 41023477, 68210035552.0, 43217741921.0, 9, 3, 100, 0,
				       103855, 0, 2, 1, 4, 0, 2, 21, 1, 1, 1, 0, 0, 0, 0, 17 };
	struct metric_set *ms = ms_new();
	char name[96], help[96];

	assert_int_equal(ca_collect_flags(&collector_netdev, "netdev-detailed", ms,
					  netdev_detailed_flag),
			 0);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		snprintf(name, sizeof(name), "node_network_%s_total", keys[i]);
		snprintf(help, sizeof(help), "Network device statistic %s.", keys[i]);
		assert_sample(ms, eth0[i], name, "device", "eth0");
		/* eth1 is of a kernel before rx_nohandler (4.6): that series only is absent. */
		assert_family(ms, name, METRIC_COUNTER, help, i == ARRAY_SIZE(keys) - 1 ? 2 : 3);
	}
	assert_int_equal(ms_nfamilies(ms), ARRAY_SIZE(keys));
	assert_sample(ms, 5, "node_network_collisions_total", "device", "eth1");
	assert_sample(ms, 3, "node_network_transmit_heartbeat_errors_total", "device", "eth1");
	assert_sample(ms, 1, "node_network_transmit_window_errors_total", "device", "eth1");
	assert_sample(ms, 18446620, "node_network_transmit_bytes_total", "device", "lo");
	assert_no_sample(ms, "node_network_receive_nohandler_total", "device", "eth1");
	/* class/net/bonding_masters is a file, not a device. */
	assert_null(fixture_find_labeled(ms, "node_network_receive_bytes_total", "device",
					 "bonding_masters"));
	ms_free(ms);
}

/* /proc/net/dev folds the detailed counters as the kernel's dev_seq_printf_stats()
 * does (and node_exporter's legacy()): the fixture's two views agree, so each
 * sysfs file feeds the name it should. */
static void test_netdev_detailed_folds(void **state)
{
	static const char *const devs[] = { "lo", "eth0", "eth1" };
	struct metric_set *proc = ca_collect_tree(&collector_netdev, "netdev-detailed", 0);
	struct metric_set *d = ms_new();

	assert_int_equal(
	    ca_collect_flags(&collector_netdev, "netdev-detailed", d, netdev_detailed_flag), 0);
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
#define V(ms, key) fixture_find(ms, "node_network_" key "_total", "device", devs[i], NULL)->value
		assert_true(V(proc, "receive_bytes") == V(d, "receive_bytes"));
		assert_true(V(proc, "receive_packets") == V(d, "receive_packets"));
		assert_true(V(proc, "receive_errs") == V(d, "receive_errors"));
		assert_true(V(proc, "receive_drop") ==
			    V(d, "receive_dropped") + V(d, "receive_missed_errors"));
		assert_true(V(proc, "receive_fifo") == V(d, "receive_fifo_errors"));
		assert_true(V(proc, "receive_frame") ==
			    V(d, "receive_frame_errors") + V(d, "receive_length_errors") +
				V(d, "receive_over_errors") + V(d, "receive_crc_errors"));
		assert_true(V(proc, "receive_compressed") == V(d, "receive_compressed"));
		assert_true(V(proc, "receive_multicast") == V(d, "multicast"));
		assert_true(V(proc, "transmit_bytes") == V(d, "transmit_bytes"));
		assert_true(V(proc, "transmit_packets") == V(d, "transmit_packets"));
		assert_true(V(proc, "transmit_errs") == V(d, "transmit_errors"));
		assert_true(V(proc, "transmit_drop") == V(d, "transmit_dropped"));
		assert_true(V(proc, "transmit_fifo") == V(d, "transmit_fifo_errors"));
		assert_true(V(proc, "transmit_colls") == V(d, "collisions"));
		assert_true(V(proc, "transmit_carrier") ==
			    V(d, "transmit_carrier_errors") + V(d, "transmit_aborted_errors") +
				V(d, "transmit_heartbeat_errors") + V(d, "transmit_window_errors"));
		assert_true(V(proc, "transmit_compressed") == V(d, "transmit_compressed"));
#undef V
	}
	ms_free(d);
	ms_free(proc);
}

/* The device flags apply; --no-collector.netdev.netlink keeps the /proc/net/dev
 * names, as node_exporter does with it. */
static void test_netdev_detailed_flags(void **state)
{
	static const char *const inc[] = { "--collector.netdev.enable-detailed-metrics",
					   "--collector.netdev.device-include=^eth\\d$", NULL };
	static const char *const exc[] = { "--collector.netdev.enable-detailed-metrics",
					   "--collector.netdev.device-exclude=^eth", NULL };
	static const char *const proc[] = { "--collector.netdev.enable-detailed-metrics",
					    "--no-collector.netdev.netlink", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_netdev, "netdev-detailed", ms, inc), 0);
	assert_int_equal(ca_nsamples(ms, "node_network_receive_crc_errors_total"), 2);
	assert_no_sample(ms, "node_network_receive_crc_errors_total", "device", "lo");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "netdev-detailed", ms, exc), 0);
	assert_int_equal(ca_nsamples(ms, "node_network_receive_crc_errors_total"), 1);
	assert_sample(ms, 0, "node_network_receive_crc_errors_total", "device", "lo");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "netdev-detailed", ms, proc), 0);
	assert_null(ms_find(ms, "node_network_receive_crc_errors_total"));
	assert_sample(ms, 7, "node_network_receive_frame_total", "device", "eth0");
	assert_int_equal(ms_nfamilies(ms), 17);
	ms_free(ms);
}

/* A damaged counter file fails the collector naming it; no class/net at all
 * names that. */
static void test_netdev_detailed_bad(void **state)
{
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_netdev, "netdev-detailed-bad", ms,
					  netdev_detailed_flag),
			 -EINVAL);
	assert_string_equal(ca_detail, "class/net/eth0/statistics/rx_crc_errors: not a number");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "does-not-exist", ms,
					  netdev_detailed_flag),
			 -ENOENT);
	assert_string_equal(ca_detail, "class/net: No such file or directory");
	ms_free(ms);
}

/* --collector.netdev.label-ifalias: every counter of a device sysfs lists
 * gains its alias ("" when unset), in both namings; a device sysfs does not
 * list keeps device alone, as node_exporter's map lookup leaves it. */
static void test_netdev_label_ifalias(void **state)
{
	static const char *const flag[] = { "--collector.netdev.label-ifalias", NULL };
	static const char *const detailed[] = { "--collector.netdev.label-ifalias",
						"--collector.netdev.enable-detailed-metrics", NULL };
	struct metric_set *ms = ms_new();

	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, flag), 0);
	assert_sample(ms, 68210035552.0, "node_network_receive_bytes_total", "device", "eth0",
		      "ifalias", "uplink to sw-r12");
	assert_sample(ms, 17, "node_network_receive_nohandler_total", "device", "eth0", "ifalias",
		      "uplink to sw-r12");
	assert_sample(ms, 18446620, "node_network_receive_bytes_total", "device", "lo", "ifalias",
		      "");
	assert_sample(ms, 79101239, "node_network_transmit_bytes_total", "device", "veth8a3e1f2");
	assert_no_sample(ms, "node_network_receive_bytes_total", "device", "eth0");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "netdev-detailed", ms, detailed), 0);
	assert_non_null(fixture_find(ms, "node_network_receive_crc_errors_total", "device", "eth0",
				     "ifalias", "core uplink", NULL));
	/* lo has no ifalias file in this tree: a kernel without the attribute. */
	assert_non_null(fixture_find(ms, "node_network_receive_crc_errors_total", "device", "lo",
				     NULL));
	ms_free(ms);
}

/* A made-up getifaddrs() entry: family, name, address and netmask as text. */
struct fake_ifa {
	struct ifaddrs ifa;
	struct sockaddr_storage addr, mask;
};

static void fake_ifa_set(struct fake_ifa *f, int family, const char *name, const char *addr,
			 const char *mask, struct fake_ifa *next)
{
	memset(f, 0, sizeof(*f));
	f->ifa.ifa_name = (char *)name;
	f->ifa.ifa_next = next ? &next->ifa : NULL;
	f->ifa.ifa_addr = (struct sockaddr *)&f->addr;
	f->ifa.ifa_netmask = mask ? (struct sockaddr *)&f->mask : NULL;
	f->addr.ss_family = (sa_family_t)family;
	f->mask.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		assert_int_equal(inet_pton(AF_INET, addr, &((struct sockaddr_in *)&f->addr)->sin_addr), 1);
		if (mask)
			assert_int_equal(
			    inet_pton(AF_INET, mask, &((struct sockaddr_in *)&f->mask)->sin_addr), 1);
	} else if (family == AF_INET6) {
		assert_int_equal(
		    inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&f->addr)->sin6_addr), 1);
		if (mask)
			assert_int_equal(inet_pton(AF_INET6, mask,
						   &((struct sockaddr_in6 *)&f->mask)->sin6_addr),
					 1);
	}
}

#define ADDR(ms, addr, dev, mask, scope)                                                        \
	assert_sample(ms, 1, "node_network_address_info", "address", addr, "device", dev,       \
		      "netmask", mask, "scope", scope)

/* Labels as node_exporter 1.12 prints them through Go's net package. */
static void test_netdev_address_labels(void **state)
{
	struct fake_ifa f[12];
	struct metric_set *ms = ms_new();

	assert_non_null(ms);
	fake_ifa_set(&f[0], AF_INET, "lo", "127.0.0.1", "255.0.0.0", &f[1]);
	fake_ifa_set(&f[1], AF_INET6, "lo", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &f[2]);
	fake_ifa_set(&f[2], AF_INET, "eth0", "192.0.2.10", "255.255.255.0", &f[3]);
	/* An alias label names its interface; a non-contiguous mask has size 0. */
	fake_ifa_set(&f[3], AF_INET, "eth0:1", "169.254.3.4", "255.0.255.0", &f[4]);
	fake_ifa_set(&f[4], AF_INET6, "eth0", "2001:db8:0:0:1:0:0:1", "ffff:ffff:ffff:ffff::", &f[5]);
	fake_ifa_set(&f[5], AF_INET6, "eth0", "fe80::1", "ffff:ffff:ffff:ffff::", &f[6]);
	fake_ifa_set(&f[6], AF_INET6, "eth1", "ff01::1", NULL, &f[7]);
	fake_ifa_set(&f[7], AF_INET6, "eth1", "ff02::1", "ffff:ff00::", &f[8]);
	/* Go prints an IPv4-mapped address as IPv4 and classifies it so. */
	fake_ifa_set(&f[8], AF_INET6, "eth1", "::ffff:10.1.2.3", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00",
		     &f[9]);
	fake_ifa_set(&f[9], AF_INET, "eth1", "224.1.2.3", "255.255.255.255", &f[10]);
	/* Not an IP address (AF_PACKET): skipped. */
	fake_ifa_set(&f[10], AF_PACKET, "eth1", NULL, NULL, &f[11]);
	fake_ifa_set(&f[11], AF_INET, "docker0", "172.17.0.1", "255.255.0.0", NULL);

	assert_int_equal(netaddr_emit(ms, NULL, &f[0].ifa), 0);
	ADDR(ms, "127.0.0.1", "lo", "8", "link-local");
	ADDR(ms, "::1", "lo", "128", "link-local");
	ADDR(ms, "192.0.2.10", "eth0", "24", "global");
	ADDR(ms, "169.254.3.4", "eth0", "0", "link-local");
	ADDR(ms, "2001:db8::1:0:0:1", "eth0", "64", "global");
	ADDR(ms, "fe80::1", "eth0", "64", "link-local");
	ADDR(ms, "ff01::1", "eth1", "0", "interface-local");
	ADDR(ms, "ff02::1", "eth1", "24", "link-local");
	ADDR(ms, "10.1.2.3", "eth1", "120", "global");
	ADDR(ms, "224.1.2.3", "eth1", "32", "");
	ADDR(ms, "172.17.0.1", "docker0", "16", "global");
	assert_int_equal(ca_nsamples(ms, "node_network_address_info"), 11);
	assert_family(ms, "node_network_address_info", METRIC_GAUGE,
		      "node network address by device", 11);
	ms_free(ms);
}

/* The flag on the real host: the loopback's 127.0.0.1/8, and the device
 * filter applies to addresses too. Off by default, as in 1.12. */
static void test_netdev_address_info_host(void **state)
{
	const char *on[] = { "--collector.netdev.address-info", NULL };
	const char *on_no_lo[] = { "--collector.netdev.address-info",
				   "--collector.netdev.device-exclude=^lo$", NULL };
	struct metric_set *ms = ca_collect_tree(&collector_netdev, "default", 0);
	struct ifaddrs *list, *i;
	bool has_lo4 = false;

	assert_null(ms_find(ms, "node_network_address_info"));
	ms_free(ms);
	assert_int_equal(getifaddrs(&list), 0);
	for (i = list; i; i = i->ifa_next)
		has_lo4 |= i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			   !strcmp(i->ifa_name, "lo");
	freeifaddrs(list);
	if (!has_lo4) {
		printf("skip: this host's lo has no IPv4 address (a network namespace never brought up)\n");
		return;
	}
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, on), 0);
	ADDR(ms, "127.0.0.1", "lo", "8", "link-local");
	ms_free(ms);
	ms = ms_new();
	assert_int_equal(ca_collect_flags(&collector_netdev, "default", ms, on_no_lo), 0);
	assert_null(fixture_find_labeled(ms, "node_network_address_info", "device", "lo"));
	ms_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netdev_default),
	    cmocka_unit_test(test_netdev_filters),
	    cmocka_unit_test(test_netdev_nohandler),
	    cmocka_unit_test(test_netdev_new_column),
	    cmocka_unit_test(test_netdev_bad),
	    cmocka_unit_test(test_netdev_detailed),
	    cmocka_unit_test(test_netdev_detailed_folds),
	    cmocka_unit_test(test_netdev_detailed_flags),
	    cmocka_unit_test(test_netdev_detailed_bad),
	    cmocka_unit_test(test_netdev_label_ifalias),
	    cmocka_unit_test(test_netdev_address_labels),
	    cmocka_unit_test(test_netdev_address_info_host),
	};
	return cmocka_run_group_tests_name("netdev", tests, NULL, NULL);
}
