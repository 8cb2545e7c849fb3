/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `fork`: the source frozen, dumped by CRIU with leave-running, its
 * writable data copied for each copy, thawed; then each copy restored from
 * the one dump into a state directory of its own, with a bundle whose
 * config.json names the copies. docs/sessions.md. */
#include "runtime/criu_internal.h"

#include "cgroups/cgroup.h"
#include "runtime/clonefs.h"
#include "spec/json.h"
#include "runtime/container.h"
#include "runtime/landlock.h"
#include "runtime/session.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

struct fork_copy {
	char id[256];
	int dirfd;
	bool restored;
	char bundle[PATH_MAX];
	bool own_bundle; /* outside the state dir: removed on failure */
	char rootfs[PATH_MAX];
	char **sources; /* per mount of the config: the copy's source, or NULL */
	size_t n_sources;
	pid_t pid;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool is_bind(const struct spec_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], "bind") || !strcmp(m->options[i], "rbind"))
			return true;
	return false;
}

static bool is_ro(const struct spec_mount *m)
{
	bool ro = false;
	for (size_t i = 0; i < m->n_options; i++) {
		if (!strcmp(m->options[i], "ro"))
			ro = true;
		else if (!strcmp(m->options[i], "rw"))
			ro = false;
	}
	return ro;
}

/* the host path of a bind mount's source */
static void bind_source(const struct spec_mount *m, const char *bundle, char *out, size_t size)
{
	if (m->source[0] == '/')
		snprintf(out, size, "%s", m->source);
	else
		snprintf(out, size, "%s/%s", bundle, m->source);
}

/* A writable bind mount of a directory or a regular file: copied per fork.
 * Anything else (read-only, a device node, a socket) is shared. */
static bool cloned_mount(const struct spec_mount *m, const char *bundle)
{
	if (!m->source || !m->destination || !is_bind(m) || is_ro(m))
		return false;
	char src[PATH_MAX];
	struct stat sb;
	bind_source(m, bundle, src, sizeof(src));
	return stat(src, &sb) == 0 && (S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode));
}

