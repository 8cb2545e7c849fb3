/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup API (cgroups/cgroup.h) over the driver table (cgroups/driver.h):
 * which driver makes a new cgroup, which one a saved cgroup belongs to,
 * and every other call through cg->ops. */
#include <errno.h>
#include <string.h>

#include "cgroups/internal.h"

static const struct cgroup_driver_ops *const drivers[] = {&cgroup_fs_driver,
							  &cgroup_systemd_driver};
#define N_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))

/* The driver of new cgroups. */
static const struct cgroup_driver_ops *selected = &cgroup_fs_driver;

int cgroup_use_driver(const char *name, struct error *err)
{
	for (size_t i = 0; i < N_DRIVERS; i++)
		if (name && !strcmp(drivers[i]->name, name)) {
			selected = drivers[i];
			return 0;
		}
	return error_set(err, 0, "cgroup driver \"%s\": not supported (have: cgroupfs, systemd)",
			 name ? name : "");
}

const char *cgroup_driver_name(void)
{
	return selected->name;
}

bool cgroup_available(void)
{
	return !cgroup_disabled() && selected->available();
}

int cgroup_create(const char *cgroups_path, const char *id, struct cgroup **out, struct error *err)
{
	return selected->create(cgroups_path, id, out, err);
}

int cgroup_open(const char *serialized, struct cgroup **out, struct error *err)
{
	for (size_t i = 0; serialized && i < N_DRIVERS; i++) {
		size_t n = strlen(drivers[i]->serial_tag);
		if (!strncmp(serialized, drivers[i]->serial_tag, n) && serialized[n] == ';')
			return drivers[i]->open(serialized, out, err);
	}
	return error_set(err, EINVAL, "open cgroup: unknown cgroup state \"%.64s\"",
			 serialized ? serialized : "");
}

char *cgroup_serialize(const struct cgroup *cg)
{
	return cg->ops->serialize(cg);
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct error *err)
{
	return cg->ops->enter(cg, pid, err);
}

int cgroup_enter_sub(struct cgroup *cg, const char *const *subs, size_t n, pid_t pid,
		     struct error *err)
{
	return cg->ops->enter_sub(cg, subs, n, pid, err);
}

int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, struct error *err)
{
	return cg->ops->apply(cg, res, err);
}

int cgroup_set_annotations(struct cgroup *cg, const struct spec_map *annotations, struct error *err)
{
	return cg->ops->set_annotations ? cg->ops->set_annotations(cg, annotations, err) : 0;
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err)
{
	return cg->ops->pids(cg, pids, n, err);
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct error *err)
{
	return cg->ops->kill_all(cg, sig, err);
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct error *err)
{
	return cg->ops->freeze(cg, frozen, err);
}

int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct error *err)
{
	return cg->ops->is_frozen(cg, frozen, err);
}

const char *cgroup_freezer_dir(struct cgroup *cg)
{
	return cg->ops->freezer_dir(cg);
}

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err)
{
	return cg->ops->stats(cg, out, err);
}

int cgroup_oom_count(struct cgroup *cg, uint64_t *count, struct error *err)
{
	return cg->ops->oom_count(cg, count, err);
}

int cgroup_destroy(struct cgroup *cg, struct error *err)
{
	return cg->ops->destroy(cg, err);
}

void cgroup_free(struct cgroup *cg)
{
	if (cg)
		cg->ops->free(cg);
}
