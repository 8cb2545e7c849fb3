/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The credentials of a restored tree, checked against the bundle's
 * config.json before any of its tasks runs again. CRIU gives every task
 * the credentials written in the image (capability sets, uids and gids,
 * no_new_privs, seccomp), and an image is a directory of files anyone who
 * can write files can make: a forged creds-*.img would otherwise hand its
 * process any capability, host root where there is no user namespace.
 *
 * CRIU applies the image's credentials and seccomp filters only after its
 * "post-restore" notification (CR_STATE_RESTORE_CREDS comes after it), so
 * the check runs at "pre-resume": every task is restored, holds its final
 * credentials and is stopped under CRIU's ptrace before rt_sigreturn. CRIU
 * ignores what the client answers there, so on any excess the whole tree
 * is SIGKILLed here; a task with a fatal signal pending never returns to
 * user space, and CRIU's detach from it then fails, which fails the
 * restore.
 *
 * A task may hold only what a process started from config.json could have
 * reached by itself: the bounding set only shrinks; permitted, effective
 * and ambient stay within permitted (with noNewPrivileges false an execve
 * can also give what bounding and inheritable hold); inheritable within
 * inheritable and that. Uids and gids are process.user's (as the container's
 * user namespace sees them), unless CAP_SETUID / CAP_SETGID is in reach;
 * supplementary groups are process.user.gid and additionalGids. Every task
 * is in the container's user namespace (a new one: a child of ours with
 * config.json's maps). noNewPrivileges set means NoNewPrivs 1, a
 * linux.seccomp means a filter (Seccomp 2). */
#include "runtime/criu_internal.h"

#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERIFY_MAX_TASKS 65536

struct id_map {
	uint32_t inside, outside, count;
};

struct limits {
	uint64_t bnd, prm, inh; /* CapBnd; CapPrm/CapEff/CapAmb; CapInh */
	const struct spec *spec;
	struct id_map uid[340], gid[340];
	size_t n_uid, n_gid;
	bool any_uid, any_gid;
	dev_t ns_dev;
	ino_t ns_ino;
};

static uint64_t cap_mask(const cap_value_t *v, size_t n)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0 && v[i] < 64)
			m |= UINT64_C(1) << v[i];
	return m;
}

/* container id -> id as agentrun's namespace sees it; -1 when unmapped */
static int64_t map_out(const struct id_map *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].inside && id - m[i].inside < m[i].count)
			return (int64_t)m[i].outside + (id - m[i].inside);
	return -1;
}

static int read_map(pid_t pid, const char *which, struct id_map *m, size_t max, size_t *n,
		    struct error *err)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, which);
	if (fs_read_file(path, &text, NULL, err) < 0)
		return -1;
	*n = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct id_map e;
		if (sscanf(l, "%" SCNu32 " %" SCNu32 " %" SCNu32, &e.inside, &e.outside,
			   &e.count) != 3)
			continue;
		if (*n >= max)
			return error_set(err, 0, "%s: too many lines", path);
		m[(*n)++] = e;
	}
	return 0;
}

/* the restored user namespace's map is config.json's, line for line (in
 * any order) */
static int same_map(const struct id_map *m, size_t n, const struct spec_id_mapping *c, size_t nc)
{
	if (n != nc)
		return 0;
	for (size_t i = 0; i < nc; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			found = m[j].inside == c[i].container_id && m[j].outside == c[i].host_id &&
				m[j].count == c[i].size;
		if (!found)
			return 0;
	}
	return 1;
}

/* The user namespace every restored task must be in, and the uid/gid
 * maps to read its ids through. */
