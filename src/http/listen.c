/* The HTTP server's listening socket: --web.listen-address parsed as Go's
 * SplitHostPort would, resolved, and bound here rather than in libmicrohttpd,
 * which gives an errno to report and accepts host names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"
#include "util.h"

#define HTTP_LISTEN_BACKLOG 1024
/* sd_listen_fds(3): systemd passes its sockets from this descriptor on. */
#define SD_LISTEN_FDS_START 3

int http_parse_listen_address(const char *addr, char *host, size_t hostsz, uint16_t *port)
{
	const char *colon, *h = addr;
	size_t hlen;
	uint64_t p;

	if (!addr)
		return -EINVAL;
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		h = addr + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
		if (hlen == 0)
			return -EINVAL;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - addr);
		/* A bare IPv6 address is ambiguous with its port: Go's
		 * SplitHostPort refuses it too, so insist on brackets. */
		if (memchr(addr, ':', hlen))
			return -EINVAL;
	}
	if (hlen >= hostsz || parse_u64(colon + 1, &p) || p > 65535)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int bind_listen(int family, const struct sockaddr *sa, socklen_t salen, int *fd_out)
{
	int one = 1, zero = 0;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	/* Restarts must not wait out TIME_WAIT of the last scrape. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    /* "[::]" or ":port" serves IPv4 too, whatever net.ipv6.bindv6only says. */
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
					      sizeof(zero))) ||
	    bind(fd, sa, salen) || listen(fd, HTTP_LISTEN_BACKLOG)) {
		err = -errno;
		goto out;
	}
	*fd_out = fd;
	return 0;
out:
	close(fd);
	return err;
}

int http_open_listener(const char *addr, int *fd_out, uint16_t *port_out)
{
	char host[256], portstr[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	uint16_t port;
	int err, rc;

	err = http_parse_listen_address(addr, host, sizeof(host), &port);
	if (err) {
		log_errorf(COMPONENT, LOG_KV("address", addr),
			   "invalid listen address, want [host]:port");
		return err;
	}
	if (!host[0]) {
		struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
					     .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(port),
					    .sin_addr.s_addr = htonl(INADDR_ANY) };

		err = bind_listen(AF_INET6, (struct sockaddr *)&any6, sizeof(any6), fd_out);
		/* A host booted with ipv6.disable=1 still gets IPv4. */
		if (err == -EAFNOSUPPORT || err == -EADDRNOTAVAIL)
			err = bind_listen(AF_INET, (struct sockaddr *)&any4, sizeof(any4), fd_out);
	} else {
		snprintf(portstr, sizeof(portstr), "%u", port);
		rc = getaddrinfo(host, portstr, &hints, &res);
		if (rc) {
			log_errorf(COMPONENT, LOG_KV("address", addr, "err", gai_strerror(rc)),
				   "resolving listen address failed");
			return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
		}
		err = -EADDRNOTAVAIL;
		/* The first address that binds, as Go's net.Listen does. */
		for (struct addrinfo *ai = res; ai && err; ai = ai->ai_next)
			err = bind_listen(ai->ai_family, ai->ai_addr, ai->ai_addrlen, fd_out);
		freeaddrinfo(res);
	}
	if (err) {
		log_error_errno(COMPONENT, err, LOG_KV("address", addr), "listening failed");
		return err;
	}
	if (getsockname(*fd_out, (struct sockaddr *)&ss, &sslen) == 0)
		*port_out = ntohs(ss.ss_family == AF_INET6 ?
					  ((struct sockaddr_in6 *)&ss)->sin6_port :
					  ((struct sockaddr_in *)&ss)->sin_port);
	else
		*port_out = port;
	return 0;
}

/* The first socket of systemd's socket activation protocol (sd_listen_fds(3):
 * LISTEN_PID is us, LISTEN_FDS >= 1, fds from 3). exporter-toolkit serves on
 * it likewise. */
int http_systemd_listener(int *fd_out, uint16_t *port_out)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	uint64_t p = 0, n = 0;
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (!pid || !fds || parse_u64(pid, &p) || parse_u64(fds, &n) || p != (uint64_t)getpid() ||
	    n < 1) {
		log_errorf(COMPONENT, NULL,
			   "--web.systemd-socket: no socket passed by systemd "
			   "(LISTEN_PID/LISTEN_FDS unset or not for this process)");
		return -EBADF;
	}
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_STREAM ||
	    getsockname(SD_LISTEN_FDS_START, (struct sockaddr *)&ss, &sslen)) {
		log_errorf(COMPONENT, NULL, "--web.systemd-socket: fd 3 is not a stream socket");
		return -ENOTSOCK;
	}
	*fd_out = SD_LISTEN_FDS_START;
	*port_out = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ss.ss_family == AF_INET   ? ntohs(((struct sockaddr_in *)&ss)->sin_port) :
						0;
	return 0;
}
