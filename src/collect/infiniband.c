/* infiniband: <sysfs>/class/infiniband/<device>/ → node_infiniband_info{device,
 * board_id,firmware_version,hca_type} 1 and per port (ports/<n>/) the state,
 * physical state and rate gauges and the counters of counters/, counters_ext/
 * and hw_counters/, as node_exporter 1.12 exports them through procfs's
 * sysfs.InfiniBandClass().
 *
 * The port's data counters count 32-bit words per lane, so procfs (and we)
 * multiply port_rcv_data, port_xmit_data and their counters_ext *_64 twins by
 * 4. Before kernel 4.5 the 64-bit counters lived apart in counters_ext/ and
 * are exported under node_infiniband_legacy_*. A counter whose file reads
 * "N/A (no PMA)" (a device without a Performance Management Agent) is left
 * out, as is one the device does not have. No class directory: -ENODATA. A
 * port missing state, phys_state, rate or link_layer fails the collector with
 * the file named (node_exporter would report "no data" for the whole class).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "parse.h"
#include "sysattr.h"
#include "sysfs.h"
#include "util.h"

enum { IB_OPT_INCLUDE, IB_OPT_EXCLUDE };
static const struct collector_option ib_options[] = {
	[IB_OPT_INCLUDE] = { "collector.infiniband.device-include", COPT_REGEX, NULL,
			     "Regexp of infiniband devices to include (mutually exclusive to "
			     "device-exclude)." },
	[IB_OPT_EXCLUDE] = { "collector.infiniband.device-exclude", COPT_REGEX, NULL,
			     "Regexp of infiniband devices to exclude (mutually exclusive to "
			     "device-include)." },
	{ 0 },
};

/* Where a port's counter files live. */
enum { IB_COUNTERS, IB_COUNTERS_EXT, IB_HW_COUNTERS, IB_NDIRS };
static const char *const ib_dirs[IB_NDIRS] = { "counters", "counters_ext", "hw_counters" };

/* How a file's number becomes the sample: as read, times 4 (per-lane data
 * words to octets), or milliseconds to whole seconds (hw_counters/lifespan,
 * a gauge). */
enum { IB_AS_IS, IB_X4, IB_MS };

