/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/sync.h"
#include "util/sock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

int sync_send_fd(int fd, enum sync_type type, int passed_fd)
{
	struct sync_msg m = {.type = type};
	return sock_send_fd(fd, &m, offsetof(struct sync_msg, text), passed_fd);
}

int sync_recv(int fd, struct sync_msg *msg, int *passed_fd, struct error *err)
{
	memset(msg, 0, sizeof(*msg));
	if (passed_fd)
		*passed_fd = -1;
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(*msg)};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t r;
	do
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return error_errno(err, "read from container init");
	if (r == 0)
		return error_set(err, 0, "container init exited during setup");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (passed_fd)
				*passed_fd = got;
			else
				close(got);
		}
	}
	msg->text[sizeof(msg->text) - 1] = '\0';
	return 0;
}
