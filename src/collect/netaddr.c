/* node_network_address_info from getifaddrs(), labels as Go's net package
 * prints them: the address in its shortest form (an IPv4-mapped IPv6 address
 * as dotted IPv4, as net.IP.String() does), the prefix length of a contiguous
 * netmask ("0" otherwise, like net.IPMask.Size()), and node_exporter's scope
 * classes, Go's predicates included (loopback counts as link-local there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

/* An address as 16 bytes (IPv4 in the IPv4-mapped form), as Go holds it. */
struct netaddr_ip {
	uint8_t b[16];
	int v4;
};

static int netaddr_ip_of(const struct sockaddr *sa, struct netaddr_ip *ip)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(ip, 0, sizeof(*ip));
	if (sa->sa_family == AF_INET) {
		memcpy(ip->b, mapped, sizeof(mapped));
		memcpy(ip->b + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		ip->v4 = 1;
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(ip->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	ip->v4 = !memcmp(ip->b, mapped, sizeof(mapped));
	return 0;
}

/* Go's IPMask.Size(): the count of leading ones, 0 if ones follow a zero. */
static unsigned int netaddr_prefix(const uint8_t *mask, size_t len)
{
	unsigned int ones = 0;
	size_t i = 0;

	for (; i < len && mask[i] == 0xff; i++)
		ones += 8;
	if (i == len)
		return ones;
	for (uint8_t m = mask[i]; m & 0x80; m = (uint8_t)(m << 1))
		ones++;
	if ((uint8_t)(mask[i] << (ones % 8)) != 0)
		return 0;
	for (i++; i < len; i++)
		if (mask[i])
			return 0;
	return ones;
}

/* node_exporter's scope(): Go's IsLoopback, IsLinkLocalUnicast and
 * IsLinkLocalMulticast are "link-local", IsInterfaceLocalMulticast
 * "interface-local", IsGlobalUnicast "global", anything else "". */
static const char *netaddr_scope(const struct netaddr_ip *ip)
{
	static const uint8_t loop6[16] = { [15] = 1 }, zero[16] = { 0 };
	const uint8_t *a = ip->b;

	if (ip->v4) {
		const uint8_t *v = a + 12;

		if (v[0] == 127 || (v[0] == 169 && v[1] == 254) ||
		    (v[0] == 224 && v[1] == 0 && v[2] == 0))
			return "link-local";
		if ((v[0] == 255 && v[1] == 255 && v[2] == 255 && v[3] == 255) ||
		    !(v[0] | v[1] | v[2] | v[3]) || (v[0] & 0xf0) == 0xe0)
			return "";
		return "global";
	}
	if (!memcmp(a, loop6, 16) || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    (a[0] == 0xff && (a[1] & 0x0f) == 0x02))
		return "link-local";
	if (a[0] == 0xff && (a[1] & 0x0f) == 0x01)
		return "interface-local";
	if (!memcmp(a, zero, 16) || a[0] == 0xff)
		return "";
	return "global";
}

int netaddr_emit(struct metric_set *ms, const struct device_filter *filter,
		 const struct ifaddrs *list)
{
	struct family *fam = NULL;

	for (const struct ifaddrs *i = list; i; i = i->ifa_next) {
		char dev[IF_NAMESIZE + 1], addr[INET6_ADDRSTRLEN], mask[4];
		struct netaddr_ip ip, nm;
		const char *colon;

		if (!i->ifa_addr || !i->ifa_name || netaddr_ip_of(i->ifa_addr, &ip))
			continue;
		/* An IPv4 alias comes labelled "eth0:1"; Go names the interface. */
		colon = strchr(i->ifa_name, ':');
		snprintf(dev, sizeof(dev), "%.*s",
			 (int)(colon ? (size_t)(colon - i->ifa_name) : strlen(i->ifa_name)),
			 i->ifa_name);
		if (filter && device_filter_ignored(filter, dev))
			continue;
		if (!inet_ntop(ip.v4 ? AF_INET : AF_INET6, ip.v4 ? ip.b + 12 : ip.b, addr,
			       sizeof(addr)))
			continue;
		if (!i->ifa_netmask || i->ifa_netmask->sa_family != i->ifa_addr->sa_family ||
		    netaddr_ip_of(i->ifa_netmask, &nm))
			memset(&nm, 0, sizeof(nm));
		snprintf(mask, sizeof(mask), "%u",
			 i->ifa_addr->sa_family == AF_INET ? netaddr_prefix(nm.b + 12, 4)
							   : netaddr_prefix(nm.b, 16));
		if (!fam)
			fam = ms_family(ms, "node_network_address_info", METRIC_GAUGE,
					"node network address by device");
		ms_add(ms, fam, 1, "address", addr, "device", dev, "netmask", mask, "scope",
		       netaddr_scope(&ip), NULL);
	}
	return ms_error(ms);
}
