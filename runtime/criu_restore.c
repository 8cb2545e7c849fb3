/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `restore`: a new state directory and cgroup for the id, the rootfs
 * mounted where CRIU wants its root, the external mounts, stdio and joined
 * namespaces handed over, then CRIU recreates the process tree (with its
 * mount, pid, uts, ipc, user and network namespaces) as our child. A
 * network namespace whose contents were not saved comes back new, with lo
 * brought up before CRIU restores the sockets. */
#include "runtime/criu_internal.h"
#include "runtime/egress.h"
#include "runtime/landlock.h"

#include "runtime/container.h"
#include "runtime/netlink.h"
#include "runtime/state.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "cgroups/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CRIU_ROOT_DIR "criu-root"

/* ------------------------------------------------------------ cgroups */

/* The container cgroup's path in every hierarchy, as /proc/PID/cgroup
 * lines: a short-lived child enters it and is asked. With *keeper_fd
 * given, the child stays (until keeper_release) and holds the cgroup: a
 * systemd unit, started by that enter, goes away once it is empty, and
 * CRIU has to find it there. */
static int cgroup_lines(struct cgroup *cg, char **out, pid_t *keeper_pid, int *keeper_fd,
			struct error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return error_errno(err, "fork");
	}
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	int r = cgroup_enter(cg, pid, err);
	if (r == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		r = fs_read_file(path, out, NULL, err);
	}
	if (r == 0 && keeper_fd) {
		*keeper_pid = pid;
		*keeper_fd = p[1];
		return 0;
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* Let cgroup_lines's child go. */
static void keeper_release(pid_t *pid, int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	if (*pid > 0)
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	*pid = -1;
}

/* CRIU puts the restored tasks under these roots (one per hierarchy). */
static int set_cgroup_roots(criu_opts *co, const char *lines, struct error *err)
{
	_cleanup_free_ char *copy = strdup(lines);
	if (!copy)
		return error_set(err, ENOMEM, "cgroup roots");
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (criu_local_add_cg_root(co, c1 + 1, c2 + 1) < 0)
			return error_set(err, ENOMEM, "libcriu: cgroup root");
	}
	return 0;
}

/* The host directory of the new cgroup in the hierarchy with these
 * controllers ("" for cgroup2), for a cgroup mount of the container. */
static int cgroup_dir_for(const char *lines, const char *ctrls, char *out, size_t size)
{
	_cleanup_free_ char *copy = strdup(lines);
	const char *cg = NULL;
	char *save = NULL;
	for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && !cg;
	     l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (!strcmp(c1 + 1, ctrls))
			cg = c2 + 1;
	}
	if (!cg)
		return -1;
	struct criu_mount *m = NULL;
	size_t n = 0;
	struct error ignored;
	if (criu_mounts_of(0, &m, &n, &ignored) < 0)
		return -1;
	int r = -1;
	for (size_t i = 0; i < n && r < 0; i++) {
		char c[256];
		if (!strcmp(m[i].fstype, "cgroup"))
			criu_cgroup_controllers(m[i].super, c, sizeof(c));
		else if (!strcmp(m[i].fstype, "cgroup2"))
			c[0] = '\0';
		else
			continue;
		size_t rl = strlen(m[i].root);
		if (strcmp(c, ctrls) != 0 || strncmp(cg, m[i].root, rl) != 0)
			continue;
		snprintf(out, size, "%s%s", m[i].point, cg + (rl == 1 ? 0 : rl));
		r = 0;
	}
	criu_mounts_free(m, n);
	return r;
}

/* ------------------------------------------------------------ mounts */

/* The host source of a recorded external mount, decided here from the
 * bundle being restored, never from the image: its record only names mount
 * points (CRIU's keys). A config.json bind mount at the key gives its
 * source; a host device node only one of the default devices or of
 * .linux.devices; a cgroup mount is the new cgroup's directory. Anything else is refused: an image can be made by anyone who
 * can write files, and a source taken from it could bind any host path
 * into the container. */
