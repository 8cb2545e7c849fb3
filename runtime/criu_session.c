/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `suspend` and `wake`: a checkpoint that keeps the container's id (its
 * state says "stopped" with the image path in an annotation) and a restore
 * into that same state directory. docs/sessions.md. */
#include "runtime/criu_internal.h"

#include "cgroups/cgroup.h"
#include "runtime/container.h"
#include "runtime/landlock.h"
#include "runtime/session.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* annotations plus key=value (replacing an older value) */
static int map_with(struct spec_map *out, const struct spec_map *in, const char *key,
		    const char *value)
{
	memset(out, 0, sizeof(*out));
	if (spec_map_copy(out, in) < 0)
		return -1;
	for (size_t i = 0; i < out->n; i++)
		if (!strcmp(out->keys[i], key)) {
			char *v = strdup(value);
			if (!v)
				return -1;
			free(out->values[i]);
			out->values[i] = v;
			return 0;
		}
	char **k = realloc(out->keys, (out->n + 1) * sizeof(char *));
	if (k)
		out->keys = k;
	char **v = realloc(out->values, (out->n + 1) * sizeof(char *));
	if (v)
		out->values = v;
	if (!k || !v)
		return -1;
	out->keys[out->n] = strdup(key);
	out->values[out->n] = strdup(value);
	if (!out->keys[out->n] || !out->values[out->n]) {
		free(out->keys[out->n]);
		free(out->values[out->n]);
		return -1;
	}
	out->n++;
	return 0;
}

/* An image directory we may fill (and later remove): new (1), or empty
 * (0). */
static int claim_image_dir(const char *path, struct error *err)
{
	if (mkdir(path, 0700) == 0)
		return 1;
	if (errno != EEXIST)
		return error_errno(err, "create image directory %s", path);
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return error_errno(err, "image directory %s", path);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return error_set(err, 0,
					 "--image-path %s: not empty (suspend removes its image "
					 "directory on wake and delete: give a new or empty one)",
					 path);
	return 0;
}

static void wait_gone(pid_t pid, unsigned long long start)
{
	for (int i = 0; i < 500 && state_process_alive(pid, start); i++)
		nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
}

