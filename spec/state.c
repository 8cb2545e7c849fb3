/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spec/state.h"
#include "spec/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int spec_map_copy(struct spec_map *dst, const struct spec_map *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	dst->keys = calloc(src->n, sizeof(char *));
	dst->values = calloc(src->n, sizeof(char *));
	if (!dst->keys || !dst->values)
		goto oom;
	for (size_t i = 0; i < src->n; i++) {
		dst->keys[i] = strdup(src->keys[i]);
		dst->values[i] = strdup(src->values[i]);
		dst->n = i + 1;
		if (!dst->keys[i] || !dst->values[i])
			goto oom;
	}
	return 0;
oom:
	spec_map_clear(dst);
	return -1;
}

void spec_map_clear(struct spec_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

void spec_state_clear(struct spec_state *st)
{
	free(st->oci_version);
	free(st->id);
	free(st->status);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	free(st->cgroup);
	spec_map_clear(&st->annotations);
	memset(st, 0, sizeof(*st));
}

static void gen_annotations(yajl_gen g, const struct spec_map *m)
{
	if (!m->n)
		return;
	json_str(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < m->n; i++)
		json_kstr(g, m->keys[i], m->values[i]);
	yajl_gen_map_close(g);
}

static void gen_state(yajl_gen g, const struct spec_state *st, bool internal)
{
	yajl_gen_map_open(g);
	json_kstr(g, "ociVersion", st->oci_version);
	json_kstr(g, "id", st->id);
	json_kstr(g, "status", st->status);
	if (internal || (st->pid > 0 && strcmp(st->status, "stopped") != 0))
		json_kint(g, "pid", st->pid);
	json_kstr(g, "bundle", st->bundle);
	gen_annotations(g, &st->annotations);
	if (internal) {
		json_kint(g, "startTime", (long long)st->start_time);
		json_kstr(g, "rootfs", st->rootfs);
		json_kstr(g, "created", st->created);
		json_kstr(g, "owner", st->owner);
		json_kstr(g, "cgroup", st->cgroup);
		json_kbool(g, "systemdCgroup", st->systemd_cgroup);
		json_kbool(g, "terminal", st->has_terminal);
	}
	yajl_gen_map_close(g);
}

int spec_state_to_json(const struct spec_state *st, bool internal, bool pretty, char **out,
		       struct error *err)
{
	yajl_gen g = json_new(pretty);
	if (!g)
		return error_set(err, ENOMEM, "state JSON");
	gen_state(g, st, internal);
	return json_finish(g, out, err);
}

int spec_state_hook_json(const struct spec_state *base, const char *status, pid_t pid, char **out,
			 struct error *err)
{
	struct spec_state st = {
		.oci_version = base->oci_version,
		.id = base->id,
		.status = (char *)status,
		.pid = pid,
		.bundle = base->bundle,
		.annotations = base->annotations,
	};
	return spec_state_to_json(&st, false, false, out, err);
}

int spec_state_list_json(const struct spec_state *states, size_t n, char **out, struct error *err)
{
	yajl_gen g = json_new(false);
	if (!g)
		return error_set(err, ENOMEM, "list JSON");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		const struct spec_state *st = &states[i];
		yajl_gen_map_open(g);
		json_kstr(g, "ociVersion", st->oci_version);
		json_kstr(g, "id", st->id);
		json_kint(g, "pid", strcmp(st->status, "stopped") == 0 ? 0 : st->pid);
		json_kstr(g, "status", st->status);
		json_kstr(g, "bundle", st->bundle);
		json_kstr(g, "rootfs", st->rootfs);
		json_kstr(g, "created", st->created);
		json_kstr(g, "owner", st->owner ? st->owner : "");
		gen_annotations(g, &st->annotations);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	return json_finish(g, out, err);
}

int spec_seccomp_listener_json(const struct spec_state *st, const char *metadata, char **out,
			       struct error *err)
{
	yajl_gen g = json_new(false);
	if (!g)
		return error_set(err, ENOMEM, "seccomp listener state");
	yajl_gen_map_open(g);
	json_kstr(g, "ociVersion", st->oci_version);
	static const char *const fds[] = {"seccompFd"};
	json_strarr(g, "fds", fds, 1);
	json_kint(g, "pid", st->pid);
	json_kstr(g, "metadata", metadata ? metadata : "");
	json_str(g, "state");
	gen_state(g, st, false);
	yajl_gen_map_close(g);
	return json_finish(g, out, err);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int spec_state_parse(const char *json, const char *origin, struct spec_state *st, struct error *err)
{
	char ebuf[256] = "";
	memset(st, 0, sizeof(*st));
	if (json_check_depth(json, strlen(json), origin, err) < 0)
		return -1;
	yajl_val t = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	if (!t || !YAJL_IS_OBJECT(t)) {
		if (t)
			yajl_tree_free(t);
		char *nl = strchr(ebuf, '\n');
		if (nl)
			*nl = '\0';
		return error_set(err, 0, "%s: invalid state JSON %s", origin, ebuf);
	}
	st->oci_version = dup_or_null(json_get_str(t, "ociVersion"));
	st->id = dup_or_null(json_get_str(t, "id"));
	st->status = dup_or_null(json_get_str(t, "status"));
	st->bundle = dup_or_null(json_get_str(t, "bundle"));
	st->rootfs = dup_or_null(json_get_str(t, "rootfs"));
	st->created = dup_or_null(json_get_str(t, "created"));
	st->owner = dup_or_null(json_get_str(t, "owner"));
	st->cgroup = dup_or_null(json_get_str(t, "cgroup"));
	yajl_val v = json_get(t, "pid", yajl_t_number);
	st->pid = v ? (int)YAJL_GET_INTEGER(v) : 0;
	v = json_get(t, "startTime", yajl_t_number);
	st->start_time = v ? strtoull(v->u.number.r, NULL, 10) : 0;
	st->systemd_cgroup = YAJL_IS_TRUE(json_get(t, "systemdCgroup", yajl_t_true));
	st->has_terminal = YAJL_IS_TRUE(json_get(t, "terminal", yajl_t_true));
	yajl_val a = json_get(t, "annotations", yajl_t_object);
	int r = 0;
	if (a && a->u.object.len) {
		size_t n = a->u.object.len;
		st->annotations.keys = calloc(n, sizeof(char *));
		st->annotations.values = calloc(n, sizeof(char *));
		if (!st->annotations.keys || !st->annotations.values)
			r = error_set(err, ENOMEM, "%s", origin);
		for (size_t i = 0; r == 0 && i < n; i++) {
			yajl_val av = a->u.object.values[i];
			st->annotations.keys[i] = strdup(a->u.object.keys[i]);
			st->annotations.values[i] = strdup(YAJL_IS_STRING(av) ? av->u.string : "");
			st->annotations.n = i + 1;
		}
	}
	yajl_tree_free(t);
	if (r == 0 && (!st->id || !st->status || !st->bundle))
		r = error_set(err, 0, "%s: state record lacks id, status or bundle", origin);
	if (r < 0)
		spec_state_clear(st);
	return r;
}
