#include <dirent.h>

#include "collect_assert.h"
#include "util.h"

static void test_netclass_default(void **state)
{
	struct metric_set *ms = ca_collect_tree(&collector_netclass, "default", 0);

	assert_family(ms, "node_network_mtu_bytes", METRIC_GAUGE,
		      "Network device property: mtu_bytes", 4);
	assert_family(ms, "node_network_carrier_changes_total", METRIC_COUNTER,
		      "Network device property: carrier_changes_total", 4);
	assert_sample(ms, 9000, "node_network_mtu_bytes", "device", "eth0");
	assert_sample(ms, 65536, "node_network_mtu_bytes", "device", "lo");
	assert_sample(ms, 1, "node_network_up", "device", "eth0");
	assert_sample(ms, 0, "node_network_up", "device", "lo");	   /* operstate "unknown" */
	assert_sample(ms, 0x1003, "node_network_flags", "device", "eth0"); /* hex in sysfs */
	assert_sample(ms, 10000 * 1e6 / 8, "node_network_speed_bytes", "device", "eth0");
	/* eth1 is down and its driver says -1: exported as node_exporter does. */
	assert_sample(ms, -125000, "node_network_speed_bytes", "device", "eth1");
	assert_no_sample(ms, "node_network_speed_bytes", "device", "lo");
	assert_sample(ms, 4, "node_network_carrier_changes_total", "device", "eth0");
	assert_sample(ms, 2, "node_network_carrier_up_changes_total", "device", "eth0");
	assert_sample(ms, 772, "node_network_protocol_type", "device", "lo");
	assert_sample(ms, 2, "node_network_iface_id", "device", "eth0");
	assert_sample(ms, 3, "node_network_address_assign_type", "device", "bond0");
	/* bond0 has no name_assign_type (a virtual device's read fails). */
	assert_no_sample(ms, "node_network_name_assign_type", "device", "bond0");
	assert_sample(ms, 1, "node_network_info", "device", "eth0", "address", "52:54:00:3a:9c:e1",
		      "broadcast", "ff:ff:ff:ff:ff:ff", "duplex", "full", "operstate", "up",
		      "adminstate", "up", "ifalias", "uplink to sw-r12");
	assert_sample(ms, 1, "node_network_info", "device", "eth1", "address", "52:54:00:3a:9c:e2",
		      "broadcast", "ff:ff:ff:ff:ff:ff", "duplex", "unknown", "operstate", "down",
		      "adminstate", "down", "ifalias", "");
	/* bonding_masters is a file in class/net, not a device. */
	assert_null(fixture_find_labeled(ms, "node_network_up", "device", "bonding_masters"));
	ms_free(ms);
}

static void test_netclass_flags(void **state)
{
	struct metric_set *ms = ms_new();
	struct config cfg;

	CONFIG_ONCE(&cfg, "--collector.netclass.ignore-invalid-speed",
		    "--collector.netclass.ignored-devices=^(lo|bond[0-9]+)$");
	assert_int_equal(ca_collect_cfg(&collector_netclass, "default", &cfg, ms), 0);
	assert_no_sample(ms, "node_network_speed_bytes", "device", "eth1");
	assert_sample(ms, 1.25e9, "node_network_speed_bytes", "device", "eth0");
	assert_int_equal(ca_nsamples(ms, "node_network_up"), 2);
	assert_null(fixture_find_labeled(ms, "node_network_up", "device", "lo"));
	assert_null(fixture_find_labeled(ms, "node_network_up", "device", "bond0"));
	ms_free(ms);
	config_free(&cfg);
}

