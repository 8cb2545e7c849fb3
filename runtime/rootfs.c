/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/rootfs.h"
#include "runtime/procfs.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct {
	const char *name;
	bool clear; /* the option clears the flag */
	unsigned long flag;
} flag_options[] = {
	{"defaults", false, 0},
	{"ro", false, MS_RDONLY},
	{"rw", true, MS_RDONLY},
	{"nosuid", false, MS_NOSUID},
	{"suid", true, MS_NOSUID},
	{"nodev", false, MS_NODEV},
	{"dev", true, MS_NODEV},
	{"noexec", false, MS_NOEXEC},
	{"exec", true, MS_NOEXEC},
	{"sync", false, MS_SYNCHRONOUS},
	{"async", true, MS_SYNCHRONOUS},
	{"dirsync", false, MS_DIRSYNC},
	{"remount", false, MS_REMOUNT},
	{"mand", false, MS_MANDLOCK},
	{"nomand", true, MS_MANDLOCK},
	{"atime", true, MS_NOATIME},
	{"noatime", false, MS_NOATIME},
	{"diratime", true, MS_NODIRATIME},
	{"nodiratime", false, MS_NODIRATIME},
	{"relatime", false, MS_RELATIME},
	{"norelatime", true, MS_RELATIME},
	{"strictatime", false, MS_STRICTATIME},
	{"nostrictatime", true, MS_STRICTATIME},
	{"lazytime", false, MS_LAZYTIME},
	{"nolazytime", true, MS_LAZYTIME},
	{"silent", false, MS_SILENT},
	{"loud", true, MS_SILENT},
	{"iversion", false, MS_I_VERSION},
	{"noiversion", true, MS_I_VERSION},
	{"nosymfollow", false, MS_NOSYMFOLLOW},
	{"symfollow", true, MS_NOSYMFOLLOW},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation_options[] = {
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
	{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Options of later work: parsed, refused clearly for now. */
void rootfs_mount_option_names(const char **out, size_t max)
{
	size_t n = 0;
	if (n + 2 < max)
		out[n++] = "bind";
	if (n + 2 < max)
		out[n++] = "rbind";
	if (n + 2 < max)
		out[n++] = "tmpcopyup";
	if (n + 2 < max)
		out[n++] = "idmap";
	if (n + 2 < max)
		out[n++] = "ridmap";
	for (size_t i = 0; mountattr_option_names[i] && n + 2 < max; i++)
		out[n++] = mountattr_option_names[i];
	for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]) && n + 1 < max; i++)
		out[n++] = flag_options[i].name;
	for (size_t i = 0;
	     i < sizeof(propagation_options) / sizeof(propagation_options[0]) && n + 1 < max; i++)
		out[n++] = propagation_options[i].name;
	out[n] = NULL;
}

int rootfs_parse_options(char **options, size_t n, struct mount_flags *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	size_t dlen = 0;
	for (size_t i = 0; i < n; i++) {
		const char *opt = options[i];
		bool known = false;
		if (!strcmp(opt, "bind") || !strcmp(opt, "rbind")) {
			out->bind = true;
			out->rbind |= opt[0] == 'r';
			continue;
		}
		if (!strcmp(opt, "tmpcopyup")) {
			out->tmpcopyup = true;
			continue;
		}
		if (!strcmp(opt, "idmap") || !strcmp(opt, "ridmap")) {
			out->idmap = true;
			out->ridmap |= opt[0] == 'r';
			continue;
		}
		if (mountattr_parse(opt, &out->attrs))
			continue;
		for (size_t j = 0; j < sizeof(flag_options) / sizeof(flag_options[0]); j++)
			if (!strcmp(opt, flag_options[j].name)) {
				if (flag_options[j].clear) {
					out->flags &= ~flag_options[j].flag;
					out->clear |= flag_options[j].flag;
				} else {
					out->flags |= flag_options[j].flag;
					out->clear &= ~flag_options[j].flag;
				}
				known = true;
				break;
			}
		for (size_t j = 0;
		     !known && j < sizeof(propagation_options) / sizeof(propagation_options[0]);
		     j++)
			if (!strcmp(opt, propagation_options[j].name)) {
				out->propagation = propagation_options[j].flag;
				known = true;
			}
		if (known)
			continue;
		size_t l = strlen(opt);
		if (dlen + l + 2 > sizeof(out->data))
			return error_set(err, 0, "mount options too long");
		if (dlen)
			out->data[dlen++] = ',';
		memcpy(out->data + dlen, opt, l + 1);
		dlen += l;
	}
	return 0;
}

static bool is_bind(const struct spec_mount *m, const struct mount_flags *f)
{
	return f->bind || (m->type && !strcmp(m->type, "bind"));
}

int rootfs_check_mounts(const struct spec *spec, struct error *err)
{
	/* without a mount namespace these cannot be applied: refuse, never
	 * skip (runc refuses masked and read-only paths the same way) */
	const char *needs = !spec_namespace_find(spec, "mount") ? ".linux.maskedPaths" : NULL;
	if (needs && spec->linux_.n_masked_paths)
		return error_set(err, 0,
				 "config.json: %s: needs a mount namespace (\"mount\" in "
				 ".linux.namespaces); without one the paths cannot be masked",
				 needs);
	if (needs && spec->linux_.n_readonly_paths)
		return error_set(
			err, 0,
			"config.json: .linux.readonlyPaths: needs a mount namespace "
			"(\"mount\" in .linux.namespaces); without one the paths cannot be "
			"made read-only");
	if (needs && spec->root.readonly)
		return error_set(err, 0,
				 "config.json: .root.readonly: needs a mount namespace (\"mount\" "
				 "in .linux.namespaces); without one the root cannot be made "
				 "read-only");
	/* runc skips them; we fail closed */
	if (needs && spec->n_mounts)
		return error_set(err, 0,
				 "config.json: .mounts: needs a mount namespace (\"mount\" in "
				 ".linux.namespaces); without one the mounts cannot be made");
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		struct mount_flags f;
		if (rootfs_parse_options(m->options, m->n_options, &f, err) < 0)
			return error_prefix(err, "config.json: .mounts[%zu].options", i);
		if ((m->n_uid_mappings || m->n_gid_mappings || f.idmap) && !is_bind(m, &f))
			return error_set(
				err, 0,
				"config.json: .mounts[%zu]: idmapped mounts are supported on "
				"bind mounts only",
				i);
		if (f.idmap && !m->n_uid_mappings && !m->n_gid_mappings &&
		    !spec->linux_.n_uid_mappings)
			return error_set(
				err, 0,
				"config.json: .mounts[%zu].options: \"idmap\" needs "
				"uidMappings or gidMappings, or a user namespace with maps",
				i);
		if (!is_bind(m, &f) && !m->type)
			return error_set(err, 0,
					 "config.json: .mounts[%zu].type: required for a "
					 "mount that is not a bind mount",
					 i);
		if (is_bind(m, &f) && !m->source)
			return error_set(
				err, 0,
				"config.json: .mounts[%zu].source: required for a bind mount", i);
	}
	return 0;
}

