/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int log_file = -1;
static bool log_json;
static bool log_debug_on;

int log_init(const char *path, bool json, bool debug)
{
	log_json = json;
	log_debug_on = debug;
	if (path && path[0]) {
		log_file = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (log_file < 0)
			return -1;
	}
	return 0;
}

int log_fd(void)
{
	return log_file;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_LEVEL_ERROR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* JSON-escape src into dst (always NUL-terminated). */
static void json_escape(char *dst, size_t size, const char *src)
{
	size_t o = 0;
	for (; *src && o + 7 < size; src++) {
		unsigned char c = (unsigned char)*src;
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = c;
		} else if (c == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else if (c < 0x20) {
			o += snprintf(dst + o, size - o, "\\u%04x", c);
		} else {
			dst[o++] = c;
		}
	}
	dst[o] = '\0';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level == LOG_LEVEL_DEBUG && !log_debug_on)
		return;
	char msg[2048], line[4608];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_file >= 0) {
		struct timespec ts;
		struct tm tm;
		char tbuf[64];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		int n;
		if (log_json) {
			char esc[4096];
			json_escape(esc, sizeof(esc), msg);
			n = snprintf(line, sizeof(line),
				     "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
				     level_name(level), esc, tbuf, ts.tv_nsec);
		} else {
			n = snprintf(line, sizeof(line), "%s.%09ldZ %s: %s\n", tbuf, ts.tv_nsec,
				     level_name(level), msg);
		}
		if (n > 0)
			(void)!write(log_file, line,
				     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	/* errors also go to stderr, as runc does; warnings only without a log
	 * file: create's stderr is the container's (podman, containerd) */
	if (level == LOG_LEVEL_ERROR || log_file < 0) {
		struct iovec iov[3] = {{(void *)"", 0}, {msg, strlen(msg)}, {(void *)"\n", 1}};
		if (level == LOG_LEVEL_WARN) {
			iov[0].iov_base = (void *)"warning: ";
			iov[0].iov_len = 9;
		}
		(void)!writev(STDERR_FILENO, iov, 3);
	}
}
