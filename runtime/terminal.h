/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.terminal: a pty made inside the container's devpts, its master
 * handed to --console-socket (SCM_RIGHTS, as runc does) or relayed by a
 * foreground agentrun. */
#ifndef AGENTRUN_TERMINAL_H
#define AGENTRUN_TERMINAL_H

#include <sys/types.h>

#include "spec/spec.h"

/* In the container (after pivot_root and setsid): open /dev/ptmx, make
 * the peer our stdio and controlling terminal, bind it on /dev/console when
 * bind_console, set its size. Returns the master fd. */
int terminal_setup(const struct spec_process *p, bool bind_console, struct error *err);
/* Send the master to an AF_UNIX socket path. */
int terminal_send(const char *socket_path, int master, struct error *err);
/* Foreground: copy stdin → master and master → stdout (stdin raw when it is a
 * terminal, window size followed) until the process hangs up. */
void terminal_relay(int master);

#endif