static int container_userns(pid_t root, struct limits *l, struct error *err)
{
	const struct spec *s = l->spec;
	const struct spec_namespace *ns = spec_namespace_find(s, "user");
	struct stat self, st;
	if (stat("/proc/self/ns/user", &self) < 0)
		return error_errno(err, "stat /proc/self/ns/user");
	if (!ns) {
		l->ns_dev = self.st_dev, l->ns_ino = self.st_ino;
		l->uid[0] = l->gid[0] = (struct id_map){0, 0, UINT32_MAX};
		l->n_uid = l->n_gid = 1;
		return 0;
	}
	if (ns->path && *ns->path) {
		if (stat(ns->path, &st) < 0)
			return error_errno(err, "stat user namespace %s", ns->path);
	} else {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", root);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return error_errno(err, "open %s", path);
		_cleanup_close_ int parent = ioctl(fd, NS_GET_PARENT);
		struct stat pst;
		if (parent < 0 || fstat(parent, &pst) < 0 || pst.st_dev != self.st_dev ||
		    pst.st_ino != self.st_ino ||
		    (st.st_dev == self.st_dev && st.st_ino == self.st_ino))
			return error_set(err, 0,
					 "restore: restored process %d is not in a new user "
					 "namespace of its own as config.json's "
					 "linux.namespaces asks",
					 root);
	}
	l->ns_dev = st.st_dev, l->ns_ino = st.st_ino;
	size_t cap = sizeof(l->uid) / sizeof(l->uid[0]);
	if (read_map(root, "uid_map", l->uid, cap, &l->n_uid, err) < 0 ||
	    read_map(root, "gid_map", l->gid, cap, &l->n_gid, err) < 0)
		return -1;
	if (ns->path && *ns->path)
		return 0;
	if (!same_map(l->uid, l->n_uid, s->linux_.uid_mappings, s->linux_.n_uid_mappings))
		return error_set(err, 0,
				 "restore: restored process %d has a uid_map other than "
				 "config.json's linux.uidMappings",
				 root);
	if (!same_map(l->gid, l->n_gid, s->linux_.gid_mappings, s->linux_.n_gid_mappings))
		return error_set(err, 0,
				 "restore: restored process %d has a gid_map other than "
				 "config.json's linux.gidMappings",
				 root);
	return 0;
}

static int limits_load(pid_t root, const struct spec *s, struct limits *l, struct error *err)
{
	struct process_caps c;
	l->spec = s;
	if (process_caps_load(&s->process, &c, err) < 0)
		return -1;
	l->bnd = cap_mask(c.vals[PROCESS_CAP_BOUNDING], c.n[PROCESS_CAP_BOUNDING]);
	l->prm = cap_mask(c.vals[PROCESS_CAP_PERMITTED], c.n[PROCESS_CAP_PERMITTED]);
	uint64_t inh = cap_mask(c.vals[PROCESS_CAP_INHERITABLE], c.n[PROCESS_CAP_INHERITABLE]);
	if (!s->process.no_new_privileges)
		l->prm |= l->bnd | inh; /* an execve (root, set-uid, file caps) */
	l->inh = inh | l->prm;		/* capset raises inheritable from permitted */
	l->any_uid = l->prm & (UINT64_C(1) << CAP_SETUID);
	l->any_gid = l->prm & (UINT64_C(1) << CAP_SETGID);
	return container_userns(root, l, err);
}

/* The value of "Key:" in a status text, or NULL. */
static const char *field(const char *status, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			p += kl + 1;
			while (*p == '\t' || *p == ' ')
				p++;
			return p;
		}
	return NULL;
}

