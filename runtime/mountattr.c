/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/mountattr.h"
#include "runtime/namespaces.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name;
	uint64_t set, clr;
} attr_options[] = {
	{"rro", MOUNT_ATTR_RDONLY, 0},
	{"rrw", 0, MOUNT_ATTR_RDONLY},
	{"rnosuid", MOUNT_ATTR_NOSUID, 0},
	{"rsuid", 0, MOUNT_ATTR_NOSUID},
	{"rnodev", MOUNT_ATTR_NODEV, 0},
	{"rdev", 0, MOUNT_ATTR_NODEV},
	{"rnoexec", MOUNT_ATTR_NOEXEC, 0},
	{"rexec", 0, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
	{"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
	{"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
	{"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
	{"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
	{"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
	{"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
};

const char *const mountattr_option_names[] = {
	"rro",	    "rrw",    "rnosuid",      "rsuid",		"rnodev",	"rdev",
	"rnoexec",  "rexec",  "rnodiratime",  "rdiratime",	"rrelatime",	"rnorelatime",
	"rnoatime", "ratime", "rstrictatime", "rnostrictatime", "rnosymfollow", "rsymfollow",
	NULL};

bool mountattr_parse(const char *opt, struct mount_attrs *a)
{
	for (size_t i = 0; i < sizeof(attr_options) / sizeof(attr_options[0]); i++)
		if (!strcmp(opt, attr_options[i].name)) {
			/* a later option wins over an earlier one */
			a->set &= ~attr_options[i].clr;
			a->clr &= ~attr_options[i].set;
			a->set |= attr_options[i].set;
			a->clr |= attr_options[i].clr;
			a->any = true;
			return true;
		}
	return false;
}

int mountattr_apply(int fd, const struct mount_attrs *a, const char *shown, struct error *err)
{
	if (!a->any)
		return 0;
	struct mount_attr attr = {.attr_set = a->set, .attr_clr = a->clr};
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return error_errno(err, "set recursive mount attributes on %s", shown);
	return 0;
}

int mountattr_userns(const struct spec_mount *m, struct error *err)
{
	/* a child in a new user namespace holds it while we write its maps */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char c;
		close(pfd[1]);
		(void)!read(pfd[0], &c, 1);
		_exit(0);
	}
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return error_errno(err, "make a user namespace for an idmapped mount");
	}
	int fd = -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	/* a mount with only one of the two maps gets the identity for the other */
	struct spec_id_mapping identity = {0, 0, 4294967295U};
	if (ns_write_map(pid, "uid_map", m->n_uid_mappings ? m->uid_mappings : &identity,
			 m->n_uid_mappings ? m->n_uid_mappings : 1, err) == 0 &&
	    ns_write_map(pid, "gid_map", m->n_gid_mappings ? m->gid_mappings : &identity,
			 m->n_gid_mappings ? m->n_gid_mappings : 1, err) == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			error_errno(err, "open %s", path);
	}
	close(pfd[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int mountattr_idmapped_bind(const char *src, int target_fd, int userns_fd, bool recursive,
			    const char *shown, struct error *err)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, src,
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						     (recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return error_errno(err, "clone mount %s for %s", src, shown);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0)
		return error_errno(err, "idmap mount %s for %s", src, shown);
	if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return error_errno(err, "attach idmapped mount %s on %s", src, shown);
	return 0;
}
