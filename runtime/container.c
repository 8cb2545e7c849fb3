/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/container.h"
#include "runtime/egress.h"
#include "runtime/launch.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/session.h"
#include "runtime/state.h"
#include "runtime/sysctl.h"
#include "runtime/namespaces.h"
#include "runtime/lsm.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "cgroups/cgroup.h"
#include "hooks/hooks.h"
#include "config.h"

#include <dirent.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int not_yet(const char *field, struct error *err)
{
	return error_set(err, 0, "config.json: %s: not supported yet", field);
}

int container_check_supported(const struct spec *spec, struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	const struct spec_process *p = &spec->process;
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct spec_net_device *d = &l->net_devices[i];
		const char *name = d->name && *d->name ? d->name : d->host_name;
		if (!spec_namespace_find(spec, "network"))
			return error_set(err, 0,
					 "config.json: .linux.netDevices.%s: needs a network "
					 "namespace",
					 d->host_name);
		if (!if_nametoindex(d->host_name))
			return error_set(err, 0,
					 "config.json: .linux.netDevices.%s: no such "
					 "interface on the host",
					 d->host_name);
		if (!strcmp(name, "lo") || strlen(name) >= IFNAMSIZ)
			return error_set(err, 0,
					 "config.json: .linux.netDevices.%s.name: \"%s\" "
					 "cannot be used in the container",
					 d->host_name, name);
		for (size_t j = 0; j < i; j++) {
			const struct spec_net_device *e = &l->net_devices[j];
			if (!strcmp(name, e->name && *e->name ? e->name : e->host_name) &&
			    !strstr(name, "%d"))
				return error_set(err, 0,
						 "config.json: .linux.netDevices.%s.name: "
						 "\"%s\" is used twice",
						 d->host_name, name);
		}
	}
	if (l->intel_rdt.present) {
		struct stat st;
		if (stat("/sys/fs/resctrl/schemata", &st) < 0)
			return error_set(err, 0,
					 "config.json: .linux.intelRdt: this host has no "
					 "resctrl filesystem (/sys/fs/resctrl)");
		return not_yet(".linux.intelRdt", err);
	}
	if (spec->hostname && *spec->hostname && !spec_namespace_find(spec, "uts"))
		return error_set(err, 0,
				 "config.json: .hostname: needs a uts namespace of the "
				 "container's own");
	if (spec->domainname && *spec->domainname && !spec_namespace_find(spec, "uts"))
		return error_set(err, 0,
				 "config.json: .domainname: needs a uts namespace of the "
				 "container's own");
	if ((l->time_boottime.present || l->time_monotonic.present) &&
	    !spec_namespace_find(spec, "time"))
		return error_set(err, 0, "config.json: .linux.timeOffsets: needs a time namespace");
	if (process_check_capabilities(p, err) < 0 || sysctl_check(spec, err) < 0 ||
	    lsm_check(p->apparmor_profile, p->selinux_label, err) < 0)
		return -1;
	return rootfs_check_mounts(spec, err);
}

#define SAVED_CONFIG "config.json"

/* The config is kept in the state dir for later commands (exec, the hooks
 * of start and delete), so a moved or edited bundle does not matter. */
int container_save_config(int dirfd, const char *bundle, struct error *err)
{
	_cleanup_free_ char *path = NULL, *json = NULL;
	size_t len;
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return error_set(err, ENOMEM, "save config");
	if (fs_read_file(path, &json, &len, err) < 0)
		return -1;
	return fs_write_file_atomic(dirfd, SAVED_CONFIG, json, len, err);
}

/* The saved config, or NULL when none was saved. */
struct spec *container_saved_config(int dirfd)
{
	_cleanup_free_ char *json = NULL;
	size_t len;
	struct error err;
	struct spec *spec = NULL;
	if (fs_read_fileat(dirfd, SAVED_CONFIG, &json, &len, &err) < 0)
		return NULL;
	if (spec_parse(json, len, SAVED_CONFIG, &spec, &err) < 0)
		return NULL;
	return spec;
}