static int check_ids(pid_t pid, const char *status, const char *key, uint32_t want,
		     const struct id_map *m, size_t n, const char *what, struct error *err)
{
	const char *v = field(status, key);
	unsigned long ids[4];
	if (!v || sscanf(v, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4)
		return error_set(err, 0, "restore: restored process %d: no %s line in its status",
				 pid, key);
	int64_t host = map_out(m, n, want);
	for (int i = 0; i < 4; i++)
		if (host < 0 || ids[i] != (unsigned long)host)
			return error_set(err, 0,
					 "restore: restored process %d has %s %lu %lu %lu %lu "
					 "(as agentrun sees it), not config.json's "
					 "process.user.%s %" PRIu32,
					 pid, key, ids[0], ids[1], ids[2], ids[3], what, want);
	return 0;
}

static int check_groups(pid_t pid, const char *status, const struct limits *l, struct error *err)
{
	const struct spec_user *u = &l->spec->process.user;
	const char *v = field(status, "Groups");
	if (!v)
		return error_set(err, 0, "restore: restored process %d: no Groups line", pid);
	while (*v && *v != '\n') {
		char *end;
		unsigned long g = strtoul(v, &end, 10);
		if (end == v)
			break;
		bool ok = map_out(l->gid, l->n_gid, u->gid) == (int64_t)g;
		for (size_t i = 0; i < u->n_additional_gids && !ok; i++)
			ok = map_out(l->gid, l->n_gid, u->additional_gids[i]) == (int64_t)g;
		if (!ok)
			return error_set(err, 0,
					 "restore: restored process %d has the supplementary "
					 "group %lu (as agentrun sees it), not in config.json's "
					 "process.user.additionalGids",
					 pid, g);
		v = end;
		while (*v == ' ' || *v == '\t')
			v++;
	}
	return 0;
}

static int check_task(pid_t pid, const char *path, const struct limits *l, struct error *err)
{
	_cleanup_free_ char *st = NULL;
	if (fs_read_file(path, &st, NULL, err) < 0)
		return error_prefix(err, "restore: restored process %d", pid);
	const char *state = field(st, "State");
	if (state && (*state == 'Z' || *state == 'X'))
		return 0; /* never runs again */
	static const struct {
		const char *key, *set;
		size_t off;
	} caps[] = {
		{"CapBnd", "bounding", offsetof(struct limits, bnd)},
		{"CapPrm", "permitted", offsetof(struct limits, prm)},
		{"CapEff", "effective", offsetof(struct limits, prm)},
		{"CapInh", "inheritable", offsetof(struct limits, inh)},
		{"CapAmb", "ambient", offsetof(struct limits, prm)},
	};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		const char *v = field(st, caps[i].key);
		uint64_t have, allowed;
		memcpy(&allowed, (const char *)l + caps[i].off, sizeof(allowed));
		if (!v || sscanf(v, "%" SCNx64, &have) != 1)
			return error_set(err, 0, "restore: restored process %d: no %s line", pid,
					 caps[i].key);
		if (have & ~allowed)
			return error_set(err, 0,
					 "restore: restored process %d has capabilities beyond "
					 "config.json's process.capabilities.%s (%s %016" PRIx64
					 ", at most %016" PRIx64 ")",
					 pid, caps[i].set, caps[i].key, have, allowed);
	}
	const struct spec_user *u = &l->spec->process.user;
	if ((!l->any_uid && check_ids(pid, st, "Uid", u->uid, l->uid, l->n_uid, "uid", err) < 0) ||
	    (!l->any_gid && check_ids(pid, st, "Gid", u->gid, l->gid, l->n_gid, "gid", err) < 0) ||
	    (!l->any_gid && check_groups(pid, st, l, err) < 0))
		return -1;
	const char *nnp = field(st, "NoNewPrivs");
	if (l->spec->process.no_new_privileges && (!nnp || *nnp != '1'))
		return error_set(err, 0,
				 "restore: restored process %d has NoNewPrivs %c, but "
				 "config.json's process.noNewPrivileges is true",
				 pid, nnp ? *nnp : '?');
	const char *sc = field(st, "Seccomp");
	if (l->spec->linux_.seccomp.present && (!sc || *sc != '2'))
		return error_set(err, 0,
				 "restore: restored process %d has no seccomp filter (Seccomp %c), "
				 "but config.json has linux.seccomp",
				 pid, sc ? *sc : '?');
	return 0;
}

struct tree {
	pid_t *pids;
	size_t n, cap;
};

