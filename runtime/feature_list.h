/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_FEATURES_H
#define AGENTRUN_FEATURES_H

#include "util/error.h"

/* The `features` document of this build on this host. */
int features_json(char **out, struct error *err);

#endif