static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* The bundle and rootfs as absolute paths; the rootfs must be a directory. */
static int resolve_paths(const struct create_opts *o, const struct spec *spec, char *bundle,
			 char *rootfs, struct error *err)
{
	const char *b = o->bundle && *o->bundle ? o->bundle : ".";
	if (!realpath(b, bundle))
		return error_errno(err, "bundle %s", b);
	if (!spec->root.present || !spec->root.path)
		return error_set(err, 0, "config.json: .root.path: required");
	char joined[PATH_MAX * 2];
	if (spec->root.path[0] == '/')
		snprintf(joined, sizeof(joined), "%s", spec->root.path);
	else
		snprintf(joined, sizeof(joined), "%s/%s", bundle, spec->root.path);
	struct stat st;
	if (!realpath(joined, rootfs) || stat(rootfs, &st) < 0)
		return error_errno(err, "rootfs (%s) does not exist", joined);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, 0, "rootfs (%s) is not a directory", joined);
	return 0;
}

static char *owner_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	if (pw)
		return strdup(pw->pw_name);
	char buf[16];
	snprintf(buf, sizeof(buf), "#%u", geteuid());
	return strdup(buf);
}

/* The device rules always start from "deny all", as runc's do (its device
 * emulator starts from an empty allow list whatever config.json says): a
 * config without linux.resources.devices gets the default devices and its
 * linux.devices, never the host's allow-all. cgroups/ writes "deny all",
 * linux.resources.devices (indexes kept for errors), a rule for each
 * linux.devices node, then the default devices. */
int container_apply_resources(struct cgroup *cg, const struct spec *spec, struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	struct spec_resources res = l->resources;
	res.present = true;
	size_t n = res.n_devices + l->n_devices + 1;
	_cleanup_free_ struct spec_device_cgroup *rules = calloc(n, sizeof(*rules));
	if (!rules)
		return error_set(err, ENOMEM, "device rules");
	size_t k = 0;
	if (!res.n_devices)
		rules[k++] = (struct spec_device_cgroup){
			.allow = false, .type = "a", .access = "rwm"};
	for (size_t i = 0; i < res.n_devices; i++)
		rules[k++] = res.devices[i];
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct spec_device *d = &l->devices[i];
		if (d->type[0] == 'p')
			continue; /* fifos are not devices to the cgroup */
		struct spec_device_cgroup *r = &rules[k++];
		r->allow = true;
		r->type = d->type[0] == 'b' ? "b" : "c";
		r->has_major = r->has_minor = true;
		r->major = d->major;
		r->minor = d->minor;
		r->access = "rwm";
	}
	res.devices = rules;
	res.n_devices = k;
	return cgroup_apply(cg, &res, err);
}

/* Socket activation, as runc does: with LISTEN_FDS=N in our environment the
 * N fds after stdio go to the container too, and it is told so. Only when
 * LISTEN_PID names us (as sd_listen_fds and runc's go-systemd do): a
 * LISTEN_FDS inherited through another process is not ours, and its fds
 * would reach the container. */
static int listen_fds(struct spec *spec, int *preserve, struct error *err)
{
	const char *v = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	char *end = NULL, *pend = NULL;
	long n = v ? strtol(v, &end, 10) : 0;
	long lp = pid ? strtol(pid, &pend, 10) : 0;
	if (!v || !end || *end || n <= 0 || n > 1024)
		return 0;
	if (!pid || !pend || *pend || lp != (long)getpid())
		return 0;
	struct spec_process *p = &spec->process;
	char **env = realloc(p->env, (p->n_env + 3) * sizeof(char *));
	if (!env)
		return error_set(err, ENOMEM, "LISTEN_FDS");
	p->env = env;
	if (asprintf(&env[p->n_env], "LISTEN_FDS=%ld", n) < 0)
		return error_set(err, ENOMEM, "LISTEN_FDS");
	p->n_env++;
	if (!(env[p->n_env] = strdup("LISTEN_PID=1")))
		return error_set(err, ENOMEM, "LISTEN_FDS");
	env[++p->n_env] = NULL;
	*preserve += (int)n;
	return 0;
}

/* Undo a failed create: container cgroup and state directory. */
static void create_rollback(int rootfd, const char *id, struct cgroup *cg)
{
	struct error ignored;
	if (cg)
		cgroup_destroy(cg, &ignored);
	state_dir_remove(rootfd, id, &ignored);
}

/* The limits config.json asks for, " pids.limit=N memory ..." ("" if none). */
static void limits_asked(const struct spec *spec, char *list, size_t size)
{
	const struct spec_resources *r = &spec->linux_.resources;
	char pids[64] = "";
	if (r->pids.present && r->pids.has_limit)
		snprintf(pids, sizeof(pids), " pids.limit=%lld", (long long)r->pids.limit);
	const char *more[] = {
		r->memory.present ? " memory" : "",
		r->cpu.present ? " cpu" : "",
		r->block_io.present ? " blockIO" : "",
		r->n_hugepage_limits ? " hugepageLimits" : "",
		r->network.present ? " network" : "",
		r->n_rdma ? " rdma" : "",
		r->unified.n ? " unified" : "",
	};
	snprintf(list, size, "%s%s%s%s%s%s%s%s", pids, more[0], more[1], more[2], more[3], more[4],
		 more[5], more[6]);
}

