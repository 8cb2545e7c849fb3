/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `checkpoint`: tell CRIU what of the container lies outside it (bind
 * mounts, host device nodes, cgroup mounts, stdio opened on the host,
 * joined namespaces) and what it need not save (the container's own
 * network namespace), record that for restore, and dump. */
#include "runtime/criu_internal.h"
#include "runtime/landlock.h"

#include "cgroups/cgroup.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool spec_mount_is_bind(const struct spec_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], "bind") || !strcmp(m->options[i], "rbind"))
			return true;
	return false;
}

static const struct criu_mount *mount_at(const struct criu_mount *m, size_t n, const char *point)
{
	const struct criu_mount *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].point, point))
			found = &m[i]; /* the last one is on top */
	return found;
}

/* The mount point of a config.json destination as the container sees it:
 * literally, or through symlinks inside the rootfs. */
static const struct criu_mount *find_destination(const struct criu_mount *m, size_t n,
						 const char *rootfs, const char *dest)
{
	char norm[PATH_MAX];
	criu_normalize_path(dest, norm, sizeof(norm));
	const struct criu_mount *found = mount_at(m, n, norm);
	if (found)
		return found;
	char real[PATH_MAX];
	criu_resolve_destination(rootfs, dest, real, sizeof(real));
	return strcmp(real, norm) ? mount_at(m, n, real) : NULL;
}

void criu_cgroup_controllers(const char *super, char *out, size_t size)
{
	_cleanup_free_ char *copy = strdup(super);
	size_t k = 0;
	out[0] = '\0';
	if (!copy)
		return;
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		static const char *const not_controllers[] = {
			"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode"};
		bool skip = strchr(o, '=') && strncmp(o, "name=", 5) != 0;
		for (size_t i = 0; i < sizeof(not_controllers) / sizeof(*not_controllers); i++)
			skip |= !strcmp(o, not_controllers[i]);
		if (skip)
			continue;
		k += snprintf(out + k, size - k, "%s%s", k ? "," : "", o);
		if (k >= size)
			break;
	}
}

/* Mounts CRIU cannot dump from inside: config.json bind mounts, host
 * nodes bound in (a user namespace cannot mknod), cgroup directories of
 * the host bound in. Each becomes an external mount, named by its mount
 * point. */