/* MS_* flags the kernel locks on a mount seen from a user namespace:
 * a remount must keep them. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int do_mount(const char *src, const char *target, const char *shown, const char *type,
		    unsigned long flags, const char *data, struct error *err)
{
	if (mount(src, target, type, flags, data && *data ? data : NULL) < 0)
		return error_errno(err, "mount %s%s%s on %s", type ? type : "", type ? " " : "",
				   src ? src : "", shown);
	return 0;
}

/* Remount a bind mount with its flags, keeping what the kernel locked. */
static int bind_remount(const char *target, const char *shown, unsigned long flags, bool in_userns,
			struct error *err)
{
	unsigned long keep = in_userns ? locked_flags(target) : 0;
	return do_mount(NULL, target, shown, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL, err);
}

static int mount_cgroups(int rootfd, const char *dest, const char *target, unsigned long flags,
			 const struct rootfs_opts *o, struct error *err);

/* The per-mount MS_* flags of a bind as mount_setattr attributes. Outside
 * a user namespace those not asked for are cleared, as a bind remount with
 * exactly these flags would; inside one the kernel keeps the source's
 * (locked), so they are only set. */
static void bind_attrs(unsigned long flags, bool in_userns, struct mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{MS_RDONLY, MOUNT_ATTR_RDONLY},		{MS_NOSUID, MOUNT_ATTR_NOSUID},
		{MS_NODEV, MOUNT_ATTR_NODEV},		{MS_NOEXEC, MOUNT_ATTR_NOEXEC},
		{MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (flags & map[i].ms)
			a->attr_set |= map[i].attr;
		else if (!in_userns && map[i].ms != MS_NODIRATIME && map[i].ms != MS_NOSYMFOLLOW)
			a->attr_clr |= map[i].attr;
	}
	uint64_t atime = flags & MS_NOATIME	  ? MOUNT_ATTR_NOATIME
			 : flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME
			 : flags & MS_RELATIME	  ? MOUNT_ATTR_RELATIME
						  : UINT64_MAX;
	if (atime != UINT64_MAX) {
		a->attr_set |= atime;
		a->attr_clr |= MOUNT_ATTR__ATIME;
	}
}

/* Bind src on dest (inside root, on the fd of the resolved target): a
 * detached clone of src gets its flags first and is then moved onto the fd,
 * so that no path is looked up again once the mount exists (a racer that
 * swaps dest for a symlink then cannot get the flags put elsewhere). */
