/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: text or runc's JSON lines ({"level":..,"msg":..,"time":..}),
 * to --log FILE or stderr. */
#ifndef AGENTRUN_LOG_H
#define AGENTRUN_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* Open the log file (NULL: stderr only); json selects runc's JSON lines. */
int log_init(const char *path, bool json, bool debug);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
/* The log fd (or -1), so children can inherit it. */
int log_fd(void);

#endif
