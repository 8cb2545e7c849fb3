/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json → struct spec, driven by field tables: each table lists the
 * JSON names of one object, their type and where they land in the struct.
 * Type errors name the JSON path (".linux.namespaces[2].type"). */
#include "spec/spec.h"
#include "spec/field.h"
#include "spec/json.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "util/cleanup.h"

/* ---- field tables ------------------------------------------------------ */

static const struct spec_field idmap_fields[] = {
	FIELD_U32("containerID", struct spec_id_mapping, container_id, true),
	FIELD_U32("hostID", struct spec_id_mapping, host_id, true),
	FIELD_U32("size", struct spec_id_mapping, size, true),
	FIELD_END,
};

static const struct spec_field mount_fields[] = {
	FIELD_STR("destination", struct spec_mount, destination, true),
	FIELD_STR("type", struct spec_mount, type, false),
	FIELD_STR("source", struct spec_mount, source, false),
	FIELD_STRARR("options", struct spec_mount, options, n_options),
	FIELD_ARR("uidMappings", struct spec_mount, uid_mappings, n_uid_mappings,
		  struct spec_id_mapping, idmap_fields),
	FIELD_ARR("gidMappings", struct spec_mount, gid_mappings, n_gid_mappings,
		  struct spec_id_mapping, idmap_fields),
	FIELD_END,
};

static const struct spec_field rlimit_fields[] = {
	FIELD_STR("type", struct spec_rlimit, type, true),
	FIELD_U64("soft", struct spec_rlimit, soft, true),
	FIELD_U64("hard", struct spec_rlimit, hard, true),
	FIELD_END,
};

static const struct spec_field caps_fields[] = {
	FIELD_STRARR("bounding", struct spec_capabilities, bounding, n_bounding),
	FIELD_STRARR("effective", struct spec_capabilities, effective, n_effective),
	FIELD_STRARR("inheritable", struct spec_capabilities, inheritable, n_inheritable),
	FIELD_STRARR("permitted", struct spec_capabilities, permitted, n_permitted),
	FIELD_STRARR("ambient", struct spec_capabilities, ambient, n_ambient),
	FIELD_END,
};

static const struct spec_field user_fields[] = {
	FIELD_U32("uid", struct spec_user, uid, true),
	FIELD_U32("gid", struct spec_user, gid, true),
	FIELD_OPT_U32("umask", struct spec_user, umask, has_umask),
	FIELD_U32ARR("additionalGids", struct spec_user, additional_gids, n_additional_gids),
	FIELD_STR("username", struct spec_user, username, false),
	FIELD_END,
};

static const struct spec_field scheduler_fields[] = {
	FIELD_STR("policy", struct spec_scheduler, policy, true),
	FIELD_OPT_I32("nice", struct spec_scheduler, nice, has_nice),
	FIELD_OPT_I32("priority", struct spec_scheduler, priority, has_priority),
	FIELD_STRARR("flags", struct spec_scheduler, flags, n_flags),
	FIELD_OPT_U64("runtime", struct spec_scheduler, runtime, has_runtime),
	FIELD_OPT_U64("deadline", struct spec_scheduler, deadline, has_deadline),
	FIELD_OPT_U64("period", struct spec_scheduler, period, has_period),
	FIELD_END,
};

static const struct spec_field iopriority_fields[] = {
	FIELD_STR("class", struct spec_io_priority, class_, true),
	FIELD_I32("priority", struct spec_io_priority, priority, true),
	FIELD_END,
};

static const struct spec_field affinity_fields[] = {
	FIELD_STR("initial", struct spec_cpu_affinity, initial, false),
	FIELD_STR("final", struct spec_cpu_affinity, final, false),
	FIELD_END,
};

static const struct spec_field console_fields[] = {
	FIELD_U32("height", struct spec_console_size, height, true),
	FIELD_U32("width", struct spec_console_size, width, true),
	FIELD_END,
};

