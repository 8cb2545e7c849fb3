/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "cgroups/cgroup.h"
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int state_check_id(const char *id, struct error *err)
{
	if (!id || !*id)
		return error_set(err, 0, "container id cannot be empty");
	if (!strcmp(id, ".") || !strcmp(id, "..") || strlen(id) > 1024)
		return error_set(err, 0, "invalid container id: %s", id);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return error_set(err, 0, "invalid container id format: %s", id);
	return 0;
}

int state_root_open(const char *root, bool create, struct error *err)
{
	if (create && fs_mkdir_p(root, 0700, err) < 0)
		return error_prefix(err, "create state directory %s", root);
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open state directory %s", root);
	return fd;
}

static int lock_dir(int fd, const char *id, struct error *err)
{
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return error_errno(err, "lock container %s", id);
	}
	return 0;
}

int state_dir_create(int rootfd, const char *id, struct error *err)
{
	if (state_check_id(id, err) < 0)
		return -1;
	if (mkdirat(rootfd, id, 0711) < 0) {
		if (errno == EEXIST)
			return error_set(err, 0, "container with id exists: %s", id);
		return error_errno(err, "create state directory for %s", id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || lock_dir(fd, id, err) < 0) {
		if (fd < 0)
			error_errno(err, "open state directory of %s", id);
		else
			close(fd);
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return -1;
	}
	return fd;
}

int state_dir_open_unlocked(int rootfd, const char *id, struct error *err)
{
	if (state_check_id(id, err) < 0)
		return -1;
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, 0, "container does not exist: %s", id);
		return error_errno(err, "open state directory of %s", id);
	}
	return fd;
}

int state_dir_open(int rootfd, const char *id, struct error *err)
{
	int fd = state_dir_open_unlocked(rootfd, id, err);
	if (fd < 0)
		return -1;
	if (lock_dir(fd, id, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int state_load(int dirfd, const char *id, struct spec_state *st, struct error *err)
{
	_cleanup_free_ char *json = NULL;
	if (fs_read_fileat(dirfd, STATE_FILE, &json, NULL, err) < 0) {
		if (err->errnum == ENOENT) {
			/* the directory exists but create has not finished */
			memset(st, 0, sizeof(*st));
			st->id = strdup(id);
			st->status = strdup("creating");
			st->bundle = strdup("");
			st->oci_version = strdup(AGENTRUN_SPEC_VERSION);
			error_clear(err);
			return 0;
		}
		return error_prefix(err, "container %s", id);
	}
	return spec_state_parse(json, STATE_FILE, st, err);
}

int state_save(int dirfd, const struct spec_state *st, struct error *err)
{
	_cleanup_free_ char *json = NULL;
	if (spec_state_to_json(st, true, false, &json, err) < 0)
		return -1;
	return fs_write_file_atomic(dirfd, STATE_FILE, json, strlen(json), err);
}

unsigned long long state_process_start_time(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_free_ char *buf = NULL;
	struct error err;
	if (fs_read_file(path, &buf, NULL, &err) < 0)
		return 0;
	/* the command name may hold spaces and parentheses: skip to the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0;
	/* fields after ')' start at field 3 (state); starttime is field 22 */
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

bool state_process_alive(pid_t pid, unsigned long long start_time)
{
	if (pid <= 0)
		return false;
	unsigned long long now = state_process_start_time(pid);
	return now != 0 && (start_time == 0 || now == start_time);
}

void state_refresh(int dirfd, struct spec_state *st)
{
	if (!strcmp(st->status, "creating"))
		return;
	const char *status;
	if (!state_process_alive(st->pid, st->start_time)) {
		status = "stopped";
	} else if (faccessat(dirfd, EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		status = "created";
	} else {
		status = "running";
		struct cgroup *cg = NULL;
		struct error err;
		bool frozen = false;
		if (st->cgroup && cgroup_open(st->cgroup, &cg, &err) == 0) {
			if (cgroup_is_frozen(cg, &frozen, &err) == 0 && frozen)
				status = "paused";
			cgroup_free(cg);
		}
	}
	if (strcmp(st->status, status) != 0) {
		char *s = strdup(status);
		if (s) {
			free(st->status);
			st->status = s;
		}
	}
}

int state_dir_remove(int rootfd, const char *id, struct error *err)
{
	if (fs_rm_rf_at(rootfd, id, id, err) < 0)
		return error_prefix(err, "remove state directory of %s", id);
	return 0;
}

int state_save_creating(int dirfd, const char *id, const char *bundle, const struct cgroup *cg,
			struct error *err)
{
	_cleanup_free_ char *cgs = cg ? cgroup_serialize(cg) : NULL;
	if (cg && !cgs)
		return error_set(err, ENOMEM, "state of %s", id);
	struct spec_state st = {
		.oci_version = AGENTRUN_SPEC_VERSION,
		.id = (char *)id,
		.status = "creating",
		.bundle = (char *)(bundle ? bundle : ""),
		.cgroup = cgs,
	};
	return state_save(dirfd, &st, err);
}