static const struct ib_ctr {
	unsigned char dir, conv;
	const char *file, *name, *help;
} ib_ctrs[] = {
#define C(d, c, f, n, h) { d, c, f, "node_infiniband_" n, h }
	C(IB_COUNTERS_EXT, IB_AS_IS, "port_multicast_rcv_packets",
	  "legacy_multicast_packets_received_total", "Number of multicast packets received"),
	C(IB_COUNTERS_EXT, IB_AS_IS, "port_multicast_xmit_packets",
	  "legacy_multicast_packets_transmitted_total", "Number of multicast packets transmitted"),
	C(IB_COUNTERS_EXT, IB_X4, "port_rcv_data_64", "legacy_data_received_bytes_total",
	  "Number of data octets received on all links"),
	C(IB_COUNTERS_EXT, IB_AS_IS, "port_rcv_packets_64", "legacy_packets_received_total",
	  "Number of data packets received on all links"),
	C(IB_COUNTERS_EXT, IB_AS_IS, "port_unicast_rcv_packets",
	  "legacy_unicast_packets_received_total", "Number of unicast packets received"),
	C(IB_COUNTERS_EXT, IB_AS_IS, "port_unicast_xmit_packets",
	  "legacy_unicast_packets_transmitted_total", "Number of unicast packets transmitted"),
	C(IB_COUNTERS_EXT, IB_X4, "port_xmit_data_64", "legacy_data_transmitted_bytes_total",
	  "Number of data octets transmitted on all links"),
	C(IB_COUNTERS_EXT, IB_AS_IS, "port_xmit_packets_64", "legacy_packets_transmitted_total",
	  "Number of data packets received on all links"),
	C(IB_COUNTERS, IB_AS_IS, "excessive_buffer_overrun_errors",
	  "excessive_buffer_overrun_errors_total",
	  "Number of times that OverrunErrors consecutive flow control update periods occurred, "
	  "each having at least one overrun error."),
	C(IB_COUNTERS, IB_AS_IS, "link_downed", "link_downed_total",
	  "Number of times the link failed to recover from an error state and went down"),
	C(IB_COUNTERS, IB_AS_IS, "link_error_recovery", "link_error_recovery_total",
	  "Number of times the link successfully recovered from an error state"),
	C(IB_COUNTERS, IB_AS_IS, "local_link_integrity_errors", "local_link_integrity_errors_total",
	  "Number of times that the count of local physical errors exceeded the threshold "
	  "specified by LocalPhyErrors."),
	C(IB_COUNTERS, IB_AS_IS, "multicast_rcv_packets", "multicast_packets_received_total",
	  "Number of multicast packets received (including errors)"),
	C(IB_COUNTERS, IB_AS_IS, "multicast_xmit_packets", "multicast_packets_transmitted_total",
	  "Number of multicast packets transmitted (including errors)"),
	C(IB_COUNTERS, IB_AS_IS, "port_rcv_constraint_errors",
	  "port_constraint_errors_received_total",
	  "Number of packets received on the switch physical port that are discarded"),
	C(IB_COUNTERS, IB_AS_IS, "port_xmit_constraint_errors",
	  "port_constraint_errors_transmitted_total",
	  "Number of packets not transmitted from the switch physical port"),
	C(IB_COUNTERS, IB_X4, "port_rcv_data", "port_data_received_bytes_total",
	  "Number of data octets received on all links"),
	C(IB_COUNTERS, IB_X4, "port_xmit_data", "port_data_transmitted_bytes_total",
	  "Number of data octets transmitted on all links"),
	C(IB_COUNTERS, IB_AS_IS, "port_rcv_discards", "port_discards_received_total",
	  "Number of inbound packets discarded by the port because the port is down or congested"),
	C(IB_COUNTERS, IB_AS_IS, "port_xmit_discards", "port_discards_transmitted_total",
	  "Number of outbound packets discarded by the port because the port is down or congested"),
	C(IB_COUNTERS, IB_AS_IS, "port_rcv_errors", "port_errors_received_total",
	  "Number of packets containing an error that were received on this port"),
	C(IB_COUNTERS, IB_AS_IS, "port_rcv_packets", "port_packets_received_total",
	  "Number of packets received on all VLs by this port (including errors)"),
	C(IB_COUNTERS, IB_AS_IS, "port_xmit_packets", "port_packets_transmitted_total",
	  "Number of packets transmitted on all VLs from this port (including errors)"),
	C(IB_COUNTERS, IB_AS_IS, "port_xmit_wait", "port_transmit_wait_total",
	  "Number of ticks during which the port had data to transmit but no data was sent during "
	  "the entire tick"),
	C(IB_COUNTERS, IB_AS_IS, "unicast_rcv_packets", "unicast_packets_received_total",
	  "Number of unicast packets received (including errors)"),
	C(IB_COUNTERS, IB_AS_IS, "unicast_xmit_packets", "unicast_packets_transmitted_total",
	  "Number of unicast packets transmitted (including errors)"),
	C(IB_COUNTERS, IB_AS_IS, "port_rcv_remote_physical_errors",
	  "port_receive_remote_physical_errors_total",
	  "Number of packets marked with the EBP (End of Bad Packet) delimiter received on the "
	  "port."),
	C(IB_COUNTERS, IB_AS_IS, "port_rcv_switch_relay_errors",
	  "port_receive_switch_relay_errors_total",
	  "Number of packets that could not be forwarded by the switch."),
	C(IB_COUNTERS, IB_AS_IS, "symbol_error", "symbol_error_total",
	  "Number of minor link errors detected on one or more physical lanes."),
	C(IB_COUNTERS, IB_AS_IS, "VL15_dropped", "vl15_dropped_total",
	  "Number of incoming VL15 packets dropped due to resource limitations."),
	C(IB_HW_COUNTERS, IB_MS, "lifespan", "lifespan_seconds",
	  "The maximum period in ms which defines the aging of the counter reads. Two consecutive "
	  "reads within this period might return the same values."),
	C(IB_HW_COUNTERS, IB_AS_IS, "duplicate_request", "duplicate_requests_packets_total",
	  "The number of received packets. A duplicate request is a request that had been "
	  "previously executed."),
	C(IB_HW_COUNTERS, IB_AS_IS, "implied_nak_seq_err", "implied_nak_seq_errors_total",
	  "The number of time the requested decided an ACK. with a PSN larger than the expected "
	  "PSN for an RDMA read or response."),
	C(IB_HW_COUNTERS, IB_AS_IS, "local_ack_timeout_err", "local_ack_timeout_errors_total",
	  "The number of times QP's ack timer expired for RC, XRC, DCT QPs at the sender side. The "
	  "QP retry limit was not exceed, therefore it is still recoverable error."),
	C(IB_HW_COUNTERS, IB_AS_IS, "np_cnp_sent", "np_cnp_packets_sent_total",
	  "The number of CNP packets sent by the Notification Point when it noticed congestion "
	  "experienced in the RoCEv2 IP header (ECN bits). The counters was added in MLNX_OFED "
	  "4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "np_ecn_marked_roce_packets",
	  "np_ecn_marked_roce_packets_received_total",
	  "The number of RoCEv2 packets received by the notification point which were marked for "
	  "experiencing the congestion (ECN bits where '11' on the ingress RoCE traffic) . The "
	  "counters was added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "out_of_buffer", "out_of_buffer_drops_total",
	  "The number of drops occurred due to lack of WQE for the associated QPs."),
	C(IB_HW_COUNTERS, IB_AS_IS, "out_of_sequence", "out_of_sequence_packets_received_total",
	  "The number of out of sequence packets received."),
	C(IB_HW_COUNTERS, IB_AS_IS, "packet_seq_err", "packet_sequence_errors_total",
	  "The number of received NAK sequence error packets. The QP retry limit was not "
	  "exceeded."),
	C(IB_HW_COUNTERS, IB_AS_IS, "req_cqe_error", "req_cqes_errors_total",
	  "The number of times requester detected CQEs completed with errors. The counters was "
	  "added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "req_cqe_flush_error", "req_cqes_flush_errors_total",
	  "The number of times requester detected CQEs completed with flushed errors. The "
	  "counters was added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "req_remote_access_errors", "req_remote_access_errors_total",
	  "The number of times requester detected remote access errors. The counters was added in "
	  "MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "req_remote_invalid_request",
	  "req_remote_invalid_request_errors_total",
	  "The number of times requester detected remote invalid request errors. The counters was "
	  "added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "resp_cqe_error", "resp_cqes_errors_total",
	  "The number of times responder detected CQEs completed with errors. The counters was "
	  "added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "resp_cqe_flush_error", "resp_cqes_flush_errors_total",
	  "The number of times responder detected CQEs completed with flushed errors. The "
	  "counters was added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "resp_local_length_error", "resp_local_length_errors_total",
	  "The number of times responder detected local length errors. The counters was added in "
	  "MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "resp_remote_access_errors", "resp_remote_access_errors_total",
	  "The number of times responder detected remote access errors. The counters was added in "
	  "MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "rnr_nak_retry_err", "rnr_nak_retry_packets_received_total",
	  "The number of received RNR NAK packets. The QP retry limit was not exceeded."),
	C(IB_HW_COUNTERS, IB_AS_IS, "roce_adp_retrans", "roce_adp_retransmits_total",
	  "The number of adaptive retransmissions for RoCE traffic. The counter was added in "
	  "MLNX_OFED rev 5.0-1.0.0.0 and kernel v5.6.0"),
	C(IB_HW_COUNTERS, IB_AS_IS, "roce_adp_retrans_to", "roce_adp_retransmits_timeout_total",
	  "The number of times RoCE traffic reached timeout due to adaptive retransmission. The "
	  "counter was added in MLNX_OFED rev 5.0-1.0.0.0 and kernel v5.6.0"),
	C(IB_HW_COUNTERS, IB_AS_IS, "roce_slow_restart", "roce_slow_restart_used_total",
	  "The number of times RoCE slow restart was used. The counter was added in MLNX_OFED rev "
	  "5.0-1.0.0.0 and kernel v5.6.0"),
	C(IB_HW_COUNTERS, IB_AS_IS, "roce_slow_restart_cnps", "roce_slow_restart_cnps_total",
	  "The number of times RoCE slow restart generated CNP packets. The counter was added in "
	  "MLNX_OFED rev 5.0-1.0.0.0 and kernel v5.6.0"),
	C(IB_HW_COUNTERS, IB_AS_IS, "roce_slow_restart_trans", "roce_slow_restart_total",
	  "The number of times RoCE slow restart changed state to slow restart. The counter was "
	  "added in MLNX_OFED rev 5.0-1.0.0.0 and kernel v5.6.0"),
	C(IB_HW_COUNTERS, IB_AS_IS, "rp_cnp_handled", "rp_cnp_packets_handled_total",
	  "The number of CNP packets handled by the Reaction Point HCA to throttle the "
	  "transmission rate. The counters was added in MLNX_OFED 4.1"),
	C(IB_HW_COUNTERS, IB_AS_IS, "rp_cnp_ignored", "rp_cnp_ignored_packets_received_total",
	  "The number of CNP packets received and ignored by the Reaction Point HCA. This counter "
	  "should not raise if RoCE Congestion Control was enabled in the network. If this "
	  "counter raise, verify that ECN was enabled on the adapter."),
	C(IB_HW_COUNTERS, IB_AS_IS, "rx_atomic_requests", "rx_atomic_requests_total",
	  "The number of received ATOMIC request for the associated QPs."),
	C(IB_HW_COUNTERS, IB_AS_IS, "rx_dct_connect", "rx_dct_connect_requests_total",
	  "The number of received connection requests for the associated DCTs."),
	C(IB_HW_COUNTERS, IB_AS_IS, "rx_read_requests", "rx_read_requests_total",
	  "The number of received READ requests for the associated QPs."),
	C(IB_HW_COUNTERS, IB_AS_IS, "rx_write_requests", "rx_write_requests_total",
	  "The number of received WRITE requests for the associated QPs."),
	C(IB_HW_COUNTERS, IB_AS_IS, "rx_icrc_encapsulated", "rx_icrc_encapsulated_errors_total",
	  "The number of RoCE packets with ICRC errors. This counter was added in MLNX_OFED 4.4 "
	  "and kernel 4.19"),
#undef C
};

