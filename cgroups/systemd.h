/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the cgroups module: the pure parts of the systemd driver
 * (systemd_props.c), unit-tested without a bus. cgroupsPath in runc's
 * "slice:prefix:name" form, slice expansion, and the unit properties made
 * from the cgroup v2 files the resources map to (so that systemd and the
 * files always agree), and runc's org.systemd.property.* annotations. */
#ifndef AGENTRUN_CGROUP_SYSTEMD_H
#define AGENTRUN_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/internal.h"

/* The unit a container gets: "system.slice" + "agentrun-ID.scope", or a
 * slice unit when the name ends in ".slice". */
struct sd_unit_name {
	char slice[256]; /* the parent slice ("system.slice", "-.slice") */
	char unit[256];	 /* "prefix-name.scope" or "name.slice" */
	bool is_slice;
};

/* Parse linux.cgroupsPath ("slice:prefix:name"; NULL or "" means
 * ":agentrun:ID"). rootless picks the default slice (user.slice, else
 * system.slice). Errors name linux.cgroupsPath. */
int sd_parse_cgroups_path(const char *path, const char *id, bool rootless, struct sd_unit_name *out,
			  struct error *err);
/* "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "/". */
int sd_expand_slice(const char *slice, char *out, size_t len, struct error *err);

/* One unit property: a D-Bus signature and its value. */
struct sd_prop {
	char name[64];
	char type[4];	/* "t" "x" "u" "i" "b" "s" "ay" "as" */
	uint64_t u;	/* t, u, b (0/1) */
	int64_t i;	/* x, i */
	char *s;	/* s */
	uint8_t *bytes; /* ay */
	char **strv;	/* as */
	size_t n_strv;
	size_t n_bytes;
};

struct sd_props {
	struct sd_prop *v;
	size_t n;
};
void sd_props_free(struct sd_props *p);
/* The values one property owns (s, bytes, strv). */
void sd_prop_clear(struct sd_prop *p);
/* Set (replace when the name is there) a property. */
int sd_props_set_u64(struct sd_props *p, const char *name, uint64_t v);
int sd_props_set_bool(struct sd_props *p, const char *name, bool v);
int sd_props_set_str(struct sd_props *p, const char *name, const char *v);
/* an "as" of one string (Wants=) */
int sd_props_set_strv1(struct sd_props *p, const char *name, const char *v);
int sd_props_set_bytes(struct sd_props *p, const char *name, const uint8_t *b, size_t n);
const struct sd_prop *sd_props_get(const struct sd_props *p, const char *name);

/* "max" -> UINT64_MAX, a decimal number -> it. */
int sd_parse_max(const char *s, uint64_t *out);
/* cpu.max "QUOTA PERIOD" / "max PERIOD" / "QUOTA" -> CPUQuotaPerSecUSec
 * (quota per second, rounded up to systemd's 10ms steps as runc does;
 * UINT64_MAX for max) and CPUQuotaPeriodUSec (0: not given). */
int sd_cpu_max(const char *value, uint64_t *per_sec, uint64_t *period);
/* "0-3,8" -> a little-endian bit mask (byte i bit j: cpu 8i+j). */
int sd_cpuset_mask(const char *list, uint8_t **out, size_t *n);
/* The properties for the cgroup v2 files the resources map to
 * (cgroup_v2_map): memory.max -> MemoryMax, cpu.weight -> CPUWeight ... */
int sd_props_from_entries(const struct cgroup_entries *es, struct sd_props *p, struct error *err);

/* runc's annotations: org.systemd.property.NAME = a GVariant text value
 * ("true", "uint64 5", "'str'", "42", "['a.service', 'b']"); NAMEs ending
 * in a lowercase letter
 * and "Sec" become ...USec in microseconds. */
#define SD_PROPERTY_PREFIX "org.systemd.property."
int sd_parse_annotation(const char *key, const char *value, struct sd_prop *out, struct error *err);

#endif