static int suspend_locked(const struct suspend_opts *o, int dirfd, struct spec_state *st,
			  struct error *err)
{
	if (session_suspended(st))
		return error_set(err, 0, "container %s is already suspended (image %s)", o->id,
				 session_suspended(st));
	if (strcmp(st->status, "running") != 0 && strcmp(st->status, "paused") != 0)
		return error_set(err, 0, "cannot suspend container %s: it is %s", o->id,
				 st->status);
	_cleanup_spec_ struct spec *spec = container_saved_config(dirfd);
	if (!spec)
		return error_set(err, 0, "container %s: its saved config.json cannot be read",
				 o->id);
	if (landlock_refuse_criu(spec, "suspend", err) < 0)
		return -1;
	const char *engine = session_engine(st, spec);
	if (engine)
		return error_set(err, 0,
				 "cannot suspend container %s: it was created by %s, which would "
				 "see it exit and delete it (checkpoint it through the engine, "
				 "e.g. podman container checkpoint)",
				 o->id, engine);
	char image[PATH_MAX];
	int created;
	if (o->image_path && *o->image_path) {
		if ((created = claim_image_dir(o->image_path, err)) < 0)
			return -1;
		if (!realpath(o->image_path, image))
			return error_errno(err, "image directory %s", o->image_path);
	} else {
		char dir[PATH_MAX];
		if (!realpath(o->root, dir))
			return error_errno(err, "state directory %s", o->root);
		int n = snprintf(image, sizeof(image), "%s/%s/%s", dir, o->id, SESSION_IMAGE_DIR);
		if (n < 0 || (size_t)n >= sizeof(image))
			return error_set(err, ENAMETOOLONG, "image path of %s", o->id);
		struct error ignored;
		fs_rm_rf_at(dirfd, SESSION_IMAGE_DIR, NULL, &ignored); /* a stale one */
		if ((created = claim_image_dir(image, err)) < 0)
			return -1;
	}
	struct checkpoint_opts co = {.root = o->root, .id = o->id, .status_fd = -1};
	co.c.image_path = image;
	struct cgroup *frozen = criu_prefreeze(st);
	co.prefrozen = frozen != NULL;
	/* The tree is kept (frozen: by us, or paused by the user) until its
	 * image is durable, so that a failure of the compression or of an
	 * fsync leaves the session running as it was. Without a freezer
	 * CRIU kills it, as before (it would run on after the dump). */
	bool held = st->cgroup && (frozen || !strcmp(st->status, "paused"));
	co.leave_running = held;
	if (criu_dump_locked(&co, dirfd, st, spec, err) < 0) {
		struct error ignored;
		criu_thaw(frozen, true, &ignored);
		session_discard_image(dirfd, image, &ignored);
		return -1;
	}
	if (o->compress) {
		/* a failure keeps the plain image */
		struct error cerr;
		if (session_image_compress(image, &cerr) < 0)
			fprintf(stderr,
				"warning: suspend --compress: %s (the image stays "
				"uncompressed)\n",
				cerr.msg);
	}
	/* durable before the tree goes and the state says suspended: every
	 * file of the image, the directory, and its parent when suspend
	 * made the directory (docs/sessions.md, durability) */
	int sr = session_image_sync(image, created > 0, err);
	if (sr < 0 && held) {
		struct error ignored;
		criu_thaw(frozen, true, &ignored);
		session_discard_image(dirfd, image, &ignored);
		return error_prefix(err, "suspend of %s failed (it goes on %s)", o->id, st->status);
	}
	criu_thaw(frozen, false, NULL);
	/* the tree goes (killed while frozen: it runs no further): every
	 * byte of its memory goes with the processes and the cgroup; the
	 * id stays */
	if (st->cgroup) {
		struct cgroup *cg = NULL;
		struct error e;
		if (cgroup_open(st->cgroup, &cg, &e) == 0) {
			cgroup_kill_all(cg, SIGKILL, &e);
			cgroup_freeze(cg, false, &e);
			wait_gone(st->pid, st->start_time);
			if (cgroup_destroy(cg, &e) < 0)
				fprintf(stderr, "warning: %s\n", e.msg);
			cgroup_free(cg);
		}
	}
	wait_gone(st->pid, st->start_time);
	struct spec_map ann;
	if (map_with(&ann, &spec->annotations, SESSION_SUSPENDED, image) < 0) {
		spec_map_clear(&ann);
		return error_set(err, ENOMEM, "state of %s", o->id);
	}
	struct spec_state s = *st;
	s.status = "stopped";
	s.pid = 0;
	s.start_time = 0;
	s.cgroup = NULL;
	s.annotations = ann;
	int r = state_save(dirfd, &s, err);
	spec_map_clear(&ann);
	if (r == 0 && sr < 0)
		/* CRIU had killed the tree already: the image that may not be
		 * durable is the only copy of the session, it stays */
		return error_prefix(err,
				    "suspend of %s: its image %s may not survive a crash "
				    "(the tree is gone, the session is suspended from it)",
				    o->id, image);
	return r;
}