/* The container runs without a cgroup (a plain user on a host whose
 * cgroups it cannot write: v1, or v2 not delegated): one warning naming
 * the limits of config.json that are not enforced, none when it asks for
 * none. */
static void warn_no_cgroup(const struct spec *spec)
{
	char list[256];
	limits_asked(spec, list, sizeof(list));
	if (!list[0])
		return;
	log_warn("no cgroup: this user cannot manage cgroups here (cgroup v1 is never delegated "
		 "to a plain user, v2 only when its own cgroup is writable); not enforced: "
		 ".linux.resources:%s",
		 list);
}

static int create_locked(const struct create_opts *o, int rootfd, int dirfd, pid_t *pid_out,
			 struct error *err)
{
	_cleanup_spec_ struct spec *spec = NULL;
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	_cleanup_free_ char *owner = NULL, *cgs = NULL;
	char bundle[PATH_MAX], rootfs[PATH_MAX];
	_cleanup_pid_ pid_t pid = -1;	    /* killed and reaped on failure */
	_cleanup_close_ int egress_fd = -1; /* from init, for the forwarder */

	if (spec_load(o->bundle && *o->bundle ? o->bundle : ".", &spec, err) < 0)
		goto fail;
	if (!spec->process.present) {
		error_set(err, 0, "config.json: .process: required to create a container");
		goto fail;
	}
	int preserve = o->preserve_fds;
	struct egress_cfg egress;
	if (container_check_supported(spec, err) < 0 ||
	    resolve_paths(o, spec, bundle, rootfs, err) < 0 ||
	    listen_fds(spec, &preserve, err) < 0 || egress_config(spec, true, &egress, err) < 0 ||
	    egress_add_env(&spec->process, &egress, err) < 0)
		goto fail;
	if (spec->process.terminal && !o->console_socket && !o->terminal_master) {
		error_set(err, 0,
			  "cannot allocate a tty for a detached container without "
			  "--console-socket");
		goto fail;
	}
	if (!spec->process.terminal && o->console_socket) {
		error_set(err, 0, "--console-socket given, but process.terminal is false");
		goto fail;
	}
	/* before the cgroup exists: what `delete -f` needs to find it if we
	 * die while it is being made (the config), then the cgroup itself */
	if (container_save_config(dirfd, bundle, err) < 0 ||
	    state_save_creating(dirfd, o->id, bundle, NULL, err) < 0)
		goto fail;
	if (cgroup_available()) {
		if (cgroup_create(spec->linux_.cgroups_path, o->id, &cg, err) < 0 ||
		    state_save_creating(dirfd, o->id, bundle, cg, err) < 0 ||
		    cgroup_set_annotations(cg, &spec->annotations, err) < 0)
			goto fail;
		/* rootless without limits asked for: nothing to enforce (runc
		 * skips the device cgroup there too) */
		bool rootless = geteuid() != 0 || fs_in_child_userns();
		if ((!rootless || spec->linux_.resources.present) &&
		    container_apply_resources(cg, spec, err) < 0) {
			/* rootless (a plain user in its delegated cgroup, or in a
			 * child user namespace): limits are best effort */
			if (!rootless)
				goto fail;
			char list[256];
			limits_asked(spec, list, sizeof(list));
			log_warn("rootless: a cgroup, but its limits are not all applied (not "
				 "enforced: .linux.resources:%s): %s",
				 list[0] ? list : " devices", err->msg);
			error_clear(err);
		}
	}

	struct launch_opts lo = {
		.spec = spec,
		.id = o->id,
		.bundle = bundle,
		.rootfs = rootfs,
		.state_dirfd = dirfd,
		.root_dirfd = rootfd,
		.cgroup = cg,
		.no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
		.preserve_fds = preserve,
		.console_socket = o->console_socket,
		.terminal_master = o->terminal_master,
		.egress_fd = &egress_fd,
	};
	if (launch_container(&lo, &pid, err) < 0 ||
	    egress_start(&egress, pid, egress_fd, dirfd, err) < 0)
		goto fail;

