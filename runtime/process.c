/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/personality.h>

static const char *env_get(const struct spec_process *p, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < p->n_env; i++)
		if (!strncmp(p->env[i], key, klen) && p->env[i][klen] == '=')
			return p->env[i] + klen + 1;
	return NULL;
}

static int check_exec(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (access(path, X_OK) < 0)
		return -1;
	return 0;
}

int process_find_executable(const struct spec_process *p, char *buf, size_t size, struct error *err)
{
	if (!p->n_args || !p->args[0][0])
		return error_set(err, 0, "config.json: .process.args: must not be empty");
	const char *cmd = p->args[0];
	if (strchr(cmd, '/')) {
		if (check_exec(cmd) < 0)
			return error_errno(err, "exec: \"%s\"", cmd);
		snprintf(buf, size, "%s", cmd);
		return 0;
	}
	const char *path = env_get(p, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return error_set(err, ENOMEM, "exec");
	int last_errno = ENOENT;
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/%s", *dir ? dir : ".", cmd);
		if (check_exec(buf) == 0)
			return 0;
		if (errno != ENOENT && errno != ENOTDIR)
			last_errno = errno;
	}
	if (last_errno == ENOENT)
		return error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", cmd);
	return error_set(err, last_errno, "exec: \"%s\"", cmd);
}

