/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which cgroup hierarchies the host has, where they are mounted and where
 * this process sits in each: parsed from /proc/self/mountinfo and
 * /proc/self/cgroup (as text, so tests can pass samples). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "cgroups/internal.h"

struct proc_line {
	char *ctrls; /* "" for the v2 line */
	char *path;
};

bool cgroup_path_under(const char *path, const char *root)
{
	size_t l = strlen(root);
	while (l > 0 && root[l - 1] == '/')
		l--;
	if (l == 0)
		return true;
	return !strncmp(path, root, l) && (path[l] == '\0' || path[l] == '/');
}

/* Every comma-separated item of ctrls is among the mount's super options. */
static bool ctrls_in_opts(const char *ctrls, const char *opts)
{
	if (!*ctrls)
		return false;
	_cleanup_free_ char *c = strdup(ctrls);
	if (!c)
		return false;
	char *save = NULL;
	for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!cgroup_list_has(opts, t, ','))
			return false;
	return true;
}

static void proc_lines_free(struct proc_line *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].ctrls);
		free(p[i].path);
	}
	free(p);
}

static int parse_proc_cgroup(const char *text, struct proc_line **out, size_t *n, struct error *err)
{
	struct proc_line *v = NULL;
	size_t cnt = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *c1 = memchr(p, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
		if (c2) {
			struct proc_line *nv = realloc(v, (cnt + 1) * sizeof(*nv));
			if (!nv)
				goto oom;
			v = nv;
			v[cnt].ctrls = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
			v[cnt].path = strndup(c2 + 1, len - (size_t)(c2 + 1 - p));
			cnt++;
			if (!v[cnt - 1].ctrls || !v[cnt - 1].path)
				goto oom;
		}
		p = eol ? eol + 1 : p + len;
	}
	*out = v;
	*n = cnt;
	return 0;
oom:
	proc_lines_free(v, cnt);
	return error_set(err, ENOMEM, "parse /proc/self/cgroup");
}

static void cgroup_hiers_free_one(struct cgroup_hier *h)
{
	free(h->controllers);
	free(h->mountpoint);
	free(h->mount_root);
	free(h->own);
	free(h->dir);
}

void cgroup_hiers_free(struct cgroup_hier *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		cgroup_hiers_free_one(&h[i]);
	free(h);
}

/* Add (or prefer) a hierarchy; a later mount replaces an earlier one of the
 * same hierarchy only when the earlier one cannot reach our own cgroup. */
static int add_hier(struct cgroup_hier **hs, size_t *n, int version, const char *ctrls,
		    const char *mountpoint, const char *root, const char *own)
{
	for (size_t i = 0; i < *n; i++) {
		struct cgroup_hier *h = &(*hs)[i];
		if (h->version != version || strcmp(h->controllers, ctrls))
			continue;
		if (cgroup_path_under(h->own, h->mount_root) || !cgroup_path_under(own, root))
			return 0;
		char *m = strdup(mountpoint), *r = strdup(root);
		if (!m || !r) {
			free(m);
			free(r);
			return -1;
		}
		free(h->mountpoint);
		free(h->mount_root);
		h->mountpoint = m;
		h->mount_root = r;
		return 0;
	}
	struct cgroup_hier *nv = realloc(*hs, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	*hs = nv;
	struct cgroup_hier *h = &nv[(*n)++];
	*h = (struct cgroup_hier){.version = version,
				  .controllers = strdup(ctrls),
				  .mountpoint = strdup(mountpoint),
				  .mount_root = strdup(root),
				  .own = strdup(own),
				  .created = 0,
				  .vops = version == 2 ? &cgroup_v2_ops : &cgroup_v1_ops};
	if (!h->controllers || !h->mountpoint || !h->mount_root || !h->own)
		return -1;
	return 0;
}

/* AGENTRUN_CGROUP_MODE: use only one kind of hierarchy (tests use it to
 * drive the v2 driver on a hybrid host's unified mount). */
static enum {
	FORCE_NONE,
	FORCE_UNIFIED,
	FORCE_LEGACY,
	FORCE_DISABLED
} forced;

int cgroup_force_mode(const char *value, struct error *err)
{
	if (!value || !*value || !strcmp(value, "auto"))
		forced = FORCE_NONE;
	else if (!strcmp(value, "unified"))
		forced = FORCE_UNIFIED;
	else if (!strcmp(value, "legacy"))
		forced = FORCE_LEGACY;
	else if (!strcmp(value, "disabled"))
		forced = FORCE_DISABLED;
	else
		return error_set(
			err, 0,
			"AGENTRUN_CGROUP_MODE=%s: must be auto, unified, legacy or disabled",
			value);
	return 0;
}

bool cgroup_disabled(void)
{
	return forced == FORCE_DISABLED;
}

/* Drop the hierarchies the forced mode excludes. */
static size_t keep_forced(struct cgroup_hier *hs, size_t n)
{
	if (forced == FORCE_NONE || forced == FORCE_DISABLED)
		return n;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if ((hs[i].version == 2) == (forced == FORCE_UNIFIED))
			hs[w++] = hs[i];
		else
			cgroup_hiers_free_one(&hs[i]);
	}
	return w;
}

