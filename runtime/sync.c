/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int sync_send(int fd, enum sync_type type, int32_t value, const char *text)
{
	struct sync_msg m = {.type = type, .value = value};
	size_t len = offsetof(struct sync_msg, text);
	if (text) {
		snprintf(m.text, sizeof(m.text), "%s", text);
		len += strlen(m.text) + 1;
	}
	ssize_t r;
	do
		r = send(fd, &m, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

int sync_recv(int fd, struct sync_msg *msg, struct error *err)
{
	memset(msg, 0, sizeof(*msg));
	ssize_t r;
	do
		r = recv(fd, msg, sizeof(*msg), 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return error_errno(err, "read from container init");
	if (r == 0)
		return error_set(err, 0, "container init exited during setup");
	msg->text[sizeof(msg->text) - 1] = '\0';
	return 0;
}