static const struct spec_field process_fields[] = {
	FIELD_BOOL("terminal", struct spec_process, terminal),
	FIELD_OBJ("consoleSize", struct spec_process, console_size, console_fields),
	FIELD_STR("cwd", struct spec_process, cwd, true),
	FIELD_STRARR("env", struct spec_process, env, n_env),
	FIELD_STRARR("args", struct spec_process, args, n_args),
	FIELD_STR("commandLine", struct spec_process, command_line, false),
	FIELD_ARR("rlimits", struct spec_process, rlimits, n_rlimits, struct spec_rlimit,
		  rlimit_fields),
	FIELD_STR("apparmorProfile", struct spec_process, apparmor_profile, false),
	FIELD_OBJ("capabilities", struct spec_process, capabilities, caps_fields),
	FIELD_BOOL("noNewPrivileges", struct spec_process, no_new_privileges),
	FIELD_OPT_I32("oomScoreAdj", struct spec_process, oom_score_adj, has_oom_score_adj),
	FIELD_OBJ("scheduler", struct spec_process, scheduler, scheduler_fields),
	FIELD_STR("selinuxLabel", struct spec_process, selinux_label, false),
	FIELD_OBJ("ioPriority", struct spec_process, io_priority, iopriority_fields),
	FIELD_OBJ("execCPUAffinity", struct spec_process, exec_cpu_affinity, affinity_fields),
	FIELD_OBJ_NOFLAG("user", struct spec_process, user, user_fields),
	FIELD_END,
};

static const struct spec_field hook_fields[] = {
	FIELD_STR("path", struct spec_hook, path, true),
	FIELD_STRARR("args", struct spec_hook, args, n_args),
	FIELD_STRARR("env", struct spec_hook, env, n_env),
	FIELD_OPT_I32("timeout", struct spec_hook, timeout, has_timeout),
	FIELD_END,
};

