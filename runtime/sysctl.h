/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_SYSCTL_H
#define AGENTRUN_SYSCTL_H

#include "spec/spec.h"

/* Check each linux.sysctl key belongs to a namespace the container has
 * of its own (ipc, net, uts), as runc does; others would change the host. */
int sysctl_check(const struct spec *spec, struct error *err);
/* Write them through /proc/sys (run inside the container's namespaces). */
int sysctl_apply(const struct spec *spec, struct error *err);

#endif
