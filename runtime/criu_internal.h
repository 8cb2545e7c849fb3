/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the CRIU module (criu.c, criu_dump.c, criu_restore.c); only built
 * with libcriu (runtime/meson.build). Not part of the API. */
#ifndef AGENTRUN_CRIU_INTERNAL_H
#define AGENTRUN_CRIU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* libcriu's header and its functions, loaded with dlopen() */
#include "runtime/criu_lib.h"

#include "runtime/criu.h"
#include "spec/spec.h"
#include "spec/state.h"

#define CRIU_MIN_VERSION 40200
#define CRIU_DEFAULT_CONFIG "/etc/criu/agentrun.conf"
#define CRIU_GENERATED_CONFIG "agentrun-criu.conf"
/* What agentrun recorded next to CRIU's images for restore. */
#define CRIU_RECORD_FILE "agentrun-criu.txt"
#define CRIU_DUMP_LOG "dump.log"
#define CRIU_RESTORE_LOG "restore.log"
/* The keys of joined (external) namespaces, as runc and crun name them. */
#define CRIU_EXT_NETNS "extRootNetNS"
#define CRIU_EXT_PIDNS "extRootPidNS"

/* A criu_opts for a dump or restore: version checked binary (the version
 * cached in the state root), image and work dirs, log, the shared flags
 * and the cgroups mode. */
int criu_opts_new(const struct criu_common_opts *c, const char *root, int images_fd, int work_fd,
		  const char *log_name, criu_opts **out, struct error *err);
/* The CRIU config file (org.criu.config or /etc/criu/agentrun.conf), with
 * extra option lines appended in a generated copy when extra is set. */
int criu_config_file(criu_opts *opts, const struct spec *spec, int work_fd, const char *work_path,
		     const char *extra, struct error *err);
/* open (and with create, mkdir) a directory; its absolute path in abs
 * (PATH_MAX) when abs is not NULL. Returns the fd. */
int criu_open_dir(const char *path, bool create, char *abs, struct error *err);

/* The first error of CRIU's log DIR/LOG (empty when none). */
void criu_log_reason(const char *dir, const char *log, char *out, size_t size);
/* Controllers of a v1 cgroup mount from its super options ("rw,memory"
 * -> "memory"). */
void criu_cgroup_controllers(const char *super, char *out, size_t size);

/* "/a//b/" -> "/a/b" (always absolute). */
void criu_normalize_path(const char *in, char *out, size_t size);
/* A config.json destination as the container sees it: normalized, then
 * through symlinks inside the rootfs when it resolves there (as CRIU names
 * mount points); out holds the normalized path when it does not. */
void criu_resolve_destination(const char *rootfs, const char *dest, char *out, size_t size);

/* One line of /proc/PID/mountinfo. */
struct criu_mount {
	int id;
	char *root;  /* path inside its filesystem */
	char *point; /* as the process sees it */
	char *fstype;
	char *super; /* super options: the controllers of a v1 cgroup mount */
};
/* pid <= 0: our own. */
int criu_mounts_of(pid_t pid, struct criu_mount **out, size_t *n, struct error *err);
void criu_mounts_free(struct criu_mount *m, size_t n);

/* What restore has to hand CRIU again: external mounts and stdio; and
 * whether the container's own network namespace was left out of the
 * image (restore makes a new one with lo up). */
struct criu_ext_mount {
	char *kind;   /* "bind" (config.json mount), "host" (a host node or file),
		       * "cgroup" (a v1 hierarchy: source is its controllers) */
	char *key;    /* the mount point in the container: CRIU's key */
	char *source; /* the host path at checkpoint time */
};
struct criu_ext_fd {
	int fd;	   /* 0, 1, 2 of the container's init */
	char *key; /* "pipe:[N]" or "file[MNT:INO]" */
};
struct criu_record {
	struct criu_ext_mount *mounts;
	size_t n_mounts;
	struct criu_ext_fd *fds;
	size_t n_fds;
	bool new_netns; /* absent in checkpoints of agentrun before it: CRIU
			 * saved the network namespace and restores it */
	bool thawed;	/* the container ran when it was dumped: the FROZEN
			 * freezer.state in CRIU's image is agentrun's own
			 * freeze (criu_prefreeze), which a restore that sets
			 * cgroup properties (--manage-cgroups-mode full) must
			 * not bring back */
};
int criu_record_mount(struct criu_record *r, const char *kind, const char *key, const char *source,
		      struct error *err);
int criu_record_fd(struct criu_record *r, int fd, const char *key, struct error *err);
int criu_record_save(int images_fd, const struct criu_record *r, struct error *err);
int criu_record_load(int images_fd, const char *image_path, struct criu_record *r,
		     struct error *err);
/* The record's text (modified in place), as read by criu_record_load;
 * image_path names it in errors. Pure: tests/fuzz calls it. */
int criu_record_parse(char *text, const char *image_path, struct criu_record *r, struct error *err);
void criu_record_free(struct criu_record *r);

/* The restored tree under ROOT (stopped by CRIU before it resumes) holds
 * no credential beyond config.json's process (capabilities, user, user
 * namespace, noNewPrivileges, seccomp). Else the error names the process
 * and the field, every task of the tree is sent SIGSTOP (it will not run
 * when CRIU lets it go) and *tree lists them (to free) for the caller to
 * SIGKILL after CRIU returns (criu_verify.c). */
int criu_verify_restored(pid_t root, const struct spec *spec, pid_t **tree, size_t *n_tree,
			 struct error *err);

/* The criu binary: $AGENTRUN_CRIU, PATH, the sbin directories (-1: none). */
int criu_find_binary(char *out, size_t size);
/* Freeze the container's cgroup before CRIU does: CRIU waits for a v1
 * freezer in steps of 100 ms, the cgroup driver polls in 0.125, 0.25... ms,
 * and CRIU takes an already frozen cgroup as it is (it leaves it frozen
 * when the tree stays). Returns the cgroup to thaw with criu_thaw() when
 * the tree stays (NULL: no cgroup, frozen already, or the freeze failed
 * and CRIU freezes it itself). */
struct cgroup;
struct cgroup *criu_prefreeze(const struct spec_state *st);
/* Thaw (when thaw) and free what criu_prefreeze returned. */
int criu_thaw(struct cgroup *cg, bool thaw, struct error *err);
/* Dump the container st (locked: dirfd) as checkpoint does. */
int criu_dump_locked(const struct checkpoint_opts *o, int dirfd, const struct spec_state *st,
		     const struct spec *spec, struct error *err);
/* Restore o->id into its existing, locked state directory (wake, fork):
 * detached; a failure leaves the directory for the caller to put back. */
int criu_restore_in_place(const struct restore_opts *o, int rootfd, int dirfd, pid_t *pid,
			  struct error *err);

#endif