static const char *const host_nodes[] = {"/dev/null",	"/dev/zero",	"/dev/full",
					 "/dev/random", "/dev/urandom", "/dev/tty"};

static int ext_source(const struct criu_ext_mount *e, const struct spec *spec, const char *bundle,
		      const char *rootfs, const char *cg_lines, char *out, size_t size)
{
	if (!strcmp(e->kind, "cgroup"))
		return cg_lines ? cgroup_dir_for(cg_lines, e->source, out, size) : -1;
	char key[PATH_MAX];
	criu_normalize_path(e->key, key, sizeof(key));
	if (!strcmp(e->kind, "host")) {
		/* a device node the container is given anyway (default ones,
		 * .linux.devices; /dev/null also on masked paths): the record
		 * only picks one of them */
		char want[PATH_MAX];
		const char *node = NULL;
		criu_normalize_path(e->source, want, sizeof(want));
		for (size_t i = 0; i < sizeof(host_nodes) / sizeof(host_nodes[0]); i++)
			if (!strcmp(want, host_nodes[i]))
				node = host_nodes[i];
		for (size_t i = 0; i < spec->linux_.n_devices && !node; i++) {
			char dev[PATH_MAX];
			criu_normalize_path(spec->linux_.devices[i].path, dev, sizeof(dev));
			if (!strcmp(want, dev))
				node = spec->linux_.devices[i].path;
		}
		if (!node || (size_t)snprintf(out, size, "%s", node) >= size)
			return -1;
		return 0;
	}
	if (strcmp(e->kind, "bind") != 0)
		return -1;
	int found = -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		char dest[PATH_MAX];
		if (!m->destination || !m->source)
			continue;
		criu_normalize_path(m->destination, dest, sizeof(dest));
		if (strcmp(dest, key) != 0) {
			criu_resolve_destination(rootfs, m->destination, dest, sizeof(dest));
			if (strcmp(dest, key) != 0)
				continue;
		}
		int len = m->source[0] == '/' ? snprintf(out, size, "%s", m->source)
					      : snprintf(out, size, "%s/%s", bundle, m->source);
		if (len < 0 || (size_t)len >= size)
			return -1;
		found = 0;
	}
	return found;
}

/* Mount points CRIU will mount on must exist in the rootfs (a copied
 * bundle may lack the ones create made); not below a tmpfs, which CRIU
 * fills itself. */
static int prepare_mountpoints(const char *root, const struct spec *spec, const char *bundle,
			       struct error *err)
{
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open %s", root);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (!m->destination || (m->type && strstr(m->type, "cgroup")))
			continue;
		bool on_tmpfs = false;
		size_t dl = strlen(m->destination);
		for (size_t j = 0; j < spec->n_mounts && !on_tmpfs; j++) {
			const struct spec_mount *t = &spec->mounts[j];
			size_t tl = t->destination ? strlen(t->destination) : 0;
			on_tmpfs = j != i && t->type && !strcmp(t->type, "tmpfs") && tl < dl &&
				   !strncmp(m->destination, t->destination, tl) &&
				   m->destination[tl] == '/';
		}
		if (on_tmpfs)
			continue;
		bool dir = true;
		if (m->source && ((m->type && !strcmp(m->type, "bind")) || m->n_options)) {
			char src[PATH_MAX];
			struct stat st;
			int len = snprintf(src, sizeof(src), "%s%s%s",
					   m->source[0] == '/' ? "" : bundle,
					   m->source[0] == '/' ? "" : "/", m->source);
			if (len > 0 && (size_t)len < sizeof(src) && stat(src, &st) == 0 &&
			    !S_ISDIR(st.st_mode))
				dir = false;
		}
		int fd = fs_mkpath_in_root(rootfd, m->destination, dir, 0755, err);
		if (fd < 0)
			return error_prefix(err, "mount point %s", m->destination);
		close(fd);
	}
	return 0;
}

