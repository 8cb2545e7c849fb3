/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcriu, loaded with dlopen() on the first checkpoint or restore and
 * never before: agentrun is not linked against it, so every other command
 * starts without mapping libcriu and libprotobuf-c (a few hundred
 * microseconds of the dynamic loader on each run), and runs on a host
 * without CRIU installed. Included by criu_internal.h only. */
#ifndef AGENTRUN_CRIU_LIB_H
#define AGENTRUN_CRIU_LIB_H

/* libcriu's header (found through its pkg-config -I): the prototypes give
 * the pointer types */
#include <criu.h>

#include "util/error.h"

/* Every libcriu function agentrun calls. */
#define CRIU_LIB_FUNCTIONS(X)                      \
	X(criu_get_orphan_pts_master_fd)           \
	X(criu_local_add_cg_root)                  \
	X(criu_local_add_cg_yard)                  \
	X(criu_local_add_ext_mount)                \
	X(criu_local_add_external)                 \
	X(criu_local_add_inherit_fd)               \
	X(criu_local_dump)                         \
	X(criu_local_feature_check)                \
	X(criu_local_free_opts)                    \
	X(criu_local_get_version)                  \
	X(criu_local_init_opts)                    \
	X(criu_local_pre_dump)                     \
	X(criu_local_restore_child)                \
	X(criu_local_set_auto_dedup)               \
	X(criu_local_set_config_file)              \
	X(criu_local_set_empty_ns)                 \
	X(criu_local_set_evasive_devices)          \
	X(criu_local_set_ext_unix_sk)              \
	X(criu_local_set_file_locks)               \
	X(criu_local_set_freeze_cgroup)            \
	X(criu_local_set_images_dir_fd)            \
	X(criu_local_set_leave_running)            \
	X(criu_local_set_link_remap)               \
	X(criu_local_set_log_file)                 \
	X(criu_local_set_log_level)                \
	X(criu_local_set_lsm_mount_context)        \
	X(criu_local_set_lsm_profile)              \
	X(criu_local_set_manage_cgroups)           \
	X(criu_local_set_manage_cgroups_mode)      \
	X(criu_local_set_mntns_compat_mode)        \
	X(criu_local_set_network_lock)             \
	X(criu_local_set_notify_cb)                \
	X(criu_local_set_orphan_pts_master)        \
	X(criu_local_set_page_server_address_port) \
	X(criu_local_set_parent_images)            \
	X(criu_local_set_pid)                      \
	X(criu_local_set_root)                     \
	X(criu_local_set_service_binary)           \
	X(criu_local_set_shell_job)                \
	X(criu_local_set_tcp_established)          \
	X(criu_local_set_tcp_skip_in_flight)       \
	X(criu_local_set_track_mem)                \
	X(criu_local_set_work_dir_fd)              \
	X(criu_notify_pid)

struct criu_lib {
#define CRIU_LIB_FIELD(name) __typeof__(name) *name;
	CRIU_LIB_FUNCTIONS(CRIU_LIB_FIELD)
#undef CRIU_LIB_FIELD
};
extern struct criu_lib criu_lib;

/* dlopen libcriu and resolve every function above (once per process).
 * Fails with one line naming the library and why it cannot be loaded. */
int criu_lib_load(struct error *err);

/* From here on a call of a libcriu function goes through the table (a
 * macro does not expand itself again: criu_lib.NAME stays the field). */
#ifndef CRIU_LIB_IMPLEMENTATION
#define criu_get_orphan_pts_master_fd (criu_lib.criu_get_orphan_pts_master_fd)
#define criu_local_add_cg_root (criu_lib.criu_local_add_cg_root)
#define criu_local_add_cg_yard (criu_lib.criu_local_add_cg_yard)
#define criu_local_add_ext_mount (criu_lib.criu_local_add_ext_mount)
#define criu_local_add_external (criu_lib.criu_local_add_external)
#define criu_local_add_inherit_fd (criu_lib.criu_local_add_inherit_fd)
#define criu_local_dump (criu_lib.criu_local_dump)
#define criu_local_feature_check (criu_lib.criu_local_feature_check)
#define criu_local_free_opts (criu_lib.criu_local_free_opts)
#define criu_local_get_version (criu_lib.criu_local_get_version)
#define criu_local_init_opts (criu_lib.criu_local_init_opts)
#define criu_local_pre_dump (criu_lib.criu_local_pre_dump)
#define criu_local_restore_child (criu_lib.criu_local_restore_child)
#define criu_local_set_auto_dedup (criu_lib.criu_local_set_auto_dedup)
#define criu_local_set_config_file (criu_lib.criu_local_set_config_file)
#define criu_local_set_empty_ns (criu_lib.criu_local_set_empty_ns)
#define criu_local_set_evasive_devices (criu_lib.criu_local_set_evasive_devices)
#define criu_local_set_ext_unix_sk (criu_lib.criu_local_set_ext_unix_sk)
#define criu_local_set_file_locks (criu_lib.criu_local_set_file_locks)
#define criu_local_set_freeze_cgroup (criu_lib.criu_local_set_freeze_cgroup)
#define criu_local_set_images_dir_fd (criu_lib.criu_local_set_images_dir_fd)
#define criu_local_set_leave_running (criu_lib.criu_local_set_leave_running)
#define criu_local_set_link_remap (criu_lib.criu_local_set_link_remap)
#define criu_local_set_log_file (criu_lib.criu_local_set_log_file)
#define criu_local_set_log_level (criu_lib.criu_local_set_log_level)
#define criu_local_set_lsm_mount_context (criu_lib.criu_local_set_lsm_mount_context)
#define criu_local_set_lsm_profile (criu_lib.criu_local_set_lsm_profile)
#define criu_local_set_manage_cgroups (criu_lib.criu_local_set_manage_cgroups)
#define criu_local_set_manage_cgroups_mode (criu_lib.criu_local_set_manage_cgroups_mode)
#define criu_local_set_mntns_compat_mode (criu_lib.criu_local_set_mntns_compat_mode)
#define criu_local_set_network_lock (criu_lib.criu_local_set_network_lock)
#define criu_local_set_notify_cb (criu_lib.criu_local_set_notify_cb)
#define criu_local_set_orphan_pts_master (criu_lib.criu_local_set_orphan_pts_master)
#define criu_local_set_page_server_address_port (criu_lib.criu_local_set_page_server_address_port)
#define criu_local_set_parent_images (criu_lib.criu_local_set_parent_images)
#define criu_local_set_pid (criu_lib.criu_local_set_pid)
#define criu_local_set_root (criu_lib.criu_local_set_root)
#define criu_local_set_service_binary (criu_lib.criu_local_set_service_binary)
#define criu_local_set_shell_job (criu_lib.criu_local_set_shell_job)
#define criu_local_set_tcp_established (criu_lib.criu_local_set_tcp_established)
#define criu_local_set_tcp_skip_in_flight (criu_lib.criu_local_set_tcp_skip_in_flight)
#define criu_local_set_track_mem (criu_lib.criu_local_set_track_mem)
#define criu_local_set_work_dir_fd (criu_lib.criu_local_set_work_dir_fd)
#define criu_notify_pid (criu_lib.criu_notify_pid)
#endif

#endif