	char created[64];
	now_rfc3339(created, sizeof(created));
	struct spec_state st = {
		.oci_version = spec->oci_version,
		.id = (char *)o->id,
		.status = "created",
		.pid = pid,
		.bundle = bundle,
		.annotations = spec->annotations,
		.start_time = state_process_start_time(pid),
		.rootfs = rootfs,
		.created = created,
	};
	owner = owner_name();
	cgs = cg ? cgroup_serialize(cg) : NULL;
	st.owner = owner;
	st.cgroup = cgs;
	if (state_save(dirfd, &st, err) < 0)
		goto fail;
	if (o->pid_file && fs_write_pid_file(o->pid_file, pid, err) < 0)
		goto fail;
	if (!cg && !cgroup_disabled())
		warn_no_cgroup(spec);
	*pid_out = take_pid(&pid);
	return 0;
fail:
	cleanup_pidp(&pid); /* before its cgroup goes */
	egress_stop(dirfd);
	create_rollback(rootfd, o->id, cg);
	return -1;
}

int container_create(const struct create_opts *o, pid_t *pid, struct error *err)
{
	if (state_check_id(o->id, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = state_root_open(o->root, true, err);
	if (rootfd < 0)
		return -1;
	_cleanup_close_ int dirfd = state_dir_create(rootfd, o->id, err);
	if (dirfd < 0)
		return -1;
	return create_locked(o, rootfd, dirfd, pid, err);
}

/* Open a container's state under its lock. */
int container_open(const char *root, const char *id, int *rootfd, int *dirfd, struct spec_state *st,
		   struct error *err)
{
	*rootfd = *dirfd = -1;
	memset(st, 0, sizeof(*st));
	if (state_check_id(id, err) < 0)
		return -1;
	*rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*rootfd < 0) {
		if (errno == ENOENT)
			return error_set(err, 0, "container does not exist: %s", id);
		return error_errno(err, "open state directory %s", root);
	}
	*dirfd = state_dir_open(*rootfd, id, err);
	if (*dirfd < 0)
		return -1;
	if (state_load(*dirfd, id, st, err) < 0)
		return -1;
	state_refresh(*dirfd, st);
	return 0;
}

void container_close(int rootfd, int dirfd, struct spec_state *st)
{
	if (dirfd >= 0)
		close(dirfd);
	if (rootfd >= 0)
		close(rootfd);
	spec_state_clear(st);
}

/* Read the byte init writes once it passed the fifo, watching it live. */
static int wait_fifo(int fifo, pid_t pid, unsigned long long start_time, struct error *err)
{
	for (;;) {
		struct pollfd pfd = {.fd = fifo, .events = POLLIN};
		int n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return error_errno(err, "wait for container init");
		if (n > 0) {
			char buf[ERROR_MSG_MAX];
			ssize_t r = read(fifo, buf, 1);
			if (r == 1 && buf[0] == 'E') {
				/* init failed after start: the rest is its message */
				size_t got = 0;
				for (int tries = 0; tries < 100 && got < sizeof(buf) - 1; tries++) {
					ssize_t k = read(fifo, buf + got, sizeof(buf) - 1 - got);
					if (k == 0)
						break;
					if (k > 0)
						got += k;
					else
						poll(&pfd, 1, 10);
				}
				buf[got] = '\0';
				return error_set(err, 0, "%s", buf);
			}
			if (r == 1)
				return 0;
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return error_errno(err, "read exec fifo");
		}
		if (!state_process_alive(pid, start_time))
			return error_set(err, 0, "container init exited before start");
	}
}

int container_start(const char *root, const char *id, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	int r = -1;
	_cleanup_close_ int fifo = -1;
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	if (strcmp(st.status, "created") != 0) {
		error_set(err, 0, "cannot start a container that has %s",
			  !strcmp(st.status, "stopped") ? "stopped" : "already been started");
		if (!strcmp(st.status, "creating"))
			error_set(err, 0, "cannot start a container that is still being created");
		goto out;
	}
	fifo = openat(dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		error_errno(err, "open exec fifo of %s", id);
		goto out;
	}
	if (wait_fifo(fifo, st.pid, st.start_time, err) < 0)
		goto out;
	unlinkat(dirfd, EXEC_FIFO, 0);
	struct spec *saved = container_saved_config(dirfd);
	if (saved && saved->hooks.n_poststart) {
		_cleanup_free_ char *json = NULL;
		if (spec_state_hook_json(&st, "running", st.pid, &json, err) < 0 ||
		    hooks_run(saved->hooks.poststart, saved->hooks.n_poststart, "poststart", json,
			      err) < 0) {
			/* the spec says: stop the container */
			kill(st.pid, SIGKILL);
			spec_free(saved);
			goto out;
		}
	}
	spec_free(saved);
	r = 0;
out:
	container_close(rootfd, dirfd, &st);
	return r;
}

/* state and list read without the lock, as runc's state does: state.json
 * is only ever replaced whole (rename), so it is read complete or not at
 * all, and a read-only command never waits behind a create that is stuck
 * (in a hook, say). A container being created shows as "creating". */
int container_state(const char *root, const char *id, struct spec_state *st, struct error *err)
{
	memset(st, 0, sizeof(*st));
	if (state_check_id(id, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		if (errno == ENOENT)
			return error_set(err, 0, "container does not exist: %s", id);
		return error_errno(err, "open state directory %s", root);
	}
	_cleanup_close_ int dirfd = state_dir_open_unlocked(rootfd, id, err);
	if (dirfd < 0)
		return -1;
	if (state_load(dirfd, id, st, err) < 0) {
		spec_state_clear(st);
		return -1;
	}
	state_refresh(dirfd, st);
	return 0;
}

static int signal_container(const struct spec_state *st, int sig, bool all, struct error *err)
{
	if (all && st->cgroup) {
		struct cgroup *cg = NULL;
		if (cgroup_open(st->cgroup, &cg, err) < 0)
			return -1;
		int r = cgroup_kill_all(cg, sig, err);
		cgroup_free(cg);
		return r;
	}
	if (kill(st->pid, sig) < 0 && errno != ESRCH)
		return error_errno(err, "kill container %s", st->id);
	return 0;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	int r = -1;
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	const char *image = session_suspended(&st);
	if (image) {
		/* a suspended session is not woken to be signalled: a signal
		 * that ends it discards its image, any other is refused */
		if (!session_signal_ends(sig)) {
			error_set(err, 0,
				  "container %s is suspended: wake it first (agentrun wake) to "
				  "send it signal %d",
				  id, sig);
			goto out;
		}
		if (session_discard_image(dirfd, image, err) < 0)
			goto out;
		struct spec *saved = container_saved_config(dirfd);
		spec_map_clear(&st.annotations);
		if (saved)
			spec_map_copy(&st.annotations, &saved->annotations);
		spec_free(saved);
		r = state_save(dirfd, &st, err);
		goto out;
	}
	if (!strcmp(st.status, "stopped") || !strcmp(st.status, "creating")) {
		error_set(err, 0, "container not running");
		goto out;
	}
	r = signal_container(&st, sig, all, err);
out:
	container_close(rootfd, dirfd, &st);
	return r;
}

/* Wait (bounded) until pid is gone or a zombie. */
static void wait_gone(pid_t pid, unsigned long long start_time)
{
	for (int i = 0; i < 500 && state_process_alive(pid, start_time); i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int container_delete(const char *root, const char *id, bool force, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	int r = -1;
	if (force && state_check_id(id, err) == 0) {
		/* as runc and crun: with --force, a container that is not there is
		 * nothing to delete, not an error (engines call it to clean up) */
		_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if ((rfd < 0 && errno == ENOENT) ||
		    (rfd >= 0 && faccessat(rfd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
		     errno == ENOENT))
			return 0;
	}
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	bool stopped = !strcmp(st.status, "stopped");
	bool created = !strcmp(st.status, "created") || !strcmp(st.status, "creating");
	if (!stopped && !created && !force) {
		error_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
			  st.status);
		goto out;
	}
	struct cgroup *cg = NULL;
	if (st.cgroup && cgroup_open(st.cgroup, &cg, err) < 0) {
		log_warn("%s", err->msg);
		cg = NULL;
	}
	if (!st.cgroup && !strcmp(st.status, "creating") && cgroup_available()) {
		/* a create or restore that died while it made the cgroup: the
		 * saved config says where (made again if it was not, then
		 * removed below) */
		struct spec *early = container_saved_config(dirfd);
		struct error e;
		if (early && cgroup_create(early->linux_.cgroups_path, id, &cg, &e) < 0) {
			log_warn("%s", e.msg);
			cg = NULL;
		}
		spec_free(early);
	}
	if (cg) {
		/* whatever is left in the cgroup goes too (no pid namespace, daemons) */
		struct error e;
		if (!strcmp(st.status, "paused"))
			cgroup_freeze(cg, false, &e);
		cgroup_kill_all(cg, SIGKILL, &e);
	}
	if (!stopped && st.pid > 0) {
		kill(st.pid, SIGKILL);
		wait_gone(st.pid, st.start_time);
	}
	if (cg) {
		if (cgroup_destroy(cg, err) < 0) {
			cgroup_free(cg);
			goto out;
		}
		cgroup_free(cg);
	}
	struct spec *saved = container_saved_config(dirfd);
	if (saved && saved->hooks.n_poststop) {
		_cleanup_free_ char *json = NULL;
		struct error herr;
		if (spec_state_hook_json(&st, "stopped", st.pid, &json, &herr) < 0 ||
		    hooks_run(saved->hooks.poststop, saved->hooks.n_poststop, "poststop", json,
			      &herr) < 0)
			log_warn("%s", herr.msg);
	}
	spec_free(saved);
	egress_stop(dirfd);
	/* a suspended session's image goes with it (wherever it is) */
	if (session_discard_image(dirfd, session_suspended(&st), err) < 0)
		goto out;
	r = state_dir_remove(rootfd, id, err);
out:
	container_close(rootfd, dirfd, &st);
	return r;
}

/* The container's cgroup, which pause and ps need. */
static int need_cgroup(const struct spec_state *st, struct cgroup **cg, struct error *err)
{
	if (!st->cgroup)
		return error_set(err, 0,
				 "container %s has no cgroup (created without cgroup "
				 "access)",
				 st->id);
	return cgroup_open(st->cgroup, cg, err);
}

int container_pause(const char *root, const char *id, bool pause, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	struct cgroup *cg = NULL;
	int r = -1;
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	const char *want = pause ? "running" : "paused";
	if (strcmp(st.status, want) != 0) {
		error_set(err, 0, "container %s is not %s (it is %s)", id, want, st.status);
		goto out;
	}
	if (need_cgroup(&st, &cg, err) < 0)
		goto out;
	r = cgroup_freeze(cg, pause, err);
out:
	cgroup_free(cg);
	container_close(rootfd, dirfd, &st);
	return r;
}

int container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	struct cgroup *cg = NULL;
	int r = -1;
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	if (session_suspended(&st)) { /* no process at all */
		*pids = NULL, *n = 0;
		r = 0;
		goto out;
	}
	if (need_cgroup(&st, &cg, err) < 0)
		goto out;
	r = cgroup_pids(cg, pids, n, err);
out:
	cgroup_free(cg);
	container_close(rootfd, dirfd, &st);
	return r;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct spec_state *)a)->id, ((const struct spec_state *)b)->id);
}