/* ------------------------------------------------ CRIU's notifications */

static const char *pty_console_socket;
static int pty_master = -1;
static bool lo_up;
/* the egress proxy: its port (0: none) and the listening socket made in
 * the new network namespace at "setup-namespaces" */
static unsigned int egress_port;
static int egress_lfd = -1;
static char notify_error[ERROR_MSG_MAX];
/* the restored tree's credentials are checked against this config */
static const struct spec *verify_spec;
static pid_t restored_root;
static bool verify_done, verify_failed;
static pid_t *refused_tree;
static size_t n_refused;

/* "setup-namespaces": the root task is in its new namespaces, nothing of
 * the tree restored yet; a new network namespace gets lo up before the
 * sockets bound to 127.0.0.1 come back. "orphan-pts-master": CRIU made a
 * new pty pair for the container's terminal and sends us its master: on
 * to --console-socket, or kept for a foreground relay. */
static int on_notify(char *action, criu_notify_arg_t na)
{
	struct error e = {0};
	if (criu_notify_pid(na) > 0)
		restored_root = criu_notify_pid(na);
	/* "pre-resume": the tree holds the image's credentials, stopped.
	 * CRIU goes on whatever the answer (and libcriu, told of a failure,
	 * would wait for CRIU while CRIU waits for its next answer): a
	 * failed check has stopped the tree, answered as a success, and the
	 * restore fails when CRIU returns. */
	if (!strcmp(action, "pre-resume") && verify_spec) {
		verify_done = true;
		if (criu_verify_restored(restored_root, verify_spec, &refused_tree, &n_refused,
					 &e) < 0) {
			snprintf(notify_error, sizeof(notify_error), "%s", e.msg);
			verify_failed = true;
		}
		return 0;
	}
	if (lo_up && !strcmp(action, "setup-namespaces")) {
		if (netlink_loopback_up_in(criu_notify_pid(na), &e) < 0) {
			snprintf(notify_error, sizeof(notify_error), "%s", e.msg);
			return -1;
		}
		if (egress_port && egress_lfd < 0 &&
		    (egress_lfd = egress_listen_in_netns(criu_notify_pid(na), egress_port, &e)) <
			    0) {
			snprintf(notify_error, sizeof(notify_error), "%s", e.msg);
			return -1;
		}
		return 0;
	}
	if (strcmp(action, "orphan-pts-master") != 0)
		return 0;
	int master = criu_get_orphan_pts_master_fd();
	if (master < 0)
		return 0;
	if (pty_console_socket) {
		if (terminal_send(pty_console_socket, master, &e) < 0) {
			snprintf(notify_error, sizeof(notify_error), "%s", e.msg);
			close(master);
			return -1;
		}
		close(master);
		return 0;
	}
	pty_master = master;
	return 0;
}

/* ------------------------------------------------------------ restore */

struct restore_ctx {
	const struct restore_opts *o;
	struct spec *spec;
	char bundle[PATH_MAX], rootfs[PATH_MAX];
	char image_abs[PATH_MAX], work_abs[PATH_MAX];
	char criu_root[PATH_MAX];
	bool mounted;
	struct cgroup *cg;
	char *cg_lines;
	pid_t keeper_pid; /* holds a systemd unit until CRIU is done */
	int keeper_fd;
	pid_t pid;
};

