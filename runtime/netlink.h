/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_NETLINK_H
#define AGENTRUN_NETLINK_H

#include "util/error.h"

/* Bring the loopback interface of the current network namespace up. */
int netlink_loopback_up(struct error *err);

#endif
