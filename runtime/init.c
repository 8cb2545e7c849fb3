/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container init, inside its new namespaces. The whole setup order
 * reads top to bottom in init_setup(); seccomp, when it comes, is last. */
#include "runtime/init.h"
#include "runtime/egress.h"
#include "runtime/finish.h"
#include "runtime/netlink.h"
#include "runtime/process.h"
#include "runtime/procfs.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/sysctl.h"
#include "runtime/lsm.h"
#include "runtime/terminal.h"
#include "hooks/hooks.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int wait_for_parent(int sync_fd, struct error *err)
{
	struct sync_msg msg;
	if (sync_recv(sync_fd, &msg, NULL, err) < 0)
		return -1;
	if (msg.type != SYNC_GO)
		return error_set(err, 0, "unexpected message %u from agentrun", msg.type);
	return 0;
}

static int set_names(const struct spec *spec, struct error *err)
{
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return error_errno(err, "sethostname %s", spec->hostname);
	if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return error_errno(err, "setdomainname %s", spec->domainname);
	return 0;
}

/* A created container's init may wait for `start` for long, and a host
 * keeps many (bench/README.md, scenario 9): before it waits, give back the
 * stack pages the setup touched below this frame (about 90 KiB: mount and
 * path helpers keep PATH_MAX buffers) and the heap malloc holds free. Done
 * before process_finish(), which may load the container's seccomp filter.
 * Below the frame, within RLIMIT_STACK, there is only the stack itself or
 * nothing (the kernel keeps mmap at least that far away), so no other
 * mapping is touched; a page given back reads as zeros when touched again,
 * and nothing below the frame is live. */
static __attribute__((noinline)) void release_setup_memory(void)
{
	char here;
	long page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	if (page <= 0 || getrlimit(RLIMIT_STACK, &rl) < 0)
		return;
	uintptr_t span = 256 * 1024;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < span + 64 * (uintptr_t)page)
		return;
	/* 4 pages of margin below this frame: madvise()'s own frame lives there
	 * while the pages are dropped */
	uintptr_t top = ((uintptr_t)&here & ~((uintptr_t)page - 1)) - 4 * (uintptr_t)page;
	if (top > span)
		madvise((void *)(top - span), span,
			MADV_DONTNEED); /* ENOMEM for the unmapped part */
	malloc_trim(0);
}

static int init_setup(struct init_args *a, struct process_finish *f, int *fifo_wr,
		      struct error *err)
{
	const struct spec *spec = a->spec;
	const struct spec_process *proc = &spec->process;
	int flags = a->plan->new_flags;
	bool in_userns = (flags & CLONE_NEWUSER) || a->plan->user_joined || fs_in_child_userns();

