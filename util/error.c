/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int error_vset(struct error *err, int errnum, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (errnum && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	err->errnum = errnum;
	return -1;
}

int error_set(struct error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int error_errno(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char old[ERROR_MSG_MAX];
	memcpy(old, err->msg, sizeof(old));
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg)) {
		size_t room = sizeof(err->msg) - (size_t)n;
		size_t len = strlen(old);
		if (room > 2) {
			memcpy(err->msg + n, ": ", 2);
			size_t copy = len < room - 3 ? len : room - 3;
			memcpy(err->msg + n + 2, old, copy);
			err->msg[n + 2 + copy] = '\0';
		}
	}
	return -1;
}

void error_clear(struct error *err)
{
	if (err) {
		err->errnum = 0;
		err->msg[0] = '\0';
	}
}
