/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI runtime-spec 1.3 data model (Linux), parsed from config.json.
 * Conventions: strings are NULL when absent; optional scalars have a
 * has_<name> flag; optional objects have a `present` flag; arrays are a
 * pointer plus an `n_<name>` count; maps are parallel key/value arrays. */
#ifndef AGENTRUN_SPEC_H
#define AGENTRUN_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"
#include "util/error.h"

struct spec_map {
	size_t n;
	char **keys;
	char **values;
};

struct spec_id_mapping {
	uint32_t container_id, host_id, size;
};

struct spec_mount {
	char *destination;
	char *type;
	char *source;
	char **options;
	size_t n_options;
	struct spec_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct spec_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct spec_rlimit {
	char *type;
	uint64_t soft, hard;
};

struct spec_capabilities {
	bool present;
	char **bounding, **effective, **inheritable, **permitted, **ambient;
	size_t n_bounding, n_effective, n_inheritable, n_permitted, n_ambient;
};

struct spec_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;
};

struct spec_scheduler {
	bool present;
	char *policy;
	bool has_nice, has_priority, has_runtime, has_deadline, has_period;
	int32_t nice, priority;
	uint64_t runtime, deadline, period;
	char **flags;
	size_t n_flags;
};

struct spec_io_priority {
	bool present;
	char *class_;
	int32_t priority;
};

struct spec_cpu_affinity {
	bool present;
	char *initial, *final;
};

struct spec_console_size {
	bool present;
	uint32_t height, width;
};

struct spec_process {
	bool present;
	bool terminal;
	struct spec_console_size console_size;
	char *cwd;
	char **env;
	size_t n_env;
	char **args;
	size_t n_args;
	char *command_line;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	char *apparmor_profile;
	struct spec_capabilities capabilities;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	struct spec_scheduler scheduler;
	char *selinux_label;
	struct spec_io_priority io_priority;
	struct spec_cpu_affinity exec_cpu_affinity;
	struct spec_user user;
};

struct spec_hook {
	char *path;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	bool has_timeout;
	int32_t timeout;
};

struct spec_hooks {
	bool present;
	struct spec_hook *prestart, *create_runtime, *create_container, *start_container,
		*poststart, *poststop;
	size_t n_prestart, n_create_runtime, n_create_container, n_start_container, n_poststart,
		n_poststop;
};

struct spec_namespace {
	char *type;
	char *path;
};

struct spec_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct spec_device {
	char *type;
	char *path;
	bool has_major, has_minor, has_file_mode, has_uid, has_gid;
	int64_t major, minor;
	uint32_t file_mode;
	uint32_t uid, gid;
};

struct spec_net_device {
	char *host_name; /* the map key */
	char *name;
};

struct spec_device_cgroup {
	bool allow;
	char *type;
	bool has_major, has_minor;
	int64_t major, minor;
	char *access;
};