/* The families of one collection, made on first use. */
struct ib_fams {
	struct family *ctr[ARRAY_SIZE(ib_ctrs)];
	struct family *info, *state, *phys_state, *rate;
};

static int ib_fail(struct collect_ctx *ctx, const char *dev, const char *port, const char *file,
		   int err, const char *why)
{
	snprintf(ctx->detail, sizeof(ctx->detail), "class/infiniband/%.64s%s%.16s/%s: %s", dev,
		 port ? "/ports/" : "", port ? port : "", file, why ? why : strerror(-err));
	return err;
}

/* "<id>: <name>" of state and phys_state: the id, which must fit in 32 bits
 * as procfs's ParseUint(.., 10, 32) demands; exactly one colon. */
static int ib_state_id(const char *s, void *out)
{
	uint64_t *id = out;
	const char *colon = strchr(s, ':'), *p;

	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	p = pp_u64(pp_skip_blanks(s), id);
	if (!p || pp_skip_blanks(p) != colon || *id > UINT32_MAX)
		return -EINVAL;
	return 0;
}

/* "100 Gb/sec (4X EDR)": the number before the first space is Gb/s, read
 * as a 32-bit float as procfs does, then bytes per second truncated. */
static int ib_rate(const char *s, void *out)
{
	const char *sp = strchr(s, ' ');
	char num[64];
	double v;

	if (!sp || (size_t)(sp - s) >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, (size_t)(sp - s));
	num[sp - s] = '\0';
	if (parse_double(num, &v) || !isfinite(v) || v < 0)
		return -EINVAL;
	*(double *)out = floor((double)(float)v * 125000000.0);
	return 0;
}

