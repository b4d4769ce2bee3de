/* node_network_address_info for the netdev collector
 * (--collector.netdev.address-info): every address of every interface the
 * device filter keeps, labelled as node_exporter 1.12 labels it from Go's
 * net.Interfaces(). Apart from netdev.c so a test can feed it a made-up list.
 */
#ifndef IM_COLLECT_NETADDR_H
#define IM_COLLECT_NETADDR_H

#include <ifaddrs.h>

#include "collector.h"

/* Adds one sample per IPv4/IPv6 address of list (getifaddrs() order; other
 * families are skipped) whose interface filter keeps (NULL: all). 0 or
 * ms_error()'s -errno. */
int netaddr_emit(struct metric_set *ms, const struct device_filter *filter,
		 const struct ifaddrs *list);

#endif
