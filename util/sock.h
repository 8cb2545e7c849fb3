/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unix sockets: connect by path, send a file descriptor (SCM_RIGHTS). */
#ifndef AGENTRUN_SOCK_H
#define AGENTRUN_SOCK_H

#include <stddef.h>

#include "util/error.h"

/* A connected AF_UNIX stream socket, or -1 with err set ("what" names it). */
int sock_connect_unix(const char *path, const char *what, struct error *err);
/* Send len bytes of data with fd attached; -1 with errno on failure. */
int sock_send_fd(int sock, const void *data, size_t len, int fd);

#endif
