/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checkpoint and restore in a build without libcriu (CRIU >= 4.2 not found,
 * or -Dcriu=disabled): built instead of criu.c, criu_dump.c and
 * criu_restore.c. Every call fails and says why. */
#include "runtime/criu.h"
#include "runtime/session.h"

#include <stdio.h>

bool criu_built_in(void)
{
	return false;
}

void criu_describe(char *buf, size_t size)
{
	snprintf(buf, size, "not supported (built without libcriu)");
}

const char *criu_library_version(void)
{
	return "not built in";
}

static int no_criu(struct error *err)
{
	return error_set(err, 0,
			 "checkpoint/restore is not available: this agentrun was built "
			 "without libcriu (install CRIU >= 4.2 with its library, e.g. "
			 "scripts/criu.sh, and rebuild)");
}

int container_checkpoint(const struct checkpoint_opts *o, struct error *err)
{
	(void)o;
	return no_criu(err);
}

int container_restore(const struct restore_opts *o, int *exit_code, struct error *err)
{
	(void)o, (void)exit_code;
	return no_criu(err);
}

int container_suspend(const struct suspend_opts *o, struct error *err)
{
	(void)o;
	return no_criu(err);
}

int container_wake(const struct wake_opts *o, struct error *err)
{
	(void)o;
	return no_criu(err);
}

int container_fork(const struct fork_opts *o, struct error *err)
{
	(void)o;
	return no_criu(err);
}