static int external_mounts(criu_opts *co, const struct spec *spec, const struct criu_mount *m,
			   size_t n, const char *rootfs, struct criu_record *rec, struct error *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *sm = &spec->mounts[i];
		if (!spec_mount_is_bind(sm) || !sm->destination || !sm->source)
			continue;
		const struct criu_mount *cm = find_destination(m, n, rootfs, sm->destination);
		if (!cm)
			continue;
		if (criu_record_mount(rec, "bind", cm->point, sm->source, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char host[PATH_MAX], ctrls[256];
		if (!strcmp(m[i].point, "/"))
			continue;
		if (!strcmp(m[i].fstype, "devtmpfs")) {
			snprintf(host, sizeof(host), "/dev%s",
				 strcmp(m[i].root, "/") ? m[i].root : "");
			if (criu_record_mount(rec, "host", m[i].point, host, err) < 0)
				return -1;
		} else if ((!strcmp(m[i].fstype, "cgroup") || !strcmp(m[i].fstype, "cgroup2")) &&
			   strcmp(m[i].root, "/") != 0) {
			if (!strcmp(m[i].fstype, "cgroup"))
				criu_cgroup_controllers(m[i].super, ctrls, sizeof(ctrls));
			else
				ctrls[0] = '\0';
			if (criu_record_mount(rec, "cgroup", m[i].point, ctrls, err) < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < rec->n_mounts; i++)
		if (criu_local_add_ext_mount(co, rec->mounts[i].key, rec->mounts[i].key) < 0)
			return error_set(err, ENOMEM, "libcriu: external mount");
	return 0;
}

/* stdio of init opened outside the container (a host file, /dev/null, a
 * pipe): CRIU is told they are external, restore hands the caller's own. */
static int external_stdio(criu_opts *co, pid_t pid, const struct criu_mount *m, size_t n,
			  struct criu_record *rec, struct error *err)
{
	for (int fd = 0; fd < 3; fd++) {
		char path[64], link[PATH_MAX], key[96];
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (!strncmp(link, "pipe:", 5)) {
			if (criu_record_fd(rec, fd, link, err) < 0)
				return -1;
			continue;
		}
		if (link[0] != '/')
			continue; /* sockets: --ext-unix-sk; anon inodes: CRIU's */
		struct stat st;
		if (stat(path, &st) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		_cleanup_free_ char *info = NULL;
		struct error ignored;
		if (fs_read_file(path, &info, NULL, &ignored) < 0)
			continue;
		const char *p = strstr(info, "mnt_id:");
		if (!p)
			continue;
		int mnt_id = atoi(p + 7);
		bool inside = false;
		for (size_t i = 0; i < n && !inside; i++)
			inside = m[i].id == mnt_id;
		if (inside)
			continue;
		snprintf(key, sizeof(key), "file[%x:%" PRIx64 "]", mnt_id, (uint64_t)st.st_ino);
		if (criu_local_add_external(co, key) < 0)
			return error_set(err, ENOMEM, "libcriu: external file");
		if (criu_record_fd(rec, fd, key, err) < 0)
			return -1;
	}
	return 0;
}

/* Namespaces the container joined by path stay outside the image. */
static int external_namespaces(criu_opts *co, const struct spec *spec, struct error *err)
{
	static const struct {
		const char *type, *name, *key;
	} kinds[] = {{"network", "net", CRIU_EXT_NETNS}, {"pid", "pid", CRIU_EXT_PIDNS}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct spec_namespace *ns = spec_namespace_find(spec, kinds[i].type);
		if (!ns || !ns->path || !*ns->path)
			continue;
		struct stat st;
		if (stat(ns->path, &st) < 0)
			return error_errno(err, "%s namespace %s", kinds[i].type, ns->path);
		char key[128];
		snprintf(key, sizeof(key), "%s[%lu]:%s", kinds[i].name, (unsigned long)st.st_ino,
			 kinds[i].key);
		if (criu_local_add_external(co, key) < 0)
			return error_set(err, ENOMEM, "libcriu: external namespace");
	}
	return 0;
}

/* Only lo in the network namespace of pid (/proc/PID/net/dev lists its
 * interfaces below two header lines). */
static bool only_loopback(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	_cleanup_free_ char *text = NULL;
	struct error ignored;
	if (fs_read_file(path, &text, NULL, &ignored) < 0)
		return false;
	int line = 0;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL, line++) {
		if (line < 2)
			continue;
		l += strspn(l, " ");
		if (strncmp(l, "lo:", 3) != 0)
			return false;
	}
	return true;
}

/* A network namespace of its own (created, not joined) that holds nothing
 * but lo, in a container without netDevices or hooks that could have set
 * it up (prestart, createRuntime): its contents are not saved (CRIU would
 * run eight ip and iptables-save commands in it); restore makes a new one
 * with lo up, as create does. Not external: a namespace we made for
 * restore would belong to the host's user namespace, not to the
 * container's. Any other network namespace CRIU saves and restores. */
static bool loopback_only_namespace(const struct spec *spec, pid_t pid)
{
	const struct spec_namespace *ns = spec_namespace_find(spec, "network");
	if (!ns || (ns->path && *ns->path))
		return false;
	if (spec->linux_.n_net_devices || spec->hooks.n_prestart || spec->hooks.n_create_runtime)
		return false;
	return only_loopback(pid);
}

/* The container's freezer: CRIU freezes the whole tree through it. The
 * one its cgroup uses (v1 freezer, or unified when the container was not
 * placed in a v1 freezer: AGENTRUN_CGROUP_MODE=unified); without a cgroup
 * in the state, the freezer or unified cgroup pid is in. */
static void set_freeze_cgroup(criu_opts *co, const struct spec_state *st)
{
	if (st->cgroup) {
		struct cgroup *cg = NULL;
		if (cgroup_open(st->cgroup, &cg, NULL) == 0) {
			const char *dir = cgroup_freezer_dir(cg);
			if (dir)
				criu_local_set_freeze_cgroup(co, dir);
			cgroup_free(cg);
			if (dir)
				return;
		}
	}
	pid_t pid = st->pid;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	_cleanup_free_ char *text = NULL;
	struct error ignored;
	if (fs_read_file(path, &text, NULL, &ignored) < 0)
		return;
	char *v1 = NULL, *v2 = NULL, *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (!strcmp(c1 + 1, "freezer"))
			v1 = c2 + 1;
		else if (!c1[1])
			v2 = c2 + 1;
	}
	struct criu_mount *m = NULL;
	size_t n = 0;
	if (criu_mounts_of(0, &m, &n, &ignored) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char ctrls[256], dir[PATH_MAX];
		const char *cg = NULL;
		if (v1 && !strcmp(m[i].fstype, "cgroup")) {
			criu_cgroup_controllers(m[i].super, ctrls, sizeof(ctrls));
			if (!strcmp(ctrls, "freezer"))
				cg = v1;
		} else if (!v1 && v2 && !strcmp(m[i].fstype, "cgroup2")) {
			cg = v2;
		}
		size_t rl = strlen(m[i].root);
		if (!cg || strncmp(cg, m[i].root, rl) != 0)
			continue;
		if (rl == 1)
			rl = 0;
		snprintf(dir, sizeof(dir), "%s%s", m[i].point, cg + rl);
		criu_local_set_freeze_cgroup(co, dir);
		break;
	}
	criu_mounts_free(m, n);
}

/* With cgroups managed (soft, full, strict) CRIU opens every hierarchy
 * of the tree to save its cgroups, by mounting each one in a yard of its
 * own (fsopen/fsmount of a cgroup and a cgroup2 filesystem: 1 to 15 ms
 * on a loaded host, most of it the first mount), unless given a yard: a
 * directory holding each hierarchy at the name CRIU would mount it
 * under (the controllers as /proc/PID/cgroup lists them, "unified" for
 * cgroup2, NAME for name=NAME). The host's /sys/fs/cgroup is such a yard
 * when every hierarchy of pid is mounted there, whole (root "/"), at that
 * name: then CRIU is pointed at it (it only reads there on dump). Else
 * CRIU mounts its own, as before. */
static void set_cgroup_yard(criu_opts *co, pid_t pid)
{
	static const char yard[] = "/sys/fs/cgroup";
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *text = NULL;
	struct error ignored;
	if (fs_read_file(path, &text, NULL, &ignored) < 0)
		return;
	struct criu_mount *m = NULL;
	size_t n = 0;
	if (criu_mounts_of(0, &m, &n, &ignored) < 0)
		return;
	bool ok = true, any = false;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l && ok; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1, *dir = ctrls;
		if (!*ctrls)
			dir = "unified";
		else if (!strncmp(ctrls, "name=", 5))
			dir = ctrls + 5;
		char point[PATH_MAX], have[256];
		snprintf(point, sizeof(point), "%s/%s", yard, dir);
		const struct criu_mount *cm = mount_at(m, n, point);
		if (!cm || strcmp(cm->root, "/") != 0) {
			ok = false;
			break;
		}
		if (!*ctrls)
			ok = !strcmp(cm->fstype, "cgroup2");
		else if ((ok = !strcmp(cm->fstype, "cgroup"))) {
			criu_cgroup_controllers(cm->super, have, sizeof(have));
			ok = !strcmp(have, ctrls);
		}
		any = true;
	}
	criu_mounts_free(m, n);
	if (ok && any)
		criu_local_add_cg_yard(co, yard);
}

/* The first error of a CRIU log (usually the cause), to say why in one
 * line: "unix: Unix socket 1147475 not found". */
void criu_log_reason(const char *dir, const char *log, char *out, size_t size)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, log);
	_cleanup_free_ char *text = NULL;
	struct error ignored;
	out[0] = '\0';
	if (fs_read_file(path, &text, NULL, &ignored) < 0)
		return;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *e = strstr(l, "Error (");
		/* CRIU's own RLIMIT_NOFILE complaint is harmless */
		if (!e || strstr(l, "RLIMIT_NOFILE"))
			continue;
		char *text = strstr(e, "): ");
		snprintf(out, size, "%s", text ? text + 3 : e);
		return;
	}
}

