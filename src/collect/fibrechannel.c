/* fibrechannel: <sysfs>/class/fc_host/<host>/ → node_fibrechannel_info{fc_host,
 * speed,port_state,...} 1 and node_fibrechannel_*_total{fc_host} from its
 * statistics/, as node_exporter's fibrechannel collector exports them
 * through procfs's sysfs.FibreChannelClass.
 *
 * The port_id, port_name and fabric_name labels lose their "0x", as procfs
 * strips it; the counters are "0x..." hex, and all ones means the driver
 * does not count that one, so it is left out. A counter the host does not
 * have at all is left out too (node_exporter 1.12.1 would dereference nil;
 * later versions export 0 for a port in state Unknown). No fc_host class
 * (no Fibre Channel HBA): -ENODATA.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "parse.h"
#include "sysattr.h"
#include "util.h"

/* node_fibrechannel_info's labels after fc_host, each named after its file. */
enum { FC_SPEED, FC_PORT_STATE, FC_PORT_TYPE, FC_PORT_ID, FC_PORT_NAME, FC_FABRIC_NAME,
       FC_SYMBOLIC_NAME, FC_CLASSES, FC_SPEEDS, FC_DEV_LOSS_TMO, FC_NINFO };
static const char *const fc_info_files[FC_NINFO] = {
	"speed",	 "port_state",	"port_type",	     "port_id",		 "port_name",
	"fabric_name", "symbolic_name", "supported_classes", "supported_speeds", "dev_loss_tmo",
};

#define FC_CTR(file, name, help) { file, "node_fibrechannel_" name, help }
static const struct fc_ctr {
	const char *file, *name, *help;
} fc_ctrs[] = {
	FC_CTR("dumped_frames", "dumped_frames_total", "Number of dumped frames"),
	FC_CTR("error_frames", "error_frames_total", "Number of errors in frames"),
	FC_CTR("invalid_crc_count", "invalid_crc_total", "Invalid Cyclic Redundancy Check count"),
	FC_CTR("rx_frames", "rx_frames_total", "Number of frames received"),
	FC_CTR("rx_words", "rx_words_total", "Number of words received by host port"),
	FC_CTR("tx_frames", "tx_frames_total", "Number of frames transmitted by host port"),
	FC_CTR("tx_words", "tx_words_total", "Number of words transmitted by host port"),
	FC_CTR("seconds_since_last_reset", "seconds_since_last_reset_total",
	       "Number of seconds since last host port reset"),
	FC_CTR("invalid_tx_word_count", "invalid_tx_words_total",
	       "Number of invalid words transmitted by host port"),
	FC_CTR("link_failure_count", "link_failure_total",
	       "Number of times the host port link has failed"),
	FC_CTR("loss_of_sync_count", "loss_of_sync_total",
	       "Number of failures on either bit or transmission word boundaries"),
	FC_CTR("loss_of_signal_count", "loss_of_signal_total",
	       "Number of times signal has been lost"),
	FC_CTR("nos_count", "nos_total",
	       "Number Not_Operational Primitive Sequence received by host port"),
	FC_CTR("fcp_packet_aborts", "fcp_packet_aborts_total", "Number of aborted packets"),
};

static void fc_detail(struct collect_ctx *ctx, const char *host, const char *file, const char *why)
{
	snprintf(ctx->detail, sizeof(ctx->detail), "class/fc_host/%.64s/%s: %s", host, file, why);
}