static int bind_at(int rootfd, const char *src, int tfd, const char *dest, bool rec,
		   unsigned long flags, bool in_userns, int *mounted, struct error *err)
{
	(void)rootfd;
	_cleanup_close_ int tree = open_tree(
		AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (tree < 0)
		return error_errno(err, "bind mount %s on %s", src, dest);
	/* no flags: the source's stay, as a plain bind */
	struct mount_attr attr;
	bind_attrs(flags, in_userns, &attr);
	if (flags && (attr.attr_set || attr.attr_clr) &&
	    mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return error_errno(err, "bind mount %s on %s: set its flags", src, dest);
	if (move_mount(tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return error_errno(err, "bind mount %s on %s", src, dest);
	/* the fd now names the new mount: what is done to it next needs no
	 * lookup either */
	if (mounted)
		*mounted = take_fd(&tree);
	return 0;
}

/* tmpcopyup: copy the tree under dirfd `from` into `to` (the new tmpfs),
 * keeping modes, owners and times; an owner this namespace cannot map is
 * left as it is. */
static int copy_tree(int from, int to, const char *shown, int depth, struct error *err)
{
	if (depth > 64)
		return error_set(err, 0, "tmpcopyup %s: tree too deep", shown);
	int dfd = fcntl(from, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return error_errno(err, "tmpcopyup %s", shown);
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return error_errno(err, "tmpcopyup %s", shown);
	}
	rewinddir(d);
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat st;
		if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = error_errno(err, "tmpcopyup %s/%s", shown, n);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sfd = openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sfd < 0 ||
			    (mkdirat(to, n, st.st_mode & 07777) < 0 && errno != EEXIST)) {
				r = error_errno(err, "tmpcopyup %s/%s", shown, n);
				if (sfd >= 0)
					close(sfd);
				break;
			}
			int tfd = openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (tfd < 0) {
				r = error_errno(err, "tmpcopyup %s/%s", shown, n);
				close(sfd);
				break;
			}
			r = copy_tree(sfd, tfd, shown, depth + 1, err);
			close(sfd);
			close(tfd);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t l = readlinkat(from, n, target, sizeof(target) - 1);
			if (l < 0 || (target[l] = '\0', symlinkat(target, to, n) < 0)) {
				r = error_errno(err, "tmpcopyup %s/%s", shown, n);
				break;
			}
		} else if (S_ISREG(st.st_mode)) {
			int in = openat(from, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int out = in < 0 ? -1
					 : openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
						  st.st_mode & 07777);
			if (in < 0 || out < 0) {
				r = error_errno(err, "tmpcopyup %s/%s", shown, n);
			} else {
				char buf[65536];
				ssize_t k;
				while ((k = read(in, buf, sizeof(buf))) > 0)
					if (write(out, buf, k) != k) {
						k = -1;
						break;
					}
				if (k < 0)
					r = error_errno(err, "tmpcopyup %s/%s", shown, n);
			}
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else if (mknodat(to, n, st.st_mode, st.st_rdev) < 0) {
			r = error_errno(err, "tmpcopyup %s/%s", shown, n);
		}
		if (r < 0)
			break;
		if (fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != EPERM && errno != EINVAL) {
			r = error_errno(err, "tmpcopyup %s/%s: chown", shown, n);
			break;
		}
		/* chown cleared suid bits */
		if (!S_ISLNK(st.st_mode) && fchmodat(to, n, st.st_mode & 07777, 0) < 0) {
			r = error_errno(err, "tmpcopyup %s/%s: chmod", shown, n);
			break;
		}
		struct timespec ts[2] = {st.st_atim, st.st_mtim};
		utimensat(to, n, ts, AT_SYMLINK_NOFOLLOW);
	}
	closedir(d);
	return r;
}

#define PROC_ROOT_INO 1

/* dest resolved inside the root with no symlink on the way (a proc mount
 * must land on a real directory: CVE-2019-16884, CVE-2025-52881). */
static int open_no_symlinks(int rootfd, const char *dest, struct error *err)
{
	while (*dest == '/')
		dest++;
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, *dest ? dest : ".", &how, sizeof(how));
	if (fd < 0 && errno == ELOOP)
		return error_set(err, 0,
				 "%s in the rootfs is a symlink or has one on its way; a proc "
				 "mount needs a real directory",
				 *dest ? dest : "/");
	if (fd < 0 && errno != ENOENT)
		return error_errno(err, "open %s in the container rootfs", dest);
	return fd;
}

static int proc_mount_target(int rootfd, const char *dest, struct error *err)
{
	int fd = open_no_symlinks(rootfd, dest, err);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	int made = fs_mkpath_in_root(rootfd, dest, true, 0755, err);
	if (made < 0)
		return -1;
	close(made);
	errno = 0;
	fd = open_no_symlinks(rootfd, dest, err);
	if (fd < 0 && errno == ENOENT)
		return error_errno(err, "open %s in the container rootfs", dest);
	return fd;
}

/* A mount that is not a fresh procfs may not go on /proc (as written) or
 * on the root of a procfs an earlier mount put somewhere (wherever symlinks
 * took the destination) unless it binds a procfs root, nor inside a procfs
 * except on the few files lxcfs emulates (as runc). */
static int check_proc_target(const struct spec_mount *m, bool bind, int tfd, struct error *err)
{
	struct statfs sf;
	struct stat st;
	char clean[PATH_MAX];
	if (fstatfs(tfd, &sf) < 0 || fstat(tfd, &st) < 0)
		return error_errno(err, "stat mount target %s", m->destination);
	if (spec_clean_path(m->destination, clean, sizeof(clean)) < 0)
		return error_set(err, 0, "destination \"%s\": too long", m->destination);
	bool in_proc = sf.f_type == PROC_SUPER_MAGIC;
	if ((in_proc && st.st_ino == PROC_ROOT_INO) || !strcmp(clean, "/proc")) {
		if (bind) {
			_cleanup_close_ int src = open(m->source, O_PATH | O_CLOEXEC);
			if (src >= 0 && procfs_is_root(src))
				return 0;
		}
		return error_set(err, 0,
				 "destination \"%s\" is /proc or a procfs: only proc or a bind "
				 "of a procfs root may go there",
				 m->destination);
	}
	if (!in_proc || spec_proc_file_mountable(clean))
		return 0;
	return error_set(err, 0, "destination \"%s\" is inside a procfs", m->destination);
}

static int mount_one(int rootfd, const struct spec_mount *m, int idmap_fd,
		     const struct rootfs_opts *o, struct error *err)
{
	struct mount_flags f;
	if (rootfs_parse_options(m->options, m->n_options, &f, err) < 0)
		return -1;
	bool bind = is_bind(m, &f);
	const char *type = m->type;
	bool dir = true;
	if (bind) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			return error_errno(err, "bind mount source %s", m->source);
		dir = S_ISDIR(st.st_mode);
	}
	bool proc = !bind && !strcmp(type, "proc");
	_cleanup_close_ int tfd = proc ? proc_mount_target(rootfd, m->destination, err)
				       : fs_mkpath_in_root(rootfd, m->destination, dir, 0755, err);
	if (tfd < 0)
		return error_prefix(err, "mount %s", m->destination);
	if (!proc && check_proc_target(m, bind, tfd, err) < 0)
		return -1;
	char tbuf[32];
	const char *target = fs_fd_path(tfd, tbuf);
	_cleanup_close_ int mounted = -1; /* the new mount, when we hold it */

	if (bind) {
		if (idmap_fd >= 0) {
			if (mountattr_idmapped_bind(m->source, tfd, idmap_fd, f.rbind || f.ridmap,
						    m->destination, err) < 0)
				return -1;
			unsigned long rf = f.flags & ~MS_REMOUNT;
			_cleanup_close_ int nfd =
				rf ? fs_open_in_root(rootfd, m->destination, O_PATH, err) : -1;
			if (rf && (nfd < 0 || bind_remount(fs_fd_path(nfd, tbuf), m->destination,
							   rf, o->in_userns, err) < 0))
				return -1;
		} else if (bind_at(rootfd, m->source, tfd, m->destination, f.rbind,
				   f.flags & ~MS_REMOUNT, o->in_userns, &mounted, err) < 0) {
			return -1;
		}
	} else if (!strcmp(type, "cgroup") || !strcmp(type, "cgroup2")) {
		if (mount_cgroups(rootfd, m->destination, target, f.flags, o, err) < 0)
			return -1;
	} else {
		/* tmpcopyup: the directory under the mount point, kept open */
		_cleanup_close_ int under = -1;
		if (f.tmpcopyup && !strcmp(type, "tmpfs")) {
			under = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (under < 0)
				return error_errno(err, "tmpcopyup %s", m->destination);
		}
		int r = do_mount(m->source ? m->source : type, target, m->destination, type,
				 f.flags, f.data, err);
		if (r < 0 && errno == EINVAL && o->in_userns && !strcmp(type, "devpts") &&
		    strstr(f.data, "gid=")) {
			/* the tty group may not be mapped here: devpts without gid= */
			char data[sizeof(f.data)] = "";
			char *save = NULL;
			for (char *t = strtok_r(f.data, ",", &save); t;
			     t = strtok_r(NULL, ",", &save))
				if (strncmp(t, "gid=", 4)) {
					size_t l = strlen(data);
					snprintf(data + l, sizeof(data) - l, "%s%s", l ? "," : "",
						 t);
				}
			error_clear(err);
			r = do_mount(m->source ? m->source : type, target, m->destination, type,
				     f.flags, data, err);
		}
		if (r == 0 && under >= 0) {
			_cleanup_close_ int top = fs_open_in_root(rootfd, m->destination,
								  O_RDONLY | O_DIRECTORY, err);
			if (top < 0 || copy_tree(under, top, m->destination, 0, err) < 0)
				return error_prefix(err, "mount %s", m->destination);
		}
		if (r < 0 && o->in_userns && errno == EPERM &&
		    (!strcmp(type, "sysfs") || !strcmp(type, "mqueue"))) {
			/* not allowed without owning the net/ipc namespace: bind the host's */
			const char *host = !strcmp(type, "sysfs") ? "/sys" : "/dev/mqueue";
			error_clear(err);
			if (bind_at(rootfd, host, tfd, m->destination, true, f.flags, true, NULL,
				    err) < 0)
				return -1;
		} else if (r < 0) {
			return -1;
		}
	}
	if (f.attrs.any) {
		_cleanup_close_ int afd =
			mounted >= 0 ? -1 : fs_open_in_root(rootfd, m->destination, O_PATH, err);
		if ((mounted < 0 && afd < 0) || mountattr_apply(mounted >= 0 ? mounted : afd,
								&f.attrs, m->destination, err) < 0)
			return -1;
	}
	if (f.propagation) {
		close(tfd);
		tfd = mounted >= 0 ? take_fd(&mounted)
				   : fs_open_in_root(rootfd, m->destination, O_PATH, err);
		if (tfd < 0)
			return -1;
		target = fs_fd_path(tfd, tbuf);
		if (do_mount(NULL, target, m->destination, NULL, f.propagation, NULL, err) < 0)
			return -1;
	}
	return 0;
}