/* --page-server ADDRESS:PORT: where pages go; with --lazy-pages where
 * the dump serves them (set through the config, which CRIU reads after the
 * RPC's page server: it must know about lazy pages first). */
static int page_server(criu_opts *co, const char *spec, bool lazy, char *extra, size_t size,
		       struct error *err)
{
	_cleanup_free_ char *copy = strdup(spec);
	if (!copy)
		return error_set(err, ENOMEM, "--page-server");
	char *colon = strrchr(copy, ':');
	int port = colon ? atoi(colon + 1) : 0;
	if (!colon || port <= 0 || port > 65535)
		return error_set(err, 0, "--page-server %s: expected ADDRESS:PORT", spec);
	*colon = '\0';
	if (lazy) {
		size_t k = strlen(extra);
		snprintf(extra + k, size - k, "address %s\nport %d\n", copy, port);
		return 0;
	}
	/* libcriu 4.2 returns -ENOMEM even when it succeeded */
	criu_local_set_page_server_address_port(co, copy, port);
	return 0;
}

/* --status-fd: CRIU says "status-ready" once the lazy pages can be
 * fetched; the caller reads a \0 from the fd then. */
static int status_fd = -1;

static int on_dump_notify(char *action, criu_notify_arg_t na)
{
	(void)na;
	if (status_fd >= 0 && !strcmp(action, "status-ready")) {
		if (write(status_fd, "\0", 1) != 1)
			return -1;
		close(status_fd);
		status_fd = -1;
	}
	return 0;
}