static int rlimit_resource(const char *name)
{
	static const struct {
		const char *name;
		int res;
	} table[] = {
		{"RLIMIT_AS", RLIMIT_AS},
		{"RLIMIT_CORE", RLIMIT_CORE},
		{"RLIMIT_CPU", RLIMIT_CPU},
		{"RLIMIT_DATA", RLIMIT_DATA},
		{"RLIMIT_FSIZE", RLIMIT_FSIZE},
		{"RLIMIT_LOCKS", RLIMIT_LOCKS},
		{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
		{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
		{"RLIMIT_NICE", RLIMIT_NICE},
		{"RLIMIT_NOFILE", RLIMIT_NOFILE},
		{"RLIMIT_NPROC", RLIMIT_NPROC},
		{"RLIMIT_RSS", RLIMIT_RSS},
		{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
		{"RLIMIT_RTTIME", RLIMIT_RTTIME},
		{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
		{"RLIMIT_STACK", RLIMIT_STACK},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return table[i].res;
	return -1;
}

int process_set_rlimits(const struct spec_process *p, struct error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		int res = rlimit_resource(r->type);
		struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
		if (res < 0 || setrlimit(res, &rl) < 0)
			return error_errno(err, "setrlimit %s (soft %llu, hard %llu)", r->type,
					   (unsigned long long)r->soft,
					   (unsigned long long)r->hard);
	}
	return 0;
}

int process_set_oom_score_adj(pid_t pid, const struct spec_process *p, struct error *err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char path[64], val[16];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	snprintf(val, sizeof(val), "%d", p->oom_score_adj);
	if (fs_write_string(path, val, err) < 0)
		return error_prefix(err, "set oomScoreAdj %d", p->oom_score_adj);
	return 0;
}

struct capset {
	char **names;
	size_t n;
	const char *what;
};

static int cap_values(const struct capset *set, cap_value_t *out, size_t *n_out, struct error *err)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++) {
		cap_value_t v;
		if (cap_from_name(set->names[i], &v) < 0)
			return error_set(err, 0,
					 "config.json: .process.capabilities.%s[%zu]: unknown "
					 "capability \"%s\"",
					 set->what, i, set->names[i]);
		if (v > cap_max_bits() - 1)
			continue; /* not in this kernel: ignored, as runc does */
		out[n++] = v;
	}
	*n_out = n;
	return 0;
}

#define CAPSETS(p)                                                                                 \
	{                                                                                          \
		{(p)->capabilities.bounding, (p)->capabilities.n_bounding, "bounding"},            \
			{(p)->capabilities.effective, (p)->capabilities.n_effective, "effective"}, \
			{(p)->capabilities.permitted, (p)->capabilities.n_permitted, "permitted"}, \
			{(p)->capabilities.inheritable, (p)->capabilities.n_inheritable,           \
			 "inheritable"},                                                           \
		{                                                                                  \
			(p)->capabilities.ambient, (p)->capabilities.n_ambient, "ambient"          \
		}                                                                                  \
	}

int process_check_capabilities(const struct spec_process *p, struct error *err)
{
	struct process_caps c;
	return process_caps_load(p, &c, err);
}

int process_caps_load(const struct spec_process *p, struct process_caps *c, struct error *err)
{
	/* an absent process.capabilities is five empty sets, as in runc: no
	 * capability and an empty bounding set (fail closed) */
	struct capset sets[] = CAPSETS(p);
	for (size_t s = 0; s < 5; s++) {
		if (sets[s].n > PROCESS_CAPS_MAX)
			return error_set(err, 0, "config.json: .process.capabilities.%s: too many",
					 sets[s].what);
		if (cap_values(&sets[s], c->vals[s], &c->n[s], err) < 0)
			return -1;
	}
	return 0;
}

int process_drop_bounding(const struct process_caps *c, struct error *err)
{
	int last = cap_max_bits();
	for (int v = 0; v < last; v++) {
		bool keep = false;
		for (size_t i = 0; i < c->n[PROCESS_CAP_BOUNDING]; i++)
			keep |= c->vals[PROCESS_CAP_BOUNDING][i] == v;
		if (!keep && prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
			return error_errno(err, "drop capability %s from the bounding set",
					   cap_to_name(v));
	}
	return 0;
}

int process_set_user(const struct spec_user *u, struct error *err)
{
	if (u->n_additional_gids > NGROUPS_MAX)
		return error_set(err, 0,
				 "config.json: .process.user.additionalGids: more than %d groups",
				 NGROUPS_MAX);
	_cleanup_free_ gid_t *groups = calloc(u->n_additional_gids + 1, sizeof(gid_t));
	if (!groups)
		return error_set(err, ENOMEM, "setgroups");
	for (size_t i = 0; i < u->n_additional_gids; i++)
		groups[i] = u->additional_gids[i];
	/* EPERM: a user namespace with setgroups denied (rootless) */
	if (setgroups(u->n_additional_gids, groups) < 0 && errno != EPERM)
		return error_errno(err, "setgroups");
	/* Each change of the effective ids resets dumpable to
	 * fs.suid_dumpable; with 1, a process of the same user could ptrace
	 * us between that change and the prctl. ptrace (and /proc/PID/exe)
	 * needs the caller's uid to be all three of ours and its gid all
	 * three of ours: keep the saved ids as they are until we are not
	 * dumpable, then move them (a change of the saved ids alone leaves
	 * dumpable alone: kernel/cred.c commit_creds). */
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return error_errno(err, "getresuid");
	if (setresgid(u->gid, u->gid, sgid) < 0)
		return error_errno(err, "setgid %u", u->gid);
	if (setresuid(u->uid, u->uid, suid) < 0)
		return error_errno(err, "setuid %u", u->uid);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_DUMPABLE)");
	if (setresgid(-1, -1, u->gid) < 0)
		return error_errno(err, "setgid %u", u->gid);
	if (setresuid(-1, -1, u->uid) < 0)
		return error_errno(err, "setuid %u", u->uid);
	return 0;
}

int process_set_caps(const struct process_caps *c, bool plus_sys_admin, struct error *err)
{
	cap_t caps = cap_init();
	if (!caps)
		return error_errno(err, "cap_init");
	static const cap_flag_t flag[] = {[PROCESS_CAP_EFFECTIVE] = CAP_EFFECTIVE,
					  [PROCESS_CAP_PERMITTED] = CAP_PERMITTED,
					  [PROCESS_CAP_INHERITABLE] = CAP_INHERITABLE};
	static const int which[] = {PROCESS_CAP_EFFECTIVE, PROCESS_CAP_PERMITTED,
				    PROCESS_CAP_INHERITABLE};
	int r = 0;
	for (size_t i = 0; i < 3 && r == 0; i++) {
		int s = which[i];
		if (c->n[s] && cap_set_flag(caps, flag[s], (int)c->n[s], c->vals[s], CAP_SET) < 0)
			r = -1;
	}
	cap_value_t admin = CAP_SYS_ADMIN;
	if (r == 0 && plus_sys_admin &&
	    (cap_set_flag(caps, CAP_EFFECTIVE, 1, &admin, CAP_SET) < 0 ||
	     cap_set_flag(caps, CAP_PERMITTED, 1, &admin, CAP_SET) < 0))
		r = -1;
	if (r == 0 && cap_set_proc(caps) < 0)
		r = -1;
	cap_free(caps);
	if (r < 0)
		return error_errno(err, "set capabilities (effective, permitted, inheritable)");
	if (plus_sys_admin)
		return 0;
	/* an ambient capability needs to be permitted and inheritable; like
	 * runc and crun, one the kernel refuses is left out (runc's own
	 * `spec` lists ambient capabilities that are not inheritable) */
	for (size_t i = 0; i < c->n[PROCESS_CAP_AMBIENT]; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c->vals[PROCESS_CAP_AMBIENT][i], 0,
			  0) < 0 &&
		    errno != EPERM)
			return error_errno(err, "raise ambient capability %s",
					   cap_to_name(c->vals[PROCESS_CAP_AMBIENT][i]));
	return 0;
}

/* The kernel's sched_attr (glibc 2.36 has no wrapper for sched_setattr). */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static int policy_of(const char *name)
{
	static const struct {
		const char *name;
		int policy;
	} t[] = {
		{"SCHED_OTHER", SCHED_OTHER},
		{"SCHED_FIFO", SCHED_FIFO},
		{"SCHED_RR", SCHED_RR},
		{"SCHED_BATCH", SCHED_BATCH},
		{"SCHED_ISO", 4},
		{"SCHED_IDLE", SCHED_IDLE},
		{"SCHED_DEADLINE", SCHED_DEADLINE},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, name))
			return t[i].policy;
	return -1;
}