/* procfs's ParseUint(s, 0, 64): decimal, 0x hex or 0 octal, nothing else. */
static int ib_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return *end || errno ? -EINVAL : 0;
}

static int ib_counters(struct collect_ctx *ctx, struct metric_set *ms, struct ib_fams *fams,
		       int portfd, const char *dev, const char *port)
{
	int dirfd[IB_NDIRS], err = 0;
	char val[SYSATTR_MAX + 1];

	for (size_t d = 0; d < IB_NDIRS; d++) {
		dirfd[d] = openat(portfd, ib_dirs[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd[d] < 0 && errno != ENOENT && !err)
			err = ib_fail(ctx, dev, port, ib_dirs[d], -errno, NULL);
	}
	for (size_t i = 0; !err && i < ARRAY_SIZE(ib_ctrs); i++) {
		const struct ib_ctr *c = &ib_ctrs[i];
		uint64_t v;
		int n;

		if (dirfd[c->dir] < 0)
			continue;
		n = sysattr_read(dirfd[c->dir], c->file, val);
		if (n < 0 && sysattr_absent(n))
			continue;
		if (n < 0) {
			err = ib_fail(ctx, dev, port, c->file, n, NULL);
			break;
		}
		if (ib_u64(val, &v)) {
			if (strstr(val, "N/A (no PMA)"))
				continue;
			err = ib_fail(ctx, dev, port, c->file, -EINVAL, "not a number");
			break;
		}
		if (c->conv == IB_X4)
			v *= 4; /* wraps as procfs's uint64 does */
		else if (c->conv == IB_MS)
			v /= 1000;
		if (!fams->ctr[i])
			fams->ctr[i] = ms_family(ms, c->name,
						 c->conv == IB_MS ? METRIC_GAUGE : METRIC_COUNTER,
						 c->help);
		ms_add(ms, fams->ctr[i], (double)v, "device", dev, "port", port, NULL);
	}
	for (size_t d = 0; d < IB_NDIRS; d++)
		if (dirfd[d] >= 0)
			close(dirfd[d]);
	return err;
}

/* One of a port's required attributes, parsed by parse (NULL: only read). */
static int ib_port_attr(struct collect_ctx *ctx, int portfd, const char *dev, const char *port,
			const char *file, int (*parse)(const char *s, void *out), void *out)
{
	char val[SYSATTR_MAX + 1];
	int n = sysattr_read(portfd, file, val);

	if (n < 0)
		return ib_fail(ctx, dev, port, file, n, NULL);
	if (parse && parse(val, out))
		return ib_fail(ctx, dev, port, file, -EINVAL, "not in the kernel's format");
	return 0;
}

static int ib_port(struct collect_ctx *ctx, struct metric_set *ms, struct ib_fams *fams,
		   int portsfd, const char *dev, const char *name)
{
	uint64_t num, state, phys;
	char port[24];
	double rate;
	int portfd, err;

	if (parse_u64(name, &num) || num > UINT32_MAX)
		return ib_fail(ctx, dev, name, "", -EINVAL, "port is not a number");
	pp_fmt_u64(port, num);
	portfd = openat(portsfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (portfd < 0)
		return ib_fail(ctx, dev, port, "", -errno, NULL);
	/* procfs reads link_layer and fails without it, though nothing exports it. */
	err = ib_port_attr(ctx, portfd, dev, port, "link_layer", NULL, NULL);
	if (!err)
		err = ib_port_attr(ctx, portfd, dev, port, "state", ib_state_id, &state);
	if (!err)
		err = ib_port_attr(ctx, portfd, dev, port, "phys_state", ib_state_id, &phys);
	if (!err)
		err = ib_port_attr(ctx, portfd, dev, port, "rate", ib_rate, &rate);
	if (err)
		goto out;
	if (!fams->state) {
		fams->state = ms_family(ms, "node_infiniband_state_id", METRIC_GAUGE,
					"State of the InfiniBand port (0: no change, 1: down, 2: "
					"init, 3: armed, 4: active, 5: act defer)");
		fams->phys_state = ms_family(ms, "node_infiniband_physical_state_id", METRIC_GAUGE,
					     "Physical state of the InfiniBand port (0: no change, "
					     "1: sleep, 2: polling, 3: disable, 4: shift, 5: link "
					     "up, 6: link error recover, 7: phytest)");
		fams->rate = ms_family(ms, "node_infiniband_rate_bytes_per_second", METRIC_GAUGE,
				       "Maximum signal transfer rate");
	}
	ms_add(ms, fams->state, (double)state, "device", dev, "port", port, NULL);
	ms_add(ms, fams->phys_state, (double)phys, "device", dev, "port", port, NULL);
	ms_add(ms, fams->rate, rate, "device", dev, "port", port, NULL);
	err = ib_counters(ctx, ms, fams, portfd, dev, port);
out:
	close(portfd);
	return err;
}

/* node_infiniband_info's labels after device, and the files they come from:
 * fw_ver is required (every driver since 4.10 has it), the others optional. */
static const char *const ib_info_files[] = { "board_id", "fw_ver", "hca_type" };
static const char *const ib_info_labels[] = { "board_id", "firmware_version", "hca_type" };

static int ib_device(struct collect_ctx *ctx, struct metric_set *ms, struct ib_fams *fams,
		     int classfd, const char *dev)
{
	char val[ARRAY_SIZE(ib_info_files)][SYSATTR_MAX + 1];
	struct label info[ARRAY_SIZE(ib_info_files) + 1];
	struct sysfs_dir ports;
	int devfd, portsfd = -1, err = 0;
	char rel[512];

	memset(&ports, 0, sizeof(ports));
	if (!pp_label_text(dev, strlen(dev)))
		return ib_fail(ctx, dev, NULL, "", -EINVAL, "device name not UTF-8 text");
	devfd = openat(classfd, dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devfd < 0)
		return ib_fail(ctx, dev, NULL, "", -errno, NULL);
	info[0] = (struct label){ "device", dev };
	for (size_t i = 0; !err && i < ARRAY_SIZE(ib_info_files); i++) {
		int n = sysattr_read(devfd, ib_info_files[i], val[i]);

		if (n == -ENOENT && strcmp(ib_info_files[i], "fw_ver")) {
			val[i][0] = '\0';
			n = 0;
		}
		if (n < 0)
			err = ib_fail(ctx, dev, NULL, ib_info_files[i], n, NULL);
		else if (!pp_label_text(val[i], (size_t)n))
			err = ib_fail(ctx, dev, NULL, ib_info_files[i], -EINVAL,
				      "not UTF-8 text");
		info[i + 1] = (struct label){ ib_info_labels[i], val[i] };
	}
	if (err)
		goto out;
	if (!fams->info)
		fams->info = ms_family(
		    ms, "node_infiniband_info", METRIC_GAUGE,
		    "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.");
	ms_add_labels(ms, fams->info, 1, info, ARRAY_SIZE(info));

	snprintf(rel, sizeof(rel), "class/infiniband/%s/ports", dev);
	err = sysfs_dir_read(&ports, ctx->sysfs, rel);
	if (err) {
		err = ib_fail(ctx, dev, NULL, "ports", err, NULL);
		goto out;
	}
	portsfd = openat(devfd, "ports", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (portsfd < 0) {
		err = ib_fail(ctx, dev, NULL, "ports", -errno, NULL);
		goto out;
	}
	for (size_t i = 0; !err && i < ports.n; i++)
		err = ib_port(ctx, ms, fams, portsfd, dev, sysfs_dir_name(&ports, i));
out:
	sysfs_dir_free(&ports);
	if (portsfd >= 0)
		close(portsfd);
	close(devfd);
	return err;
}

static int infiniband_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct ib_fams fams = { 0 };
	struct sysfs_dir devs;
	int classfd = -1, err;
	char path[4096];

	err = sysfs_dir_read(&devs, ctx->sysfs, "class/infiniband");
	if (err)
		return err == -ENOENT ? -ENODATA : err;
	err = path_join(path, sizeof(path), ctx->sysfs, "class/infiniband");
	if (err)
		goto out;
	classfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (classfd < 0) {
		err = -errno;
		goto out;
	}
	for (size_t i = 0; !err && i < devs.n; i++) {
		const char *dev = sysfs_dir_name(&devs, i);

		if (!dev_filter_ignored(ctx->state, dev))
			err = ib_device(ctx, ms, &fams, classfd, dev);
	}
	if (!err)
		err = ms_error(ms);
out:
	if (classfd >= 0)
		close(classfd);
	sysfs_dir_free(&devs);
	return err;
}

static int infiniband_init(struct collect_ctx *ctx)
{
	return dev_filter_pair_state_init(ctx, &ib_options[IB_OPT_EXCLUDE],
					  &ib_options[IB_OPT_INCLUDE]);
}

const struct collector collector_infiniband = {
	.name = "infiniband",
	.help = "InfiniBand port state and counters from /sys/class/infiniband",
	.default_enabled = true,
	.options = ib_options,
	.init = infiniband_init,
	.collect = infiniband_collect,
	.fini = dev_filter_state_fini,
};
