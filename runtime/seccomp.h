/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp through libseccomp: the filter is built before the
 * container reports ready (so errors fail `create`) and loaded last. */
#ifndef AGENTRUN_SECCOMP_H
#define AGENTRUN_SECCOMP_H

#include <stdbool.h>

#include "spec/spec.h"

struct seccomp_filter;

/* Build the filter of spec (NULL when there is none). */
int seccomp_build(const struct spec *spec, struct seccomp_filter **out, struct error *err);
/* Does the filter use SCMP_ACT_NOTIFY? */
bool seccomp_has_notify(const struct seccomp_filter *f);
/* Load it; with notify, *notify_fd gets the listener fd. */
int seccomp_apply(struct seccomp_filter *f, int *notify_fd, struct error *err);
void seccomp_filter_free(struct seccomp_filter *f);

/* The actions, operators, architectures and flags this build knows
 * (NULL-terminated, for `features`). */
extern const char *const seccomp_action_names[];
extern const char *const seccomp_operator_names[];
extern const char *const seccomp_arch_names[];
extern const char *const seccomp_flag_names[];
/* Flags this libseccomp and kernel can apply (NULL-terminated, static). */
const char *const *seccomp_supported_flags(void);

#endif