static int resolve_bundle(struct restore_ctx *c, struct error *err)
{
	const char *b = c->o->bundle && *c->o->bundle ? c->o->bundle : ".";
	if (!realpath(b, c->bundle))
		return error_errno(err, "bundle %s", b);
	if (spec_load(c->bundle, &c->spec, err) < 0)
		return -1;
	const struct spec *s = c->spec;
	if (!s->process.present)
		return error_set(err, 0, "config.json: .process: required to restore a container");
	if (!s->root.present || !s->root.path)
		return error_set(err, 0, "config.json: .root.path: required");
	char joined[PATH_MAX * 2];
	snprintf(joined, sizeof(joined), "%s%s%s", s->root.path[0] == '/' ? "" : c->bundle,
		 s->root.path[0] == '/' ? "" : "/", s->root.path);
	if (!realpath(joined, c->rootfs))
		return error_errno(err, "rootfs (%s) does not exist", joined);
	if (s->process.terminal && !c->o->console_socket && c->o->detach)
		return error_set(err, 0,
				 "cannot restore a detached container with a terminal "
				 "without --console-socket");
	if (!s->process.terminal && c->o->console_socket)
		return error_set(err, 0, "--console-socket given, but process.terminal is false");
	if (landlock_refuse_criu(s, "restore", err) < 0)
		return -1;
	return container_check_supported(s, err);
}

#define MAX_DUPS 8

static int add_inherited(criu_opts *co, const struct criu_record *rec, const struct spec *spec,
			 bool null_stdio, int *ns_fds, int *dups, int *n_dups, struct error *err)
{
	for (size_t i = 0; i < rec->n_fds; i++) {
		int fd = rec->fds[i].fd;
		if (null_stdio && *n_dups < MAX_DUPS) {
			/* a woken session: its old stdio is gone, and the waking
			 * command's own must not stay open in it */
			fd = open("/dev/null", O_RDWR); /* inherited by criu swrk */
			if (fd < 0)
				return error_errno(err, "open /dev/null");
			dups[(*n_dups)++] = fd;
		}
		if (fcntl(fd, F_GETFD) < 0)
			return error_set(err, 0,
					 "the container's fd %d was %s at checkpoint: restore "
					 "needs an open fd %d to hand it",
					 fd, rec->fds[i].key, fd);
		if (criu_local_add_inherit_fd(co, fd, rec->fds[i].key) < 0)
			return error_set(err, ENOMEM, "libcriu: inherit fd");
		/* CRIU names an external file by its key without the first
		 * character ("ile[..]") when it looks for an inherited fd to
		 * use as it is; under the key itself it reopens the file, which
		 * the root of a user namespace may not be allowed to do. */
		if (strncmp(rec->fds[i].key, "file[", 5) != 0 || *n_dups >= MAX_DUPS)
			continue;
		/* CRIU takes each inherited fd over: the second key needs its
		 * own (inheritable) copy */
		int copy = fcntl(fd, F_DUPFD, 3);
		if (copy < 0)
			return error_errno(err, "dup fd %d", fd);
		dups[(*n_dups)++] = copy;
		if (criu_local_add_inherit_fd(co, copy, rec->fds[i].key + 1) < 0)
			return error_set(err, ENOMEM, "libcriu: inherit fd");
	}
	static const struct {
		const char *type, *key;
	} kinds[] = {{"network", CRIU_EXT_NETNS}, {"pid", CRIU_EXT_PIDNS}};
	for (size_t i = 0; i < 2; i++) {
		const struct spec_namespace *ns = spec_namespace_find(spec, kinds[i].type);
		if (!ns || !ns->path || !*ns->path)
			continue;
		/* no O_CLOEXEC: criu swrk inherits it */
		ns_fds[i] = open(ns->path, O_RDONLY);
		if (ns_fds[i] < 0)
			return error_errno(err, "open %s namespace %s", kinds[i].type, ns->path);
		if (criu_local_add_inherit_fd(co, ns_fds[i], kinds[i].key) < 0)
			return error_set(err, ENOMEM, "libcriu: inherit fd");
	}
	return 0;
}

