/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/lsm.h"
#include "runtime/procfs.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SELINUX_MAGIC 0xf97cff8c

bool lsm_apparmor_enabled(void)
{
	char *v = NULL;
	struct error err;
	bool on = fs_read_file("/sys/module/apparmor/parameters/enabled", &v, NULL, &err) == 0 &&
		  v[0] == 'Y';
	free(v);
	return on;
}

bool lsm_selinux_enabled(void)
{
	struct statfs sf;
	return statfs("/sys/fs/selinux", &sf) == 0 && (unsigned long)sf.f_type == SELINUX_MAGIC;
}

static bool set(const char *s)
{
	return s && *s;
}

/* A process label the host cannot apply is refused (fail closed, and runc
 * refuses it too). linux.mountLabel is not checked: engines send one on
 * hosts without SELinux, where it labels nothing (runc ignores it there). */
int lsm_check(const char *apparmor_profile, const char *selinux_label, struct error *err)
{
	if (set(apparmor_profile) && !lsm_apparmor_enabled())
		return error_set(err, 0,
				 "config.json: .process.apparmorProfile: AppArmor is not "
				 "enabled on this host");
	if (set(selinux_label) && !lsm_selinux_enabled())
		return error_set(err, 0,
				 "config.json: .process.selinuxLabel: SELinux is not enabled "
				 "on this host");
	return 0;
}

int lsm_set_exec_labels(int procfd, const char *apparmor_profile, const char *selinux_label,
			struct error *err)
{
	/* through a procfs handle of ours, never the container's /proc path:
	 * a fake attr file there would take the label and leave the process
	 * unconfined (CVE-2019-16884, CVE-2023-27561, CVE-2025-52881) */
	_cleanup_close_ int own = -1;
	if ((set(apparmor_profile) || set(selinux_label)) && !procfs_is_root(procfd)) {
		own = procfs_open_private(err);
		if (own < 0)
			return error_prefix(err, "set the LSM labels");
		procfd = own;
	}
	if (set(apparmor_profile)) {
		char buf[4096];
		snprintf(buf, sizeof(buf), "exec %s", apparmor_profile);
		struct error e;
		_cleanup_close_ int fd = procfs_openat(procfd, "thread-self/attr/apparmor/exec",
						       O_WRONLY, &e);
		if (fd < 0 && errno == ENOENT)
			fd = procfs_openat(procfd, "thread-self/attr/exec", O_WRONLY, &e);
		if (fd < 0) {
			*err = e;
			return error_prefix(err, "set AppArmor profile %s", apparmor_profile);
		}
		if (write(fd, buf, strlen(buf)) < 0)
			return error_errno(err, "set AppArmor profile %s", apparmor_profile);
	}
	if (set(selinux_label) &&
	    procfs_write(procfd, "thread-self/attr/exec", selinux_label, err) < 0)
		return error_prefix(err, "set SELinux label %s", selinux_label);
	return 0;
}