int cgroup_parse_hierarchies(const char *mountinfo, const char *proc_cgroup,
			     struct cgroup_hier **out, size_t *n, enum cgroup_mode *mode,
			     struct error *err)
{
	struct proc_line *pl = NULL;
	size_t npl = 0;
	if (parse_proc_cgroup(proc_cgroup, &pl, &npl, err) < 0)
		return -1;
	struct cgroup_hier *hs = NULL;
	size_t nh = 0;
	_cleanup_free_ char *copy = strdup(mountinfo);
	if (!copy)
		goto oom;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[6] = {0}, *fs = NULL, *opts = NULL, *s2 = NULL;
		size_t nf = 0;
		bool after_sep = false;
		int after = 0;
		for (char *t = strtok_r(line, " ", &s2); t; t = strtok_r(NULL, " ", &s2)) {
			if (after_sep) {
				if (after == 0)
					fs = t;
				else if (after == 2)
					opts = t;
				after++;
			} else if (!strcmp(t, "-") && nf >= 6) {
				after_sep = true;
			} else if (nf < 6) {
				f[nf++] = t;
			}
		}
		if (!fs || !opts || nf < 5)
			continue;
		char *root = f[3], *mnt = f[4];
		fs_unescape_octal(root);
		fs_unescape_octal(mnt);
		if (!strcmp(fs, "cgroup2")) {
			const char *own = "/";
			for (size_t i = 0; i < npl; i++)
				if (!pl[i].ctrls[0])
					own = pl[i].path;
			if (add_hier(&hs, &nh, 2, "", mnt, root, own) < 0)
				goto oom;
		} else if (!strcmp(fs, "cgroup")) {
			for (size_t i = 0; i < npl; i++) {
				if (!ctrls_in_opts(pl[i].ctrls, opts))
					continue;
				if (add_hier(&hs, &nh, 1, pl[i].ctrls, mnt, root, pl[i].path) < 0)
					goto oom;
				break;
			}
		}
	}
	proc_lines_free(pl, npl);
	nh = keep_forced(hs, nh);
	bool v1 = false, v2 = false;
	for (size_t i = 0; i < nh; i++) {
		if (hs[i].version == 2)
			v2 = true;
		else if (strncmp(hs[i].controllers, "name=", 5) != 0)
			v1 = true;
	}
	if (!v1 && !v2) {
		cgroup_hiers_free(hs, nh);
		if (forced != FORCE_NONE)
			return error_set(err, 0,
					 "AGENTRUN_CGROUP_MODE=%s: no such hierarchy is mounted",
					 forced == FORCE_UNIFIED ? "unified" : "legacy");
		return error_set(err, 0, "no cgroup filesystem is mounted");
	}
	*mode = v1 && v2 ? CGROUP_MODE_HYBRID : v2 ? CGROUP_MODE_V2 : CGROUP_MODE_V1;
	*out = hs;
	*n = nh;
	return 0;
oom:
	proc_lines_free(pl, npl);
	cgroup_hiers_free(hs, nh);
	return error_set(err, ENOMEM, "parse cgroup mounts");
}

int cgroup_load_hierarchies(struct cgroup_hier **out, size_t *n, enum cgroup_mode *mode,
			    struct error *err)
{
	_cleanup_free_ char *mi = NULL, *pc = NULL;
	if (cgroup_read("/proc/self", "mountinfo", &mi, err) < 0 ||
	    cgroup_read("/proc/self", "cgroup", &pc, err) < 0)
		return -1;
	return cgroup_parse_hierarchies(mi, pc, out, n, mode, err);
}

int cgroup_detect_mode(enum cgroup_mode *mode, struct error *err)
{
	struct cgroup_hier *hs = NULL;
	size_t n = 0;
	if (cgroup_load_hierarchies(&hs, &n, mode, err) < 0)
		return error_prefix(err, "detect cgroup mode");
	cgroup_hiers_free(hs, n);
	return 0;
}

struct cgroup_hier *cgroup_find(struct cgroup *cg, int version, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_hier *h = &cg->h[i];
		if (h->version != version)
			continue;
		if (version == 2 || cgroup_list_has(h->controllers, controller, ','))
			return h;
	}
	return NULL;
}
