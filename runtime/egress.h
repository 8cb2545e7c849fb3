/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Egress only through a proxy of the host: with the annotation
 * run.agentrun.net.proxy = a host unix socket, a forwarder outside the
 * container listens on 127.0.0.1:PORT in the container's own network
 * namespace (loopback only) and carries each connection to that socket;
 * the process gets HTTP(S)_PROXY pointing at it. */
#ifndef AGENTRUN_EGRESS_H
#define AGENTRUN_EGRESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

#define EGRESS_ANNOTATION "run.agentrun.net.proxy"
#define EGRESS_PORT_ANNOTATION "run.agentrun.net.proxy.port"
#define EGRESS_DEFAULT_PORT 3128

struct egress_cfg {
	const char *socket; /* NULL: no proxy mode */
	unsigned int port;
};

/* Read and check the annotations (borrowed from spec). check_socket: the
 * socket must exist now (create). */
int egress_config(const struct spec *spec, bool check_socket, struct egress_cfg *c,
		  struct error *err);
/* Set HTTP_PROXY, HTTPS_PROXY, http_proxy, https_proxy, NO_PROXY, no_proxy. */
int egress_add_env(struct spec_process *p, const struct egress_cfg *c, struct error *err);
/* In the container init, in its network namespace with lo up: the
 * listening socket on 127.0.0.1:PORT, passed to agentrun over sync_fd
 * (SYNC_EGRESS_FD); nothing without the annotation. */
int egress_listen_in_init(const struct spec *spec, int sync_fd, struct error *err);
/* The same, made by the runtime in the network namespace of pid (restore:
 * the restored init is not our code); returns the socket or -1. */
int egress_listen_in_netns(pid_t pid, unsigned int port, struct error *err);
/* Start the forwarder on lfd (from the init) for the container init pid;
 * its pid is recorded in the state dir. */
int egress_start(const struct egress_cfg *c, pid_t init_pid, int lfd, int state_dirfd,
		 struct error *err);
/* Stop the recorded forwarder, if any, and wait until it is gone. */
void egress_stop(int state_dirfd);

#endif
