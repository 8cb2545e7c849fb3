/* SPDX-License-Identifier: GPL-2.0-or-later */
/* __attribute__((cleanup)) helpers: every resource has one owner. Every
 * cleanup keeps errno as it was, so an error path may still read it. Types
 * of higher layers get theirs beside their free function, through
 * DEFINE_CLEANUP_FUNC (_cleanup_spec_ in spec/spec.h, _cleanup_cgroup_ in
 * cgroups/cgroup.h). */
#ifndef AGENTRUN_CLEANUP_H
#define AGENTRUN_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}
static inline void cleanup_closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
}
/* int sv[2] from socketpair or pipe; -1 entries are skipped. */
static inline void cleanup_close_pairp(int (*fds)[2])
{
	cleanup_closep(&(*fds)[0]);
	cleanup_closep(&(*fds)[1]);
}

/* A malloc'd vector of n fds, -1 for none. */
struct fd_vec {
	int *fds;
	size_t n;
};
static inline void cleanup_fd_vecp(struct fd_vec *v)
{
	for (size_t i = 0; v->fds && i < v->n; i++)
		cleanup_closep(&v->fds[i]);
	cleanup_freep(&v->fds);
	v->fds = NULL;
	v->n = 0;
}

/* A child of ours: SIGKILLed and reaped at scope exit unless released
 * (take_pid) or set to 0 or -1. */
static inline void cleanup_pidp(pid_t *pid)
{
	if (*pid <= 0)
		return;
	int saved = errno;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
	errno = saved;
}

/* static inline void NAMEp(TYPE **p): FREE(*p) when not NULL, errno kept. */
#define DEFINE_CLEANUP_FUNC(name, type, free_fn) \
	static inline void name(type **p)        \
	{                                        \
		if (*p) {                        \
			int saved_ = errno;      \
			free_fn(*p);             \
			errno = saved_;          \
		}                                \
	}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_close_pair_ __attribute__((cleanup(cleanup_close_pairp)))
#define _cleanup_fd_vec_ __attribute__((cleanup(cleanup_fd_vecp)))
#define _cleanup_pid_ __attribute__((cleanup(cleanup_pidp)))

/* Hand ownership out of a cleanup variable. */
static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
static inline pid_t take_pid(pid_t *pid)
{
	pid_t r = *pid;
	*pid = 0;
	return r;
}
#define TAKE_PTR(p)                       \
	({                                \
		__typeof__(p) _tmp = (p); \
		(p) = NULL;               \
		_tmp;                     \
	})

#endif