/* The host path of this process's cgroup in the hierarchy whose
 * /proc/self/cgroup controller field is `ctrl` ("" for cgroup2). */
static const char *own_cgroup(const char *cgroups, const char *ctrl, char *buf, size_t size)
{
	const char *line = cgroups;
	while (line && *line) {
		const char *c1 = strchr(line, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		if (c1 && c2 && c2 < nl) {
			size_t clen = c2 - c1 - 1;
			bool match = clen == strlen(ctrl) && !strncmp(c1 + 1, ctrl, clen);
			if (!match && *ctrl) {
				/* "cpu,cpuacct" lists several controllers */
				char list[256];
				snprintf(list, sizeof(list), ",%.*s,", (int)clen, c1 + 1);
				char want[128];
				snprintf(want, sizeof(want), ",%s,", ctrl);
				match = strstr(list, want) != NULL;
			}
			if (match) {
				snprintf(buf, size, "%.*s", (int)(nl - c2 - 1), c2 + 1);
				return buf;
			}
		}
		line = *nl ? nl + 1 : nl;
	}
	return NULL;
}

/* A cgroup mount: cgroup2 on a unified host, else a tmpfs holding one mount
 * per host hierarchy (each the container's own cgroup). */
static int mount_cgroups(int rootfd, const char *dest, const char *target, unsigned long flags,
			 const struct rootfs_opts *o, struct error *err)
{
	_cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
	if (!mi)
		return error_errno(err, "open /proc/self/mountinfo");
	struct stat st;
	bool unified_only = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
	if (unified_only) {
		if (o->new_cgroupns &&
		    do_mount("cgroup2", target, dest, "cgroup2", flags, NULL, err) == 0)
			return 0;
		char path[PATH_MAX + 16], cg[PATH_MAX];
		if (!own_cgroup(o->host_cgroups, "", cg, sizeof(cg)))
			snprintf(cg, sizeof(cg), "/");
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cg);
		error_clear(err);
		_cleanup_close_ int tfd = fs_open_in_root(rootfd, dest, O_PATH, err);
		if (tfd < 0)
			return -1;
		return bind_at(rootfd, path, tfd, dest, true, flags, o->in_userns, NULL, err);
	}
	if (do_mount("tmpfs", target, dest, "tmpfs", flags & ~MS_RDONLY, "mode=755", err) < 0)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (r == 0 && getline(&line, &cap, mi) > 0) {
		/* id parent maj:min root mountpoint opts ... - type source superopts */
		char root[PATH_MAX], mnt[PATH_MAX], fstype[32], superopts[512];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%31s %*s %511s", fstype, superopts) != 2)
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		if ((!v2 && strcmp(fstype, "cgroup")) || strncmp(mnt, "/sys/fs/cgroup/", 15))
			continue;
		const char *name = mnt + 15;
		if (strchr(name, '/'))
			continue;
		/* the controllers: superopts minus rw/ro and other flags */
		char ctrls[256] = "", ctrl_key[256] = "";
		char *save = NULL;
		for (char *t = strtok_r(superopts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!strcmp(t, "rw") || !strcmp(t, "ro") ||
			    !strncmp(t, "release_agent", 13) || !strcmp(t, "nsdelegate") ||
			    !strcmp(t, "memory_recursiveprot") || !strcmp(t, "clone_children") ||
			    !strcmp(t, "noprefix") || !strcmp(t, "xattr") ||
			    !strcmp(t, "cpuset_v2_mode") || !strcmp(t, "memory_localevents") ||
			    !strcmp(t, "memory_hugetlb_accounting") || !strcmp(t, "favordynmods"))
				continue;
			size_t l = strlen(ctrls);
			snprintf(ctrls + l, sizeof(ctrls) - l, "%s%s", l ? "," : "", t);
		}
		snprintf(ctrl_key, sizeof(ctrl_key), "%s", v2 ? "" : ctrls);
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/%s", dest, name);
		_cleanup_close_ int sfd = fs_mkpath_in_root(rootfd, sub, true, 0755, err);
		if (sfd < 0) {
			r = -1;
			break;
		}
		char sbuf[32];
		const char *starget = fs_fd_path(sfd, sbuf);
		unsigned long mflags = (flags & ~MS_REMOUNT) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
		if (o->new_cgroupns && !o->in_userns &&
		    do_mount("cgroup", starget, sub, v2 ? "cgroup2" : "cgroup", mflags,
			     v2 ? NULL : ctrls, err) == 0)
			continue;
		error_clear(err);
		char cg[PATH_MAX], host[PATH_MAX * 2];
		const char *own = own_cgroup(o->host_cgroups, ctrl_key, cg, sizeof(cg));
		/* the hierarchy root of that mount plus our cgroup relative to it */
		snprintf(host, sizeof(host), "%s%s", mnt, own ? own : "");
		(void)root;
		if (bind_at(rootfd, host, sfd, sub, true, mflags, o->in_userns, NULL, err) < 0)
			r = -1;
	}
	free(line);
	if (r == 0 && (flags & MS_RDONLY)) {
		/* the tmpfs now covers the fd we were given: reopen it */
		_cleanup_close_ int tfd = fs_open_in_root(rootfd, dest, O_PATH, err);
		char tbuf[32];
		if (tfd < 0)
			return -1;
		r = do_mount(NULL, fs_fd_path(tfd, tbuf), dest, NULL,
			     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     NULL, err);
	}
	return r;
}

