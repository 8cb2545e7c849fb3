/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AppArmor profiles and SELinux labels: applied where the host runs that
 * LSM, a clear error where it does not. */
#ifndef AGENTRUN_LSM_H
#define AGENTRUN_LSM_H

#include <stdbool.h>

#include "spec/spec.h"

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* Refuse labels the host cannot apply (at create, before anything). */
int lsm_check(const char *apparmor_profile, const char *selinux_label, struct error *err);
/* Set the labels the next execve takes, written through procfd (from
 * procfs_open_private(), never a path in the container's /proc); when
 * procfd is not a procfs root, a private procfs is opened for the write. */
int lsm_set_exec_labels(int procfd, const char *apparmor_profile, const char *selinux_label,
			struct error *err);

#endif
