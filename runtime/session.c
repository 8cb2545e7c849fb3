/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every command needs to know about suspended sessions (they need no
 * CRIU): the annotation, engines that own their containers, signals that
 * end a suspended session, discarding its image. */
#include "runtime/session.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

const char *session_suspended(const struct spec_state *st)
{
	const char *image = spec_map_get(&st->annotations, SESSION_SUSPENDED);
	return image && image[0] == '/' ? image : NULL;
}

const char *session_engine(const struct spec_state *st, const struct spec *spec)
{
	const struct spec_map *a = spec ? &spec->annotations : &st->annotations;
	for (size_t i = 0; i < a->n; i++) {
		if (!strcmp(a->keys[i], "io.container.manager"))
			return a->values[i]; /* podman: "libpod" */
		if (!strncmp(a->keys[i], "io.kubernetes.cri.", 18) ||
		    !strncmp(a->keys[i], "io.kubernetes.cri-o.", 20))
			return "a CRI runtime (Kubernetes)";
	}
	/* containerd's (and Docker's) shims keep the bundle here */
	if (st->bundle && strstr(st->bundle, "/io.containerd.runtime.v2.task/"))
		return "containerd";
	if (st->bundle && strstr(st->bundle, "/containers/storage/") &&
	    strstr(st->bundle, "/userdata"))
		return "podman";
	return NULL;
}

bool session_signal_ends(int sig)
{
	return sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT;
}

int session_discard_image(int dirfd, const char *image, struct error *err)
{
	(void)dirfd;
	if (!image || image[0] != '/')
		return 0;
	/* from its parent: the walk refuses to cross mounts below that */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", image);
	char *slash = strrchr(parent, '/');
	if (!slash || !slash[1])
		return error_set(err, 0, "suspended image path %s: not a directory below another",
				 image);
	*slash = '\0';
	_cleanup_close_ int pfd = open(parent[0] ? parent : "/",
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "open %s", parent);
	}
	if (fs_rm_rf_at(pfd, slash + 1, image, err) < 0)
		return error_prefix(err, "remove the suspended image");
	return 0;
}

int session_wake_for(const char *root, const char *id, bool no_wake, const char *what,
		     struct error *err)
{
	struct spec_state st;
	struct error ignored;
	if (container_state(root, id, &st, &ignored) < 0)
		return 0; /* the command itself says what is wrong */
	const char *image = session_suspended(&st);
	int r = 0;
	if (!image)
		r = 0;
	else if (no_wake)
		r = error_set(err, 0,
			      "container %s is suspended (image %s): %s --no-wake does not wake "
			      "it (agentrun wake %s)",
			      id, image, what, id);
	else if (st.has_terminal)
		r = error_set(err, 0,
			      "container %s is suspended and has a terminal: wake it with "
			      "agentrun wake --console-socket PATH %s first",
			      id, id);
	else
		r = container_wake(&(struct wake_opts){.root = root, .id = id}, err);
	spec_state_clear(&st);
	return r;
}

int session_image_sync(const char *image, bool parent, struct error *err)
{
	_cleanup_close_ int dfd = open(image, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "image directory %s", image);
	if (fs_sync_tree_at(dfd, image, err) < 0)
		return -1;
	if (!parent)
		return 0;
	_cleanup_close_ int pfd = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return error_errno(err, "the directory of %s", image);
	if (fsync(pfd) < 0)
		return error_errno(err, "fsync the directory of %s", image);
	return 0;
}