int container_suspend(const struct suspend_opts *o, struct error *err)
{
	if (geteuid() != 0)
		return error_set(err, 0, "suspend needs root (CRIU runs as root)");
	/* CRIU's probe mounts stay in a namespace of our own (see checkpoint) */
	if (unshare(CLONE_NEWNS) < 0)
		return error_errno(err, "suspend: a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_errno(err, "suspend: make the mounts of its namespace private");
	int rootfd, dirfd;
	struct spec_state st = {0};
	int r = -1;
	if (container_open(o->root, o->id, &rootfd, &dirfd, &st, err) == 0)
		r = suspend_locked(o, dirfd, &st, err);
	container_close(rootfd, dirfd, &st);
	return r;
}

/* `criu lazy-pages` on the image, for a restore with --lazy-pages: it
 * serves the pages from the image files as the restored tasks fault them
 * in (userfaultfd), then pushes the rest and exits. A detached keeper
 * process runs it, waits for it and removes the image afterwards, but not
 * before wake's restore is over: CRIU's restore writes its last file
 * (stats-restore) into the image after the tasks run, and the daemon can
 * be done before that. *restored_fd is the write end of a pipe the keeper
 * reads to its end: wake closes it once CRIU has returned (so does its
 * exit). *pid is the keeper's. Returns once the daemon's socket is
 * there. */
static int lazy_daemon(const char *image, const char *logfile, pid_t *pid, int *restored_fd,
		       struct error *err)
{
	char bin[PATH_MAX], sock[PATH_MAX + 32];
	if (criu_find_binary(bin, sizeof(bin)) < 0)
		return error_set(err, 0, "criu not found");
	snprintf(sock, sizeof(sock), "%s/lazy-pages.socket", image);
	unlink(sock);
	int restored[2];
	if (pipe2(restored, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	pid_t keeper = fork();
	if (keeper < 0) {
		close(restored[0]);
		close(restored[1]);
		return error_errno(err, "fork");
	}
	if (keeper == 0) {
		close(restored[1]);
		setsid();
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		pid_t d = fork();
		if (d == 0) {
			execl(bin, "criu", "lazy-pages", "-D", image, "-W", image, "-o", logfile,
			      "-v4", (char *)NULL);
			_exit(127);
		}
		int status = 0;
		while (d > 0 && waitpid(d, &status, 0) < 0 && errno == EINTR)
			;
		/* the session runs from its memory now; a failed daemon's
		 * log is kept with the image */
		if (d > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			/* wake's restore is over when its end closes */
			char c;
			while (read(restored[0], &c, 1) < 0 && errno == EINTR)
				;
			struct error ignored;
			session_discard_image(-1, image, &ignored);
			_exit(0);
		}
		_exit(1);
	}
	close(restored[0]);
	for (int i = 0; i < 500; i++) {
		struct stat sb;
		if (stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
			*pid = keeper;
			*restored_fd = restored[1];
			return 0;
		}
		if (waitpid(keeper, NULL, WNOHANG) == keeper)
			break;
		nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
	}
	close(restored[1]);
	kill(-keeper, SIGKILL);
	kill(keeper, SIGKILL);
	waitpid(keeper, NULL, 0);
	return error_set(err, 0, "criu lazy-pages did not start (log: %s)", logfile);
}

int container_wake(const struct wake_opts *o, struct error *err)
{
	if (geteuid() != 0)
		return error_set(err, 0, "wake needs root (CRIU runs as root)");
	int rootfd, dirfd;
	struct spec_state st = {0};
	_cleanup_free_ char *saved = NULL;
	size_t saved_len = 0;
	int r = -1;
	if (container_open(o->root, o->id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	const char *image = session_suspended(&st);
	if (!image) {
		error_set(err, 0, "container %s is not suspended (it is %s)", o->id, st.status);
		goto out;
	}
	if (fs_read_fileat(dirfd, STATE_FILE, &saved, &saved_len, err) < 0)
		goto out;
	struct restore_opts ro = {
		.root = o->root,
		.id = o->id,
		.bundle = st.bundle,
		.console_socket = o->console_socket,
		.detach = true,
		.null_stdio = true,
	};
	/* a compressed image is decompressed beside itself first (also for
	 * --lazy-pages: the daemon serves the plain files) */
	bool expanded = false;
	if (session_image_compressed(image)) {
		if (session_image_expand(image, err) < 0) {
			error_prefix(err, "wake %s (still suspended)", o->id);
			goto out;
		}
		expanded = true;
	}
	ro.c.image_path = image;
	ro.c.lazy_pages = o->lazy_pages;
	pid_t daemon = -1;
	int restored_fd = -1; /* closed right after the restore, whatever it gave */
	char logfile[PATH_MAX + 32], rootabs[PATH_MAX];
	if (o->lazy_pages) {
		/* its log stays in the state directory (the image goes) */
		if (!realpath(o->root, rootabs)) {
			error_errno(err, "state directory %s", o->root);
			goto out;
		}
		snprintf(logfile, sizeof(logfile), "%s/%s/lazy-pages.log", rootabs, o->id);
		if (lazy_daemon(image, logfile, &daemon, &restored_fd, err) < 0) {
			if (expanded)
				session_image_unexpand(image);
			goto out;
		}
	}
	pid_t pid = -1;
	int restored = criu_restore_in_place(&ro, rootfd, dirfd, &pid, err);
	/* CRIU has written its last file: the keeper may remove the image */
	if (restored_fd >= 0) {
		close(restored_fd);
		restored_fd = -1;
	}
	if (restored < 0) {
		if (daemon > 0) {
			kill(daemon, SIGKILL);
			waitpid(daemon, NULL, 0);
		}
		/* still suspended: the state and the image as they were */
		if (expanded)
			session_image_unexpand(image);
		struct error ignored;
		fs_write_file_atomic(dirfd, STATE_FILE, saved, saved_len, &ignored);
		error_prefix(err, "wake %s (still suspended)", o->id);
		goto out;
	}
	struct error e;
	if (daemon > 0) {
		/* the daemon serves the rest of the pages in the background
		 * and exits when all are in: its parent (a child of ours,
		 * left running) removes the image then, after this restore
		 * (lazy_daemon) */
		r = 0;
		goto out;
	}
	if (session_discard_image(dirfd, image, &e) < 0)
		fprintf(stderr, "warning: %s\n", e.msg);
	r = 0;
out:
	container_close(rootfd, dirfd, &st);
	return r;
}