struct spec_memory {
	bool present;
	bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness,
		has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
	int64_t limit, reservation, swap, kernel, kernel_tcp;
	uint64_t swappiness;
	bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct spec_cpu {
	bool present;
	bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
		has_realtime_period, has_idle;
	uint64_t shares, period, burst, realtime_period;
	int64_t quota, realtime_runtime, idle;
	char *cpus, *mems;
};

struct spec_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct spec_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct spec_blkio {
	bool present;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	struct spec_weight_device *weight_device;
	size_t n_weight_device;
	struct spec_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
		*throttle_write_iops;
	size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
		n_throttle_write_iops;
};

struct spec_hugepage_limit {
	char *page_size;
	uint64_t limit;
};

struct spec_net_priority {
	char *name;
	uint32_t priority;
};

struct spec_network {
	bool present;
	bool has_class_id;
	uint32_t class_id;
	struct spec_net_priority *priorities;
	size_t n_priorities;
};

struct spec_rdma {
	char *device; /* the map key */
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct spec_pids {
	bool present;
	bool has_limit; /* optional since runtime-spec 1.1; 0 is a real limit */
	int64_t limit;
};

struct spec_resources {
	bool present;
	struct spec_device_cgroup *devices;
	size_t n_devices;
	struct spec_memory memory;
	struct spec_cpu cpu;
	struct spec_pids pids;
	struct spec_blkio block_io;
	struct spec_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct spec_network network;
	struct spec_rdma *rdma;
	size_t n_rdma;
	struct spec_map unified;
};

struct spec_syscall_arg {
	uint32_t index;
	uint64_t value;
	bool has_value_two;
	uint64_t value_two;
	char *op;
};

struct spec_syscall {
	char **names;
	size_t n_names;
	char *action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct spec_syscall_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	bool present;
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;
	size_t n_architectures;
	char **flags;
	size_t n_flags;
	char *listener_path;
	char *listener_metadata;
	struct spec_syscall *syscalls;
	size_t n_syscalls;
};

struct spec_intel_rdt {
	bool present;
	char *clos_id;
	char **schemata;
	size_t n_schemata;
	char *l3_cache_schema;
	char *mem_bw_schema;
	bool has_enable_monitoring;
	bool enable_monitoring;
};

struct spec_memory_policy {
	bool present;
	char *mode;
	char *nodes;
	char **flags;
	size_t n_flags;
};

struct spec_personality {
	bool present;
	char *domain;
	char **flags;
	size_t n_flags;
};

struct spec_linux {
	bool present;
	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct spec_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct spec_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct spec_time_offset time_boottime, time_monotonic;
	struct spec_device *devices;
	size_t n_devices;
	struct spec_net_device *net_devices;
	size_t n_net_devices;
	char *cgroups_path;
	struct spec_resources resources;
	char *rootfs_propagation;
	struct spec_seccomp seccomp;
	struct spec_map sysctl;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	struct spec_intel_rdt intel_rdt;
	struct spec_memory_policy memory_policy;
	struct spec_personality personality;
};

struct spec_root {
	bool present;
	char *path;
	bool readonly;
};

struct spec {
	char *oci_version;
	struct spec_root root;
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_process process;
	char *hostname;
	char *domainname;
	struct spec_hooks hooks;
	struct spec_map annotations;
	struct spec_linux linux_;
	char *freebsd_jail_vnet; /* validated only, so FreeBSD documents are checked too */
};

/* Parse a config.json document held in memory. `origin` names it in
 * errors ("config.json"). On success *out is a new spec (spec_free it). */
int spec_parse(const char *json, size_t len, const char *origin, struct spec **out,
	       struct error *err);
/* Read and parse BUNDLE/config.json. */
int spec_load(const char *bundle, struct spec **out, struct error *err);
/* Validate a parsed spec against runtime-spec 1.3 rules (enums, required
 * fields, semantic checks). Errors name the JSON path. */
int spec_validate(const struct spec *spec, const char *origin, struct error *err);
void spec_free(struct spec *spec);
DEFINE_CLEANUP_FUNC(spec_freep, struct spec, spec_free)
#define _cleanup_spec_ __attribute__((cleanup(spec_freep)))
/* A standalone process.json (`exec --process`); paths in errors are
 * relative to it (".args"). */
int spec_parse_process(const char *json, size_t len, const char *origin, struct spec_process *out,
		       struct error *err);
int spec_validate_process(const struct spec_process *p, const char *origin, struct error *err);
void spec_process_clear(struct spec_process *p);
/* A standalone linux.resources object (`update --resources`); paths in
 * errors are relative to it (".memory.limit"). */
int spec_parse_resources(const char *json, size_t len, const char *origin,
			 struct spec_resources *out, struct error *err);
void spec_resources_clear(struct spec_resources *r);

/* Lookup helpers. */
const char *spec_map_get(const struct spec_map *map, const char *key);
/* The namespace entry of a type ("pid", "network", ...) or NULL. */
const struct spec_namespace *spec_namespace_find(const struct spec *spec, const char *type);
/* A mount destination made absolute and lexically clean ("a/./b/../c" →
 * "/a/c"); -1 when it does not fit. */
int spec_clean_path(const char *path, char *out, size_t size);
/* A cleaned path under /proc where a mount other than a fresh procfs may
 * go: only the files lxcfs emulates (/proc/cpuinfo, ...), as runc. */
bool spec_proc_file_mountable(const char *clean);

#endif