	/* 1. a user namespace made by our clone: its id maps (dumpable only
	 * for that wait, when agentrun is unprivileged); then the parent has
	 * put us in our cgroup */
	if (!a->two_stage && (flags & CLONE_NEWUSER) && ns_await_maps(a->sync_fd, a->plan, err) < 0)
		return -1;
	if (wait_for_parent(a->sync_fd, err) < 0)
		return -1;
	if (in_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return error_errno(err, "become root in the user namespace");
	/* a credential change resets it (CVE-2016-9962) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_DUMPABLE)");
	/* now in the container's cgroup: the final cpu affinity */
	if (process_set_affinity(0, proc->exec_cpu_affinity.final, ".process.execCPUAffinity.final",
				 err) < 0)
		return -1;

	/* 2. namespaces given by path; a new cgroup namespace rooted at our cgroup */
	if (ns_join_all(a->plan, err) < 0)
		return -1;
	_cleanup_free_ char *host_cgroups = NULL;
	if (fs_read_file("/proc/self/cgroup", &host_cgroups, NULL, err) < 0)
		return -1;
	if ((flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return error_errno(err, "create cgroup namespace");

	/* 3. a procfs of our own, made before the container's mounts exist:
	 * the fifo reopen and the LSM writes go through it, never through the
	 * container's /proc (CVE-2019-16884, CVE-2025-52881) nor a host
	 * directory fd (CVE-2024-21626) */
	_cleanup_close_ int procfd = procfs_open_private(err);
	if (procfd < 0)
		return -1;

	/* 4. the filesystem: mounts, /dev, pivot_root, masked and read-only paths */
	static struct rootfs_kept kept;
	struct rootfs_opts ro = {
		.rootfs = a->rootfs,
		.no_pivot = a->no_pivot,
		.in_userns = in_userns,
		.new_cgroupns = flags & CLONE_NEWCGROUP,
		.host_cgroups = host_cgroups,
		.mount_label = spec->linux_.mount_label,
		.idmap_fds = a->idmap_fds,
		.kept = &kept,
	};
	if (chdir(a->bundle) < 0)
		return error_errno(
			err, "chdir to bundle %s%s", a->bundle,
			errno == EACCES && in_userns
				? " (the container's root, a mapped host id, must be able to "
				  "reach the bundle and rootfs)"
				: "");
	if (spec_namespace_find(spec, "mount")) {
		if (rootfs_prepare(spec, &ro, err) < 0)
			return -1;
	}

	/* 5. hooks: prestart and createRuntime by agentrun (runtime namespace),
	 * then createContainer here (container namespace, host paths) */
	const struct spec_hooks *h = &spec->hooks;
	if (h->n_prestart || h->n_create_runtime) {
		if (sync_send(a->sync_fd, SYNC_HOOKS, 0, NULL) < 0)
			return error_errno(err, "signal agentrun");
		if (wait_for_parent(a->sync_fd, err) < 0)
			return -1;
	}
	if (h->n_create_container) {
		_cleanup_free_ char *state = NULL;
		if (spec_state_hook_json(a->hook_state, "creating", getpid(), &state, err) < 0 ||
		    hooks_run(h->create_container, h->n_create_container, "createContainer", state,
			      err) < 0)
			return -1;
	}

	/* 6. names and network */
	if (set_names(spec, err) < 0)
		return -1;
	if ((flags & CLONE_NEWNET) && netlink_loopback_up(err) < 0)
		return -1;
	if (egress_listen_in_init(spec, a->sync_fd, err) < 0)
		return -1;

	/* 7. a session keyring of our own */
	if (!a->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS && errno != EPERM)
		return error_errno(err, "create session keyring");

	if (sysctl_apply(spec, err) < 0)
		return -1;
	if (spec_namespace_find(spec, "mount")) {
		if (rootfs_finish(spec, &ro, err) < 0)
			return -1;
	} else if (chroot(a->rootfs) < 0 || chdir("/") < 0) {
		return error_errno(err, "chroot %s", a->rootfs);
	}

	/* 8. the process: session, limits, executable, user and capabilities */
	if (setsid() < 0)
		return error_errno(err, "setsid");
	if (proc->terminal) {
		int master = terminal_setup(proc, true, err);
		if (master < 0)
			return -1;
		int r = sync_send_fd(a->sync_fd, SYNC_CONSOLE, master);
		close(master);
		if (r < 0)
			return error_errno(err, "pass the pty to agentrun");
	}
	release_setup_memory();
	/* 9. the process itself, as exec does it (finish.c); until `start` we
	 * keep only the sync socket, the fifo and the procfs to reopen it */
	int keep[] = {a->sync_fd, a->fifo_fd, procfd};
	*f = (struct process_finish){.spec = spec,
				     .proc = proc,
				     .sync_fd = a->sync_fd,
				     .first_fd = 3 + a->preserve_fds,
				     .keep = keep,
				     .n_keep = 3,
				     .procfd = procfd,
				     .prepared = a->seccomp};
	if (process_finish(f, err) < 0)
		return -1;

	/* 10. tell the parent we are ready, then wait for `start` */
	prctl(PR_SET_PDEATHSIG, 0);
	if (sync_send(a->sync_fd, SYNC_READY, 0, NULL) < 0)
		return error_errno(err, "signal agentrun");
	/* the reopen runs from inside the procfs (no directory fd is held while
	 * it blocks): come back to cwd after, through an fd only when the user
	 * cannot reach it by path (finish.c entered it as root) */
	_cleanup_close_ int cwd_fd = faccessat(AT_FDCWD, proc->cwd, X_OK, AT_EACCESS) == 0
					     ? -1
					     : open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	*fifo_wr = procfs_reopen(&procfd, a->fifo_fd, O_WRONLY, err);
	if (*fifo_wr < 0)
		return error_prefix(err, "open exec fifo");
	if (cwd_fd >= 0 ? fchdir(cwd_fd) < 0 : chdir(proc->cwd) < 0)
		return error_errno(err, "chdir back to cwd (\"%s\")", proc->cwd);
	return 0;
}

void init_main(struct init_args *a)
{
	struct error err = {0};
	struct process_finish f = {0};
	int fifo_wr = -1;
	/* agentrun's own image must not be reachable from the container through
	 * /proc/PID/exe or /proc/PID/mem while we run in its namespaces
	 * (CVE-2019-5736): not dumpable (again after each credential change,
	 * finish.c) until execve resets it */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* die with agentrun while it still owns us (a first stage exits) */
	if (!a->two_stage)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* no fd of agentrun's or of its caller's reaches the container (the
	 * state dir fd would also keep its flock held); stdio, --preserve-fds,
	 * the sync socket, the fifo, the namespaces given by path (joined in
	 * init_setup) and the idmapped mounts' user namespaces stay */
	size_t n_mounts = a->spec->n_mounts, n_keep = 0;
	size_t n_join = sizeof(a->plan->join_fds) / sizeof(a->plan->join_fds[0]);
	int *keep = calloc(n_mounts + 2 + n_join, sizeof(int));
	if (!keep) {
		error_set(&err, ENOMEM, "container init");
		goto fail;
	}
	keep[n_keep++] = a->sync_fd;
	keep[n_keep++] = a->fifo_fd;
	for (size_t i = 0; i < a->plan->n_join && i < n_join; i++)
		if (a->plan->join_fds[i] >= 0)
			keep[n_keep++] = a->plan->join_fds[i];
	for (size_t i = 0; a->idmap_fds && i < n_mounts; i++)
		if (a->idmap_fds[i] >= 0)
			keep[n_keep++] = a->idmap_fds[i];
	int r = process_close_fds(3 + a->preserve_fds, keep, n_keep, &err);
	free(keep);
	if (r < 0 || init_setup(a, &f, &fifo_wr, &err) < 0)
		goto fail;
	close(a->sync_fd);
	close(a->fifo_fd);
	/* `start` has opened the fifo: run startContainer hooks, then say go
	 * ("0") or why not ("E" and the message) */
	const struct spec_hooks *h = &a->spec->hooks;
	if (h->n_start_container) {
		char *state = NULL;
		if (spec_state_hook_json(a->hook_state, "created", getpid(), &state, &err) < 0 ||
		    hooks_run(h->start_container, h->n_start_container, "startContainer", state,
			      &err) < 0) {
			dprintf(fifo_wr, "E%s", err.msg);
			_exit(1);
		}
		free(state);
	}
	if (write(fifo_wr, "0", 1) != 1)
		_exit(1);
	close(fifo_wr);
	/* nothing but stdio and the preserved fds is open at execve; seccomp,
	 * unless it is loaded already, last */
	process_exec(&f, -1, &err);
	fprintf(stderr, "%s\n", err.msg);
	_exit(127);
fail:
	sync_send(a->sync_fd, SYNC_ERROR, err.errnum, err.msg);
	_exit(1);
}
