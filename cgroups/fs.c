/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small file helpers for cgroupfs, and the owned entry list. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "cgroups/internal.h"

char *cgroup_join(const char *a, const char *b)
{
	char *s = NULL;
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (asprintf(&s, "%.*s%s%s", (int)la, a, (*b && !(la == 1 && a[0] == '/')) ? "/" : "", b) <
	    0)
		return NULL;
	return s;
}

int cgroup_write(const char *dir, const char *file, const char *value, struct error *err)
{
	_cleanup_free_ char *path = cgroup_join(dir, file);
	if (!path)
		return error_set(err, ENOMEM, "write %s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return error_errno(err, "write %s", path);
	size_t len = strlen(value);
	/* cgroupfs takes one value per write(2); a short write is an error. */
	ssize_t w = write(fd, value, len);
	if (w < 0)
		return error_errno(err, "write %s", path);
	if ((size_t)w != len)
		return error_set(err, EIO, "write %s: short write", path);
	return 0;
}

int cgroup_read(const char *dir, const char *file, char **out, struct error *err)
{
	_cleanup_free_ char *path = cgroup_join(dir, file);
	if (!path)
		return error_set(err, ENOMEM, "read %s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return error_errno(err, "read %s", path);
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return error_set(err, ENOMEM, "read %s", path);
	for (;;) {
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return error_set(err, ENOMEM, "read %s", path);
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "read %s", path);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}

bool cgroup_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *path = cgroup_join(dir, file);
	return path && access(path, F_OK) == 0;
}

void cgroup_backoff(unsigned *step)
{
	/* 0.125, 0.25, 0.5 ms... up to 64 ms: a freezer of a few sleeping
	 * tasks is FROZEN within a fraction of a millisecond (checkpoint,
	 * suspend and fork wait for it before CRIU starts) */
	unsigned us = 125u << (*step < 9 ? *step : 9);
	if (*step < 9)
		(*step)++;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t cgroup_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether item is one of the sep-separated words of list. */
bool cgroup_list_has(const char *list, const char *item, char sep)
{
	size_t il = strlen(item);
	if (!list || !il)
		return false;
	for (const char *p = list; *p;) {
		const char *e = p;
		while (*e && *e != sep && !(sep == ' ' && (*e == '\n' || *e == '\t')))
			e++;
		if ((size_t)(e - p) == il && !strncmp(p, item, il))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

static char *dup_or_null(const char *s, bool *fail)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

int cgroup_entries_add(const struct cgroup_entry *e, void *entries, struct error *err)
{
	struct cgroup_entries *es = entries;
	struct cgroup_entry *nv = realloc(es->v, (es->n + 1) * sizeof(*nv));
	if (!nv)
		return error_set(err, ENOMEM, "cgroup entries");
	es->v = nv;
	bool fail = false;
	struct cgroup_entry c = {
		.controller = dup_or_null(e->controller, &fail),
		.route = dup_or_null(e->route ? e->route : e->controller, &fail),
		.field = dup_or_null(e->field, &fail),
		.file = dup_or_null(e->file, &fail),
		.value = dup_or_null(e->value, &fail),
		.alt_file = dup_or_null(e->alt_file, &fail),
		.alt_value = dup_or_null(e->alt_value, &fail),
		.note = dup_or_null(e->note, &fail),
		.flags = e->flags,
	};
	es->v[es->n++] = c;
	if (fail)
		return error_set(err, ENOMEM, "cgroup entries");
	return 0;
}

void cgroup_entries_free(struct cgroup_entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		struct cgroup_entry *e = &es->v[i];
		free((char *)e->controller);
		free((char *)e->route);
		free((char *)e->field);
		free((char *)e->file);
		free((char *)e->value);
		free((char *)e->alt_file);
		free((char *)e->alt_value);
		free((char *)e->note);
	}
	free(es->v);
	es->v = NULL;
	es->n = 0;
}

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported" */
#endif

int cgroup_write_entry(const char *dir, const struct cgroup_entry *e, struct error *err)
{
	struct error local = {0};
	int r = cgroup_write(dir, e->file, e->value, &local);
	if (r < 0 && local.errnum == ENOENT && e->alt_file && !cgroup_exists(dir, e->file))
		r = cgroup_write(dir, e->alt_file, e->alt_value ? e->alt_value : e->value, &local);
	if (r == 0)
		return 0;
	if ((e->flags & (CGROUP_ENTRY_OPTIONAL | CGROUP_ENTRY_LENIENT)) && local.errnum == ENOENT &&
	    !cgroup_exists(dir, e->file))
		return 0;
	if ((e->flags & CGROUP_ENTRY_LENIENT) &&
	    (local.errnum == EOPNOTSUPP || local.errnum == ENOTSUPP))
		return 0;
	if (err)
		*err = local;
	return error_prefix(err, "%s", e->field);
}

char *cgroup_strip(const char *dir, int k)
{
	size_t len = strlen(dir);
	for (int i = 0; i < k; i++) {
		while (len > 1 && dir[len - 1] == '/')
			len--;
		while (len > 1 && dir[len - 1] != '/')
			len--;
		while (len > 1 && dir[len - 1] == '/')
			len--;
	}
	return strndup(dir, len);
}

bool cgroup_page_size_valid(const char *s)
{
	if (!s)
		return false;
	size_t d = strspn(s, "0123456789");
	return d > 0 && (!strcmp(s + d, "KB") || !strcmp(s + d, "MB") || !strcmp(s + d, "GB") ||
			 !strcmp(s + d, "TB"));
}

bool cgroup_name_valid(const char *s)
{
	return s && *s && !strpbrk(s, " \t\n/");
}

int cgroup_rdma_value(const struct spec_rdma *r, char *buf, size_t len, struct error *err)
{
	if (!cgroup_name_valid(r->device))
		return error_set(err, EINVAL, "invalid device name");
	if (strlen(r->device) > CGROUP_RDMA_NAME_MAX)
		return error_set(err, EINVAL, "device name longer than %d bytes",
				 CGROUP_RDMA_NAME_MAX);
	char handles[32] = "", objects[32] = "";
	if (r->has_hca_handles)
		snprintf(handles, sizeof(handles), " hca_handle=%" PRIu32, r->hca_handles);
	if (r->has_hca_objects)
		snprintf(objects, sizeof(objects), " hca_object=%" PRIu32, r->hca_objects);
	int n = snprintf(buf, len, "%s%s%s", r->device, handles, objects);
	if (n < 0 || (size_t)n >= len)
		return error_set(err, EINVAL, "value too long");
	return 0;
}
