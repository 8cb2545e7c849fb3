/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/netlink.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>
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

int netlink_loopback_up_in(pid_t pid, struct error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	_cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return error_errno(err, "open network namespace of %d", pid);
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return error_errno(err, "open the runtime's network namespace");
	if (setns(target, CLONE_NEWNET) < 0)
		return error_errno(err, "enter network namespace of %d", pid);
	int r = netlink_loopback_up(err);
	if (r < 0)
		error_prefix(err, "network namespace of %d", pid);
	/* a runtime left in the container's netns is the worse failure */
	if (setns(self, CLONE_NEWNET) < 0)
		r = error_errno(err, "return to the runtime's network namespace");
	return r;
}

/* ---- linux.netDevices: move a host interface into the container ---- */

struct nl_addr {
	unsigned char family, prefixlen;
	unsigned char addr[16];
	size_t len;
};

struct addr_list {
	int ifindex;
	struct nl_addr items[32];
	size_t n;
};

static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		struct error *err, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return error_errno(err, "netlink: %s", what);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return error_errno(err, "netlink: %s", what);
		int r = mnl_cb_run(buf, n, seq, portid, cb, data);
		if (r < 0)
			return error_errno(err, "netlink: %s", what);
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (mnl_attr_type_valid(attr, IFA_MAX) >= 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* Keep the permanent, global addresses of one interface. */
static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	unsigned int flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS])
		flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if ((int)ifa->ifa_index != l->ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    !(flags & IFA_F_PERMANENT) || l->n >= 32)
		return MNL_CB_OK;
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	struct nl_addr *x = &l->items[l->n++];
	x->family = ifa->ifa_family;
	x->prefixlen = ifa->ifa_prefixlen;
	x->len = mnl_attr_get_payload_len(a) > 16 ? 16 : mnl_attr_get_payload_len(a);
	memcpy(x->addr, mnl_attr_get_payload(a), x->len);
	return MNL_CB_OK;
}

static struct mnl_socket *nl_open(struct error *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl) {
		error_errno(err, "open netlink socket");
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		error_errno(err, "bind netlink socket");
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int dump_addresses(struct mnl_socket *nl, struct addr_list *l, struct error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	return talk(nl, nlh, addr_cb, l, err, "list addresses");
}

int netlink_move_device(pid_t pid, const char *host_name, const char *new_name, struct error *err)
{
	const char *name = new_name && *new_name ? new_name : host_name;
	struct addr_list addrs = {.ifindex = (int)if_nametoindex(host_name)};
	if (!addrs.ifindex)
		return error_errno(err, "netDevices: host interface %s", host_name);
	struct mnl_socket *nl = nl_open(err);
	if (!nl)
		return -1;
	int r = dump_addresses(nl, &addrs, err);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	if (r == 0) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = (unsigned int)time(NULL) + 1;
		struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		ifm->ifi_index = addrs.ifindex;
		mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		r = talk(nl, nlh, NULL, NULL, err, "move interface");
		if (r < 0)
			error_prefix(err, "netDevices: move %s into the container as %s", host_name,
				     name);
	}
	mnl_socket_close(nl);
	if (r < 0)
		return -1;

	/* in the container's network namespace: the addresses back, and up */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (target < 0 || self < 0 || setns(target, CLONE_NEWNET) < 0) {
		r = error_errno(err, "netDevices: enter the container's network namespace");
		goto out;
	}
	nl = nl_open(err);
	int idx = nl ? (int)if_nametoindex(name) : 0;
	if (nl && !idx && !strstr(name, "%d"))
		r = error_errno(err, "netDevices: %s in the container", name);
	for (size_t i = 0; nl && r == 0 && idx && i < addrs.n; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
		nlh->nlmsg_seq = (unsigned int)time(NULL) + 2 + (unsigned int)i;
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = addrs.items[i].family;
		ifa->ifa_prefixlen = addrs.items[i].prefixlen;
		ifa->ifa_flags = IFA_F_PERMANENT;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = (unsigned int)idx;
		mnl_attr_put(nlh, IFA_LOCAL, addrs.items[i].len, addrs.items[i].addr);
		mnl_attr_put(nlh, IFA_ADDRESS, addrs.items[i].len, addrs.items[i].addr);
		r = talk(nl, nlh, NULL, NULL, err, "restore an address");
	}
	if (nl && r == 0 && idx) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = (unsigned int)time(NULL) + 100;
		struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		ifm->ifi_index = idx;
		ifm->ifi_flags = IFF_UP;
		ifm->ifi_change = IFF_UP;
		r = talk(nl, nlh, NULL, NULL, err, "set the interface up");
	}
	if (nl)
		mnl_socket_close(nl);
	else
		r = -1;
	if (setns(self, CLONE_NEWNET) < 0 && r == 0)
		r = error_errno(err, "netDevices: return to the runtime's network namespace");
out:
	if (target >= 0)
		close(target);
	if (self >= 0)
		close(self);
	return r;
}
