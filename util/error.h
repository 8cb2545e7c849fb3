/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One error type for the whole project: functions that can fail return
 * int (0 or -1) and fill a struct error; only main() prints it. */
#ifndef AGENTRUN_ERROR_H
#define AGENTRUN_ERROR_H

#include <stdarg.h>

#define ERROR_MSG_MAX 1024

struct error {
	int errnum; /* errno of the root cause, 0 if none */
	char msg[ERROR_MSG_MAX];
};

/* Set the error, appending ": strerror(errnum)" when errnum != 0. Returns -1. */
int error_set(struct error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with errno. */
int error_errno(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message with context ("ctx: msg"). Returns -1. */
int error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);

#endif
