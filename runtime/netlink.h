/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_NETLINK_H
#define AGENTRUN_NETLINK_H

#include <sys/types.h>

#include "util/error.h"

/* Bring the loopback interface of the current network namespace up. */
int netlink_loopback_up(struct error *err);
/* Bring the loopback interface of the network namespace of pid up, from
 * the runtime (which enters that namespace and returns). */
int netlink_loopback_up_in(pid_t pid, struct error *err);
/* linux.netDevices: move host interface host_name into the network
 * namespace of pid as new_name (NULL: the same name), keep its permanent
 * global addresses and set it up. Runs in the runtime's namespaces. */
int netlink_move_device(pid_t pid, const char *host_name, const char *new_name, struct error *err);

#endif