static int fc_host(struct collect_ctx *ctx, struct metric_set *ms, struct family **fams,
		   int hostfd, const char *host)
{
	char val[FC_NINFO][SYSATTR_MAX + 1], num[SYSATTR_MAX + 1];
	struct label info[FC_NINFO + 1];
	int statfd;

	info[0] = (struct label){ "fc_host", host };
	for (size_t i = 0; i < FC_NINFO; i++) {
		int n = sysattr_read(hostfd, fc_info_files[i], val[i]);
		const char *v = val[i];

		if (n == -ENOENT) {
			val[i][0] = '\0';
			n = 0;
		}
		if (n < 0) {
			fc_detail(ctx, host, fc_info_files[i], strerror(-n));
			return n;
		}
		if (!pp_label_text(val[i], (size_t)n)) {
			fc_detail(ctx, host, fc_info_files[i], "not UTF-8 text");
			return -EINVAL;
		}
		if ((i == FC_PORT_ID || i == FC_PORT_NAME || i == FC_FABRIC_NAME) && n > 2)
			v += 2;
		info[i + 1] = (struct label){ fc_info_files[i], v };
	}
	if (!fams[ARRAY_SIZE(fc_ctrs)])
		fams[ARRAY_SIZE(fc_ctrs)] =
		    ms_family(ms, "node_fibrechannel_info", METRIC_GAUGE,
			      "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.");
	ms_add_labels(ms, fams[ARRAY_SIZE(fc_ctrs)], 1, info, ARRAY_SIZE(info));

	statfd = openat(hostfd, "statistics", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (statfd < 0)
		return errno == ENOENT ? 0 : -errno;
	for (size_t i = 0; i < ARRAY_SIZE(fc_ctrs); i++) {
		int n = sysattr_read(statfd, fc_ctrs[i].file, num);
		char *end;
		uint64_t v;

		if (n < 0 && (n == -ENOENT || n == -EOPNOTSUPP || n == -EINVAL))
			continue;
		if (n < 0) {
			fc_detail(ctx, host, fc_ctrs[i].file, strerror(-n));
			close(statfd);
			return n;
		}
		errno = 0;
		v = strtoull(num, &end, 0);
		if (!*num || *num == '-' || *end || errno) {
			fc_detail(ctx, host, fc_ctrs[i].file, "not a number");
			close(statfd);
			return -EINVAL;
		}
		if (v == UINT64_MAX)
			continue; /* the driver does not count this */
		if (!fams[i])
			fams[i] = ms_family(ms, fc_ctrs[i].name, METRIC_COUNTER, fc_ctrs[i].help);
		ms_add(ms, fams[i], (double)v, "fc_host", host, NULL);
	}
	close(statfd);
	return 0;
}

static int fc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fibrechannel_collect(struct collect_ctx *ctx, struct metric_set *ms)
{
	struct family *fams[ARRAY_SIZE(fc_ctrs) + 1] = { 0 };
	char path[4096], **hosts = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d = NULL;
	int classfd = -1, err;

	err = path_join(path, sizeof(path), ctx->sysfs, "class/fc_host");
	if (err)
		return err;
	classfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (classfd < 0)
		return errno == ENOENT ? -ENODATA : -errno;
	d = fdopendir(dup(classfd));
	if (!d) {
		err = -errno;
		goto out;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nh = realloc(hosts, (cap ? cap * 2 : 8) * sizeof(*hosts));

			if (!nh) {
				err = -ENOMEM;
				goto out;
			}
			hosts = nh;
			cap = cap ? cap * 2 : 8;
		}
		hosts[n] = strdup(e->d_name);
		if (!hosts[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(hosts, n, sizeof(*hosts), fc_cmp);
	for (size_t i = 0; i < n; i++) {
		int hostfd;

		if (!pp_label_text(hosts[i], strlen(hosts[i]))) {
			fc_detail(ctx, hosts[i], "", "host name not UTF-8 text");
			err = -EINVAL;
			goto out;
		}
		hostfd = openat(classfd, hosts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (hostfd < 0) {
			err = -errno;
			fc_detail(ctx, hosts[i], "", strerror(errno));
			goto out;
		}
		err = fc_host(ctx, ms, fams, hostfd, hosts[i]);
		close(hostfd);
		if (err)
			goto out;
	}
	err = ms_error(ms);
out:
	for (size_t i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	if (d)
		closedir(d);
	close(classfd);
	return err;
}

const struct collector collector_fibrechannel = {
	.name = "fibrechannel",
	.help = "Fibre Channel host port state and counters from /sys/class/fc_host",
	.default_enabled = true,
	.collect = fibrechannel_collect,
};