#define HOOK_ARR(name, member) \
	FIELD_ARR(name, struct spec_hooks, member, n_##member, struct spec_hook, hook_fields)
static const struct spec_field hooks_fields[] = {
	HOOK_ARR("prestart", prestart),
	HOOK_ARR("createRuntime", create_runtime),
	HOOK_ARR("createContainer", create_container),
	HOOK_ARR("startContainer", start_container),
	HOOK_ARR("poststart", poststart),
	HOOK_ARR("poststop", poststop),
	FIELD_END,
};

static const struct spec_field root_fields[] = {
	FIELD_STR("path", struct spec_root, path, true),
	FIELD_BOOL("readonly", struct spec_root, readonly),
	FIELD_END,
};

static const struct spec_field namespace_fields[] = {
	FIELD_STR("type", struct spec_namespace, type, true),
	FIELD_STR("path", struct spec_namespace, path, false),
	FIELD_END,
};

static const struct spec_field time_offset_fields[] = {
	FIELD_I64("secs", struct spec_time_offset, secs, false),
	FIELD_U32("nanosecs", struct spec_time_offset, nanosecs, false),
	FIELD_END,
};

static const struct spec_field time_offsets_fields[] = {
	FIELD_OBJ("boottime", struct spec_linux, time_boottime, time_offset_fields),
	FIELD_OBJ("monotonic", struct spec_linux, time_monotonic, time_offset_fields),
	FIELD_END,
};

static const struct spec_field device_fields[] = {
	FIELD_STR("type", struct spec_device, type, true),
	FIELD_STR("path", struct spec_device, path, true),
	FIELD_OPT_I64("major", struct spec_device, major, has_major),
	FIELD_OPT_I64("minor", struct spec_device, minor, has_minor),
	FIELD_OPT_U32("fileMode", struct spec_device, file_mode, has_file_mode),
	FIELD_OPT_U32("uid", struct spec_device, uid, has_uid),
	FIELD_OPT_U32("gid", struct spec_device, gid, has_gid),
	FIELD_END,
};

static const struct spec_field net_device_fields[] = {
	FIELD_STR("name", struct spec_net_device, name, false),
	FIELD_END,
};

static const struct spec_field device_cgroup_fields[] = {
	FIELD_BOOL_REQ("allow", struct spec_device_cgroup, allow),
	FIELD_STR("type", struct spec_device_cgroup, type, false),
	FIELD_OPT_I64("major", struct spec_device_cgroup, major, has_major),
	FIELD_OPT_I64("minor", struct spec_device_cgroup, minor, has_minor),
	FIELD_STR("access", struct spec_device_cgroup, access, false),
	FIELD_END,
};

static const struct spec_field memory_fields[] = {
	FIELD_OPT_I64("limit", struct spec_memory, limit, has_limit),
	FIELD_OPT_I64("reservation", struct spec_memory, reservation, has_reservation),
	FIELD_OPT_I64("swap", struct spec_memory, swap, has_swap),
	FIELD_OPT_I64("kernel", struct spec_memory, kernel, has_kernel),
	FIELD_OPT_I64("kernelTCP", struct spec_memory, kernel_tcp, has_kernel_tcp),
	FIELD_OPT_U64("swappiness", struct spec_memory, swappiness, has_swappiness),
	FIELD_OPT_BOOL("disableOOMKiller", struct spec_memory, disable_oom_killer,
		       has_disable_oom_killer),
	FIELD_OPT_BOOL("useHierarchy", struct spec_memory, use_hierarchy, has_use_hierarchy),
	FIELD_OPT_BOOL("checkBeforeUpdate", struct spec_memory, check_before_update,
		       has_check_before_update),
	FIELD_END,
};

static const struct spec_field cpu_fields[] = {
	FIELD_OPT_U64("shares", struct spec_cpu, shares, has_shares),
	FIELD_OPT_I64("quota", struct spec_cpu, quota, has_quota),
	FIELD_OPT_U64("burst", struct spec_cpu, burst, has_burst),
	FIELD_OPT_U64("period", struct spec_cpu, period, has_period),
	FIELD_OPT_I64("realtimeRuntime", struct spec_cpu, realtime_runtime, has_realtime_runtime),
	FIELD_OPT_U64("realtimePeriod", struct spec_cpu, realtime_period, has_realtime_period),
	FIELD_STR("cpus", struct spec_cpu, cpus, false),
	FIELD_STR("mems", struct spec_cpu, mems, false),
	FIELD_OPT_I64("idle", struct spec_cpu, idle, has_idle),
	FIELD_END,
};

static const struct spec_field pids_fields[] = {
	FIELD_OPT_I64("limit", struct spec_pids, limit, has_limit),
	FIELD_END,
};

static const struct spec_field weight_device_fields[] = {
	FIELD_I64("major", struct spec_weight_device, major, true),
	FIELD_I64("minor", struct spec_weight_device, minor, true),
	FIELD_OPT_U16("weight", struct spec_weight_device, weight, has_weight),
	FIELD_OPT_U16("leafWeight", struct spec_weight_device, leaf_weight, has_leaf_weight),
	FIELD_END,
};

static const struct spec_field throttle_fields[] = {
	FIELD_I64("major", struct spec_throttle_device, major, true),
	FIELD_I64("minor", struct spec_throttle_device, minor, true),
	FIELD_U64("rate", struct spec_throttle_device, rate, true),
	FIELD_END,
};

#define THROTTLE_ARR(name, member)                                                          \
	FIELD_ARR(name, struct spec_blkio, member, n_##member, struct spec_throttle_device, \
		  throttle_fields)
static const struct spec_field blkio_fields[] = {
	FIELD_OPT_U16("weight", struct spec_blkio, weight, has_weight),
	FIELD_OPT_U16("leafWeight", struct spec_blkio, leaf_weight, has_leaf_weight),
	FIELD_ARR("weightDevice", struct spec_blkio, weight_device, n_weight_device,
		  struct spec_weight_device, weight_device_fields),
	THROTTLE_ARR("throttleReadBpsDevice", throttle_read_bps),
	THROTTLE_ARR("throttleWriteBpsDevice", throttle_write_bps),
	THROTTLE_ARR("throttleReadIOPSDevice", throttle_read_iops),
	THROTTLE_ARR("throttleWriteIOPSDevice", throttle_write_iops),
	FIELD_END,
};

static const struct spec_field hugepage_fields[] = {
	FIELD_STR("pageSize", struct spec_hugepage_limit, page_size, true),
	FIELD_U64("limit", struct spec_hugepage_limit, limit, true),
	FIELD_END,
};

static const struct spec_field net_prio_fields[] = {
	FIELD_STR("name", struct spec_net_priority, name, true),
	FIELD_U32("priority", struct spec_net_priority, priority, true),
	FIELD_END,
};

static const struct spec_field network_fields[] = {
	FIELD_OPT_U32("classID", struct spec_network, class_id, has_class_id),
	FIELD_ARR("priorities", struct spec_network, priorities, n_priorities,
		  struct spec_net_priority, net_prio_fields),
	FIELD_END,
};

static const struct spec_field rdma_fields[] = {
	FIELD_OPT_U32("hcaHandles", struct spec_rdma, hca_handles, has_hca_handles),
	FIELD_OPT_U32("hcaObjects", struct spec_rdma, hca_objects, has_hca_objects),
	FIELD_END,
};

static const struct spec_field resources_fields[] = {
	FIELD_ARR("devices", struct spec_resources, devices, n_devices, struct spec_device_cgroup,
		  device_cgroup_fields),
	FIELD_OBJ("memory", struct spec_resources, memory, memory_fields),
	FIELD_OBJ("cpu", struct spec_resources, cpu, cpu_fields),
	FIELD_OBJ("pids", struct spec_resources, pids, pids_fields),
	FIELD_OBJ("blockIO", struct spec_resources, block_io, blkio_fields),
	FIELD_ARR("hugepageLimits", struct spec_resources, hugepage_limits, n_hugepage_limits,
		  struct spec_hugepage_limit, hugepage_fields),
	FIELD_OBJ("network", struct spec_resources, network, network_fields),
	FIELD_KEYED("rdma", struct spec_resources, rdma, n_rdma, struct spec_rdma, device,
		    rdma_fields),
	FIELD_MAP("unified", struct spec_resources, unified),
	FIELD_END,
};

static const struct spec_field syscall_arg_fields[] = {
	FIELD_U32("index", struct spec_syscall_arg, index, true),
	FIELD_U64("value", struct spec_syscall_arg, value, true),
	FIELD_OPT_U64("valueTwo", struct spec_syscall_arg, value_two, has_value_two),
	FIELD_STR("op", struct spec_syscall_arg, op, true),
	FIELD_END,
};

static const struct spec_field syscall_fields[] = {
	FIELD_STRARR_REQ("names", struct spec_syscall, names, n_names),
	FIELD_STR("action", struct spec_syscall, action, true),
	FIELD_OPT_U32("errnoRet", struct spec_syscall, errno_ret, has_errno_ret),
	FIELD_ARR("args", struct spec_syscall, args, n_args, struct spec_syscall_arg,
		  syscall_arg_fields),
	FIELD_END,
};

static const struct spec_field seccomp_fields[] = {
	FIELD_STR("defaultAction", struct spec_seccomp, default_action, true),
	FIELD_OPT_U32("defaultErrnoRet", struct spec_seccomp, default_errno_ret,
		      has_default_errno_ret),
	FIELD_STRARR("architectures", struct spec_seccomp, architectures, n_architectures),
	FIELD_STRARR("flags", struct spec_seccomp, flags, n_flags),
	FIELD_STR("listenerPath", struct spec_seccomp, listener_path, false),
	FIELD_STR("listenerMetadata", struct spec_seccomp, listener_metadata, false),
	FIELD_ARR("syscalls", struct spec_seccomp, syscalls, n_syscalls, struct spec_syscall,
		  syscall_fields),
	FIELD_END,
};

static const struct spec_field intel_rdt_fields[] = {
	FIELD_STR("closID", struct spec_intel_rdt, clos_id, false),
	FIELD_STRARR("schemata", struct spec_intel_rdt, schemata, n_schemata),
	FIELD_STR("l3CacheSchema", struct spec_intel_rdt, l3_cache_schema, false),
	FIELD_STR("memBwSchema", struct spec_intel_rdt, mem_bw_schema, false),
	FIELD_OPT_BOOL("enableMonitoring", struct spec_intel_rdt, enable_monitoring,
		       has_enable_monitoring),
	FIELD_END,
};

static const struct spec_field memory_policy_fields[] = {
	FIELD_STR("mode", struct spec_memory_policy, mode, true),
	FIELD_STR("nodes", struct spec_memory_policy, nodes, false),
	FIELD_STRARR("flags", struct spec_memory_policy, flags, n_flags),
	FIELD_END,
};

static const struct spec_field personality_fields[] = {
	FIELD_STR("domain", struct spec_personality, domain, true),
	FIELD_STRARR("flags", struct spec_personality, flags, n_flags),
	FIELD_END,
};

static const struct spec_field linux_fields[] = {
	FIELD_ARR("namespaces", struct spec_linux, namespaces, n_namespaces, struct spec_namespace,
		  namespace_fields),
	FIELD_ARR("uidMappings", struct spec_linux, uid_mappings, n_uid_mappings,
		  struct spec_id_mapping, idmap_fields),
	FIELD_ARR("gidMappings", struct spec_linux, gid_mappings, n_gid_mappings,
		  struct spec_id_mapping, idmap_fields),
	FIELD_INLINE("timeOffsets", time_offsets_fields),
	FIELD_ARR("devices", struct spec_linux, devices, n_devices, struct spec_device,
		  device_fields),
	FIELD_KEYED("netDevices", struct spec_linux, net_devices, n_net_devices,
		    struct spec_net_device, host_name, net_device_fields),
	FIELD_STR("cgroupsPath", struct spec_linux, cgroups_path, false),
	FIELD_OBJ("resources", struct spec_linux, resources, resources_fields),
	FIELD_STR("rootfsPropagation", struct spec_linux, rootfs_propagation, false),
	FIELD_OBJ("seccomp", struct spec_linux, seccomp, seccomp_fields),
	FIELD_MAP("sysctl", struct spec_linux, sysctl),
	FIELD_STRARR("maskedPaths", struct spec_linux, masked_paths, n_masked_paths),
	FIELD_STRARR("readonlyPaths", struct spec_linux, readonly_paths, n_readonly_paths),
	FIELD_STR("mountLabel", struct spec_linux, mount_label, false),
	FIELD_OBJ("intelRdt", struct spec_linux, intel_rdt, intel_rdt_fields),
	FIELD_OBJ("memoryPolicy", struct spec_linux, memory_policy, memory_policy_fields),
	FIELD_OBJ("personality", struct spec_linux, personality, personality_fields),
	FIELD_END,
};

static const struct spec_field freebsd_jail_fields[] = {
	FIELD_STR("vnet", struct spec, freebsd_jail_vnet, false),
	FIELD_END,
};

static const struct spec_field freebsd_fields[] = {
	FIELD_INLINE("jail", freebsd_jail_fields),
	FIELD_END,
};

static const struct spec_field spec_fields[] = {
	FIELD_STR("ociVersion", struct spec, oci_version, true),
	FIELD_OBJ("root", struct spec, root, root_fields),
	FIELD_ARR("mounts", struct spec, mounts, n_mounts, struct spec_mount, mount_fields),
	FIELD_OBJ("process", struct spec, process, process_fields),
	FIELD_STR("hostname", struct spec, hostname, false),
	FIELD_STR("domainname", struct spec, domainname, false),
	FIELD_OBJ("hooks", struct spec, hooks, hooks_fields),
	FIELD_MAP("annotations", struct spec, annotations),
	FIELD_OBJ("linux", struct spec, linux_, linux_fields),
	FIELD_INLINE("freebsd", freebsd_fields),
	FIELD_END,
};

/* ---- the walker ------------------------------------------------------- */

static const char *json_type_name(yajl_val v)
{
	if (!v || YAJL_IS_NULL(v))
		return "null";
	if (YAJL_IS_STRING(v))
		return "string";
	if (YAJL_IS_NUMBER(v))
		return "number";
	if (YAJL_IS_OBJECT(v))
		return "object";
	if (YAJL_IS_ARRAY(v))
		return "array";
	return "boolean";
}

struct walk {
	const char *origin;
	struct error *err;
	char path[512];
};

static int type_error(struct walk *w, const char *want, yajl_val v)
{
	return error_set(w->err, 0, "%s: %s: expected %s, got %s", w->origin, w->path, want,
			 json_type_name(v));
}

/* Parse an integer JSON number from its raw text, within [min, max]
 * (signed) or [0, umax] (unsigned). */
static int number_get(struct walk *w, yajl_val v, bool is_signed, int64_t min, int64_t max,
		      uint64_t umax, void *out_signed_or_unsigned)
{
	if (!YAJL_IS_NUMBER(v))
		return type_error(w, "integer", v);
	const char *raw = v->u.number.r;
	char *end = NULL;
	errno = 0;
	if (is_signed) {
		long long x = strtoll(raw, &end, 10);
		if (errno == ERANGE)
			return error_set(w->err, 0,
					 "%s: %s: %s out of range [%" PRId64 ", %" PRId64 "]",
					 w->origin, w->path, raw, min, max);
		if (errno || !end || *end)
			goto bad;
		if (x < min || x > max)
			return error_set(w->err, 0,
					 "%s: %s: %s out of range [%" PRId64 ", %" PRId64 "]",
					 w->origin, w->path, raw, min, max);
		*(int64_t *)out_signed_or_unsigned = x;
	} else {
		if (raw[0] == '-')
			return error_set(w->err, 0, "%s: %s: %s must not be negative", w->origin,
					 w->path, raw);
		unsigned long long x = strtoull(raw, &end, 10);
		if (errno == ERANGE)
			return error_set(w->err, 0, "%s: %s: %s out of range [0, %" PRIu64 "]",
					 w->origin, w->path, raw, umax);
		if (errno || !end || *end)
			goto bad;
		if (x > umax)
			return error_set(w->err, 0, "%s: %s: %s out of range [0, %" PRIu64 "]",
					 w->origin, w->path, raw, umax);
		*(uint64_t *)out_signed_or_unsigned = x;
	}
	return 0;
bad:
	return error_set(w->err, 0, "%s: %s: expected integer, got %s", w->origin, w->path, raw);
}

static int parse_object(struct walk *w, yajl_val obj, const struct spec_field *fields, void *base);

static int string_get(struct walk *w, yajl_val v, char **out)
{
	if (!YAJL_IS_STRING(v))
		return type_error(w, "string", v);
	*out = strdup(v->u.string);
	if (!*out)
		return error_set(w->err, ENOMEM, "%s", w->origin);
	return 0;
}

/* Append "[i]" or ".name" to the path, returning the old length to restore. */
static size_t path_push_index(struct walk *w, size_t i)
{
	size_t len = strlen(w->path);
	snprintf(w->path + len, sizeof(w->path) - len, "[%zu]", i);
	return len;
}

static size_t path_push_key(struct walk *w, const char *key)
{
	size_t len = strlen(w->path);
	snprintf(w->path + len, sizeof(w->path) - len, ".%s", key);
	return len;
}

static int parse_value(struct walk *w, yajl_val v, const struct spec_field *f, void *base)
{
	char *p = (char *)base + f->off;
	int64_t s;
	uint64_t u;

	switch (f->type) {
	case FT_STR:
		return string_get(w, v, (char **)p);
	case FT_BOOL:
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return type_error(w, "boolean", v);
		*(bool *)p = YAJL_IS_TRUE(v);
		break;
	case FT_I32:
		if (number_get(w, v, true, INT32_MIN, INT32_MAX, 0, &s) < 0)
			return -1;
		*(int32_t *)p = (int32_t)s;
		break;
	case FT_I64:
		if (number_get(w, v, true, INT64_MIN, INT64_MAX, 0, &s) < 0)
			return -1;
		*(int64_t *)p = s;
		break;
	case FT_U16:
		if (number_get(w, v, false, 0, 0, UINT16_MAX, &u) < 0)
			return -1;
		*(uint16_t *)p = (uint16_t)u;
		break;
	case FT_U32:
		if (number_get(w, v, false, 0, 0, UINT32_MAX, &u) < 0)
			return -1;
		*(uint32_t *)p = (uint32_t)u;
		break;
	case FT_U64:
		if (number_get(w, v, false, 0, 0, UINT64_MAX, &u) < 0)
			return -1;
		*(uint64_t *)p = u;
		break;
	case FT_STRARR:
	case FT_U32ARR: {
		if (!YAJL_IS_ARRAY(v))
			return type_error(
				w, f->type == FT_STRARR ? "array of strings" : "array of integers",
				v);
		size_t n = v->u.array.len;
		size_t esz = f->type == FT_STRARR ? sizeof(char *) : sizeof(uint32_t);
		void *arr = calloc(n + 1, esz); /* NULL-terminated */
		if (!arr)
			return error_set(w->err, ENOMEM, "%s", w->origin);
		*(void **)p = arr;
		for (size_t i = 0; i < n; i++) {
			size_t old = path_push_index(w, i);
			int r;
			if (f->type == FT_STRARR) {
				r = string_get(w, v->u.array.values[i], (char **)arr + i);
			} else {
				r = number_get(w, v->u.array.values[i], false, 0, 0, UINT32_MAX,
					       &u);
				((uint32_t *)arr)[i] = (uint32_t)u;
			}
			w->path[old] = '\0';
			/* count what was filled so spec_free frees it */
			*(size_t *)((char *)base + f->aux) = i + (r == 0);
			if (r < 0)
				return -1;
		}
		*(size_t *)((char *)base + f->aux) = n;
		break;
	}
	case FT_MAP: {
		if (!YAJL_IS_OBJECT(v))
			return type_error(w, "object of strings", v);
		struct spec_map *m = (struct spec_map *)p;
		size_t n = v->u.object.len;
		m->keys = calloc(n ? n : 1, sizeof(char *));
		m->values = calloc(n ? n : 1, sizeof(char *));
		if (!m->keys || !m->values)
			return error_set(w->err, ENOMEM, "%s", w->origin);
		for (size_t i = 0; i < n; i++) {
			size_t old = path_push_key(w, v->u.object.keys[i]);
			m->keys[i] = strdup(v->u.object.keys[i]);
			m->n = i + 1;
			int r = m->keys[i] ? string_get(w, v->u.object.values[i], &m->values[i])
					   : error_set(w->err, ENOMEM, "%s", w->origin);
			w->path[old] = '\0';
			if (r < 0)
				return -1;
		}
		break;
	}
	case FT_OBJ:
		if (!YAJL_IS_OBJECT(v))
			return type_error(w, "object", v);
		if (f->aux != FIELD_NO_AUX)
			*(bool *)((char *)base + f->aux) = true;
		return parse_object(w, v, f->sub, p);
	case FT_INLINE:
		if (!YAJL_IS_OBJECT(v))
			return type_error(w, "object", v);
		return parse_object(w, v, f->sub, base);
	case FT_ARR:
	case FT_KEYED: {
		bool keyed = f->type == FT_KEYED;
		if (keyed ? !YAJL_IS_OBJECT(v) : !YAJL_IS_ARRAY(v))
			return type_error(w, keyed ? "object" : "array", v);
		size_t n = keyed ? v->u.object.len : v->u.array.len;
		char *arr = calloc(n ? n : 1, f->elem_size);
		if (!arr)
			return error_set(w->err, ENOMEM, "%s", w->origin);
		*(void **)p = arr;
		for (size_t i = 0; i < n; i++) {
			char *elem = arr + i * f->elem_size;
			yajl_val ev = keyed ? v->u.object.values[i] : v->u.array.values[i];
			*(size_t *)((char *)base + f->aux) = i + 1;
			size_t old = keyed ? path_push_key(w, v->u.object.keys[i])
					   : path_push_index(w, i);
			int r;
			if (!YAJL_IS_OBJECT(ev)) {
				r = type_error(w, "object", ev);
			} else {
				r = parse_object(w, ev, f->sub, elem);
				if (r == 0 && keyed) {
					char **key = (char **)(elem + f->key_off);
					*key = strdup(v->u.object.keys[i]);
					if (!*key)
						r = error_set(w->err, ENOMEM, "%s", w->origin);
				}
			}
			w->path[old] = '\0';
			if (r < 0)
				return -1;
		}
		break;
	}
	case FT_END:
		break;
	}
	if (f->has_off != FIELD_NO_AUX)
		*(bool *)((char *)base + f->has_off) = true;
	return 0;
}

static int parse_object(struct walk *w, yajl_val obj, const struct spec_field *fields, void *base)
{
	for (const struct spec_field *f = fields; f->type != FT_END; f++) {
		yajl_val v = NULL;
		for (size_t i = 0; i < obj->u.object.len; i++)
			if (strcmp(obj->u.object.keys[i], f->name) == 0) {
				v = obj->u.object.values[i];
				break;
			}
		size_t old = path_push_key(w, f->name);
		int r = 0;
		if (v == NULL) {
			if (f->required)
				r = error_set(w->err, 0, "%s: %s: required field missing",
					      w->origin, w->path);
		} else if (YAJL_IS_NULL(v) && !f->required) {
			/* null is treated as absent for optional fields */
		} else {
			r = parse_value(w, v, f, base);
		}
		w->path[old] = '\0';
		if (r < 0)
			return -1;
	}
	return 0;
}

/* ---- freeing ---------------------------------------------------------- */

static void free_object(const struct spec_field *fields, void *base);

static void free_value(const struct spec_field *f, void *base)
{
	char *p = (char *)base + f->off;
	switch (f->type) {
	case FT_STR:
		free(*(char **)p);
		break;
	case FT_STRARR: {
		char **arr = *(char ***)p;
		size_t n = *(size_t *)((char *)base + f->aux);
		for (size_t i = 0; arr && i < n; i++)
			free(arr[i]);
		free(arr);
		break;
	}
	case FT_U32ARR:
		free(*(void **)p);
		break;
	case FT_MAP: {
		struct spec_map *m = (struct spec_map *)p;
		for (size_t i = 0; i < m->n; i++) {
			free(m->keys[i]);
			free(m->values ? m->values[i] : NULL);
		}
		free(m->keys);
		free(m->values);
		break;
	}
	case FT_OBJ:
		free_object(f->sub, p);
		break;
	case FT_INLINE:
		free_object(f->sub, base);
		break;
	case FT_ARR:
	case FT_KEYED: {
		char *arr = *(char **)p;
		size_t n = *(size_t *)((char *)base + f->aux);
		for (size_t i = 0; arr && i < n; i++) {
			free_object(f->sub, arr + i * f->elem_size);
			if (f->type == FT_KEYED)
				free(*(char **)(arr + i * f->elem_size + f->key_off));
		}
		free(arr);
		break;
	}
	default:
		break;
	}
}

static void free_object(const struct spec_field *fields, void *base)
{
	for (const struct spec_field *f = fields; f->type != FT_END; f++)
		free_value(f, base);
}

void spec_free(struct spec *spec)
{
	if (!spec)
		return;
	free_object(spec_fields, spec);
	free(spec);
}

/* ---- entry points ----------------------------------------------------- */

/* Parse a JSON object into base with a field table. */
static int parse_document(const char *json, size_t len, const char *origin,
			  const struct spec_field *fields, void *base, struct error *err)
{
	_cleanup_free_ char *copy = strndup(json, len);
	if (!copy)
		return error_set(err, ENOMEM, "%s", origin);
	if (json_check_depth(copy, len, origin, err) < 0)
		return -1;
	char ebuf[256] = "";
	yajl_val tree = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (!tree) {
		/* yajl's message spans lines; keep the first one */
		char *nl = strchr(ebuf, '\n');
		if (nl)
			*nl = '\0';
		return error_set(err, 0, "%s: invalid JSON: %s", origin,
				 ebuf[0] ? ebuf : "parse error");
	}
	struct walk w = {.origin = origin, .err = err};
	int r;
	if (!YAJL_IS_OBJECT(tree)) {
		strcpy(w.path, ".");
		r = type_error(&w, "object", tree);
	} else {
		r = parse_object(&w, tree, fields, base);
	}
	yajl_tree_free(tree);
	return r;
}

int spec_parse(const char *json, size_t len, const char *origin, struct spec **out,
	       struct error *err)
{
	struct spec *spec = calloc(1, sizeof(*spec));
	if (!spec)
		return error_set(err, ENOMEM, "%s", origin);
	if (parse_document(json, len, origin, spec_fields, spec, err) < 0) {
		spec_free(spec);
		return -1;
	}
	*out = spec;
	return 0;
}

int spec_parse_process(const char *json, size_t len, const char *origin, struct spec_process *out,
		       struct error *err)
{
	memset(out, 0, sizeof(*out));
	int r = parse_document(json, len, origin, process_fields, out, err);
	out->present = true;
	if (r < 0) {
		spec_process_clear(out);
		return -1;
	}
	return 0;
}

void spec_process_clear(struct spec_process *p)
{
	free_object(process_fields, p);
	memset(p, 0, sizeof(*p));
}

int spec_parse_resources(const char *json, size_t len, const char *origin,
			 struct spec_resources *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	int r = parse_document(json, len, origin, resources_fields, out, err);
	out->present = true;
	if (r < 0) {
		spec_resources_clear(out);
		return -1;
	}
	return 0;
}

void spec_resources_clear(struct spec_resources *r)
{
	free_object(resources_fields, r);
	memset(r, 0, sizeof(*r));
}

int spec_load(const char *bundle, struct spec **out, struct error *err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return error_set(err, ENOMEM, "config.json");
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat %s", path);
	if (st.st_size > 64 * 1024 * 1024)
		return error_set(err, 0, "%s: file too large", path);
	_cleanup_free_ char *buf = malloc(st.st_size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "read %s", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(err, "read %s", path);
		if (n == 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	if (spec_parse(buf, got, "config.json", out, err) < 0)
		return -1;
	if (spec_validate(*out, "config.json", err) < 0) {
		spec_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

const char *spec_map_get(const struct spec_map *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->values[i];
	return NULL;
}

const struct spec_namespace *spec_namespace_find(const struct spec *spec, const char *type)
{
	for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
		if (strcmp(spec->linux_.namespaces[i].type, type) == 0)
			return &spec->linux_.namespaces[i];
	return NULL;
}
