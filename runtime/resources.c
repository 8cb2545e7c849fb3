/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resources of a live container: `update` writes new limits into its
 * cgroup and merges them into the config saved in its state dir (so exec,
 * checkpoint and later updates see them); `events` opens its cgroup. */
#include "runtime/resources.h"
#include "runtime/container.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* The config container_create keeps in the state dir. */
#define SAVED_CONFIG "config.json"

int resources_parse_bytes(const char *s, int64_t *out, struct error *err)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	/* docker's RAMInBytes: ^(\d+(\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		goto bad;
	if (*p == '.') {
		const char *frac = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == frac)
			goto bad;
	}
	double v = strtod(s, NULL);
	if (*p == ' ')
		p++;
	double mult = 1;
	const char *units = "kmgtp";
	const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (u) {
		for (const char *c = units; c <= u; c++)
			mult *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || !isfinite(v * mult) || v * mult >= 9223372036854775807.0)
		goto bad;
	*out = (int64_t)(v * mult);
	return 0;
bad:
	return error_set(err, 0, "invalid size: '%s'", s);
}

/* ---- the saved config -------------------------------------------------- */

static yajl_val lookup(yajl_val obj, const char *key)
{
	for (size_t i = 0; obj && YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

/* Emit old with patch merged in: objects key by key (a null in patch keeps
 * the old value), anything else replaced. patch is {"linux":{"resources":
 * ...}}: at depth 2 its "devices" are left out (update does not apply them). */
static void gen_merged(yajl_gen g, yajl_val old, yajl_val patch, int depth)
{
	if (!YAJL_IS_OBJECT(patch)) {
		json_tree(g, patch);
		return;
	}
	if (old && !YAJL_IS_OBJECT(old))
		old = NULL;
	const char *skip = depth == 2 ? "devices" : "";
	yajl_gen_map_open(g);
	for (size_t i = 0; old && i < old->u.object.len; i++) {
		const char *k = old->u.object.keys[i];
		yajl_val pv = lookup(patch, k);
		json_str(g, k);
		if (pv && !YAJL_IS_NULL(pv) && strcmp(k, skip) != 0)
			gen_merged(g, old->u.object.values[i], pv, depth + 1);
		else
			json_tree(g, old->u.object.values[i]);
	}
	for (size_t i = 0; i < patch->u.object.len; i++) {
		const char *k = patch->u.object.keys[i];
		yajl_val pv = patch->u.object.values[i];
		if (YAJL_IS_NULL(pv) || !strcmp(k, skip) || lookup(old, k))
			continue;
		json_str(g, k);
		gen_merged(g, NULL, pv, depth + 1);
	}
	yajl_gen_map_close(g);
}

static void tree_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}

static void gen_freep(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

/* linux.resources as update's flags set them. */
static char *patch_from_flags(const struct spec_resources *r)
{
	__attribute__((cleanup(gen_freep))) yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	char num[32];
#define NUM(key, fmt, v)                                \
	do {                                            \
		json_str(g, key);                       \
		snprintf(num, sizeof(num), "%" fmt, v); \
		yajl_gen_number(g, num, strlen(num));   \
	} while (0)
	yajl_gen_map_open(g);
	const struct spec_memory *m = &r->memory;
	if (m->has_limit || m->has_reservation || m->has_swap) {
		json_str(g, "memory");
		yajl_gen_map_open(g);
		if (m->has_limit)
			NUM("limit", PRId64, m->limit);
		if (m->has_reservation)
			NUM("reservation", PRId64, m->reservation);
		if (m->has_swap)
			NUM("swap", PRId64, m->swap);
		yajl_gen_map_close(g);
	}
	const struct spec_cpu *c = &r->cpu;
	if (c->present) {
		json_str(g, "cpu");
		yajl_gen_map_open(g);
		if (c->has_shares)
			NUM("shares", PRIu64, c->shares);
		if (c->has_quota)
			NUM("quota", PRId64, c->quota);
		if (c->has_burst)
			NUM("burst", PRIu64, c->burst);
		if (c->has_period)
			NUM("period", PRIu64, c->period);
		if (c->has_realtime_runtime)
			NUM("realtimeRuntime", PRId64, c->realtime_runtime);
		if (c->has_realtime_period)
			NUM("realtimePeriod", PRIu64, c->realtime_period);
		if (c->cpus) {
			json_str(g, "cpus");
			json_str(g, c->cpus);
		}
		if (c->mems) {
			json_str(g, "mems");
			json_str(g, c->mems);
		}
		yajl_gen_map_close(g);
	}
	if (r->pids.has_limit) {
		json_str(g, "pids");
		yajl_gen_map_open(g);
		NUM("limit", PRId64, r->pids.limit);
		yajl_gen_map_close(g);
	}
	if (r->block_io.has_weight) {
		json_str(g, "blockIO");
		yajl_gen_map_open(g);
		NUM("weight", "u", (unsigned)r->block_io.weight);
		yajl_gen_map_close(g);
	}
#undef NUM
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		return NULL;
	return strndup((const char *)buf, len);
}

/* Merge the patch into the saved config and write it back. */
static int save_resources(int dirfd, const char *patch_json, struct error *err)
{
	_cleanup_free_ char *json = NULL, *wrapped = NULL;
	size_t len;
	if (fs_read_fileat(dirfd, SAVED_CONFIG, &json, &len, err) < 0)
		return -1;
	if (asprintf(&wrapped, "{\"linux\":{\"resources\":%s}}", patch_json) < 0)
		return error_set(err, ENOMEM, "update the saved config");
	char ebuf[256];
	__attribute__((cleanup(tree_freep)))
	yajl_val cfg = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	__attribute__((cleanup(tree_freep)))
	yajl_val patch = yajl_tree_parse(wrapped, ebuf, sizeof(ebuf));
	if (!cfg || !patch || !YAJL_IS_OBJECT(cfg))
		return error_set(err, 0, "update the saved config: invalid JSON");
	__attribute__((cleanup(gen_freep))) yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return error_set(err, ENOMEM, "update the saved config");
	gen_merged(g, cfg, patch, 0);
	const unsigned char *buf;
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		return error_set(err, 0, "update the saved config: generate JSON");
	return fs_write_file_atomic(dirfd, SAVED_CONFIG, (const char *)buf, len, err);
}

/* ---- update ------------------------------------------------------------ */

/* What the kernel needs with a new value that the flags did not give: v2
 * cpu.max takes the quota with the period, memory.swap.max is computed
 * from the memory limit. Taken from the saved config, as runc merges. */
static void fill_from_saved(struct spec_resources *res, const struct spec *saved)
{
	const struct spec_resources *old = saved ? &saved->linux_.resources : NULL;
	struct spec_memory *m = &res->memory;
	if (m->has_swap && !m->has_limit && old && old->memory.has_limit) {
		m->has_limit = true;
		m->limit = old->memory.limit;
	}
	/* runc: unlimited memory without a swap value lifts the swap limit too */
	if (m->has_limit && m->limit == -1 && !m->has_swap) {
		m->has_swap = true;
		m->swap = -1;
	}
	m->present |= m->has_limit || m->has_swap;
	struct spec_cpu *c = &res->cpu;
	if (c->has_period && !c->has_quota && old && old->cpu.has_quota) {
		c->has_quota = true;
		c->quota = old->cpu.quota;
	}
}

int resources_update(const char *root, const char *id, struct spec_resources *res,
		     const char *patch_json, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	struct cgroup *cg = NULL;
	struct spec *saved = NULL;
	_cleanup_free_ char *generated = NULL;
	int r = -1;
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	if (!strcmp(st.status, "stopped") || !strcmp(st.status, "creating")) {
		error_set(err, 0, "cannot update container %s: it is %s", id, st.status);
		goto out;
	}
	if (!st.cgroup) {
		error_set(err, 0, "container %s has no cgroup (created without cgroup access)", id);
		goto out;
	}
	if (cgroup_open(st.cgroup, &cg, err) < 0)
		goto out;
	saved = container_saved_config(dirfd);
	fill_from_saved(res, saved);
	struct spec_resources apply = *res;
	apply.devices = NULL; /* as runc: device rules are not updated */
	apply.n_devices = 0;
	if (cgroup_apply(cg, &apply, err) < 0) {
		error_prefix(err, "update container %s", id);
		goto out;
	}
	r = 0;
	if (!patch_json)
		patch_json = generated = patch_from_flags(res);
	struct error serr = {0};
	if (!patch_json)
		error_set(&serr, ENOMEM, "update the saved config");
	if (!patch_json || save_resources(dirfd, patch_json, &serr) < 0)
		log_warn("container %s: the limits are applied but not saved: %s", id, serr.msg);
out:
	spec_free(saved);
	cgroup_free(cg);
	container_close(rootfd, dirfd, &st);
	return r;
}

/* ---- events ------------------------------------------------------------ */

int resources_open_cgroup(const char *root, const char *id, struct cgroup **cg, pid_t *pid,
			  unsigned long long *start_time, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	int r = -1;
	*cg = NULL;
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	if (!strcmp(st.status, "stopped") || !strcmp(st.status, "creating")) {
		error_set(err, 0, "container with id %s is not running", id);
		goto out;
	}
	if (!st.cgroup) {
		error_set(err, 0, "container %s has no cgroup (created without cgroup access)", id);
		goto out;
	}
	if (cgroup_open(st.cgroup, cg, err) < 0)
		goto out;
	*pid = st.pid;
	*start_time = st.start_time;
	r = 0;
out:
	container_close(rootfd, dirfd, &st);
	return r;
}