static bool dev_is_bind_mounted(const struct spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (strcmp(m->destination, "/dev") && strcmp(m->destination, "/dev/"))
			continue;
		struct mount_flags f;
		struct error e;
		if (rootfs_parse_options(m->options, m->n_options, &f, &e) == 0 && is_bind(m, &f))
			return true;
	}
	return false;
}

static const struct {
	const char *name;
	unsigned int major, minor;
} default_devices[] = {
	{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

/* In a user namespace a device is the host's node bound on an empty
 * regular file. The image's entry at that name that is not one goes (a
 * FIFO an open would block on forever, a device node, a symlink), except
 * the very node (keep, when not 0); the file is made with mknod and only
 * ever opened O_PATH, and what is bound on is what was checked: an O_PATH
 * fd on it. */
static int bind_target_file(int dfd, const char *name, const char *shown, mode_t mode, dev_t keep,
			    struct error *err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
	    !(keep && S_ISCHR(st.st_mode) && st.st_rdev == keep) && unlinkat(dfd, name, 0) < 0)
		return error_errno(err, "remove the image's %s (a %s)", shown,
				   S_ISDIR(st.st_mode) ? "directory" : "special file");
	if (mknodat(dfd, name, S_IFREG | mode, 0) < 0 && errno != EEXIST)
		return error_errno(err, "create %s", shown);
	_cleanup_close_ int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return error_errno(err, "open %s", shown);
	if (!S_ISREG(st.st_mode) && !(keep && S_ISCHR(st.st_mode) && st.st_rdev == keep))
		return error_set(err, 0,
				 "%s: not a regular file to bind the device on (replaced while "
				 "being made?)",
				 shown);
	return take_fd(&fd);
}

static int make_devices(int rootfd, const struct rootfs_opts *o, struct error *err)
{
	_cleanup_close_ int devfd = fs_mkpath_in_root(rootfd, "/dev", true, 0755, err);
	if (devfd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		const char *name = default_devices[i].name;
		dev_t dev = makedev(default_devices[i].major, default_devices[i].minor);
		if (!o->in_userns) {
			/* a fresh node renamed over whatever the image has there (a
			 * symlink, a file, even one swapped in a race) */
			char tmp[32];
			snprintf(tmp, sizeof(tmp), ".%s.agentrun", name);
			unlinkat(devfd, tmp, 0);
			mode_t old = umask(0);
			int r = mknodat(devfd, tmp, S_IFCHR | 0666, dev);
			umask(old);
			if (r == 0 && renameat(devfd, tmp, devfd, name) < 0) {
				error_errno(err, "mknod /dev/%s", name);
				unlinkat(devfd, tmp, 0);
				return -1;
			}
			if (r == 0)
				continue;
			if (errno != EPERM)
				return error_errno(err, "mknod /dev/%s", name);
		}
		/* in a user namespace: bind the host's node on an empty file */
		char src[64], tbuf[32];
		snprintf(src, sizeof(src), "/dev/%s", name);
		_cleanup_close_ int tfd = bind_target_file(devfd, name, src, 0666, dev, err);
		if (tfd < 0 ||
		    do_mount(src, fs_fd_path(tfd, tbuf), src, NULL, MS_BIND, NULL, err) < 0)
			return -1;
	}
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
		{"pts/ptmx", "ptmx"},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (!strcmp(links[i][1], "ptmx"))
			unlinkat(devfd, "ptmx", 0); /* a devpts mount's ptmx wins */
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
			return error_errno(err, "symlink /dev/%s", links[i][1]);
	}
	if (symlinkat("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
		return error_errno(err, "symlink /dev/core");
	return 0;
}

static bool is_default_device(const char *path, int64_t major, int64_t minor)
{
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
		if (!strncmp(path, "/dev/", 5) && !strcmp(path + 5, default_devices[i].name) &&
		    major == default_devices[i].major && minor == default_devices[i].minor)
			return true;
	return false;
}

/* linux.devices: mknod, or in a user namespace a bind of the host node. */
static int make_spec_devices(int rootfd, const struct spec *spec, bool in_userns, struct error *err)
{
	for (size_t i = 0; i < spec->linux_.n_devices; i++) {
		const struct spec_device *d = &spec->linux_.devices[i];
		mode_t type = d->type[0] == 'b' ? S_IFBLK : d->type[0] == 'p' ? S_IFIFO : S_IFCHR;
		mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
		/* the parent directory, resolved inside the rootfs */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", d->path);
		char *slash = strrchr(parent, '/');
		const char *name = slash + 1;
		*slash = '\0';
		_cleanup_close_ int pfd = fs_mkpath_in_root(rootfd, parent[0] ? parent : "/", true,
							    0755, err);
		if (pfd < 0)
			return error_prefix(err, "config.json: .linux.devices[%zu]", i);
		int r = -1;
		if (!in_userns || type == S_IFIFO) { /* a FIFO needs no privilege */
			unlinkat(pfd, name, 0);
			mode_t old = umask(0);
			r = mknodat(pfd, name, type | perm,
				    makedev((unsigned)d->major, (unsigned)d->minor));
			umask(old);
			if (r < 0 && errno != EPERM)
				return error_errno(err, "mknod %s", d->path);
		}
		if (r < 0) {
			/* no mknod here: only the host's very node can be bound */
			struct stat hs;
			mode_t want = d->type[0] == 'b' ? S_IFBLK : S_IFCHR;
			if (want == S_IFCHR && is_default_device(d->path, d->major, d->minor))
				continue; /* bound already (make_devices) */
			if (stat(d->path, &hs) < 0)
				return error_set(err, 0,
						 "config.json: .linux.devices[%zu]: %s: no such "
						 "device on the host (in a user namespace a device "
						 "cannot be created, only the host's node bound)",
						 i, d->path);
			if ((hs.st_mode & S_IFMT) != want ||
			    hs.st_rdev != makedev((unsigned)d->major, (unsigned)d->minor))
				return error_set(
					err, 0,
					"config.json: .linux.devices[%zu]: %s is %s %u:%u "
					"on the host, not %c %lld:%lld (in a user namespace "
					"only the host's node can be bound)",
					i, d->path,
					S_ISCHR(hs.st_mode)   ? "c"
					: S_ISBLK(hs.st_mode) ? "b"
							      : "not a device,",
					major(hs.st_rdev), minor(hs.st_rdev), d->type[0],
					(long long)d->major, (long long)d->minor);
			_cleanup_close_ int tfd = bind_target_file(pfd, name, d->path, 0600, 0,
								   err);
			char tbuf[32];
			if (tfd < 0 || do_mount(d->path, fs_fd_path(tfd, tbuf), d->path, NULL,
						MS_BIND, NULL, err) < 0)
				return error_prefix(err, "config.json: .linux.devices[%zu]", i);
			continue;
		}
		uid_t uid = d->has_uid ? d->uid : 0;
		gid_t gid = d->has_gid ? d->gid : 0;
		if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return error_errno(err, "chown %s to %u:%u", d->path, uid, gid);
	}
	return 0;
}

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

static int mount_id(int fd, unsigned long long *id)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0)
		return -1;
	if (!(sx.stx_mask & STATX_MNT_ID)) {
		errno = ENOSYS;
		return -1;
	}
	*id = sx.stx_mnt_id;
	return 0;
}

