/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's filesystem: mounts, /dev, pivot_root, masked and
 * read-only paths. Runs in the container's mount namespace (init.c). */
#ifndef AGENTRUN_ROOTFS_H
#define AGENTRUN_ROOTFS_H

#include <stdbool.h>

#include "spec/spec.h"
#include "runtime/mountattr.h"

/* The proc and sysfs mounts rootfs_prepare made, held by fd until
 * rootfs_finish: masked and read-only paths under them are resolved from
 * these fds, never by path (a mount can be renamed away from another mount
 * namespace while create runs), and each must still be at its destination
 * after pivot_root. */
#define ROOTFS_KEPT_MAX 16
struct rootfs_kept_mount {
	char dest[4096];     /* cleaned destination, as the config names it */
	size_t index;	     /* in .mounts */
	unsigned long magic; /* PROC_SUPER_MAGIC or SYSFS_MAGIC */
	int fd;		     /* O_PATH on the mount's root */
	unsigned long long mnt_id;
};
struct rootfs_kept {
	struct rootfs_kept_mount m[ROOTFS_KEPT_MAX];
	size_t n;
};
void rootfs_kept_close(struct rootfs_kept *k);

struct rootfs_opts {
	const char *rootfs; /* absolute path of the rootfs on the host */
	bool no_pivot;
	bool in_userns; /* mknod and some mounts are not allowed */
	bool new_cgroupns;
	char *host_cgroups;	  /* /proc/self/cgroup read before unsharing cgroupns */
	const char *mount_label;  /* SELinux context= for the mounts made here */
	const int *idmap_fds;	  /* per mount: user namespace of its id mappings, or -1 */
	struct rootfs_kept *kept; /* filled by rootfs_prepare, used by rootfs_finish */
};

/* Parsed mount options (also used by tests). */
struct mount_flags {
	unsigned long flags;	   /* MS_* to set */
	unsigned long clear;	   /* MS_* explicitly cleared (rw, suid, ...) */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/... | MS_REC */
	bool bind, rbind;
	bool tmpcopyup;		  /* tmpfs: copy what was under the mount point into it */
	bool idmap, ridmap;	  /* an idmapped bind (ridmap: recursive) */
	struct mount_attrs attrs; /* recursive attributes: rro, rnosuid, ... */
	char data[1024];	  /* filesystem-specific options, comma separated */
};
int rootfs_parse_options(char **options, size_t n, struct mount_flags *out, struct error *err);

/* The mount options this build applies (NULL-terminated, at most max-1). */
void rootfs_mount_option_names(const char **out, size_t max);

/* Check, before anything is created, that every mount is one this build
 * can do (types, options). */
int rootfs_check_mounts(const struct spec *spec, struct error *err);

/* Before pivot: propagation, the rootfs bind, every mount, /dev. */
int rootfs_prepare(const struct spec *spec, const struct rootfs_opts *o, struct error *err);
/* pivot_root (or chroot), then masked/readonly paths and the readonly root. */
int rootfs_finish(const struct spec *spec, const struct rootfs_opts *o, struct error *err);

#endif
