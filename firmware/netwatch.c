/* rtnetlink change notices: see netwatch.h. */
#include "firmware/netwatch.h"
#include "common/log.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int netwatch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		log_warn("netwatch: no netlink socket (%s); the uplink relies on its backoff",
			 strerror(errno));
		return -errno;
	}
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		log_warn("netwatch: cannot subscribe to network changes (%s)", strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

bool netwatch_changed(int fd)
{
	char buf[8192];
	bool changed = false;

	if (fd < 0)
		return false;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		changed = true;
	return changed;
}

void netwatch_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
