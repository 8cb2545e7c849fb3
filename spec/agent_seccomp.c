/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent profile's seccomp filter, in one place.
 *
 * An allowlist: every syscall not named below fails with ENOSYS, the way a
 * kernel without it answers, so programs take their fallback (glibc's
 * clone3 -> clone, statx -> fstatat, ...) instead of breaking. Names are
 * the kernel's (x86_64 and the generic table of aarch64/riscv64): a name
 * libseccomp does not know on this architecture is skipped, as runc does.
 * Only the native architecture is in the filter: a 32-bit syscall (int
 * 0x80, x32) kills the thread (libseccomp's bad-architecture action).
 *
 * Three kinds of entries:
 *   allow_groups   allowed whatever the arguments
 *   cond_rules     allowed or refused by an argument (flags, families,
 *                  ioctl requests, personalities); compared as the kernel
 *                  reads them (32-bit ints are masked where upper bits are
 *                  ignored by the kernel, or must be zero to match)
 *   deny_groups    refused with EPERM: dangerous for a sandbox, named so
 *                  the refusal is explicit (and documented) rather than
 *                  an absent entry */
#include "spec/agent_seccomp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- allowed */

static const struct {
	const char *group;
	const char *names;
} allow_groups[] = {
	/* reading and writing open files */
	{"file io", "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 "
		    "lseek _llseek sendfile sendfile64 splice tee vmsplice copy_file_range "
		    "readahead fadvise64 fadvise64_64 fallocate ftruncate ftruncate64 fsync "
		    "fdatasync sync syncfs sync_file_range cachestat"},
	/* opening, naming and inspecting files (Landlock and the mounts decide
	 * where) */
	{"files", "open openat openat2 creat close close_range dup dup2 dup3 fcntl fcntl64 flock "
		  "stat fstat lstat stat64 fstat64 lstat64 newfstatat fstatat64 statx statfs "
		  "fstatfs statfs64 fstatfs64 access faccessat faccessat2 readlink readlinkat "
		  "getdents getdents64 mkdir mkdirat rmdir unlink unlinkat rename renameat "
		  "renameat2 link linkat symlink symlinkat chmod fchmod fchmodat fchmodat2 "
		  "chown fchown lchown fchownat chown32 fchown32 lchown32 truncate truncate64 "
		  "utime utimes futimesat utimensat umask chdir fchdir getcwd mknod mknodat "
		  "memfd_create"},
	/* extended attributes (security.* and trusted.* need capabilities the
	 * profile does not give) */
	{"xattrs", "getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr listxattr "
		   "llistxattr flistxattr removexattr lremovexattr fremovexattr getxattrat "
		   "setxattrat listxattrat removexattrat"},
	/* file change notification (inotify only: fanotify needs CAP_SYS_ADMIN) */
	{"inotify", "inotify_init inotify_init1 inotify_add_watch inotify_rm_watch"},
	/* memory */
	{"memory", "brk mmap mmap2 munmap mremap mprotect madvise mlock mlock2 munlock "
		   "mlockall munlockall mincore msync remap_file_pages membarrier pkey_alloc "
		   "pkey_free pkey_mprotect get_mempolicy set_mempolicy mbind "
		   "map_shadow_stack mseal"},
	/* processes and threads (clone and unshare: cond_rules; clone3 is
	 * left out on purpose, so libc falls back to clone) */
	{"processes", "fork vfork execve execveat exit exit_group wait4 waitid set_tid_address "
		      "set_robust_list get_robust_list rseq arch_prctl prctl restart_syscall "
		      "getpid getppid gettid getpgid setpgid getpgrp getsid setsid "
		      "pidfd_open pidfd_send_signal kill tkill tgkill rt_sigqueueinfo "
		      "rt_tgsigqueueinfo uretprobe"},
	/* ids and capabilities, inside the container's user namespace */
	{"credentials", "getuid geteuid getgid getegid getresuid getresgid getgroups setuid "
			"setgid setreuid setregid setresuid setresgid setgroups setfsuid "
			"setfsgid getuid32 geteuid32 getgid32 getegid32 getresuid32 "
			"getresgid32 getgroups32 setuid32 setgid32 setreuid32 setregid32 "
			"setresuid32 setresgid32 setgroups32 setfsuid32 setfsgid32 capget "
			"capset"},
	/* signals */
	{"signals", "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait "
		    "rt_sigtimedwait_time64 rt_sigsuspend sigaltstack signalfd signalfd4 "
		    "sigreturn pause"},
	/* futexes and scheduling */
	{"scheduling", "futex futex_time64 futex_waitv futex_wake futex_wait futex_requeue "
		       "sched_yield sched_getaffinity sched_setaffinity sched_getparam "
		       "sched_setparam sched_getscheduler sched_setscheduler "
		       "sched_get_priority_max sched_get_priority_min sched_rr_get_interval "
		       "sched_rr_get_interval_time64 sched_getattr sched_setattr getpriority "
		       "setpriority ioprio_get ioprio_set getcpu"},
	/* limits and accounting of oneself */
	{"limits", "getrlimit setrlimit ugetrlimit prlimit64 getrusage times sysinfo uname"},
	/* clocks and timers (reading only: setting a clock is refused) */
	{"time", "time gettimeofday clock_gettime clock_gettime64 clock_getres "
		 "clock_getres_time64 nanosleep clock_nanosleep clock_nanosleep_time64 alarm "
		 "getitimer setitimer timer_create timer_settime timer_settime64 timer_gettime "
		 "timer_gettime64 timer_getoverrun timer_delete timerfd_create timerfd_settime "
		 "timerfd_settime64 timerfd_gettime timerfd_gettime64"},
	/* waiting on many fds */
	{"polling", "poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 "
		    "epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2 "
		    "eventfd eventfd2"},
	/* pipes and System V / POSIX IPC (in the container's IPC namespace) */
	{"ipc", "pipe pipe2 shmget shmat shmdt shmctl semget semop semtimedop "
		"semtimedop_time64 semctl msgget msgsnd msgrcv msgctl mq_open mq_unlink "
		"mq_timedsend mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 "
		"mq_notify mq_getsetattr"},
	/* Linux AIO (io_submit and friends; io_uring stays refused) */
	{"aio", "io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents "
		"io_pgetevents_time64"},
	/* sockets once made (socket and socketpair: cond_rules) */
	{"sockets", "bind listen accept accept4 connect getsockname getpeername sendto recv "
		    "recvfrom send sendmsg recvmsg sendmmsg recvmmsg recvmmsg_time64 shutdown "
		    "setsockopt getsockopt"},
	/* randomness */
	{"random", "getrandom"},
	/* sandboxing oneself further: stacked filters and Landlock rulesets
	 * only ever take away (a nested sandbox, like Codex's, works) */
	{"self-sandboxing", "seccomp landlock_create_ruleset landlock_add_rule "
			    "landlock_restrict_self"},
};

/* ----------------------------------------------------- by argument */

#define NS_FLAGS_CLONE 0x7e020000ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define CLONE_NEWTIME_ 0x00000080ULL

struct cond_arg {
	unsigned int index;
	uint64_t value, value_two;
	const char *op;
};

static const struct {
	const char *names;
	const char *action; /* ALLOW or ERRNO */
	int errno_ret;
	size_t n_args;
	struct cond_arg args[2];
} cond_rules[] = {
	/* clone: a new thread or process, but no new namespace (the kernel
	 * reads only the low 32 bits of the flags; CLONE_NEWTIME shares its
	 * bit with the exit signal there and is not a clone flag) */
	{"clone", "ALLOW", 0, 1, {{0, NS_FLAGS_CLONE, 0, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x00020000, 0x00020000, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x02000000, 0x02000000, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x04000000, 0x04000000, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x08000000, 0x08000000, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x10000000, 0x10000000, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x20000000, 0x20000000, "SCMP_CMP_MASKED_EQ"}}},
	{"clone", "ERRNO", EPERM, 1, {{0, 0x40000000, 0x40000000, "SCMP_CMP_MASKED_EQ"}}},
	/* unshare: of fds, fs attributes, SysV semaphores, but of no
	 * namespace (CLONE_NEWTIME included here) */
	{"unshare", "ALLOW", 0, 1, {{0, NS_FLAGS_CLONE | CLONE_NEWTIME_, 0, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x00020000, 0x00020000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x02000000, 0x02000000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x04000000, 0x04000000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x08000000, 0x08000000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x10000000, 0x10000000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x20000000, 0x20000000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, 0x40000000, 0x40000000, "SCMP_CMP_MASKED_EQ"}}},
	{"unshare", "ERRNO", EPERM, 1, {{0, CLONE_NEWTIME_, CLONE_NEWTIME_, "SCMP_CMP_MASKED_EQ"}}},
	/* ioctl: every request but TIOCSTI (0x5412: type into the terminal's
	 * input, which a process outside reads) and TIOCLINUX (0x541c: the
	 * same through the console's selection). The kernel reads the request
	 * as 32 bits: the refusals mask, and the allowed ranges are exact
	 * (libseccomp checks the refusals first). */
	{"ioctl", "ERRNO", EPERM, 1, {{1, 0xffffffff, 0x5412, "SCMP_CMP_MASKED_EQ"}}},
	{"ioctl", "ERRNO", EPERM, 1, {{1, 0xffffffff, 0x541c, "SCMP_CMP_MASKED_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5412, 0, "SCMP_CMP_LT"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5413, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5414, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5415, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5416, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5417, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5418, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x5419, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x541a, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x541b, 0, "SCMP_CMP_EQ"}}},
	{"ioctl", "ALLOW", 0, 1, {{1, 0x541c, 0, "SCMP_CMP_GT"}}},
	/* socket: AF_UNIX (1), AF_INET (2), AF_INET6 (10), and AF_NETLINK (16)
	 * with NETLINK_ROUTE (0) only (addresses and links, as `ip` reads
	 * them); every other family (packet, vsock, bluetooth, alg, ...)
	 * gets EAFNOSUPPORT, other netlink protocols (audit, uevents, xfrm,
	 * netfilter, ...) EPROTONOSUPPORT. Exact 64-bit values: garbage in
	 * the upper half never matches an allowed family. */
	{"socket", "ALLOW", 0, 1, {{0, 1, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ALLOW", 0, 1, {{0, 2, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ALLOW", 0, 1, {{0, 10, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ALLOW", 0, 2, {{0, 16, 0, "SCMP_CMP_EQ"}, {2, 0, 0, "SCMP_CMP_EQ"}}},
	/* clang-format off */
	{"socket", "ERRNO", EPROTONOSUPPORT, 2, {{0, 16, 0, "SCMP_CMP_EQ"}, {2, 0, 0, "SCMP_CMP_NE"}}},
	/* clang-format on */
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 1, 0, "SCMP_CMP_LT"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 3, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 4, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 5, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 6, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 7, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 8, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 9, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 11, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 12, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 13, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 14, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 15, 0, "SCMP_CMP_EQ"}}},
	{"socket", "ERRNO", EAFNOSUPPORT, 1, {{0, 16, 0, "SCMP_CMP_GT"}}},
	/* socketpair: AF_UNIX only (the only family that has pairs) */
	{"socketpair", "ALLOW", 0, 1, {{0, 1, 0, "SCMP_CMP_EQ"}}},
	/* personality: read it (0xffffffff) or set plain PER_LINUX (0); no
	 * READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, PER_LINUX32 and the like */
	{"personality", "ALLOW", 0, 1, {{0, 0, 0, "SCMP_CMP_EQ"}}},
	{"personality", "ALLOW", 0, 1, {{0, 0xffffffff, 0, "SCMP_CMP_EQ"}}},
};

/* ------------------------------------------------------ refused: EPERM */

static const struct {
	const char *group;
	const char *names;
} deny_groups[] = {
	/* async io rings bypass syscall filtering and have been a rich source
	 * of kernel bugs */
	{"io_uring", "io_uring_setup io_uring_enter io_uring_register"},
	/* eBPF, perf, userfaultfd: kernel attack surface, timing and race
	 * tools */
	{"kernel tracing", "bpf perf_event_open userfaultfd lookup_dcookie"},
	/* kernel keyrings are not namespaced */
	{"keyrings", "add_key request_key keyctl"},
	/* the kernel itself: modules, kexec, reboot, swap, accounting, quotas,
	 * the kernel log, port io, the console */
	{"kernel", "init_module finit_module delete_module kexec_load kexec_file_load reboot "
		   "swapon swapoff acct quotactl quotactl_fd syslog iopl ioperm vhangup "
		   "nfsservctl uselib modify_ldt"},
	/* the mount table: old and new mount API, pivot_root, chroot (the
	 * rootfs and its mounts are the runtime's) */
	{"mounts", "mount umount umount2 fsopen fsconfig fsmount fspick move_mount open_tree "
		   "open_tree_attr mount_setattr pivot_root chroot statmount listmount"},
	/* other processes: tracing, reading or writing their memory, taking
	 * their fds, comparing their kernel objects. ptrace is refused
	 * entirely (gdb and strace do not work in the sandbox) */
	{"other processes", "ptrace process_vm_readv process_vm_writev pidfd_getfd kcmp "
			    "process_madvise process_mrelease"},
	/* namespaces: joining one (new ones: clone/unshare above) */
	{"namespaces", "setns"},
	/* file handles bypass path permissions (CVE-2014-9357 "shocker") */
	{"file handles", "open_by_handle_at name_to_handle_at"},
	/* clocks are the host's */
	{"clocks", "settimeofday clock_settime clock_settime64 clock_adjtime clock_adjtime64 "
		   "adjtimex stime"},
	/* host names and NUMA page moves on other processes */
	{"host", "sethostname setdomainname move_pages migrate_pages"},
	/* fanotify (needs CAP_SYS_ADMIN), memfd_secret */
	{"misc", "fanotify_init fanotify_mark memfd_secret"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* names, space-separated, as a JSON array's items */
static void put_names(struct buf *b, const char *names)
{
	const char *s = names;
	int first = 1;
	while (*s) {
		size_t n = strcspn(s, " ");
		if (n) {
			put(b, "%s\"%.*s\"", first ? "" : ", ", (int)n, s);
			first = 0;
		}
		s += n;
		s += strspn(s, " ");
	}
}

static int finish(struct buf *b, char **out, struct error *err)
{
	if (b->oom || !b->p) {
		free(b->p);
		return error_set(err, ENOMEM, "agent seccomp profile");
	}
	*out = b->p;
	return 0;
}

int agent_seccomp_json(char **out, struct error *err)
{
	struct buf b = {0};
	put(&b,
	    "{\n\t\t\t\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": %d,\n"
	    "\t\t\t\"syscalls\": [\n",
	    ENOSYS);
	put(&b, "\t\t\t\t{\"action\": \"SCMP_ACT_ALLOW\", \"names\": [");
	for (size_t i = 0; i < N(allow_groups); i++) {
		if (i)
			put(&b, ",\n\t\t\t\t\t");
		put_names(&b, allow_groups[i].names);
	}
	put(&b, "]}");
	for (size_t i = 0; i < N(cond_rules); i++) {
		put(&b, ",\n\t\t\t\t{\"action\": \"SCMP_ACT_%s\", ", cond_rules[i].action);
		if (!strcmp(cond_rules[i].action, "ERRNO"))
			put(&b, "\"errnoRet\": %d, ", cond_rules[i].errno_ret);
		put(&b, "\"names\": [");
		put_names(&b, cond_rules[i].names);
		put(&b, "], \"args\": [");
		for (size_t a = 0; a < cond_rules[i].n_args; a++) {
			const struct cond_arg *c = &cond_rules[i].args[a];
			put(&b,
			    "%s{\"index\": %u, \"value\": %llu, \"valueTwo\": %llu, "
			    "\"op\": \"%s\"}",
			    a ? ", " : "", c->index, (unsigned long long)c->value,
			    (unsigned long long)c->value_two, c->op);
		}
		put(&b, "]}");
	}
	put(&b, ",\n\t\t\t\t{\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": %d, \"names\": [",
	    EPERM);
	for (size_t i = 0; i < N(deny_groups); i++) {
		if (i)
			put(&b, ",\n\t\t\t\t\t");
		put_names(&b, deny_groups[i].names);
	}
	put(&b, "]}\n\t\t\t]\n\t\t}");
	return finish(&b, out, err);
}

int agent_seccomp_lists(char **allowed, char **conditional, char **refused, struct error *err)
{
	struct buf a = {0}, c = {0}, d = {0};
	for (size_t i = 0; i < N(allow_groups); i++)
		put(&a, "%s%s", i ? " " : "", allow_groups[i].names);
	for (size_t i = 0; i < N(cond_rules); i++)
		if (!i || strcmp(cond_rules[i].names, cond_rules[i - 1].names))
			put(&c, "%s%s", i ? " " : "", cond_rules[i].names);
	for (size_t i = 0; i < N(deny_groups); i++)
		put(&d, "%s%s", i ? " " : "", deny_groups[i].names);
	if (finish(&a, allowed, err) < 0) {
		free(c.p);
		free(d.p);
		return -1;
	}
	if (finish(&c, conditional, err) < 0) {
		free(*allowed);
		free(d.p);
		return -1;
	}
	if (finish(&d, refused, err) < 0) {
		free(*allowed);
		free(*conditional);
		return -1;
	}
	return 0;
}
