/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <time.h>
#include <unistd.h>

int netlink_loopback_up(struct error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return error_errno(err, "open netlink socket");
	int r = -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		error_errno(err, "bind netlink socket");
		goto out;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)if_nametoindex("lo");
	if (ifm->ifi_index == 0)
		ifm->ifi_index = 1;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		error_errno(err, "netlink: set lo up");
		goto out;
	}
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		error_errno(err, "netlink: set lo up");
		goto out;
	}
	if (mnl_cb_run(buf, n, nlh->nlmsg_seq, mnl_socket_get_portid(nl), NULL, NULL) < 0) {
		error_errno(err, "netlink: set lo up");
		goto out;
	}
	r = 0;
out:
	mnl_socket_close(nl);
	return r;
}
