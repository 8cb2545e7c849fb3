/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checkpoint/restore command line values: parsed the same with and
 * without libcriu, so a bad value is named before "not available". */
#include "runtime/criu.h"

#include <sched.h>
#include <string.h>

int criu_parse_cgroups_mode(const char *s, enum criu_cgroups_mode *out, struct error *err)
{
	static const struct {
		const char *name;
		enum criu_cgroups_mode mode;
	} modes[] = {{"soft", CRIU_MODE_SOFT},
		     {"full", CRIU_MODE_FULL},
		     {"strict", CRIU_MODE_STRICT},
		     {"ignore", CRIU_MODE_IGNORE}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name)) {
			*out = modes[i].mode;
			return 0;
		}
	return error_set(err, 0,
			 "invalid --manage-cgroups-mode value \"%s\" (soft, full, strict "
			 "or ignore)",
			 s);
}

int criu_parse_empty_ns(const char *s, int *mask, struct error *err)
{
	/* CRIU supports an empty network namespace only */
	if (!strcmp(s, "network") || !strcmp(s, "net")) {
		*mask |= CLONE_NEWNET;
		return 0;
	}
	return error_set(err, 0, "invalid --empty-ns value \"%s\" (only \"network\" is supported)",
			 s);
}