/* CRIU's lazy page server sizes a pipe to PIPE_MAX_SIZE pages (819 with
 * 4 KiB pages; the kernel rounds to 1024, 4 MiB). Beyond
 * /proc/sys/fs/pipe-max-size (1 MiB by default) that needs
 * CAP_SYS_RESOURCE; without it CRIU 4.2 ignores the failure and its page
 * server dies in splice() on fd -1 (EBADF) once the lazy-pages daemon
 * connects. CRIU runs with our credentials: try the same pipe here. */
#define CRIU_LAZY_PIPE_PAGES 819

static int lazy_pipe_check(struct error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(err, "--lazy-pages: pipe");
	long size = CRIU_LAZY_PIPE_PAGES * sysconf(_SC_PAGESIZE);
	int r = fcntl(p[0], F_SETPIPE_SZ, (int)size);
	int saved = errno;
	close(p[0]);
	close(p[1]);
	if (r >= 0)
		return 0;
	if (saved != EPERM)
		return error_set(err, saved, "--lazy-pages: a %ld KiB pipe for CRIU's page server",
				 size / 1024);
	_cleanup_free_ char *max = NULL;
	struct error ignored;
	if (fs_read_file("/proc/sys/fs/pipe-max-size", &max, NULL, &ignored) == 0)
		max[strcspn(max, "\n")] = '\0';
	return error_set(err, 0,
			 "--lazy-pages: CRIU's page server needs a %ld KiB pipe, above "
			 "fs.pipe-max-size (%s) without CAP_SYS_RESOURCE; CRIU would ignore that "
			 "and fail in splice (EBADF): raise /proc/sys/fs/pipe-max-size to %d",
			 size / 1024, max ? max : "?", 4 << 20);
}

static int mem_track_check(criu_opts *co, const char *what, struct error *err)
{
	struct criu_feature_check f = {.mem_track = true};
	if (criu_local_feature_check(co, &f, sizeof(f)) < 0)
		return error_set(err, 0, "%s: CRIU could not check for memory tracking", what);
	if (!f.mem_track)
		return error_set(err, 0,
				 "%s: needs memory change tracking (soft-dirty bits), which "
				 "this kernel does not provide",
				 what);
	return 0;
}

