/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The new mount API: recursive mount attributes (rro, rnosuid, ...) with
 * mount_setattr, and idmapped bind mounts (mount uidMappings/gidMappings). */
#ifndef AGENTRUN_MOUNTATTR_H
#define AGENTRUN_MOUNTATTR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"

struct mount_attrs {
	uint64_t set, clr;
	bool any;
};

/* Is opt a recursive attribute option? If so, record it. */
bool mountattr_parse(const char *opt, struct mount_attrs *a);
/* The option names mountattr_parse knows (NULL-terminated). */
extern const char *const mountattr_option_names[];
/* Apply recursively to the mount at fd (an O_PATH fd on its root). */
int mountattr_apply(int fd, const struct mount_attrs *a, const char *shown, struct error *err);

/* A user namespace fd holding a mount's id mappings (made by agentrun in
 * the host before clone; -1 on error). */
int mountattr_userns(const struct spec_mount *m, struct error *err);
/* Bind src on the resolved target fd through the id mapping of userns_fd. */
int mountattr_idmapped_bind(const char *src, int target_fd, int userns_fd, bool recursive,
			    const char *shown, struct error *err);

#endif
