/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Messages between agentrun (parent) and the container init over a
 * SOCK_SEQPACKET socketpair. */
#ifndef AGENTRUN_SYNC_H
#define AGENTRUN_SYNC_H

#include <stdint.h>

#include "util/error.h"

enum sync_type {
	SYNC_GO = 1,	 /* parent → init: id maps, cgroup and oom score are in place */
	SYNC_READY,	 /* init → parent: set up, waiting on the exec fifo */
	SYNC_ERROR,	 /* init → parent: setup failed, text says why */
	SYNC_SECCOMP_FD, /* init → parent: the seccomp notify fd (SCM_RIGHTS) */
	SYNC_HOOKS,	 /* init → parent: mounts done, run prestart/createRuntime */
	SYNC_MAPS,	 /* first stage → parent: write my id maps */
	SYNC_CHILD_PID,	 /* first stage → parent: init's pid (value) */
	SYNC_CONSOLE,	 /* init → parent: the pty master (SCM_RIGHTS) */
	SYNC_EGRESS_FD,	 /* init → parent: the egress proxy's listening socket (SCM_RIGHTS) */
};

struct sync_msg {
	uint32_t type;
	int32_t value;
	char text[ERROR_MSG_MAX];
};

int sync_send(int fd, enum sync_type type, int32_t value, const char *text);
/* Send a message carrying a file descriptor. */
int sync_send_fd(int fd, enum sync_type type, int passed_fd);
/* Receive one message; EOF (the peer died) is an error. A passed fd lands
 * in *passed_fd (when not NULL; else it is closed), -1 if none. */
int sync_recv(int fd, struct sync_msg *msg, int *passed_fd, struct error *err);

#endif