int criu_dump_locked(const struct checkpoint_opts *o, int dirfd, const struct spec_state *st,
		     const struct spec *spec, struct error *err)
{
	const char *image = o->c.image_path && *o->c.image_path ? o->c.image_path : "checkpoint";
	char image_abs[PATH_MAX], work_abs[PATH_MAX];
	if (landlock_refuse_criu(spec, "checkpoint", err) < 0)
		return -1;
	_cleanup_close_ int images_fd = criu_open_dir(image, true, image_abs, err);
	if (images_fd < 0)
		return -1;
	_cleanup_close_ int work_fd = -1;
	if (o->c.work_path && *o->c.work_path)
		work_fd = criu_open_dir(o->c.work_path, true, work_abs, err);
	else
		work_fd = fcntl(images_fd, F_DUPFD_CLOEXEC, 3),
		snprintf(work_abs, sizeof(work_abs), "%s", image_abs);
	if (work_fd < 0)
		return -1;
	criu_opts *co = NULL;
	struct criu_mount *m = NULL;
	size_t n = 0;
	struct criu_record rec = {0};
	int r = -1;
	if (criu_opts_new(&o->c, o->root, images_fd, work_fd, CRIU_DUMP_LOG, &co, err) < 0)
		return -1;
	criu_local_set_pid(co, st->pid);
	if (loopback_only_namespace(spec, st->pid)) {
		criu_local_set_empty_ns(co, o->c.empty_ns | CLONE_NEWNET);
		/* nothing outside can send to a namespace with only lo: the
		 * iptables network lock (~30 ms) guards nothing */
		criu_local_set_network_lock(co, CRIU_NETWORK_LOCK_SKIP);
		rec.new_netns = true;
	}
	rec.thawed = o->prefrozen;
	if (o->parent_path && *o->parent_path) {
		struct stat sb;
		if (o->parent_path[0] == '/') {
			error_set(err, 0, "--parent-path %s: must be relative to the image path",
				  o->parent_path);
			goto out;
		}
		if (fstatat(images_fd, o->parent_path, &sb, 0) < 0 || !S_ISDIR(sb.st_mode)) {
			error_set(err, errno ? errno : ENOTDIR, "--parent-path %s/%s", image_abs,
				  o->parent_path);
			goto out;
		}
		if (mem_track_check(co, "--parent-path", err) < 0 ||
		    criu_local_set_parent_images(co, o->parent_path) < 0)
			goto out;
		criu_local_set_track_mem(co, true);
	}
	if (o->pre_dump) {
		if (mem_track_check(co, "--pre-dump", err) < 0)
			goto out;
		criu_local_set_track_mem(co, true);
		int rc = criu_local_pre_dump(co);
		if (rc < 0) {
			char why[512];
			criu_log_reason(work_abs, CRIU_DUMP_LOG, why, sizeof(why));
			error_set(err, 0, "pre-dump of %s failed%s%s (CRIU log: %s/%s)", o->id,
				  *why ? ": " : "", why, work_abs, CRIU_DUMP_LOG);
			goto out;
		}
		r = 0;
		goto out;
	}
	if (criu_local_set_root(co, st->rootfs) < 0) {
		error_set(err, ENOMEM, "libcriu: root");
		goto out;
	}
	if (criu_mounts_of(st->pid, &m, &n, err) < 0 ||
	    external_mounts(co, spec, m, n, st->rootfs, &rec, err) < 0 ||
	    external_stdio(co, st->pid, m, n, &rec, err) < 0 ||
	    external_namespaces(co, spec, err) < 0)
		goto out;
	set_freeze_cgroup(co, st);
	if (o->c.cgroups_mode != CRIU_MODE_IGNORE)
		set_cgroup_yard(co, st->pid);
	criu_local_set_leave_running(co, o->leave_running);
	char extra[PATH_MAX] = "";
	if (o->c.lazy_pages) {
		if (lazy_pipe_check(err) < 0)
			goto out;
		snprintf(extra, sizeof(extra), "lazy-pages\n");
	}
	if (o->page_server && *o->page_server &&
	    page_server(co, o->page_server, o->c.lazy_pages, extra, sizeof(extra), err) < 0)
		goto out;
	if (o->status_fd >= 0) {
		if (fcntl(o->status_fd, F_GETFD) < 0) {
			error_errno(err, "--status-fd %d", o->status_fd);
			goto out;
		}
		status_fd = o->status_fd;
		criu_local_set_notify_cb(co, on_dump_notify);
	}
	if (criu_config_file(co, spec, work_fd, work_abs, extra, err) < 0 ||
	    criu_record_save(images_fd, &rec, err) < 0)
		goto out;
	/* a lazy dump waits until every page was fetched: let `state`,
	 * `list` and the restore side work meanwhile */
	if (o->c.lazy_pages)
		flock(dirfd, LOCK_UN);
	int rc = criu_local_dump(co);
	if (rc < 0) {
		char why[512];
		criu_log_reason(work_abs, CRIU_DUMP_LOG, why, sizeof(why));
		bool lazy = o->c.lazy_pages && strstr(why, "page-pipe: splice");
		error_set(err, 0, "checkpoint of %s failed%s%s%s (CRIU log: %s/%s)", o->id,
			  *why ? ": " : "", lazy ? "CRIU's lazy page server failed: " : "", why,
			  work_abs, CRIU_DUMP_LOG);
		goto out;
	}
	r = 0;
out:
	criu_record_free(&rec);
	criu_mounts_free(m, n);
	if (co) /* NULL before libcriu is loaded */
		criu_local_free_opts(co);
	return r;
}