/* snprintf that fails on truncation */
static int path_fmt(char *out, size_t size, struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int path_fmt(char *out, size_t size, struct error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return error_set(err, ENAMETOOLONG, "fork: a path too long (%s...)", out);
	return 0;
}

/* ------------------------------------------------------------ config */

/* The source's config.json for a copy: root.path and the copied mounts'
 * sources are the copy's (other bind sources made absolute: the bundle is
 * another directory), linux.cgroupsPath dropped (each copy gets the
 * cgroup of its own id). */
static int fork_config(const char *json, const struct spec *spec, const char *src_bundle,
		       const struct fork_copy *c, struct error *err)
{
	char ebuf[256];
	yajl_val tree = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	if (!tree || !YAJL_IS_OBJECT(tree)) {
		if (tree)
			yajl_tree_free(tree);
		return error_set(err, 0, "fork: the saved config.json: %s", ebuf);
	}
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g) {
		yajl_tree_free(tree);
		return error_set(err, ENOMEM, "fork: config");
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	for (size_t i = 0; i < tree->u.object.len; i++) {
		const char *k = tree->u.object.keys[i];
		yajl_val v = tree->u.object.values[i];
		json_str(g, k);
		if (!strcmp(k, "root") && YAJL_IS_OBJECT(v)) {
			yajl_gen_map_open(g);
			for (size_t j = 0; j < v->u.object.len; j++) {
				json_str(g, v->u.object.keys[j]);
				if (!strcmp(v->u.object.keys[j], "path"))
					json_str(g, c->rootfs);
				else
					json_tree(g, v->u.object.values[j]);
			}
			yajl_gen_map_close(g);
		} else if (!strcmp(k, "mounts") && YAJL_IS_ARRAY(v) &&
			   v->u.array.len == spec->n_mounts) {
			yajl_gen_array_open(g);
			for (size_t m = 0; m < v->u.array.len; m++) {
				yajl_val mv = v->u.array.values[m];
				const struct spec_mount *sm = &spec->mounts[m];
				if (!YAJL_IS_OBJECT(mv)) {
					json_tree(g, mv);
					continue;
				}
				yajl_gen_map_open(g);
				for (size_t j = 0; j < mv->u.object.len; j++) {
					const char *mk = mv->u.object.keys[j];
					json_str(g, mk);
					char src[PATH_MAX];
					if (!strcmp(mk, "source") && c->sources[m]) {
						json_str(g, c->sources[m]);
					} else if (!strcmp(mk, "source") && sm->source &&
						   is_bind(sm)) {
						bind_source(sm, src_bundle, src, sizeof(src));
						json_str(g, src);
					} else {
						json_tree(g, mv->u.object.values[j]);
					}
				}
				yajl_gen_map_close(g);
			}
			yajl_gen_array_close(g);
		} else if (!strcmp(k, "linux") && YAJL_IS_OBJECT(v)) {
			yajl_gen_map_open(g);
			for (size_t j = 0; j < v->u.object.len; j++) {
				if (!strcmp(v->u.object.keys[j], "cgroupsPath"))
					continue;
				json_str(g, v->u.object.keys[j]);
				json_tree(g, v->u.object.values[j]);
			}
			yajl_gen_map_close(g);
		} else {
			json_tree(g, v);
		}
	}
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	int r = 0;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", c->bundle);
	_cleanup_close_ int bfd = open(c->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		r = error_set(err, 0, "fork: generate %s", path);
	else if (bfd < 0)
		r = error_errno(err, "open %s", c->bundle);
	else
		r = fs_write_file_atomic(bfd, "config.json", (const char *)buf, len, err);
	yajl_gen_free(g);
	yajl_tree_free(tree);
	return r;
}

/* ------------------------------------------------------------ fork */

struct fork_ctx {
	const struct fork_opts *o;
	int rootfd;
	char root_abs[PATH_MAX];
	char image[PATH_MAX];
	struct fork_copy copies[FORK_MAX_COPIES];
	int n;
	/* what was cloned how, printed at the end */
	char *report;
	size_t report_len;
	FILE *out;
};

static int prepare_copy(struct fork_ctx *x, struct fork_copy *c, const struct spec *spec,
			const struct spec_state *st, struct error *err)
{
	c->sources = calloc(spec->n_mounts + 1, sizeof(char *));
	if (!c->sources)
		return error_set(err, ENOMEM, "fork");
	c->n_sources = spec->n_mounts;
	c->dirfd = state_dir_create(x->rootfd, c->id, err);
	if (c->dirfd < 0)
		return -1;
	/* the copies' bundles are the caller's, as any bundle: next to the
	 * source's (a user namespace's root can reach there, as it reaches
	 * the source's), or in --bundle DIR; never in the state directory,
	 * which only root may enter */
	char dir[PATH_MAX];
	if (x->o->bundle_dir) {
		if (!realpath(x->o->bundle_dir, dir))
			return error_errno(err, "--bundle %s", x->o->bundle_dir);
	} else {
		if (path_fmt(dir, sizeof(dir), err, "%s", st->bundle) < 0)
			return -1;
		char *slash = strrchr(dir, '/');
		if (!slash)
			return error_set(err, 0, "bundle %s: not an absolute path", st->bundle);
		slash[slash == dir ? 1 : 0] = '\0';
	}
	if (path_fmt(c->bundle, sizeof(c->bundle), err, "%s/%s", strcmp(dir, "/") ? dir : "",
		     c->id) < 0)
		return -1;
	if (mkdir(c->bundle, 0711) < 0)
		return error_errno(err, "create the bundle of %s: %s", c->id, c->bundle);
	c->own_bundle = true;
	if (spec->root.readonly)
		snprintf(c->rootfs, sizeof(c->rootfs), "%s", st->rootfs); /* shared */
	else
		snprintf(c->rootfs, sizeof(c->rootfs), "%s/rootfs", c->bundle);
	char mounts[PATH_MAX + 8];
	snprintf(mounts, sizeof(mounts), "%s/mounts", c->bundle);
	if (mkdir(mounts, 0711) < 0)
		return error_errno(err, "create %s", mounts);
	for (size_t m = 0; m < spec->n_mounts; m++) {
		if (!cloned_mount(&spec->mounts[m], st->bundle))
			continue;
		const char *base = strrchr(spec->mounts[m].destination, '/');
		base = base && base[1] ? base + 1 : "root";
		if (asprintf(&c->sources[m], "%s/%zu-%s", mounts, m, base) < 0) {
			c->sources[m] = NULL;
			return error_set(err, ENOMEM, "fork");
		}
	}
	return 0;
}

static void say(struct fork_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct fork_ctx *x, const char *fmt, ...)
{
	if (!x->out)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(x->out, fmt, ap);
	va_end(ap);
}

static int clone_one(struct fork_ctx *x, const char *src, const char *dst, struct error *err)
{
	struct clonefs_stats s = {0};
	double t = now_ms();
	if (clonefs_copy(src, dst, &s, err) < 0)
		return -1;
	const char *how = s.files == 0		   ? "empty"
			  : s.reflinked == s.files ? "reflink"
			  : s.reflinked		   ? "reflink+copy"
						   : "copy";
	char skipped[64] = "";
	if (s.skipped)
		snprintf(skipped, sizeof(skipped), ", %llu special files left out",
			 (unsigned long long)s.skipped);
	say(x, "cloned %s -> %s (%s, %llu files%s, %.1f ms)\n", src, dst, how,
	    (unsigned long long)s.files, skipped, now_ms() - t);
	return 0;
}

static int clone_data(struct fork_ctx *x, const struct spec *spec, const struct spec_state *st,
		      struct error *err)
{
	for (int k = 0; k < x->n; k++) {
		struct fork_copy *c = &x->copies[k];
		if (!spec->root.readonly && clone_one(x, st->rootfs, c->rootfs, err) < 0)
			return -1;
		for (size_t m = 0; m < spec->n_mounts; m++) {
			if (!c->sources[m])
				continue;
			char src[PATH_MAX];
			bind_source(&spec->mounts[m], st->bundle, src, sizeof(src));
			if (clone_one(x, src, c->sources[m], err) < 0)
				return -1;
		}
	}
	return 0;
}

static void drop_copy(struct fork_ctx *x, struct fork_copy *c)
{
	struct error ignored;
	if (c->dirfd >= 0) {
		close(c->dirfd);
		c->dirfd = -1;
		if (c->restored)
			container_delete(x->o->root, c->id, true, &ignored);
		else
			state_dir_remove(x->rootfd, c->id, &ignored);
	}
	if (c->own_bundle && c->bundle[0]) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", c->bundle);
		char *slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pfd >= 0) {
				fs_rm_rf_at(pfd, slash + 1, c->bundle, &ignored);
				close(pfd);
			}
		}
	}
}

