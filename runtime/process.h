/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container process's identity and limits: user, groups, capabilities,
 * rlimits, oom score, and finding its executable. */
#ifndef AGENTRUN_PROCESS_H
#define AGENTRUN_PROCESS_H

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
/* Drop the bounding set, switch uid/gids, set eff/perm/inh and ambient. */
int process_set_user_and_caps(const struct spec_process *p, struct error *err);
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

/* Close every fd >= from but those in keep (inherited host fds must not
 * reach the container, even before execve). */
void process_close_fds(int from, const int *keep, size_t n_keep);

/* Mark every fd >= first_keep + n_keep (but not in keep) close-on-exec. */
int process_cloexec_from(int from, struct error *err);

#endif
