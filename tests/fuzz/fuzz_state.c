/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the state record (state.json in the state directory) as
 * container_open reads it, and the cgroup string it carries. A record
 * that parses must survive a write and a re-read unchanged in meaning. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup.h"
#include "spec/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	struct spec_state st;
	struct error err = {0};
	if (spec_state_parse(json, "state.json", &st, &err) == 0) {
		char *out = NULL;
		if (spec_state_to_json(&st, true, false, &out, &err) == 0) {
			struct spec_state again;
			if (spec_state_parse(out, "state.json", &again, &err) < 0)
				abort(); /* our own output must read back */
			if (strcmp(again.id, st.id) || strcmp(again.status, st.status) ||
			    strcmp(again.bundle, st.bundle) || again.pid != st.pid)
				abort();
			spec_state_clear(&again);
			free(out);
		}
		if (st.cgroup) {
			struct cgroup *cg = NULL;
			if (cgroup_open(st.cgroup, &cg, &err) == 0) {
				char *ser = cgroup_serialize(cg);
				free(ser);
				cgroup_free(cg);
			}
		}
		spec_state_clear(&st);
	}
	free(json);
	return 0;
}
