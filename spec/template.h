/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_SPEC_TEMPLATE_H
#define AGENTRUN_SPEC_TEMPLATE_H

#include <stdbool.h>

#include "util/error.h"

/* The default config.json of `agentrun spec`; rootless maps uid/gid to root
 * in a user namespace and drops what an unprivileged user cannot do. */
int spec_template_json(bool rootless, unsigned int uid, unsigned int gid, char **out,
		       struct error *err);

/* The agent profile (`agentrun spec --profile agent`): a user namespace,
 * read-only root, tmpfs /work and /tmp, loopback only, few capabilities,
 * no_new_privs and a seccomp allowlist (spec/agent_seccomp.c). */
int spec_agent_template_json(unsigned int uid, unsigned int gid, char **out, struct error *err);

#endif