static unsigned long long sched_flag_of(const char *name)
{
	static const struct {
		const char *name;
		unsigned long long flag;
	} t[] = {
		{"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
		{"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
		{"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
		{"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
		{"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
		{"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
		{"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, name))
			return t[i].flag;
	return 0;
}

int process_set_scheduler(const struct spec_process *p, struct error *err)
{
	const struct spec_scheduler *s = &p->scheduler;
	if (!s->present)
		return 0;
	struct sched_attr attr = {.size = sizeof(attr)};
	attr.sched_policy = (unsigned int)policy_of(s->policy);
	attr.sched_nice = s->has_nice ? s->nice : 0;
	attr.sched_priority = s->has_priority ? (unsigned int)s->priority : 0;
	attr.sched_runtime = s->has_runtime ? s->runtime : 0;
	attr.sched_deadline = s->has_deadline ? s->deadline : 0;
	attr.sched_period = s->has_period ? s->period : 0;
	for (size_t i = 0; i < s->n_flags; i++)
		attr.sched_flags |= sched_flag_of(s->flags[i]);
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return error_errno(err, "set scheduler %s (process.scheduler)", s->policy);
	return 0;
}

int process_set_io_priority(const struct spec_process *p, struct error *err)
{
	const struct spec_io_priority *io = &p->io_priority;
	if (!io->present)
		return 0;
	int cls = !strcmp(io->class_, "IOPRIO_CLASS_RT")   ? IOPRIO_CLASS_RT
		  : !strcmp(io->class_, "IOPRIO_CLASS_BE") ? IOPRIO_CLASS_BE
							   : IOPRIO_CLASS_IDLE;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(cls, io->priority)) <
	    0)
		return error_errno(err, "set io priority %s %d (process.ioPriority)", io->class_,
				   io->priority);
	return 0;
}

int process_set_personality(const struct spec_personality *p, struct error *err)
{
	if (!p->present)
		return 0;
	if (p->n_flags)
		return error_set(err, 0,
				 "config.json: .linux.personality.flags: no flags are "
				 "defined by the runtime-spec");
	unsigned long persona = !strcmp(p->domain, "LINUX32") ? PER_LINUX32 : PER_LINUX;
	if (personality(persona) < 0)
		return error_errno(err, "set personality %s", p->domain);
	return 0;
}

/* Parse "0-3,7" into a bit mask of up to max bits. */
static int parse_cpu_list(const char *s, unsigned long *mask, size_t max, const char *what,
			  struct error *err)
{
	const size_t bits = 8 * sizeof(unsigned long);
	memset(mask, 0, (max + bits - 1) / bits * sizeof(unsigned long));
	const char *p = s;
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				goto bad;
		}
		if (b >= max)
			goto bad;
		for (unsigned long i = a; i <= b; i++)
			mask[i / bits] |= 1UL << (i % bits);
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	return error_set(err, 0, "config.json: %s: invalid list \"%s\"", what, s);
}

int process_set_memory_policy(const struct spec_memory_policy *m, struct error *err)
{
	if (!m->present)
		return 0;
	static const char *const modes[] = {"MPOL_DEFAULT",
					    "MPOL_PREFERRED",
					    "MPOL_BIND",
					    "MPOL_INTERLEAVE",
					    "MPOL_LOCAL",
					    "MPOL_PREFERRED_MANY",
					    "MPOL_WEIGHTED_INTERLEAVE"};
	int mode = -1;
	for (int i = 0; i < 7; i++)
		if (!strcmp(modes[i], m->mode))
			mode = i;
	for (size_t i = 0; i < m->n_flags; i++) {
		if (!strcmp(m->flags[i], "MPOL_F_STATIC_NODES"))
			mode |= 1 << 15;
		else if (!strcmp(m->flags[i], "MPOL_F_RELATIVE_NODES"))
			mode |= 1 << 14;
		else if (!strcmp(m->flags[i], "MPOL_F_NUMA_BALANCING"))
			mode |= 1 << 13;
	}
	unsigned long nodes[1024 / (8 * sizeof(unsigned long))];
	const char *list = m->nodes ? m->nodes : "";
	if (parse_cpu_list(list, nodes, 1024, ".linux.memoryPolicy.nodes", err) < 0)
		return -1;
	if (syscall(SYS_set_mempolicy, mode, *list ? nodes : NULL, *list ? 1024UL : 0UL) < 0)
		return error_errno(err, "set memory policy %s nodes \"%s\"", m->mode, list);
	return 0;
}

int process_set_affinity(pid_t pid, const char *cpus, const char *what, struct error *err)
{
	if (!cpus || !*cpus)
		return 0;
	cpu_set_t set;
	if (parse_cpu_list(cpus, (unsigned long *)&set, CPU_SETSIZE, what, err) < 0)
		return -1;
	if (sched_setaffinity(pid, sizeof(set), &set) < 0)
		return error_errno(err, "set cpu affinity \"%s\" (%s)", cpus, what);
	return 0;
}

int process_check_cwd(const char *cwd, struct error *err)
{
	/* a leaked directory fd (cwd "/proc/self/fd/N") would put us outside
	 * the container's root: the kernel then reports the cwd unreachable
	 * (CVE-2024-21626) */
	char buf[PATH_MAX];
	long n = syscall(SYS_getcwd, buf, sizeof(buf));
	if (n < 0 || buf[0] != '/')
		return error_set(err, 0, "cwd (\"%s\") set in config.json is outside the container",
				 cwd);
	return 0;
}

int process_chdir(const char *cwd, struct error *err)
{
	if (chdir(cwd) < 0)
		return error_errno(err, "chdir to cwd (\"%s\") set in config.json", cwd);
	return process_check_cwd(cwd, err);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Without close_range (before 5.9, or a seccomp filter refusing it): close
 * what /proc/self/fd lists, until nothing but the kept fds is left. */
static int close_listed(int from, const int *keep, size_t n_keep, struct error *err)
{
	for (bool again = true; again;) {
		again = false;
		DIR *d = opendir("/proc/self/fd");
		if (!d)
			return error_errno(err, "close inherited fds: open /proc/self/fd");
		int dfd = dirfd(d);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			int fd = atoi(de->d_name);
			if (fd < from || fd == dfd ||
			    bsearch(&fd, keep, n_keep, sizeof(int), cmp_int))
				continue;
			close(fd);
			again = true; /* the listing may have moved on: read it again */
		}
		closedir(d);
	}
	return 0;
}

int process_close_fds(int from, const int *keep_in, size_t n_keep, struct error *err)
{
	_cleanup_free_ int *keep = malloc((n_keep + 1) * sizeof(int));
	if (!keep)
		return error_set(err, ENOMEM, "close inherited fds");
	size_t n = 0;
	for (size_t i = 0; i < n_keep; i++)
		if (keep_in[i] >= from)
			keep[n++] = keep_in[i];
	qsort(keep, n, sizeof(int), cmp_int);
	/* close the gaps between the kept fds, the last one up to ~0U */
	unsigned int lo = (unsigned int)from;
	for (size_t i = 0; i <= n; i++) {
		unsigned int hi = i < n ? (unsigned int)keep[i] : ~0U;
		if (hi > lo && syscall(SYS_close_range, lo, hi - 1 + (i == n), 0) < 0)
			return close_listed(from, keep, n, err);
		lo = hi + 1;
		if (i == n)
			break;
	}
	return 0;
}