int container_list(const char *root, struct spec_state **states, size_t *n, struct error *err)
{
	*states = NULL;
	*n = 0;
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "open state directory %s", root);
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		struct spec_state st = {0};
		struct error e;
		if (container_state(root, de->d_name, &st, &e) < 0)
			continue; /* deleted meanwhile */
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct spec_state *ns = realloc(*states, cap * sizeof(*ns));
			if (!ns) {
				spec_state_clear(&st);
				return error_set(err, ENOMEM, "list");
			}
			*states = ns;
		}
		(*states)[(*n)++] = st;
	}
	qsort(*states, *n, sizeof(**states), cmp_state);
	return 0;
}

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

int container_run(const struct create_opts *opts, bool detach, int *exit_code, struct error *err)
{
	pid_t pid;
	*exit_code = 0;
	/* in the foreground without a console socket, agentrun relays the pty */
	int master = -1;
	struct create_opts copy = *opts;
	if (!detach && !copy.console_socket)
		copy.terminal_master = &master;
	const struct create_opts *o = &copy;
	/* the foreground runtime reaps init, whatever namespace path it takes */
	if (!detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (container_create(o, &pid, err) < 0)
		return -1;
	if (!detach) {
		forward_pid = pid;
		struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
	}
	if (container_start(o->root, o->id, err) < 0) {
		struct error ignored;
		container_delete(o->root, o->id, true, &ignored);
		return -1;
	}
	if (detach)
		return 0;
	if (master >= 0) {
		terminal_relay(master);
		close(master);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			error_errno(err, "wait for container %s", o->id);
			break;
		}
	}
	forward_pid = 0;
	if (WIFEXITED(status))
		*exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_code = 128 + WTERMSIG(status);
	struct error derr;
	if (container_delete(o->root, o->id, true, &derr) < 0)
		log_warn("%s", derr.msg);
	return 0;
}