static int fork_locked(struct fork_ctx *x, int src_dirfd, struct spec_state *st, struct error *err)
{
	const struct fork_opts *o = x->o;
	if (strcmp(st->status, "running") != 0 && strcmp(st->status, "paused") != 0)
		return error_set(err, 0, "cannot fork container %s: it is %s", o->id, st->status);
	_cleanup_spec_ struct spec *spec = container_saved_config(src_dirfd);
	_cleanup_free_ char *json = NULL;
	if (!spec || fs_read_fileat(src_dirfd, "config.json", &json, NULL, err) < 0)
		return error_set(err, 0, "container %s: its saved config.json cannot be read",
				 o->id);
	if (landlock_refuse_criu(spec, "fork", err) < 0)
		return -1;
	const struct spec_namespace *pidns = spec_namespace_find(spec, "pid");
	if (!pidns || (pidns->path && *pidns->path))
		return error_set(err, 0,
				 "cannot fork container %s: it has no pid namespace of its own "
				 "(each copy needs one to get the same pids back)",
				 o->id);
	if (!st->cgroup)
		return error_set(err, 0, "cannot fork container %s: it has no cgroup to freeze",
				 o->id);
	for (int k = 0; k < x->n; k++)
		if (prepare_copy(x, &x->copies[k], spec, st, err) < 0)
			return -1;
	if (path_fmt(x->image, sizeof(x->image), err, "%s/.fork-%s-%d", x->root_abs, o->id,
		     (int)getpid()) < 0) {
		x->image[0] = '\0';
		return -1;
	}
	if (mkdir(x->image, 0700) < 0) {
		error_errno(err, "create %s", x->image);
		x->image[0] = '\0';
		return -1;
	}

	struct cgroup *cg = NULL;
	if (cgroup_open(st->cgroup, &cg, err) < 0)
		return -1;
	bool was_frozen = false;
	cgroup_is_frozen(cg, &was_frozen, err);
	double t0 = now_ms();
	if (!was_frozen && cgroup_freeze(cg, true, err) < 0) {
		cgroup_free(cg);
		return -1;
	}
	struct checkpoint_opts co = {.root = o->root,
				     .id = o->id,
				     .status_fd = -1,
				     .leave_running = true,
				     .prefrozen = !was_frozen};
	co.c.image_path = x->image;
	int r = criu_dump_locked(&co, src_dirfd, st, spec, err);
	double t1 = now_ms();
	if (r == 0)
		r = clone_data(x, spec, st, err);
	double t2 = now_ms();
	struct error terr;
	if (!was_frozen && cgroup_freeze(cg, false, &terr) < 0 && r == 0) {
		*err = terr;
		r = -1;
	}
	double t3 = now_ms();
	cgroup_free(cg);
	if (r < 0)
		return -1;
	say(x, "paused %s %.1f ms (dump %.1f ms, data %.1f ms)\n", o->id, t3 - t0, t1 - t0,
	    t2 - t1);
	for (int k = 0; k < x->n; k++)
		if (fork_config(json, spec, st->bundle, &x->copies[k], err) < 0)
			return -1;
	return 0;
}

