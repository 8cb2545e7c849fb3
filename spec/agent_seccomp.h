/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent profile's seccomp allowlist: the one table (agent_seccomp.c)
 * that `spec --profile agent` writes as linux.seccomp and `features`
 * lists. */
#ifndef AGENTRUN_SPEC_AGENT_SECCOMP_H
#define AGENTRUN_SPEC_AGENT_SECCOMP_H

#include "util/error.h"

/* The linux.seccomp object (JSON, indented for config.json). */
int agent_seccomp_json(char **out, struct error *err);

/* Space-separated names for `features`: allowed without condition, allowed
 * or refused by their arguments, refused with EPERM. The default action
 * for every other syscall is ERRNO(ENOSYS). */
int agent_seccomp_lists(char **allowed, char **conditional, char **refused, struct error *err);

#endif