/* path is dest itself or below it (both cleaned) */
static const char *under(const char *path, const char *dest)
{
	size_t l = strlen(dest);
	if (!strcmp(dest, "/"))
		return path + 1;
	if (strncmp(path, dest, l) || (path[l] && path[l] != '/'))
		return NULL;
	return path[l] ? path + l + 1 : path + l;
}

void rootfs_kept_close(struct rootfs_kept *k)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (k->m[i].fd >= 0)
			close(k->m[i].fd);
	if (k)
		k->n = 0;
}

/* The destination of a proc or sysfs mount, looked up as the mount was
 * (proc: never through a symlink). */
static int open_kept_dest(int rootfd, const char *dest, unsigned long magic, struct error *err)
{
	if (magic == PROC_SUPER_MAGIC) {
		int fd = open_no_symlinks(rootfd, dest, err);
		if (fd < 0 && errno == ENOENT)
			return error_errno(err, "open %s in the container rootfs", dest);
		return fd;
	}
	return fs_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, err);
}

/* After mount i: hold the proc or sysfs mount now at its destination by
 * fd (a later mount on or above that destination hides it: forget it). */
static int keep_mount(int rootfd, const struct spec_mount *m, size_t i, struct rootfs_kept *k,
		      struct error *err)
{
	char clean[PATH_MAX];
	if (!k)
		return 0;
	if (spec_clean_path(m->destination, clean, sizeof(clean)) < 0)
		return error_set(err, 0, "destination \"%s\": too long", m->destination);
	for (size_t j = 0; j < k->n;)
		if (under(k->m[j].dest, clean)) {
			close(k->m[j].fd);
			k->m[j] = k->m[--k->n];
		} else {
			j++;
		}
	struct mount_flags f;
	if (rootfs_parse_options(m->options, m->n_options, &f, err) < 0)
		return -1;
	unsigned long magic = 0;
	if (!is_bind(m, &f) && !strcmp(m->type, "proc"))
		magic = PROC_SUPER_MAGIC;
	else if (!is_bind(m, &f) && !strcmp(m->type, "sysfs"))
		magic = SYSFS_MAGIC;
	else
		return 0;
	if (k->n == ROOTFS_KEPT_MAX)
		return error_set(err, 0, "more than %d proc and sysfs mounts", ROOTFS_KEPT_MAX);
	_cleanup_close_ int fd = open_kept_dest(rootfd, clean, magic, err);
	struct statfs sf;
	if (fd < 0)
		return error_prefix(err, "mount %s", m->destination);
	if (fstatfs(fd, &sf) < 0)
		return error_errno(err, "stat the mount on %s", m->destination);
	if (sf.f_type != (typeof(sf.f_type))magic ||
	    (magic == PROC_SUPER_MAGIC && !procfs_is_root(fd)))
		return error_set(err, 0,
				 "the %s mount on %s is not there right after mounting (moved "
				 "away during create?)",
				 m->type, m->destination);
	struct rootfs_kept_mount *km = &k->m[k->n];
	if (mount_id(fd, &km->mnt_id) < 0)
		return error_errno(err, "mount id of %s", m->destination);
	snprintf(km->dest, sizeof(km->dest), "%s", clean);
	km->index = i;
	km->magic = magic;
	km->fd = take_fd(&fd);
	k->n++;
	return 0;
}

