/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name lists of runtime-spec enums, shared by validation, features and
 * the runtime. */
#ifndef AGENTRUN_SPEC_NAMES_H
#define AGENTRUN_SPEC_NAMES_H

#include <stdbool.h>

extern const char *const spec_namespace_types[];
extern const char *const spec_rlimit_types[];
extern const char *const spec_propagations[];
bool spec_name_in(const char *name, const char *const *list);

#endif
