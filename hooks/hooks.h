/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs OCI hooks: each gets the container state JSON on stdin, its args
 * and env, and is killed when its timeout passes. */
#ifndef AGENTRUN_HOOKS_H
#define AGENTRUN_HOOKS_H

#include <stddef.h>

#include "spec/spec.h"

/* Run hooks[0..n) in order; the first failure stops and is returned,
 * named by kind ("createRuntime") and index. */
int hooks_run(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct error *err);

#endif