/* After pivot_root: each kept mount is still the one at its destination
 * (a mounted directory renamed from another mount namespace takes its
 * mount along: the container would get an unmasked procfs elsewhere and
 * an empty directory at /proc). */
static int check_kept(int rootfd, const struct rootfs_kept *k, struct error *err)
{
	for (size_t i = 0; k && i < k->n; i++) {
		const struct rootfs_kept_mount *km = &k->m[i];
		const char *what = km->magic == PROC_SUPER_MAGIC ? "proc" : "sysfs";
		struct error e = {0};
		_cleanup_close_ int fd = open_kept_dest(rootfd, km->dest, km->magic, &e);
		unsigned long long id = 0;
		if (fd < 0 || mount_id(fd, &id) < 0 || id != km->mnt_id)
			return error_set(err, 0,
					 "config.json: .mounts[%zu]: the %s mount on %s is no "
					 "longer there (moved away during create?); refusing to "
					 "start the container",
					 km->index, what, km->dest);
	}
	return 0;
}

int rootfs_prepare(const struct spec *spec, const struct rootfs_opts *o, struct error *err)
{
	/* nothing we mount may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return error_errno(err, "make / a slave mount");
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_errno(err, "bind mount rootfs %s", o->rootfs);
	/* pivot_root wants the new root's mount not shared */
	if (mount(NULL, o->rootfs, NULL, MS_PRIVATE, NULL) < 0)
		return error_errno(err, "make rootfs %s private", o->rootfs);
	_cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open rootfs %s", o->rootfs);
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (mount_one(rootfd, &spec->mounts[i], o->idmap_fds ? o->idmap_fds[i] : -1, o,
			      err) < 0 ||
		    keep_mount(rootfd, &spec->mounts[i], i, o->kept, err) < 0)
			return error_prefix(err, "config.json: .mounts[%zu]", i);
	if (!dev_is_bind_mounted(spec) && make_devices(rootfd, o, err) < 0)
		return -1;
	return make_spec_devices(rootfd, spec, o->in_userns, err);
}

