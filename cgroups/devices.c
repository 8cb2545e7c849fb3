/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device cgroup rules: formatting for v1 devices.allow/deny, and the
 * devices every container may use (the runtime creates them in /dev). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroups/internal.h"

#define DEV(t, ma, mi, acc)                                                                \
	{                                                                                  \
		.allow = true, .type = (char *)(t), .has_major = (ma) >= 0, .major = (ma), \
		.has_minor = (mi) >= 0, .minor = (mi), .access = (char *)(acc)             \
	}

/* -1 stands for "*". Appended after the configured rules, as runc does. */
const struct spec_device_cgroup cgroup_default_devices[] = {
	DEV("c", -1, -1, "m"),	  /* mknod any char device */
	DEV("b", -1, -1, "m"),	  /* mknod any block device */
	DEV("c", 1, 3, "rwm"),	  /* /dev/null */
	DEV("c", 1, 5, "rwm"),	  /* /dev/zero */
	DEV("c", 1, 7, "rwm"),	  /* /dev/full */
	DEV("c", 1, 8, "rwm"),	  /* /dev/random */
	DEV("c", 1, 9, "rwm"),	  /* /dev/urandom */
	DEV("c", 5, 0, "rwm"),	  /* /dev/tty */
	DEV("c", 5, 2, "rwm"),	  /* /dev/ptmx */
	DEV("c", 136, -1, "rwm"), /* /dev/pts/N */
};
const size_t cgroup_n_default_devices = sizeof(cgroup_default_devices) /
					sizeof(cgroup_default_devices[0]);

static char rule_type(const struct spec_device_cgroup *d)
{
	return d->type && d->type[0] ? d->type[0] : 'a';
}

static const char *rule_access(const struct spec_device_cgroup *d)
{
	return d->access && d->access[0] ? d->access : "rwm";
}

int cgroup_device_rule(const struct spec_device_cgroup *d, char *buf, size_t len, struct error *err)
{
	char t = rule_type(d);
	if ((d->type && strlen(d->type) != 1) || (t != 'a' && t != 'b' && t != 'c'))
		return error_set(err, EINVAL, "invalid device type \"%s\" (want a, b or c)",
				 d->type);
	const char *acc = rule_access(d);
	if (strspn(acc, "rwm") != strlen(acc) || strlen(acc) > 3)
		return error_set(err, EINVAL, "invalid device access \"%s\" (want r, w, m)", acc);
	if ((d->has_major && d->major < 0) || (d->has_minor && d->minor < 0))
		return error_set(err, EINVAL, "invalid device number");
	char ma[24] = "*", mi[24] = "*";
	if (d->has_major)
		snprintf(ma, sizeof(ma), "%" PRId64, d->major);
	if (d->has_minor)
		snprintf(mi, sizeof(mi), "%" PRId64, d->minor);
	snprintf(buf, len, "%c %s:%s %s", t, ma, mi, acc);
	return 0;
}