static void test_netclass_bad(void **state)
{
	static const struct ca_file garbled[] = {
	    {"sys/class/net/eth0/operstate", "up\n", 0},
	    {"sys/class/net/eth0/mtu", "15x0\n", 0},
	};
	static const struct ca_file bad_label[] = {
	    {"sys/class/net/eth0/ifalias", "caf\xc3\n", 0},
	};
	static const struct ca_file nul[] = {
	    {"sys/class/net/eth0/mtu", "1500\0\n", 6},
	};
	static const struct ca_file no_class[] = {
	    {"sys/devices/system/cpu/online", "0\n", 0},
	};
	struct metric_set *ms;

	ms = ca_collect_case(&collector_netclass, garbled, ARRAY_SIZE(garbled), 0, -EINVAL);
	ms_free(ms);
	ms = ca_collect_case(&collector_netclass, bad_label, ARRAY_SIZE(bad_label), 1, -EINVAL);
	ms_free(ms);
	ms = ca_collect_case(&collector_netclass, nul, ARRAY_SIZE(nul), 2, -EBADMSG);
	ms_free(ms);
	/* A sysfs without a network class is a host without the data: quiet. */
	ms = ca_collect_case(&collector_netclass, no_class, ARRAY_SIZE(no_class), 3, -ENODATA);
	ms_free(ms);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void write_attr(const char *dir, const char *dev, const char *file, const char *text)
{
	char path[128];
	struct ca_file f = {path, text, 0};

	snprintf(path, sizeof(path), "sys/class/net/%s/%s", dev, file);
	ca_tree_write(dir, &f);
}

/* One collection of the collector whose state ctx holds; its mtu of dev, or
 * -1 when dev has no series. */
static double collect_mtu(struct collect_ctx *ctx, const char *dev, size_t *ndevs)
{
	struct metric_set *ms = ms_new();
	const struct sample *smp;
	double v;

	assert_int_equal(collector_netclass.collect(ctx, ms), 0);
	smp = fixture_find(ms, "node_network_mtu_bytes", "device", dev, NULL);
	v = smp ? smp->value : -1;
	*ndevs = ca_nsamples(ms, "node_network_up");
	ms_free(ms);
	return v;
}

/* Descriptors kept between collections: a value rewritten in place is read
 * again, a device made again or renamed is opened afresh, a device gone
 * gives its descriptors back, and more devices than are kept open are all
 * still read. */
static void test_netclass_kept_open(void **state)
{
	static const struct ca_file files[] = {
	    {"sys/class/net/eth0/mtu", "1500\n", 0},
	    {"sys/class/net/eth0/operstate", "up\n", 0},
	    {"sys/class/net/eth1/mtu", "9000\n", 0},
	};
	char dir[32], sysfs[512], from[600], to[600], dev[16];
	struct collect_ctx ctx = {.sysfs = sysfs};
	int fds0 = count_fds(), fds;
	size_t n;

	ca_tree_new(dir, files, ARRAY_SIZE(files));
	snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
	assert_int_equal(collector_netclass.init(&ctx), 0);
	assert_int_equal(collect_mtu(&ctx, "eth0", &n), 1500);
	assert_int_equal(n, 2);
	fds = count_fds();
	assert_true(fds > fds0 + 2);
	/* Rewritten in place (same inode): the open descriptor reads the new value. */
	write_attr(dir, "eth0", "mtu", "1400\n");
	assert_int_equal(collect_mtu(&ctx, "eth0", &n), 1400);
	assert_int_equal(count_fds(), fds);
	/* eth0 and eth1 swap names: each name's values follow its directory. */
	snprintf(from, sizeof(from), "%s/class/net/eth0", sysfs);
	snprintf(to, sizeof(to), "%s/class/net/tmp", sysfs);
	assert_int_equal(rename(from, to), 0);
	snprintf(to, sizeof(to), "%s/class/net/eth1", sysfs);
	assert_int_equal(rename(to, from), 0);
	snprintf(from, sizeof(from), "%s/class/net/tmp", sysfs);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(collect_mtu(&ctx, "eth0", &n), 9000);
	assert_int_equal(collect_mtu(&ctx, "eth1", &n), 1400);
	/* eth1 removed and made again, with another value. */
	ca_tree_free(to);
	write_attr(dir, "eth1", "mtu", "1280\n");
	assert_int_equal(collect_mtu(&ctx, "eth1", &n), 1280);
	/* eth1 gone: its series and its descriptors. */
	ca_tree_free(to);
	assert_int_equal(collect_mtu(&ctx, "eth1", &n), -1);
	assert_int_equal(n, 1);
	assert_true(count_fds() < fds);
	/* Past the devices kept open, every device is read all the same. */
	for (int i = 0; i < 60; i++) {
		snprintf(dev, sizeof(dev), "veth%02d", i);
		write_attr(dir, dev, "mtu", "1500\n");
	}
	write_attr(dir, "veth59", "mtu", "1450\n");
	for (int round = 0; round < 2; round++) {
		assert_int_equal(collect_mtu(&ctx, "veth59", &n), 1450);
		assert_int_equal(n, 61);
	}
	collector_netclass.fini(&ctx);
	assert_int_equal(count_fds(), fds0);
	ca_tree_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netclass_default),
	    cmocka_unit_test(test_netclass_flags),
	    cmocka_unit_test(test_netclass_bad),
	    cmocka_unit_test(test_netclass_kept_open),
	};
	return cmocka_run_group_tests_name("netclass", tests, NULL, NULL);
}