static int tree_add(struct tree *t, pid_t pid, struct error *err)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->pids[i] == pid)
			return 0;
	if (t->n >= VERIFY_MAX_TASKS)
		return error_set(err, 0, "restore: more than %d restored processes",
				 VERIFY_MAX_TASKS);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		pid_t *p = realloc(t->pids, cap * sizeof(*p));
		if (!p)
			return error_set(err, ENOMEM, "restore: restored processes");
		t->pids = p, t->cap = cap;
	}
	t->pids[t->n++] = pid;
	return 0;
}

/* The threads of PID, one call per thread id. */
static int for_each_thread(pid_t pid, int (*fn)(pid_t pid, long tid, void *arg), void *arg,
			   struct error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return error_errno(err, "restore: restored process %d: open %s", pid, path);
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		if (!*end && tid > 0)
			r = fn(pid, tid, arg);
	}
	closedir(d);
	return r;
}

struct walk {
	struct tree *t;
	const struct limits *l;
	struct error *err;
};

static int add_children(pid_t pid, long tid, void *arg)
{
	struct walk *w = arg;
	char path[96];
	_cleanup_free_ char *children = NULL;
	snprintf(path, sizeof(path), "/proc/%d/task/%ld/children", pid, tid);
	if (fs_read_file(path, &children, NULL, w->err) < 0)
		return error_prefix(w->err, "restore: the children of restored process %d", pid);
	for (char *p = children; p && *p;) {
		char *end;
		long child = strtol(p, &end, 10);
		if (end == p)
			break;
		if (tree_add(w->t, (pid_t)child, w->err) < 0)
			return -1;
		p = end;
	}
	return 0;
}

static int check_thread(pid_t pid, long tid, void *arg)
{
	struct walk *w = arg;
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%ld/status", pid, tid);
	return check_task((pid_t)tid, path, w->l, w->err);
}

/* PID in the container's user namespace, and every thread of it within
 * config.json's credentials. */
static int check_process(pid_t pid, struct walk *w)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	if (stat(path, &st) < 0)
		return error_errno(w->err, "restore: restored process %d: stat %s", pid, path);
	if (st.st_dev != w->l->ns_dev || st.st_ino != w->l->ns_ino)
		return error_set(w->err, 0,
				 "restore: restored process %d is in a user namespace other "
				 "than the container's",
				 pid);
	return for_each_thread(pid, check_thread, w, w->err);
}

int criu_verify_restored(pid_t root, const struct spec *spec, pid_t **tree, size_t *n_tree,
			 struct error *err)
{
	struct tree t = {0};
	struct limits l;
	struct walk w = {.t = &t, .l = &l, .err = err};
	memset(&l, 0, sizeof(l));
	int r = -1;
	*tree = NULL, *n_tree = 0;
	if (root <= 0) {
		error_set(err, 0, "restore: CRIU did not name the restored process");
	} else if (tree_add(&t, root, err) == 0) {
		/* the whole tree first (every task is stopped under CRIU's
		 * ptrace: none forks or exits meanwhile), so that all of it is
		 * stopped whatever fails */
		r = 0;
		for (size_t i = 0; i < t.n && r == 0; i++)
			r = for_each_thread(t.pids[i], add_children, &w, err);
		if (r == 0)
			r = limits_load(root, spec, &l, err);
		for (size_t i = 0; i < t.n && r == 0; i++)
			r = check_process(t.pids[i], &w);
	}
	if (r == 0) {
		free(t.pids);
		return 0;
	}
	/* not killed here: a task SIGKILLed while CRIU traces it is a zombie
	 * only CRIU may reap, and CRIU then waits forever for the init of
	 * the pid namespace, which waits for it. SIGSTOP cannot be blocked or
	 * ignored: it is pending when CRIU detaches, and every thread handles
	 * it (a group stop) on its way back to user space, before running
	 * any of its code. The caller kills the stopped tree once CRIU is
	 * done. */
	for (size_t i = 0; i < t.n; i++)
		kill(t.pids[i], SIGSTOP);
	*tree = t.pids, *n_tree = t.n;
	return -1;
}