int container_fork(const struct fork_opts *o, struct error *err)
{
	if (geteuid() != 0)
		return error_set(err, 0, "fork needs root (CRIU runs as root)");
	if (o->count < 1 || o->count > FORK_MAX_COPIES)
		return error_set(err, 0, "--count %d: between 1 and %d", o->count, FORK_MAX_COPIES);
	struct fork_ctx x = {.o = o, .n = o->count, .rootfd = -1, .out = stdout};
	for (int k = 0; k < x.n; k++) {
		struct fork_copy *c = &x.copies[k];
		c->dirfd = -1;
		int len = o->count == 1 ? snprintf(c->id, sizeof(c->id), "%s", o->new_id)
					: snprintf(c->id, sizeof(c->id), "%s-%d", o->new_id, k + 1);
		if (len < 0 || (size_t)len >= sizeof(c->id))
			return error_set(err, 0, "new id %s: too long", o->new_id);
		if (state_check_id(c->id, err) < 0)
			return -1;
		if (!strcmp(c->id, o->id))
			return error_set(err, 0, "fork: the new id %s is the source's", c->id);
	}
	/* CRIU's probe mounts and restore's root mounts: in a namespace of
	 * our own */
	if (unshare(CLONE_NEWNS) < 0)
		return error_errno(err, "fork: a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_errno(err, "fork: make the mounts of its namespace private");
	int src_rootfd, src_dirfd;
	struct spec_state st = {0};
	int r = -1;
	double t_start = now_ms();
	if (container_open(o->root, o->id, &src_rootfd, &src_dirfd, &st, err) < 0) {
		container_close(src_rootfd, src_dirfd, &st);
		return -1;
	}
	x.rootfd = src_rootfd;
	if (!realpath(o->root, x.root_abs)) {
		error_errno(err, "state directory %s", o->root);
		goto out;
	}
	if (fork_locked(&x, src_dirfd, &st, err) < 0)
		goto out;
	/* the source runs on: let other commands at it while the copies
	 * are restored */
	close(src_dirfd);
	src_dirfd = -1;
	/* the copies are restored side by side: one child each (CRIU's
	 * restore waits on I/O and on the tree it forks much of the time) */
	fflush(stdout);
	fflush(stderr);
	struct {
		pid_t child;
		int fd;
	} run[FORK_MAX_COPIES];
	bool failed = false;
	for (int k = 0; k < x.n; k++)
		run[k].child = -1, run[k].fd = -1;
	for (int k = 0; k < x.n; k++) {
		struct fork_copy *c = &x.copies[k];
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			error_errno(err, "fork: pipe");
			failed = true;
			goto reap;
		}
		run[k].fd = p[0];
		run[k].child = fork();
		if (run[k].child < 0) {
			close(p[0]);
			close(p[1]);
			error_errno(err, "fork: a restoring child");
			failed = true;
			goto reap;
		}
		c->restored = true; /* whatever is half made, delete -f removes */
		if (run[k].child == 0) {
			close(p[0]);
			struct restore_opts ro = {
				.root = o->root,
				.id = c->id,
				.bundle = c->bundle,
				.console_socket = o->console_socket,
				.detach = true,
				.null_stdio = true,
			};
			ro.c.image_path = x.image;
			struct error e = {0};
			double t = now_ms();
			pid_t pid = -1;
			char msg[ERROR_MSG_MAX + 64];
			int rc = criu_restore_in_place(&ro, x.rootfd, c->dirfd, &pid, &e);
			int n = rc == 0 ? snprintf(msg, sizeof(msg), "ok %d %.1f", (int)pid,
						   now_ms() - t)
					: snprintf(msg, sizeof(msg), "error %s", e.msg);
			if (write(p[1], msg, (size_t)n) < 0) {
				/* the parent sees no answer: a failure */
			}
			_exit(rc == 0 ? 0 : 1);
		}
		close(p[1]);
	}
reap:
	for (int k = 0; k < x.n; k++) {
		struct fork_copy *c = &x.copies[k];
		if (run[k].child <= 0)
			continue;
		char msg[ERROR_MSG_MAX + 64];
		size_t got = 0;
		for (;;) {
			ssize_t n = read(run[k].fd, msg + got, sizeof(msg) - 1 - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
			if (got == sizeof(msg) - 1)
				break;
		}
		msg[got] = '\0';
		close(run[k].fd);
		int status = 0;
		while (waitpid(run[k].child, &status, 0) < 0 && errno == EINTR)
			;
		int pid = 0;
		double ms = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    sscanf(msg, "ok %d %lf", &pid, &ms) == 2 && pid > 0) {
			c->pid = pid;
			say(&x, "forked %s -> %s (pid %d, restored in %.1f ms)\n", o->id, c->id,
			    pid, ms);
		} else {
			if (!failed)
				error_set(err, 0, "fork %s -> %s: %s", o->id, c->id,
					  !strncmp(msg, "error ", 6) ? msg + 6
								     : "the restoring child died");
			failed = true;
		}
	}
	if (failed)
		goto out;
	say(&x, "fork of %s into %d: %.1f ms\n", o->id, x.n, now_ms() - t_start);
	r = 0;
out:
	if (r < 0)
		for (int k = 0; k < x.n; k++)
			drop_copy(&x, &x.copies[k]);
	for (int k = 0; k < x.n; k++) {
		struct fork_copy *c = &x.copies[k];
		if (c->dirfd >= 0)
			close(c->dirfd);
		for (size_t m = 0; c->sources && m < c->n_sources; m++)
			free(c->sources[m]);
		free(c->sources);
	}
	if (x.image[0]) {
		struct error ignored;
		char *slash = strrchr(x.image, '/');
		fs_rm_rf_at(x.rootfd, slash + 1, x.image, &ignored);
	}
	fflush(stdout);
	container_close(src_rootfd, src_dirfd, &st);
	return r;
}