static int pivot(const char *rootfs, bool no_pivot, struct error *err)
{
	if (chdir(rootfs) < 0)
		return error_errno(err, "chdir %s", rootfs);
	if (no_pivot) {
		if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			return error_errno(err, "move rootfs %s to /", rootfs);
		if (chroot(".") < 0)
			return error_errno(err, "chroot %s", rootfs);
	} else {
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return error_errno(err, "pivot_root %s", rootfs);
		/* the old root is stacked under "."; detach it */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return error_errno(err, "make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			return error_errno(err, "detach the old root");
	}
	if (chdir("/") < 0)
		return error_errno(err, "chdir /");
	return 0;
}

/* Nothing at path (inside the root): no mask or read-only bind to do. */
static bool absent(int e)
{
	return e == ENOENT || e == ENOTDIR;
}

/* The source of every file mask: a detached clone of the host's /dev/null,
 * opened and checked (the 1:3 character device) before pivot_root, while
 * the container can influence nothing; the image's /dev/null, which may be
 * a symlink or swapped in a race, is never used (CVE-2025-31133). */
struct null_src {
	int fd;	       /* a mount of /dev/null (detached until the first mask) */
	bool attached; /* the first mask used it: clone it for the others */
};

static int null_src_open(struct null_src *n, struct error *err)
{
	n->fd = -1;
	n->attached = false;
	_cleanup_close_ int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return error_errno(err, "open the host's /dev/null");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		return error_set(err, 0, "the host's /dev/null is not the 1:3 character device");
	n->fd = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (n->fd < 0)
		return error_errno(err, "clone the host's /dev/null");
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					      MOUNT_ATTR_NOEXEC};
	if (mount_setattr(n->fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return error_errno(err, "make the /dev/null clone read-only");
	return 0;
}

/* Put the detached mount `tree` on the target fd (no path involved). */
static int attach(int tree, int tfd, const char *what, const char *path, struct error *err)
{
	if (move_mount(tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return error_errno(err, "mount %s on %s", what, path);
	return 0;
}

static int openat2_beneath(int dirfd, const char *rel, bool xdev)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   (xdev ? 0 : RESOLVE_NO_XDEV),
	};
	return (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
}

/* The target of a masked or read-only path. Under a kept proc or sysfs
 * mount it is resolved beneath that mount's fd: no symlink, and no other
 * mount unless there is one of ours on the way (every mount under a kept
 * one is ours: the racer that renames directories in the rootfs cannot
 * mount in this namespace, and procfs and sysfs cannot be renamed in).
 * Elsewhere it is looked up inside the root. Returns -1 with *skip set
 * when there is nothing there to mask or make read-only. */
static int open_path_target(int rootfd, const struct rootfs_kept *k, const char *path,
			    const char *what, bool *skip, struct error *err)
{
	*skip = false;
	char clean[PATH_MAX];
	if (spec_clean_path(path, clean, sizeof(clean)) < 0)
		return error_set(err, 0, "%s %s: too long", what, path);
	const struct rootfs_kept_mount *best = NULL;
	const char *rest = NULL;
	for (size_t i = 0; k && i < k->n; i++) {
		const char *r = under(clean, k->m[i].dest);
		if (r && (!best || strlen(k->m[i].dest) > strlen(best->dest))) {
			best = &k->m[i];
			rest = r;
		}
	}
	if (!best) {
		struct error e;
		int fd = fs_open_in_root(rootfd, path, O_PATH, &e);
		if (fd < 0 && absent(e.errnum)) {
			*skip = true;
			return -1;
		}
		if (fd < 0) {
			*err = e;
			return error_prefix(err, "%s", what);
		}
		return fd;
	}
	const char *fsname = best->magic == PROC_SUPER_MAGIC ? "proc" : "sysfs";
	const char *rel = *rest ? rest : ".";
	int fd = openat2_beneath(best->fd, rel, false);
	if (fd < 0 && errno == EXDEV)
		fd = openat2_beneath(best->fd, rel, true);
	if (fd >= 0)
		return fd;
	if (!absent(errno))
		return error_errno(err, "%s %s: open it in the %s mount on %s", what, path, fsname,
				   best->dest);
	/* missing: nothing to do only if its parent is in that filesystem */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", rel);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	_cleanup_close_ int pfd = openat2_beneath(best->fd, parent, true);
	struct statfs sf;
	if (pfd >= 0 && fstatfs(pfd, &sf) == 0 && sf.f_type == (typeof(sf.f_type))best->magic) {
		*skip = true;
		return -1;
	}
	return error_set(err, 0, "%s %s: missing, and its parent is not in the %s mount on %s",
			 what, path, fsname, best->dest);
}

static int mask_path(int rootfd, const struct rootfs_kept *k, struct null_src *null,
		     const char *path, struct error *err)
{
	bool skip;
	_cleanup_close_ int fd = open_path_target(rootfd, k, path, "mask", &skip, err);
	if (fd < 0 && skip)
		return 0; /* nothing to mask */
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat masked path %s", path);
	if (S_ISDIR(st.st_mode)) {
		/* a read-only empty tmpfs */
		_cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
		if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return error_errno(err, "make a tmpfs to mask %s", path);
		_cleanup_close_ int tree = fsmount(fs, FSMOUNT_CLOEXEC,
						   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
							   MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		if (tree < 0)
			return error_errno(err, "make a tmpfs to mask %s", path);
		return attach(tree, fd, "tmpfs", path, err);
	}
	if (!null->attached) {
		null->attached = true;
		return attach(null->fd, fd, "/dev/null", path, err);
	}
	/* the first copy is in our namespace now: clone it */
	_cleanup_close_ int tree = open_tree(null->fd, "",
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return error_errno(err, "clone /dev/null to mask %s", path);
	return attach(tree, fd, "/dev/null", path, err);
}

/* A recursive read-only clone of path put over it, by fd only. */
static int readonly_path(int rootfd, const struct rootfs_kept *k, const char *path,
			 struct error *err)
{
	bool skip;
	_cleanup_close_ int fd = open_path_target(rootfd, k, path, "readonly path", &skip, err);
	if (fd < 0 && skip)
		return 0;
	if (fd < 0)
		return -1;
	_cleanup_close_ int tree = open_tree(
		fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0)
		return error_errno(err, "bind %s read-only", path);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return error_errno(err, "make %s read-only", path);
	return attach(tree, fd, path, path, err);
}

int rootfs_finish(const struct spec *spec, const struct rootfs_opts *o, struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	struct null_src null = {.fd = -1};
	if (l->n_masked_paths && null_src_open(&null, err) < 0) {
		if (null.fd >= 0)
			close(null.fd);
		return -1;
	}
	int r = pivot(o->rootfs, o->no_pivot, err);
	_cleanup_close_ int rootfd = r < 0 ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r == 0 && rootfd < 0)
		r = error_errno(err, "open /");
	if (r == 0)
		r = check_kept(rootfd, o->kept, err);
	for (size_t i = 0; r == 0 && i < l->n_masked_paths; i++)
		r = mask_path(rootfd, o->kept, &null, l->masked_paths[i], err);
	if (null.fd >= 0)
		close(null.fd);
	for (size_t i = 0; r == 0 && i < l->n_readonly_paths; i++)
		r = readonly_path(rootfd, o->kept, l->readonly_paths[i], err);
	rootfs_kept_close(o->kept);
	if (r < 0)
		return -1;
	if (spec->root.readonly && bind_remount("/", "/", MS_RDONLY, o->in_userns, err) < 0)
		return error_prefix(err, "make the rootfs read-only");
	/* "rslave" (what docker and containerd's CRI send) and "slave" alike:
	 * the whole tree, after pivot_root; / was made a slave of the host's
	 * first (rootfs_prepare), so with "shared" or "rshared" host mounts
	 * still reach the container and nothing goes back to the host. */
	if (l->rootfs_propagation) {
		unsigned long prop = MS_REC;
		for (size_t j = 0; j < sizeof(propagation_options) / sizeof(propagation_options[0]);
		     j++)
			if (!strcmp(propagation_options[j].name, l->rootfs_propagation))
				prop = propagation_options[j].flag | MS_REC;
		if (mount(NULL, "/", NULL, prop, NULL) < 0)
			return error_errno(err, "set rootfsPropagation %s", l->rootfs_propagation);
	}
	return 0;
}