struct cgroup *criu_prefreeze(const struct spec_state *st)
{
	struct cgroup *cg = NULL;
	struct error ignored;
	bool frozen = false;
	if (!st->cgroup || cgroup_open(st->cgroup, &cg, &ignored) < 0)
		return NULL;
	if (cgroup_is_frozen(cg, &frozen, &ignored) < 0 || frozen ||
	    cgroup_freeze(cg, true, &ignored) < 0) {
		cgroup_free(cg);
		return NULL;
	}
	return cg;
}

int criu_thaw(struct cgroup *cg, bool thaw, struct error *err)
{
	int r = 0;
	if (cg && thaw)
		r = cgroup_freeze(cg, false, err);
	cgroup_free(cg);
	return r;
}

int container_checkpoint(const struct checkpoint_opts *o, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	struct spec *spec = NULL;
	int r = -1;
	if (geteuid() != 0) {
		error_set(err, 0, "checkpoint needs root (CRIU runs as root)");
		return -1;
	}
	/* CRIU makes probe mounts (/tmp/.criu.*) while it dumps: in a mount
	 * namespace of our own they go with us if we are killed, never stay
	 * on the host. Private: nothing propagates back. */
	if (unshare(CLONE_NEWNS) < 0)
		return error_errno(err, "checkpoint: a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_errno(err, "checkpoint: make the mounts of its namespace private");
	if (container_open(o->root, o->id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	if (strcmp(st.status, "running") != 0 && strcmp(st.status, "paused") != 0) {
		error_set(err, 0, "cannot checkpoint container %s: it is %s", o->id, st.status);
		goto out;
	}
	spec = container_saved_config(dirfd);
	if (!spec) {
		error_set(err, 0, "container %s: its saved config.json cannot be read", o->id);
		goto out;
	}
	struct cgroup *frozen = criu_prefreeze(&st);
	struct checkpoint_opts oo = *o;
	oo.prefrozen = frozen != NULL;
	r = criu_dump_locked(&oo, dirfd, &st, spec, err);
	/* a failed dump leaves the container running as it was; so does a
	 * pre-dump or --leave-running (CRIU froze it again for us) */
	struct error terr;
	if (criu_thaw(frozen, r < 0 || o->leave_running || o->pre_dump, &terr) < 0 && r == 0) {
		*err = terr;
		error_prefix(err, "checkpoint done, but thawing %s", o->id);
		r = -1;
	}
out : {
	pid_t pid = st.pid;
	unsigned long long start = st.start_time;
	bool gone = r == 0 && !o->leave_running && !o->pre_dump;
	spec_free(spec);
	container_close(rootfd, dirfd, &st);
	if (gone) {
		/* CRIU killed the tree: the container goes, as with runc */
		for (int i = 0; i < 5000 && state_process_alive(pid, start); i++)
			nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
		if (container_delete(o->root, o->id, true, err) < 0)
			return error_prefix(err, "checkpoint done, but removing the container");
	}
}
	return r;
}
