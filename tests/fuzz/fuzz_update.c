/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: `update --resources` (runtime/cli/update.c): the document
 * into spec_resources, then the v1 and v2 file mappings cgroup_apply
 * writes from (update does not run spec_validate). */
#include <stdbool.h>
#include <stdint.h>

#include "cgroups/internal.h"
#include "runtime/cli/cli.h"
#include "spec/spec.h"

static int drop(const struct cgroup_entry *e, void *ud, struct error *err)
{
	(void)err;
	size_t *sum = ud;
	for (const char *p = e->value; p && *p; p++)
		*sum += (unsigned char)*p;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_resources res;
	bool kmem = false;
	struct error err = {0};
	if (update_parse_resources((const char *)data, size, "resources", &res, &kmem, &err) < 0)
		return 0;
	size_t sum = 0;
	cgroup_v1_map(&res, drop, &sum, &err);
	cgroup_v2_map(&res, drop, &sum, &err);
	spec_resources_clear(&res);
	return 0;
}
