/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container process's identity and limits: user, groups, capabilities,
 * rlimits, oom score, and finding its executable. */
#ifndef AGENTRUN_PROCESS_H
#define AGENTRUN_PROCESS_H

#include <stdbool.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "spec/spec.h"

/* Resolve args[0] in the PATH of env (inside the current root) into buf;
 * fails with runc's message when it is missing or not executable. */
int process_find_executable(const struct spec_process *p, char *buf, size_t size,
			    struct error *err);
int process_set_rlimits(const struct spec_process *p, struct error *err);
int process_set_oom_score_adj(pid_t pid, const struct spec_process *p, struct error *err);
/* Check the capability names are known (before anything is created). */
int process_check_capabilities(const struct spec_process *p, struct error *err);

/* The five capability sets, as values this kernel knows. */
enum {
	PROCESS_CAP_BOUNDING,
	PROCESS_CAP_EFFECTIVE,
	PROCESS_CAP_PERMITTED,
	PROCESS_CAP_INHERITABLE,
	PROCESS_CAP_AMBIENT,
};
#define PROCESS_CAPS_MAX 128
struct process_caps {
	cap_value_t vals[5][PROCESS_CAPS_MAX];
	size_t n[5];
};
/* An absent process.capabilities gives five empty sets (fail closed). */
int process_caps_load(const struct spec_process *p, struct process_caps *c, struct error *err);
/* Drop every capability not in the bounding set. */
int process_drop_bounding(const struct process_caps *c, struct error *err);
/* setgroups, setresgid, setresuid to process.user; not dumpable after it
 * (the saved ids change last, once it is not). */
int process_set_user(const struct spec_user *u, struct error *err);
/* Set effective, permitted and inheritable; with plus_sys_admin also
 * CAP_SYS_ADMIN (to load a seccomp filter without no_new_privs; call again
 * without it), else raise the ambient set too. */
int process_set_caps(const struct process_caps *c, bool plus_sys_admin, struct error *err);

/* process.scheduler, process.ioPriority and linux.personality. */
int process_set_scheduler(const struct spec_process *p, struct error *err);
int process_set_io_priority(const struct spec_process *p, struct error *err);
int process_set_personality(const struct spec_personality *p, struct error *err);

/* linux.memoryPolicy (set_mempolicy) and an execCPUAffinity cpu list
 * (sched_setaffinity; pid 0 = ourselves). */
int process_set_memory_policy(const struct spec_memory_policy *m, struct error *err);
int process_set_affinity(pid_t pid, const char *cpus, const char *what, struct error *err);

/* chdir to the process cwd, refusing one outside the container's root. */
int process_chdir(const char *cwd, struct error *err);
/* Refuse a current directory outside the container's root. */
int process_check_cwd(const char *cwd, struct error *err);

/* Close for real every fd >= from but those in keep, up to the last
 * possible one (close_range; /proc/self/fd where that fails). */
int process_close_fds(int from, const int *keep, size_t n_keep, struct error *err);

#endif
