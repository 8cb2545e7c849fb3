/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the cgroups module: parsers of the counter files that
 * cgroup_stats reads (pure, so the unit tests feed them sample text). */
#ifndef AGENTRUN_CGROUP_STATS_H
#define AGENTRUN_CGROUP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/cgroup.h"

/* A single number ("123\n"); "max" gives max_value. */
int cgroup_parse_u64(const char *text, uint64_t max_value, uint64_t *out);
/* A flat keyed file ("key value" lines: memory.stat, cpu.stat, memory.events):
 * the value of key; false when the key is absent or not a number. */
bool cgroup_parse_keyed(const char *text, const char *key, uint64_t *out);
/* Every "key value" line (memory.stat), in file order. */
int cgroup_parse_keyed_all(const char *text, struct cgroup_stat_kv **out, size_t *n,
			   struct error *err);
/* Numbers separated by blanks (cpuacct.usage_percpu). */
int cgroup_parse_u64_list(const char *text, uint64_t **out, size_t *n, struct error *err);
/* cpuacct.usage_all: "cpu user system" then "N USER SYSTEM" per cpu. */
int cgroup_parse_usage_all(const char *text, uint64_t **kernel, uint64_t **user, size_t *n,
			   struct error *err);
/* A cpu or memory node list ("0-3,5"). */
int cgroup_parse_range_list(const char *text, uint16_t **out, size_t *n, struct error *err);
/* v1 blkio.*_recursive files: "MAJ:MIN Op VALUE" or "MAJ:MIN VALUE" lines;
 * the trailing "Total N" line is skipped. Appends to list. */
int cgroup_parse_blkio_v1(const char *text, struct cgroup_blkio_list *list, struct error *err);
/* v2 io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..";
 * bytes go to service_bytes, ios to serviced (ops Read, Write, Discard). */
int cgroup_parse_io_stat(const char *text, struct cgroup_blkio_list *service_bytes,
			 struct cgroup_blkio_list *serviced, struct error *err);
void cgroup_blkio_list_clear(struct cgroup_blkio_list *l);

#endif
