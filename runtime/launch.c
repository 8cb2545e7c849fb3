/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/launch.h"
#include "runtime/finish.h"
#include "runtime/init.h"
#include "runtime/process.h"
#include "runtime/mountattr.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/netlink.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/sock.h"
#include "hooks/hooks.h"
#include "spec/state.h"
#include "cgroups/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static pid_t clone3_fork(unsigned long long flags)
{
	struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int write_time_offsets(const struct spec *spec, struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	char buf[128];
	int n = 0;
	if (l->time_monotonic.present)
		n += snprintf(buf + n, sizeof(buf) - n, "monotonic %lld %u\n",
			      (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
	if (l->time_boottime.present)
		n += snprintf(buf + n, sizeof(buf) - n, "boottime %lld %u\n",
			      (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
	if (!n)
		return 0;
	_cleanup_close_ int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, n) != n)
		return error_errno(err, "write /proc/self/timens_offsets");
	return 0;
}

/* The container's OCI state without status and pid (the fields hooks and a
 * seccomp listener share); its strings are borrowed from o. */
static struct spec_state base_state(const struct launch_opts *o)
{
	return (struct spec_state){
		.oci_version = o->spec->oci_version,
		.id = (char *)o->id,
		.bundle = (char *)o->bundle,
		.annotations = o->spec->annotations,
	};
}

/* The filter seccomp_prepare made for this launch, for the init (a copy
 * of it, in the child's memory) */
static struct seccomp_filter *launch_seccomp;

/* What the container init gets of the launch. */
static struct init_args make_init_args(const struct launch_opts *o,
				       const struct spec_state *hook_state, struct ns_plan *plan,
				       int sync_fd, int fifo_fd, bool two_stage,
				       const int *idmap_fds)
{
	return (struct init_args){
		.spec = o->spec,
		.hook_state = hook_state,
		.bundle = o->bundle,
		.rootfs = o->rootfs,
		.no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
		.preserve_fds = o->preserve_fds,
		.plan = plan,
		.sync_fd = sync_fd,
		.fifo_fd = fifo_fd,
		.two_stage = two_stage,
		.idmap_fds = idmap_fds,
		.seccomp = launch_seccomp,
	};
}

static int send_to_listener(const struct launch_opts *o, pid_t pid, int notify_fd,
			    struct error *err)
{
	struct spec_state st = base_state(o);
	st.status = "creating";
	st.pid = pid;
	return process_seccomp_to_listener(o->spec, &st, notify_fd, err);
}

/* prestart and createRuntime hooks, in the runtime namespace. */
static int run_runtime_hooks(const struct launch_opts *o, pid_t pid, struct error *err)
{
	const struct spec_hooks *h = &o->spec->hooks;
	struct spec_state base = base_state(o);
	_cleanup_free_ char *state = NULL;
	if (spec_state_hook_json(&base, "creating", pid, &state, err) < 0)
		return -1;
	if (hooks_run(h->prestart, h->n_prestart, "prestart", state, err) < 0)
		return -1;
	return hooks_run(h->create_runtime, h->n_create_runtime, "createRuntime", state, err);
}

/* First stage, in the child: join the user namespace (or the others and
 * then make the user namespace), unshare the rest and fork init. */
__attribute__((noreturn)) static void first_stage(const struct launch_opts *o, struct ns_plan *plan,
						  int sync_fd, int fifo_fd, const int *idmap_fds)
{
	struct error err = {0};
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* see init_main */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(o->state_dirfd);
	if (plan->user_join_fd >= 0) {
		if (setns(plan->user_join_fd, CLONE_NEWUSER) < 0) {
			error_errno(&err, "join user namespace");
			goto fail;
		}
		close(plan->user_join_fd);
		plan->user_join_fd = -1;
		if (ns_join_all(plan, &err) < 0)
			goto fail;
	} else {
		if (ns_join_all(plan, &err) < 0)
			goto fail;
		if (unshare(CLONE_NEWUSER) < 0) {
			error_errno(&err, "create user namespace");
			goto fail;
		}
		if (ns_await_maps(sync_fd, plan, &err) < 0)
			goto fail;
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		error_errno(&err, "become root in the user namespace");
		goto fail;
	}
	/* a new user namespace and the credential change reset it */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	int flags = plan->new_flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME);
	if (flags && unshare(flags) < 0) {
		error_errno(&err, "create namespaces");
		goto fail;
	}
	pid_t pid = clone3_fork(0);
	if (pid < 0) {
		error_errno(&err, "fork container init");
		goto fail;
	}
	if (pid == 0) {
		struct spec_state hook_state = base_state(o);
		struct init_args a = make_init_args(o, &hook_state, plan, sync_fd, fifo_fd, true,
						    idmap_fds);
		init_main(&a);
	}
	sync_send(sync_fd, SYNC_CHILD_PID, pid, NULL);
	_exit(0);
fail:
	sync_send(sync_fd, SYNC_ERROR, err.errnum, err.msg);
	_exit(1);
}

/* Parent side of the first stage: write its id maps when asked, learn
 * init's pid, reap the stage. Returns init's pid or -1. */
static pid_t run_first_stage(const struct launch_opts *o, struct ns_plan *plan, int sv[2],
			     int fifo_fd, const int *idmap_fds, struct error *err)
{
	pid_t stage = clone3_fork(0);
	if (stage < 0)
		return error_errno(err, "clone first stage");
	if (stage == 0) {
		close(sv[0]);
		first_stage(o, plan, sv[1], fifo_fd, idmap_fds);
	}
	close(sv[1]);
	sv[1] = -1;
	pid_t init_pid = -1;
	struct sync_msg msg;
	/* a stage that makes the user namespace asks for its maps first */
	if (plan->user_join_fd >= 0 || ns_answer_maps(sv[0], stage, o->spec, plan, err) == 0) {
		if (sync_recv(sv[0], &msg, NULL, err) == 0) {
			if (msg.type == SYNC_CHILD_PID)
				init_pid = msg.value;
			else
				error_set(err, 0, "%s",
					  msg.type == SYNC_ERROR ? msg.text : "unexpected message");
		}
	}
	if (init_pid < 0)
		kill(stage, SIGKILL);
	while (waitpid(stage, NULL, 0) < 0 && errno == EINTR)
		;
	return init_pid;
}

/* idmapped mounts: their user namespaces, made here in the host; v stays
 * empty when no mount is idmapped. */
static int idmap_userns(const struct spec *spec, struct fd_vec *v, struct error *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct spec_mount m = spec->mounts[i];
		if (!m.n_uid_mappings && !m.n_gid_mappings) {
			/* "idmap" alone: the container's own user namespace maps */
			struct mount_flags f;
			struct error e;
			if (rootfs_parse_options(m.options, m.n_options, &f, &e) < 0 || !f.idmap)
				continue;
			m.uid_mappings = spec->linux_.uid_mappings;
			m.n_uid_mappings = spec->linux_.n_uid_mappings;
			m.gid_mappings = spec->linux_.gid_mappings;
			m.n_gid_mappings = spec->linux_.n_gid_mappings;
		}
		if (!v->fds) {
			v->fds = malloc(spec->n_mounts * sizeof(int));
			if (!v->fds)
				return error_set(err, ENOMEM, "idmapped mounts");
			v->n = spec->n_mounts;
			for (size_t j = 0; j < spec->n_mounts; j++)
				v->fds[j] = -1;
		}
		v->fds[i] = mountattr_userns(&m, err);
		if (v->fds[i] < 0)
			return error_prefix(err, "config.json: .mounts[%zu]", i);
	}
	return 0;
}

int launch_container(const struct launch_opts *o, pid_t *pid_out, struct error *err)
{
	_cleanup_ns_plan_ struct ns_plan plan;
	if (ns_plan_make(o->spec, &plan, err) < 0)
		return -1;
	_cleanup_close_pair_ int sv[2] = {-1, -1};
	_cleanup_close_ int fifo_fd = -1;
	_cleanup_fd_vec_ struct fd_vec idmap = {0};
	_cleanup_pid_ pid_t pid = -1; /* killed and reaped on failure */

	if (ns_plan_maps(o->spec, &plan, err) < 0 || idmap_userns(o->spec, &idmap, err) < 0)
		goto fail;
	/* compiled (or read from the cache) here, before the clone: the init
	 * gets it with its memory */
	if (seccomp_prepare(o->spec, o->root_dirfd, &launch_seccomp, err) < 0)
		goto fail;
	/* one clone does it unless a user namespace must come between joins */
	bool two_stage = plan.user_join_fd >= 0 ||
			 ((plan.new_flags & CLONE_NEWUSER) && plan.n_join);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		error_errno(err, "socketpair");
		goto fail;
	}
	if (mkfifoat(o->state_dirfd, EXEC_FIFO, 0622) < 0 ||
	    fchmodat(o->state_dirfd, EXEC_FIFO, 0622, 0) < 0) {
		error_errno(err, "create exec fifo");
		goto fail;
	}
	fifo_fd = openat(o->state_dirfd, EXEC_FIFO, O_PATH | O_CLOEXEC);
	if (fifo_fd < 0) {
		error_errno(err, "open exec fifo");
		goto fail;
	}
	/* pid and time namespaces apply to children: join or create them here */
	if (plan.pid_join_fd >= 0 && setns(plan.pid_join_fd, CLONE_NEWPID) < 0) {
		error_errno(err, "join pid namespace");
		goto fail;
	}
	if (plan.time_join_fd >= 0 && setns(plan.time_join_fd, CLONE_NEWTIME) < 0) {
		error_errno(err, "join time namespace");
		goto fail;
	}
	if (plan.new_flags & CLONE_NEWTIME) {
		if (unshare(CLONE_NEWTIME) < 0) {
			error_errno(err, "create time namespace");
			goto fail;
		}
		if (write_time_offsets(o->spec, err) < 0)
			goto fail;
	}

	/* not dumpable from before the clone on: no moment where a child in
	 * the container's namespaces can be ptraced or have its /proc/PID/exe
	 * opened (CVE-2016-9962, CVE-2019-5736) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		error_errno(err, "prctl(PR_SET_DUMPABLE)");
		goto fail;
	}
	if (two_stage) {
		pid = run_first_stage(o, &plan, sv, fifo_fd, idmap.fds, err);
		if (pid < 0)
			goto fail;
	} else {
		/* the cgroup namespace is made by init once it is in its cgroup */
		unsigned long long flags = plan.new_flags & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
		pid = clone3_fork(flags);
		if (pid < 0) {
			error_errno(err, "clone container init");
			goto fail;
		}
		if (pid == 0) {
			close(sv[0]);
			struct spec_state hook_state = base_state(o);
			struct init_args a = make_init_args(o, &hook_state, &plan, sv[1], fifo_fd,
							    false, idmap.fds);
			init_main(&a);
		}
		close(sv[1]);
		sv[1] = -1;
		if ((plan.new_flags & CLONE_NEWUSER) &&
		    ns_answer_maps(sv[0], pid, o->spec, &plan, err) < 0)
			goto fail;
	}
	if (process_set_affinity(pid, o->spec->process.exec_cpu_affinity.initial,
				 ".process.execCPUAffinity.initial", err) < 0)
		goto fail;
	if (o->cgroup && cgroup_enter(o->cgroup, pid, err) < 0)
		goto fail;
	for (size_t i = 0; i < o->spec->linux_.n_net_devices; i++) {
		const struct spec_net_device *d = &o->spec->linux_.net_devices[i];
		if (netlink_move_device(pid, d->host_name, d->name, err) < 0)
			goto fail;
	}
	if (process_set_oom_score_adj(pid, &o->spec->process, err) < 0)
		goto fail;
	if (sync_send(sv[0], SYNC_GO, 0, NULL) < 0) {
		error_errno(err, "signal container init");
		goto fail;
	}
	struct sync_msg msg;
	for (;;) {
		int passed = -1;
		if (sync_recv(sv[0], &msg, &passed, err) < 0)
			goto fail;
		if (msg.type == SYNC_HOOKS) {
			if (passed >= 0)
				close(passed);
			if (run_runtime_hooks(o, pid, err) < 0)
				goto fail;
			if (sync_send(sv[0], SYNC_GO, 0, NULL) < 0) {
				error_errno(err, "signal container init");
				goto fail;
			}
			continue;
		}
		if (msg.type == SYNC_EGRESS_FD) {
			if (o->egress_fd && passed >= 0 && *o->egress_fd < 0)
				*o->egress_fd = passed;
			else if (passed >= 0)
				close(passed);
			continue;
		}
		if (msg.type == SYNC_CONSOLE) {
			int r2 = 0;
			if (passed < 0)
				r2 = error_set(err, 0, "container init sent no pty");
			else if (o->console_socket)
				r2 = terminal_send(o->console_socket, passed, err);
			if (r2 == 0 && o->terminal_master && passed >= 0) {
				*o->terminal_master = passed;
				passed = -1;
			}
			if (passed >= 0)
				close(passed);
			if (r2 < 0)
				goto fail;
			continue;
		}
		if (msg.type != SYNC_SECCOMP_FD)
			break;
		int r2 = send_to_listener(o, pid, passed, err);
		close(passed);
		if (r2 < 0)
			goto fail;
	}
	if (msg.type == SYNC_ERROR) {
		error_set(err, 0, "%s", msg.text);
		err->errnum = msg.value;
		goto fail;
	}
	if (msg.type != SYNC_READY) {
		error_set(err, 0, "unexpected message %u from container init", msg.type);
		goto fail;
	}
	seccomp_filter_free(launch_seccomp);
	launch_seccomp = NULL;
	*pid_out = take_pid(&pid);
	return 0;
fail:
	seccomp_filter_free(launch_seccomp);
	launch_seccomp = NULL;
	cleanup_pidp(&pid); /* before its exec fifo goes */
	unlinkat(o->state_dirfd, EXEC_FIFO, 0);
	return -1;
}
