/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: config.json through the parser and the validator, and what
 * create derives from a valid config without the kernel: the cgroup
 * v1/v2 file mappings, the v2 device program, the uid_map/gid_map text
 * (which validation promises fits). The same bytes as a process.json
 * (`exec --process`). */
#include <stdint.h>
#include <stdlib.h>

#include "cgroups/internal.h"
#include "runtime/namespaces.h"
#include "spec/spec.h"

static int drop(const struct cgroup_entry *e, void *ud, struct error *err)
{
	(void)err;
	/* touch every string the mapping produced */
	size_t *sum = ud;
	for (const char *p = e->value; p && *p; p++)
		*sum += (unsigned char)*p;
	for (const char *p = e->file; p && *p; p++)
		*sum += (unsigned char)*p;
	return 0;
}

static void id_map(const struct spec_id_mapping *m, size_t n)
{
	char buf[NS_MAP_MAX_BYTES + 1];
	struct error err = {0};
	if (n && ns_format_map(m, n, buf, sizeof(buf), &err) < 0)
		abort(); /* spec_validate let through a map the kernel cannot take */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec *s = NULL;
	struct error err = {0};
	if (spec_parse((const char *)data, size, "config.json", &s, &err) == 0) {
		if (spec_validate(s, "config.json", &err) == 0) {
			size_t sum = 0;
			const struct spec_resources *r = &s->linux_.resources;
			cgroup_v1_map(r, drop, &sum, &err);
			cgroup_v2_map(r, drop, &sum, &err);
			struct bpf_insn *insns = NULL;
			size_t n = 0;
			if (cgroup_devfilter_build(r, &insns, &n, &err) == 0)
				free(insns);
			id_map(s->linux_.uid_mappings, s->linux_.n_uid_mappings);
			id_map(s->linux_.gid_mappings, s->linux_.n_gid_mappings);
			for (size_t i = 0; i < s->n_mounts; i++) {
				id_map(s->mounts[i].uid_mappings, s->mounts[i].n_uid_mappings);
				id_map(s->mounts[i].gid_mappings, s->mounts[i].n_gid_mappings);
			}
		}
		spec_free(s);
	}
	struct spec_process p;
	if (spec_parse_process((const char *)data, size, "process.json", &p, &err) == 0) {
		spec_validate_process(&p, "process.json", &err);
		spec_process_clear(&p);
	}
	return 0;
}
