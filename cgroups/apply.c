/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroupfs_apply: map linux.resources for both versions, then route every
 * field to the hierarchy that serves its controller. On a hybrid host a
 * controller mounted on v1 is written there, any other goes to unified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/internal.h"

static void entries_cleanup(struct cgroup_entries *es)
{
	cgroup_entries_free(es);
}

/* A field this host cannot serve: the message says why, no strerror. */
static int unsupported(struct error *err, const char *field, const char *why)
{
	error_set(err, 0, "%s: %s", field, why);
	if (err)
		err->errnum = EOPNOTSUPP;
	return -1;
}

static struct cgroup_hier *usable(struct cgroup_hier *h, const struct cgroup_entry *e,
				  struct error *err)
{
	if (h->errnum) {
		error_set(err, h->errnum, "%s: cgroup %s could not be created", e->field, h->dir);
		return NULL;
	}
	return h;
}

/* v1 wants memory.memsw.limit_in_bytes >= memory.limit_in_bytes at every
 * step: when raising both, the swap limit has to go first. */
static int write_v1(struct cgroup_hier *h, struct cgroup_entries *es, size_t i, bool *done,
		    struct error *err)
{
	const struct cgroup_entry *e = &es->v[i];
	struct error local = {0};
	if (h->vops->write(h, e, &local) == 0)
		return 0;
	if (local.errnum == EINVAL && !strcmp(e->file, "memory.limit_in_bytes")) {
		for (size_t j = i + 1; j < es->n; j++) {
			if (done[j] || !es->v[j].file ||
			    strcmp(es->v[j].file, "memory.memsw.limit_in_bytes") != 0)
				continue;
			if (h->vops->write(h, &es->v[j], err) < 0)
				return -1;
			done[j] = true;
			return h->vops->write(h, e, err);
		}
	}
	if (err)
		*err = local;
	return -1;
}

static int apply_v1(struct cgroup *cg, struct cgroup_entries *es, bool has_v2, struct error *err)
{
	bool *done = calloc(es->n ? es->n : 1, sizeof(*done));
	if (!done)
		return error_set(err, ENOMEM, "apply cgroup limits");
	int r = 0;
	for (size_t i = 0; i < es->n && r == 0; i++) {
		const struct cgroup_entry *e = &es->v[i];
		if (done[i])
			continue;
		if (e->flags & CGROUP_ENTRY_UNIFIED) {
			if (!has_v2)
				r = unsupported(err, e->field, e->note);
			continue;
		}
		struct cgroup_hier *h = cgroup_find(cg, 1, e->route);
		if (!h) {
			if (!has_v2) {
				char why[96];
				snprintf(why, sizeof(why),
					 "the %s cgroup controller is not mounted", e->route);
				r = unsupported(err, e->field, why);
			}
			continue; /* the v2 pass serves it (or says why not) */
		}
		if (!usable(h, e, err))
			r = -1;
		else if (!e->file)
			r = unsupported(err, e->field, e->note);
		else
			r = write_v1(h, es, i, done, err);
		done[i] = true;
	}
	free(done);
	return r;
}

static int apply_v2(struct cgroup *cg, struct cgroup_hier *h, struct cgroup_entries *es,
		    struct error *err)
{
	for (size_t i = 0; i < es->n; i++) {
		const struct cgroup_entry *e = &es->v[i];
		if (cgroup_find(cg, 1, e->route)) {
			if (!(e->flags & CGROUP_ENTRY_UNIFIED))
				continue; /* written to its v1 hierarchy */
			return unsupported(err, e->field,
					   "this controller is on cgroup v1 on this host, "
					   "not in the unified hierarchy");
		}
		if (!usable(h, e, err))
			return -1;
		if (!e->file)
			return unsupported(err, e->field, e->note);
		if (h->vops->write(h, e, err) < 0)
			return -1;
	}
	return 0;
}

int cgroupfs_apply(struct cgroup *cg, const struct spec_resources *res, struct error *err)
{
	if (!res)
		return 0;
	__attribute__((cleanup(entries_cleanup))) struct cgroup_entries e1 = {0}, e2 = {0};
	struct cgroup_hier *v2 = cgroup_find(cg, 2, NULL);
	bool has_v1 = cg->mode != CGROUP_MODE_V2;
	if (has_v1 && cgroup_v1_map(res, cgroup_entries_add, &e1, err) < 0)
		return -1;
	if (v2 && cgroup_v2_map(res, cgroup_entries_add, &e2, err) < 0)
		return -1;
	if (has_v1 && apply_v1(cg, &e1, v2 != NULL, err) < 0)
		return -1;
	if (v2 && apply_v2(cg, v2, &e2, err) < 0)
		return -1;
	/* No v1 devices controller: the rules go into an eBPF program. */
	if (v2 && res->n_devices && !cgroup_find(cg, 1, "devices")) {
		if (v2->errnum)
			return error_set(err, v2->errnum,
					 "linux.resources.devices: cgroup %s could not be created",
					 v2->dir);
		return cgroup_devfilter_apply(v2->dir, res, err);
	}
	return 0;
}
