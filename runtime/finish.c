/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The order, shared by `create` (init.c) and `exec` (exec.c):
 *   1. fds: everything but stdio, the preserved fds and our sync fds closed
 *      (no leaked host fd can be named by cwd or args[0]: CVE-2024-21626)
 *   2. what needs privilege: rlimits, scheduler, io priority, memory
 *      policy, personality; umask; the LSM labels for the execve (before
 *      no_new_privs, which AppArmor would hold against a profile change)
 *   3. the user: bounding set dropped, setgroups/setresgid/setresuid
 *   4. our own checks, as that user: cwd inside the root, the executable
 *   5. no_new_privs, the capabilities; seccomp last of all: at once when it
 *      needs CAP_SYS_ADMIN (no no_new_privs) or a notify fd must reach
 *      agentrun before `create` returns, else in process_exec, right after
 *      Landlock (its ruleset is built in 1, as root in the container, and
 *      enforced in process_exec, when agentrun has nothing left to open)
 *   6. not dumpable again: every credential change above resets it
 *      (CVE-2016-9962) */
#include "runtime/finish.h"
#include "runtime/landlock.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "spec/state.h"
#include "util/cleanup.h"
#include "util/sock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int load_seccomp(struct process_finish *f, struct error *err)
{
	int notify_fd = -1;
	int r = seccomp_apply(f->filter, seccomp_has_notify(f->filter) ? &notify_fd : NULL, err);
	seccomp_filter_free(f->filter);
	f->filter = NULL;
	if (r < 0)
		return -1;
	if (notify_fd >= 0) {
		r = sync_send_fd(f->sync_fd, SYNC_SECCOMP_FD, notify_fd);
		close(notify_fd);
		if (r < 0)
			return error_errno(err, "pass the seccomp notify fd to agentrun");
	}
	return 0;
}

static int not_dumpable(struct error *err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_DUMPABLE)");
	return 0;
}

int process_finish(struct process_finish *f, struct error *err)
{
	const struct spec *spec = f->spec;
	const struct spec_process *p = f->proc;
	struct process_caps caps;
	f->filter = f->prepared;
	f->prepared = NULL;
	f->landlock_fd = -1;

	/* 1 */
	if (process_close_fds(f->first_fd, f->keep, f->n_keep, err) < 0)
		return -1;
	if (process_caps_load(p, &caps, err) < 0 ||
	    (!f->filter && seccomp_build(spec, &f->filter, err) < 0) ||
	    landlock_prepare(spec, p, &f->landlock_fd, err) < 0)
		return -1;

	/* 2 */
	if (process_set_rlimits(p, err) < 0 || process_set_scheduler(p, err) < 0 ||
	    process_set_io_priority(p, err) < 0 ||
	    process_set_memory_policy(&spec->linux_.memory_policy, err) < 0 ||
	    process_set_personality(&spec->linux_.personality, err) < 0)
		return -1;
	umask(p->user.has_umask ? p->user.umask : 022);
	if (lsm_set_exec_labels(f->procfd, p->apparmor_profile, p->selinux_label, err) < 0)
		return -1;
	/* as root when the user may not reach it, as runc does */
	bool in_cwd = chdir(p->cwd) == 0;

	/* 3 */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_KEEPCAPS)");
	if (process_drop_bounding(&caps, err) < 0 || process_set_user(&p->user, err) < 0 ||
	    not_dumpable(err) < 0)
		return -1;

	/* 4 */
	if (in_cwd ? process_check_cwd(p->cwd, err) < 0 : process_chdir(p->cwd, err) < 0)
		return -1;
	if (process_find_executable(p, f->exe, sizeof(f->exe), err) < 0)
		return -1;

	/* 5 */
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_NO_NEW_PRIVS)");
	bool load_now = f->filter && (!p->no_new_privileges || seccomp_has_notify(f->filter));
	/* without no_new_privs loading a filter needs CAP_SYS_ADMIN: keep it
	 * for that moment only */
	bool admin = load_now && !p->no_new_privileges;
	if (process_set_caps(&caps, admin, err) < 0)
		return -1;
	if (load_now && load_seccomp(f, err) < 0)
		return -1;
	if (admin && process_set_caps(&caps, false, err) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_KEEPCAPS)");

	/* 6 */
	return not_dumpable(err);
}

int process_exec(struct process_finish *f, int keep_fd, struct error *err)
{
	int landlock_fd = f->landlock_fd;
	f->landlock_fd = -1;
	if (landlock_enforce(landlock_fd, err) < 0)
		return -1;
	if (process_close_fds(f->first_fd, &keep_fd, keep_fd >= 0 ? 1 : 0, err) < 0)
		return -1;
	if (f->filter) {
		int r = seccomp_apply(f->filter, NULL, err);
		seccomp_filter_free(f->filter);
		f->filter = NULL;
		if (r < 0)
			return -1;
	}
	const struct spec_process *p = f->proc;
	char *empty_env[] = {NULL};
	execve(f->exe, p->args, p->n_env ? p->env : empty_env);
	return error_errno(err, "exec %s", f->exe);
}

int process_seccomp_to_listener(const struct spec *spec, const struct spec_state *st, int notify_fd,
				struct error *err)
{
	const struct spec_seccomp *s = &spec->linux_.seccomp;
	if (notify_fd < 0)
		return error_set(err, 0, "the container process sent no seccomp notify fd");
	if (!s->listener_path)
		return error_set(err, 0, "config.json: .linux.seccomp.listenerPath: not set");
	_cleanup_free_ char *json = NULL;
	if (spec_seccomp_listener_json(st, s->listener_metadata, &json, err) < 0)
		return -1;
	_cleanup_close_ int sock = sock_connect_unix(s->listener_path, "seccomp listener", err);
	if (sock < 0)
		return -1;
	if (sock_send_fd(sock, json, strlen(json), notify_fd) < 0)
		return error_errno(err, "send seccomp notify fd to %s", s->listener_path);
	return 0;
}