static int mount_root(struct restore_ctx *c, int dirfd, const char *id, struct error *err)
{
	snprintf(c->criu_root, sizeof(c->criu_root), "%s/%s/%s", c->o->root, id, CRIU_ROOT_DIR);
	char abs[PATH_MAX];
	if (mkdirat(dirfd, CRIU_ROOT_DIR, 0755) < 0)
		return error_errno(err, "create %s", c->criu_root);
	if (realpath(c->criu_root, abs))
		snprintf(c->criu_root, sizeof(c->criu_root), "%s", abs);
	if (mount(c->rootfs, c->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_errno(err, "bind mount %s on %s", c->rootfs, c->criu_root);
	c->mounted = true;
	return prepare_mountpoints(c->criu_root, c->spec, c->bundle, err);
}

static void unmount_root(struct restore_ctx *c, int dirfd)
{
	if (c->mounted && umount2(c->criu_root, MNT_DETACH) < 0)
		log_warn("unmount %s: %s", c->criu_root, strerror(errno));
	c->mounted = false;
	if (c->criu_root[0])
		unlinkat(dirfd, CRIU_ROOT_DIR, AT_REMOVEDIR);
}

/* Did the restore fail in CRIU's mount engine v2 (an "mnt-v2:" error in
 * its log)? */
static bool mount_v2_failed(const char *work_abs)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", work_abs, CRIU_RESTORE_LOG);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "Error") && strstr(line, "mnt-v2:");
	fclose(f);
	return found;
}

static int run_criu(struct restore_ctx *c, int images_fd, int work_fd, struct error *err)
{
	const struct restore_opts *o = c->o;
	criu_opts *co = NULL;
	struct criu_record rec = {0};
	int ns_fds[2] = {-1, -1}, dups[MAX_DUPS], n_dups = 0;
	int r = -1;
	/* CRIU's strict mode aborts on a cgroup directory that exists
	 * ("Abort restore of existing cgroups"), and the container's own
	 * cgroup is made before CRIU runs (its limits, as runc does): runc
	 * 1.1.5 restores with --manage-cgroups-mode strict all the same,
	 * CRIU logging soft mode (0x4) for it. So does agentrun. */
	struct criu_common_opts cc = o->c;
	if (cc.cgroups_mode == CRIU_MODE_STRICT)
		cc.cgroups_mode = CRIU_MODE_SOFT;
	if (criu_record_load(images_fd, c->image_abs, &rec, err) < 0 ||
	    criu_opts_new(&cc, o->root, images_fd, work_fd, CRIU_RESTORE_LOG, &co, err) < 0)
		goto out;
	if (criu_local_set_root(co, c->criu_root) < 0) {
		error_set(err, ENOMEM, "libcriu: root");
		goto out;
	}
	criu_local_set_evasive_devices(co, true);
	/* a checkpoint of the old format has the namespace's contents */
	lo_up = rec.new_netns;
	if (rec.new_netns) { /* a new namespace with only lo: no lock needed */
		criu_local_set_empty_ns(co, o->c.empty_ns | CLONE_NEWNET);
		criu_local_set_network_lock(co, CRIU_NETWORK_LOCK_SKIP);
	}
	if (c->cg_lines && o->c.cgroups_mode != CRIU_MODE_IGNORE &&
	    set_cgroup_roots(co, c->cg_lines, err) < 0)
		goto out;
	for (size_t i = 0; i < rec.n_mounts; i++) {
		char src[PATH_MAX];
		if (ext_source(&rec.mounts[i], c->spec, c->bundle, c->rootfs, c->cg_lines, src,
			       sizeof(src)) < 0) {
			error_set(err, 0,
				  "the checkpoint has an external %s mount at %s (%s) that "
				  "the bundle's config.json does not give a source for: "
				  "refused",
				  rec.mounts[i].kind, rec.mounts[i].key, rec.mounts[i].source);
			goto out;
		}
		if (criu_local_add_ext_mount(co, rec.mounts[i].key, src) < 0) {
			error_set(err, ENOMEM, "libcriu: external mount");
			goto out;
		}
	}
	if (add_inherited(co, &rec, c->spec, o->null_stdio, ns_fds, dups, &n_dups, err) < 0)
		goto out;
	if ((o->lsm_profile && criu_local_set_lsm_profile(co, o->lsm_profile) < 0) ||
	    (o->lsm_mount_context &&
	     criu_local_set_lsm_mount_context(co, o->lsm_mount_context) < 0)) {
		error_set(err, ENOMEM, "libcriu: LSM options");
		goto out;
	}
	if (criu_config_file(co, c->spec, work_fd, c->work_abs,
			     o->c.lazy_pages ? "lazy-pages\n" : NULL, err) < 0)
		goto out;
	pty_console_socket = o->console_socket;
	notify_error[0] = '\0';
	verify_spec = c->spec, restored_root = 0, verify_done = verify_failed = false;
	criu_local_set_notify_cb(co, on_notify);
	int pid = criu_local_restore_child(co);
	if (pid <= 0 && !verify_failed && !notify_error[0] && mount_v2_failed(c->work_abs)) {
		/* CRIU's mount engine v2 sets the sharing of the mounts it
		 * makes with MOVE_MOUNT_SET_GROUP, which some kernels refuse
		 * (EINVAL) for a file bind mount from outside, /dev/null on a
		 * masked path (Debian 12's 6.1; CRIU issue 2023): nothing was
		 * restored yet, so once more with the engine before it, as
		 * CRIU's --mntns-compat-mode */
		log_debug("restore: CRIU's mount engine v2 failed; again in mntns-compat-mode");
		criu_local_set_mntns_compat_mode(co, true);
		restored_root = 0, verify_done = verify_failed = false;
		pid = criu_local_restore_child(co);
	}
	verify_spec = NULL;
	if (pid > 0 && !verify_done) { /* fail closed: never unchecked */
		verify_failed = true;
		snprintf(notify_error, sizeof(notify_error),
			 "restore: CRIU resumed process %d without its pre-resume notification: "
			 "its credentials were not checked against config.json",
			 pid);
	}
	if (verify_failed) { /* stopped: killed, the root reaped (our child) */
		pid_t root = pid > 0 ? pid : restored_root;
		for (size_t i = 0; i < n_refused; i++)
			kill(refused_tree[i], SIGKILL);
		if (root > 0 && kill(root, SIGKILL) == 0)
			while (waitpid(root, NULL, 0) < 0 && errno == EINTR)
				;
		free(refused_tree);
		refused_tree = NULL, n_refused = 0;
		error_set(err, 0, "%s", notify_error);
		goto out;
	}
	if (pid <= 0) {
		char why[512];
		criu_log_reason(c->work_abs, CRIU_RESTORE_LOG, why, sizeof(why));
		if (notify_error[0])
			snprintf(why, sizeof(why), "%s", notify_error);
		error_set(err, 0, "restore of %s failed%s%s (CRIU log: %s/%s)", o->id,
			  *why ? ": " : "", why, c->work_abs, CRIU_RESTORE_LOG);
		goto out;
	}
	c->pid = pid;
	r = 0;
	/* CRIU set the saved freezer.state (full, strict): a container that
	 * ran when it was dumped runs again */
	bool frozen = false;
	struct error ferr;
	if (rec.thawed && c->cg && cgroup_is_frozen(c->cg, &frozen, &ferr) == 0 && frozen &&
	    cgroup_freeze(c->cg, false, &ferr) < 0) {
		*err = ferr;
		error_prefix(err, "restore of %s: thaw its cgroup", o->id);
		r = -1;
	}
out:
	for (int i = 0; i < 2; i++)
		if (ns_fds[i] >= 0)
			close(ns_fds[i]);
	for (int i = 0; i < n_dups; i++)
		close(dups[i]);
	criu_record_free(&rec);
	if (co) /* NULL before libcriu is loaded */
		criu_local_free_opts(co);
	return r;
}

static int save_state(struct restore_ctx *c, int dirfd, const char *id, struct error *err)
{
	struct timespec ts;
	struct tm tm;
	char created[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(created + n, sizeof(created) - n, ".%09ldZ", ts.tv_nsec);
	struct passwd *pw = getpwuid(geteuid());
	_cleanup_free_ char *cgs = c->cg ? cgroup_serialize(c->cg) : NULL;
	struct spec_state st = {
		.oci_version = c->spec->oci_version,
		.id = (char *)id,
		.status = "running",
		.pid = c->pid,
		.bundle = c->bundle,
		.annotations = c->spec->annotations,
		.start_time = state_process_start_time(c->pid),
		.rootfs = c->rootfs,
		.created = created,
		.owner = pw ? pw->pw_name : "root",
		.cgroup = cgs,
		.has_terminal = c->spec->process.terminal,
	};
	if (state_save(dirfd, &st, err) < 0)
		return -1;
	/* the config, for exec and delete hooks, as create keeps it */
	char path[PATH_MAX + 16];
	_cleanup_free_ char *json = NULL;
	size_t len;
	snprintf(path, sizeof(path), "%s/config.json", c->bundle);
	if (fs_read_file(path, &json, &len, err) < 0 ||
	    fs_write_file_atomic(dirfd, "config.json", json, len, err) < 0)
		return -1;
	if (c->o->pid_file && fs_write_pid_file(c->o->pid_file, c->pid, err) < 0)
		return -1;
	return 0;
}

static int restore_locked(struct restore_ctx *c, int dirfd, struct error *err)
{
	const struct restore_opts *o = c->o;
	const char *image = o->c.image_path && *o->c.image_path ? o->c.image_path : "checkpoint";
	if (resolve_bundle(c, err) < 0)
		return -1;
	_cleanup_close_ int images_fd = criu_open_dir(image, false, c->image_abs, err);
	if (images_fd < 0)
		return -1;
	/* CRIU looks for some images as the root of the restored user
	 * namespace: it must be able to pass through the image directory */
	struct stat sb;
	if (spec_namespace_find(c->spec, "user") && fstat(images_fd, &sb) == 0 &&
	    !(sb.st_mode & S_IXOTH) && fchmod(images_fd, (sb.st_mode & 07777) | S_IXOTH) < 0)
		return error_errno(err, "chmod o+x %s", c->image_abs);
	_cleanup_close_ int work_fd = -1;
	if (o->c.work_path && *o->c.work_path)
		work_fd = criu_open_dir(o->c.work_path, true, c->work_abs, err);
	else
		work_fd = fcntl(images_fd, F_DUPFD_CLOEXEC, 3),
		snprintf(c->work_abs, PATH_MAX, "%s", c->image_abs);
	if (work_fd < 0)
		return -1;
	if (container_save_config(dirfd, c->bundle, err) < 0 ||
	    state_save_creating(dirfd, o->id, c->bundle, NULL, err) < 0)
		return -1;
	if (cgroup_available()) {
		if (cgroup_create(c->spec->linux_.cgroups_path, o->id, &c->cg, err) < 0 ||
		    state_save_creating(dirfd, o->id, c->bundle, c->cg, err) < 0)
			return -1;
		if ((!fs_in_child_userns() || c->spec->linux_.resources.present) &&
		    container_apply_resources(c->cg, c->spec, err) < 0)
			return -1;
		bool unit = !strcmp(cgroup_driver_name(), "systemd");
		if (cgroup_lines(c->cg, &c->cg_lines, unit ? &c->keeper_pid : NULL,
				 unit ? &c->keeper_fd : NULL, err) < 0)
			return -1;
	}
	struct egress_cfg egress;
	if (egress_config(c->spec, true, &egress, err) < 0)
		return -1;
	egress_port = egress.socket ? egress.port : 0;
	if (mount_root(c, dirfd, o->id, err) < 0)
		return -1;
	int r = run_criu(c, images_fd, work_fd, err);
	/* the restored tasks hold the unit now (or it goes with the failure) */
	keeper_release(&c->keeper_pid, &c->keeper_fd);
	/* a new forwarder on a socket of the new network namespace */
	_cleanup_close_ int lfd = egress_lfd;
	egress_lfd = -1;
	egress_port = 0;
	if (r < 0)
		return -1;
	unmount_root(c, dirfd);
	if (c->cg && o->c.cgroups_mode == CRIU_MODE_IGNORE && cgroup_enter(c->cg, c->pid, err) < 0)
		return -1;
	if (save_state(c, dirfd, o->id, err) < 0)
		return -1;
	return egress_start(&egress, c->pid, lfd, dirfd, err);
}

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

/* Foreground: relay the pty, forward signals, wait, delete. */
static void wait_foreground(const struct restore_opts *o, pid_t pid, int *exit_code)
{
	forward_pid = pid;
	struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (pty_master >= 0) {
		terminal_relay(pty_master);
		close(pty_master);
		pty_master = -1;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	forward_pid = 0;
	if (WIFEXITED(status))
		*exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_code = 128 + WTERMSIG(status);
	struct error derr;
	if (container_delete(o->root, o->id, true, &derr) < 0)
		log_warn("%s", derr.msg);
}

/* Restore into the locked state directory dirfd of o->id. A failure
 * leaves no process, mount or cgroup; the state directory is removed
 * unless in_place (its caller puts back what was there). */
static int restore_into(const struct restore_opts *o, int rootfd, int dirfd, bool in_place,
			pid_t *pid, struct error *err)
{
	struct restore_ctx c = {.o = o, .pid = -1, .keeper_pid = -1, .keeper_fd = -1};
	int r = restore_locked(&c, dirfd, err);
	keeper_release(&c.keeper_pid, &c.keeper_fd);
	if (r < 0) {
		struct error ignored;
		if (c.pid > 0) {
			kill(c.pid, SIGKILL);
			waitpid(c.pid, NULL, 0);
		}
		unmount_root(&c, dirfd);
		if (c.cg)
			cgroup_destroy(c.cg, &ignored);
		if (!in_place)
			state_dir_remove(rootfd, o->id, &ignored);
	}
	cgroup_free(c.cg);
	free(c.cg_lines);
	spec_free(c.spec);
	*pid = c.pid;
	return r;
}

/* the rootfs mount CRIU wants as its root, and whatever CRIU mounts while
 * it works, live in a mount namespace of our own (CRIU runs as our child,
 * in it): if we die half-way, they go with it, and nothing is left
 * mounted in the host's namespace under the state directory for a later
 * `delete` to walk into. Private: nothing propagates back to the host. */
static int private_mounts(struct error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return error_errno(err, "restore: a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_errno(err, "restore: make the mounts of its namespace private");
	return 0;
}

int criu_restore_in_place(const struct restore_opts *o, int rootfd, int dirfd, pid_t *pid,
			  struct error *err)
{
	if (private_mounts(err) < 0)
		return -1;
	int r = restore_into(o, rootfd, dirfd, true, pid, err);
	if (pty_master >= 0) {
		close(pty_master);
		pty_master = -1;
	}
	return r;
}

int container_restore(const struct restore_opts *o, int *exit_code, struct error *err)
{
	*exit_code = 0;
	if (geteuid() != 0)
		return error_set(err, 0, "restore needs root (CRIU runs as root)");
	if (state_check_id(o->id, err) < 0)
		return -1;
	if (private_mounts(err) < 0)
		return -1;
	_cleanup_close_ int rootfd = state_root_open(o->root, true, err);
	if (rootfd < 0)
		return -1;
	int dirfd = state_dir_create(rootfd, o->id, err);
	if (dirfd < 0)
		return -1;
	if (!o->detach && !o->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t pid = -1;
	int r = restore_into(o, rootfd, dirfd, false, &pid, err);
	close(dirfd);
	if (r == 0 && !o->detach)
		wait_foreground(o, pid, exit_code);
	if (pty_master >= 0)
		close(pty_master);
	return r;
}
