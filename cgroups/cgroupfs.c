/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroupfs driver: the container's directories in every hierarchy
 * (v1, v2 or both), its state string, joining, listing, signalling,
 * freezing and removal, by writing the cgroup filesystems. Limits are in
 * apply.c, counters in stats.c; the table is at the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "cgroups/internal.h"

#define SERIAL_VERSION "agentrun-cgroup-1"
#define DESTROY_MS 2000

static void fs_free(struct cgroup *cg)
{
	if (!cg)
		return;
	cgroup_hiers_free(cg->h, cg->n);
	free(cg);
}

static void fs_freep(struct cgroup **cg)
{
	fs_free(*cg);
}

/* cgroupsPath: no "." or ".." components, not empty once slashes go. */
static int check_path(const char *p, struct error *err)
{
	bool any = false;
	for (const char *c = p; *c;) {
		while (*c == '/')
			c++;
		size_t l = strcspn(c, "/");
		if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return error_set(err, EINVAL, "invalid cgroupsPath \"%s\": \".\" or \"..\"",
					 p);
		any |= l > 0;
		c += l;
	}
	if (!any)
		return error_set(err, EINVAL, "invalid cgroupsPath \"%s\"", p);
	return 0;
}

/* Remove the made directories above dir, deepest first (dir itself failed). */
static void unmake(const char *dir, int made)
{
	for (int i = 1; i <= made; i++) {
		_cleanup_free_ char *d = cgroup_strip(dir, i);
		if (d)
			rmdir(d);
	}
}

/* mkdir base/sub component by component; count what we made. */
static int make_dirs(struct cgroup_hier *h, const char *base, const char *sub, int *made,
		     bool *existed)
{
	_cleanup_free_ char *cur = strdup(base);
	if (!cur)
		return -ENOMEM;
	*made = 0;
	*existed = false;
	for (const char *c = sub; *c;) {
		while (*c == '/')
			c++;
		size_t l = strcspn(c, "/");
		if (!l)
			break;
		/* on the heap: a component is as long as the config makes it */
		_cleanup_free_ char *comp = strndup(c, l);
		if (!comp)
			return -ENOMEM;
		c += l;
		char *next = cgroup_join(cur, comp);
		if (!next)
			return -ENOMEM;
		free(cur);
		cur = next;
		if (mkdir(cur, 0755) == 0) {
			(*made)++;
			*existed = false;
		} else if (errno == EEXIST) {
			*existed = true;
		} else {
			int e = errno;
			unmake(cur, *made);
			*made = 0;
			h->dir = TAKE_PTR(cur);
			return -e;
		}
	}
	h->dir = TAKE_PTR(cur);
	return 0;
}

static bool has_procs(const char *dir)
{
	_cleanup_free_ char *procs = NULL;
	if (cgroup_read(dir, "cgroup.procs", &procs, NULL) < 0)
		return false;
	return strspn(procs, " \n") != strlen(procs);
}

static int destroy_dirs(struct cgroup *cg, struct error *err);

/* The leaf a plain user's agentrun moves itself into in its own delegated
 * cgroup v2 before making the container's cgroup beside it. */
#define RUNTIME_LEAF "agentrun-runtime"

/* A plain user (or root in a user namespace of one): cgroups only where
 * they were delegated. */
static bool rootless_caller(void)
{
	return geteuid() != 0 || fs_in_child_userns();
}

/* Move this process out of the cgroup v2 dir into dir/RUNTIME_LEAF (made
 * when missing). A cgroup with processes of its own can give its children
 * no controller ("no internal processes"), and a delegated cgroup holding
 * agentrun is one: as systemd asks of whoever a subtree is delegated to,
 * the processes sit in a leaf and the container's cgroup is their
 * sibling. Best effort: when this fails the limits are not applied, which
 * the caller reports. */
static void leave_for_leaf(const char *dir)
{
	_cleanup_free_ char *leaf = cgroup_join(dir, RUNTIME_LEAF);
	if (!leaf || (mkdir(leaf, 0755) < 0 && errno != EEXIST))
		return;
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)getpid());
	cgroup_write(leaf, "cgroup.procs", v, NULL);
}

static int fs_create(const char *cgroups_path, const char *id, struct cgroup **out,
		     struct error *err)
{
	if (cgroups_path && !*cgroups_path)
		cgroups_path = NULL;
	if (!cgroups_path &&
	    (!id || !*id || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, "..")))
		return error_set(err, EINVAL, "create cgroup: invalid container id \"%s\"",
				 id ? id : "");
	if (cgroups_path && check_path(cgroups_path, err) < 0)
		return error_prefix(err, "create cgroup");
	__attribute__((cleanup(fs_freep))) struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return error_set(err, ENOMEM, "create cgroup");
	cg->ops = &cgroup_fs_driver;
	if (cgroup_load_hierarchies(&cg->h, &cg->n, &cg->mode, err) < 0)
		return error_prefix(err, "create cgroup");
	int first_err = 0;
	const char *first_dir = NULL;
	size_t ok = 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_hier *h = &cg->h[i];
		_cleanup_free_ char *base = NULL, *own = NULL;
		const char *sub = cgroups_path ? cgroups_path : id;
		if (cgroups_path && cgroups_path[0] == '/') {
			base = strdup(h->mountpoint);
		} else {
			/* Under our own cgroup, as seen through this mount. On
			 * v2 under its parent, as runc and crun do: our own
			 * cgroup has processes (us), and a cgroup with
			 * processes can give its children no controller ("no
			 * internal processes"), e.g. a systemd service running
			 * agentrun. */
			_cleanup_free_ char *rel = NULL;
			if (cgroup_path_under(h->own, h->mount_root))
				rel = strdup(h->own + strlen(h->mount_root));
			else
				rel = strdup("");
			own = rel ? cgroup_join(h->mountpoint, rel) : NULL;
			if (rel && h->version == 2) {
				char *slash = strrchr(rel, '/');
				*(slash ? slash : rel) = '\0';
			}
			base = rel ? cgroup_join(h->mountpoint, rel) : NULL;
			/* A plain user, on v2: only its own cgroup can be
			 * its (delegated: systemd-run --user --scope -p
			 * Delegate=yes, a user@ service's unit with Delegate=,
			 * a system service's Delegate= with User=), never the
			 * parent, which its delegator manages. agentrun
			 * leaves it for a leaf and the container's cgroup is
			 * made beside that leaf, below its own. */
			if (own && base && h->version == 2 && rootless_caller() &&
			    faccessat(AT_FDCWD, own, W_OK, AT_EACCESS) == 0) {
				leave_for_leaf(own);
				free(base);
				base = strdup(own);
			}
		}
		if (!base) {
			destroy_dirs(cg, NULL);
			return error_set(err, ENOMEM, "create cgroup");
		}
		int made = 0;
		bool existed = false;
		int r = make_dirs(h, base, sub, &made, &existed);
		if (r == -ENOMEM) {
			destroy_dirs(cg, NULL);
			return error_set(err, ENOMEM, "create cgroup");
		}
		if (r < 0) {
			h->errnum = -r;
			h->created = 0;
			if (!first_err) {
				first_err = -r;
				first_dir = h->dir;
			}
			continue;
		}
		h->created = made;
		ok++;
		if (existed && has_procs(h->dir)) {
			error_set(err, 0, "create cgroup %s: it exists and has processes", h->dir);
			if (err)
				err->errnum = EBUSY;
			destroy_dirs(cg, NULL);
			return -1;
		}
	}
	if (!ok) {
		error_set(err, first_err, "create cgroup: mkdir %s", first_dir ? first_dir : "");
		return -1;
	}
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_hier *h = &cg->h[i];
		if (!h->errnum && h->vops->prepare(cg, h, err) < 0) {
			destroy_dirs(cg, NULL);
			return error_prefix(err, "create cgroup");
		}
	}
	/* From now on the leaf is the container's even if it existed (empty). */
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].errnum && cg->h[i].created < 1)
			cg->h[i].created = 1;
	*out = TAKE_PTR(cg);
	return 0;
}

/* ---- state string ---- */

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '%' || c == ';' || c == '|';
}

static int put(char **buf, size_t *len, size_t *cap, const char *s, bool esc)
{
	for (; *s; s++) {
		if (*cap - *len < 5) {
			char *nb = realloc(*buf, *cap * 2);
			if (!nb)
				return -1;
			*buf = nb;
			*cap *= 2;
		}
		if (esc && needs_escape((unsigned char)*s))
			*len += (size_t)snprintf(*buf + *len, 4, "%%%02X", (unsigned char)*s);
		else
			(*buf)[(*len)++] = *s;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static char *fs_serialize(const struct cgroup *cg)
{
	size_t len = 0, cap = 256;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return NULL;
	buf[0] = '\0';
	char num[64];
	snprintf(num, sizeof(num), ";%d", (int)cg->mode);
	if (put(&buf, &len, &cap, SERIAL_VERSION, false) < 0 ||
	    put(&buf, &len, &cap, num, false) < 0)
		return NULL;
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_hier *h = &cg->h[i];
		snprintf(num, sizeof(num), ";%d|", h->version);
		if (put(&buf, &len, &cap, num, false) < 0 ||
		    put(&buf, &len, &cap, h->controllers, true) < 0 ||
		    put(&buf, &len, &cap, "|", false) < 0 ||
		    put(&buf, &len, &cap, h->mountpoint, true) < 0 ||
		    put(&buf, &len, &cap, "|", false) < 0 ||
		    put(&buf, &len, &cap, h->dir ? h->dir : "", true) < 0)
			return NULL;
		snprintf(num, sizeof(num), "|%d|%d", h->created, h->errnum);
		if (put(&buf, &len, &cap, num, false) < 0)
			return NULL;
	}
	return TAKE_PTR(buf);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *unescape_field(const char *s, size_t n)
{
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*w++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	return out;
}

static int parse_hier(struct cgroup_hier *h, const char *s, size_t n)
{
	const char *f[6];
	size_t fl[6], nf = 0;
	for (const char *p = s, *end = s + n; nf < 6;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		f[nf] = p;
		fl[nf++] = bar ? (size_t)(bar - p) : (size_t)(end - p);
		if (!bar)
			break;
		p = bar + 1;
	}
	if (nf != 6)
		return -1;
	h->version = atoi(f[0]);
	h->controllers = unescape_field(f[1], fl[1]);
	h->mountpoint = unescape_field(f[2], fl[2]);
	h->dir = unescape_field(f[3], fl[3]);
	h->mount_root = strdup("/");
	h->own = strdup("/");
	h->created = atoi(f[4]);
	h->errnum = atoi(f[5]);
	if ((h->version != 1 && h->version != 2) || !h->controllers || !h->mountpoint || !h->dir ||
	    !h->mount_root || !h->own || h->dir[0] != '/')
		return -1;
	h->vops = h->version == 2 ? &cgroup_v2_ops : &cgroup_v1_ops;
	return 0;
}

static int fs_open(const char *serialized, struct cgroup **out, struct error *err)
{
	size_t vl = strlen(SERIAL_VERSION);
	if (!serialized || strncmp(serialized, SERIAL_VERSION ";", vl + 1) != 0)
		return error_set(err, EINVAL, "open cgroup: unknown cgroup state \"%.64s\"",
				 serialized ? serialized : "");
	__attribute__((cleanup(fs_freep))) struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return error_set(err, ENOMEM, "open cgroup");
	cg->ops = &cgroup_fs_driver;
	const char *p = serialized + vl + 1;
	int mode = atoi(p);
	if (mode < CGROUP_MODE_V1 || mode > CGROUP_MODE_HYBRID)
		return error_set(err, EINVAL, "open cgroup: bad mode in \"%.64s\"", serialized);
	cg->mode = (enum cgroup_mode)mode;
	for (p = strchr(p, ';'); p; p = strchr(p, ';')) {
		p++;
		size_t n = strcspn(p, ";");
		struct cgroup_hier *nv = realloc(cg->h, (cg->n + 1) * sizeof(*nv));
		if (!nv)
			return error_set(err, ENOMEM, "open cgroup");
		cg->h = nv;
		memset(&cg->h[cg->n], 0, sizeof(cg->h[0]));
		if (parse_hier(&cg->h[cg->n++], p, n) < 0)
			return error_set(err, EINVAL, "open cgroup: bad entry \"%.*s\"", (int)n, p);
		p += n;
	}
	*out = TAKE_PTR(cg);
	return 0;
}

/* ---- processes ---- */

static int fs_enter(struct cgroup *cg, pid_t pid, struct error *err)
{
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_hier *h = &cg->h[i];
		if (h->errnum)
			continue;
		if (cgroup_write(h->dir, "cgroup.procs", v, err) < 0)
			return error_prefix(err, "add pid %d to cgroup", (int)pid);
	}
	return 0;
}

/* The hierarchy that sees every container process: unified, else any. */
static struct cgroup_hier *primary(struct cgroup *cg)
{
	struct cgroup_hier *v2 = cgroup_find(cg, 2, NULL);
	if (v2 && !v2->errnum)
		return v2;
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].errnum)
			return &cg->h[i];
	return NULL;
}

static int add_pid(pid_t **v, size_t *n, size_t *cap, pid_t pid)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		pid_t *nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = pid;
	return 0;
}

static int collect(const char *dir, pid_t **v, size_t *n, size_t *cap, int depth, struct error *err)
{
	_cleanup_free_ char *procs = NULL;
	struct error local = {0};
	if (cgroup_read(dir, "cgroup.procs", &procs, &local) < 0) {
		if (local.errnum == ENOENT && depth > 0)
			return 0; /* a sub-cgroup went away meanwhile */
		if (err)
			*err = local;
		return -1;
	}
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && add_pid(v, n, cap, (pid_t)pid) < 0)
			return error_set(err, ENOMEM, "list cgroup processes");
		p = end;
	}
	if (depth > 64)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : error_errno(err, "open %s", dir);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = cgroup_join(dir, de->d_name);
		if (!sub)
			return error_set(err, ENOMEM, "list cgroup processes");
		if (collect(sub, v, n, cap, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int fs_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err)
{
	struct cgroup_hier *h = primary(cg);
	*pids = NULL;
	*n = 0;
	if (!h)
		return error_set(err, ENOENT, "list cgroup processes: no usable cgroup");
	size_t cap = 0;
	if (collect(h->dir, pids, n, &cap, 0, err) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* ---- freezer ---- */

static struct cgroup_hier *freezer(struct cgroup *cg)
{
	struct cgroup_hier *h = cgroup_find(cg, 1, "freezer");
	if (h && !h->errnum)
		return h;
	h = cgroup_find(cg, 2, NULL);
	if (h && !h->errnum)
		return h;
	return NULL;
}

static const char *fs_freezer_dir(struct cgroup *cg)
{
	struct cgroup_hier *h = freezer(cg);
	return h ? h->dir : NULL;
}

static int fs_freeze(struct cgroup *cg, bool frozen, struct error *err)
{
	struct cgroup_hier *h = freezer(cg);
	if (!h)
		return error_set(err, EOPNOTSUPP, "%s cgroup: no freezer is available",
				 frozen ? "freeze" : "thaw");
	return h->vops->freeze(h, frozen, err);
}

static int fs_is_frozen(struct cgroup *cg, bool *frozen, struct error *err)
{
	struct cgroup_hier *h = freezer(cg);
	*frozen = false;
	if (!h)
		return 0; /* nothing can freeze it */
	return h->vops->is_frozen(h, frozen, err);
}

static int fs_kill_all(struct cgroup *cg, int sig, struct error *err)
{
	struct cgroup_hier *v2 = cgroup_find(cg, 2, NULL), *fz = freezer(cg);
	bool was_frozen = false, froze = false, done = false;
	if (fz && fz->vops->is_frozen(fz, &was_frozen, NULL) < 0)
		was_frozen = false;
	if (sig == SIGKILL && v2 && !v2->errnum && v2->vops->kill) {
		int r = v2->vops->kill(v2, err);
		if (r < 0)
			return error_prefix(err, "kill cgroup");
		done = r == 0;
	}
	int rc = 0;
	if (!done) {
		/* Frozen, nobody can fork a process we would miss. */
		if (fz && !was_frozen)
			froze = fz->vops->freeze(fz, true, NULL) == 0;
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		struct error local = {0};
		rc = fs_pids(cg, &pids, &n, &local);
		if (rc < 0 && local.errnum == ENOENT)
			rc = 0; /* the cgroup is gone: nothing left to signal */
		else if (rc < 0 && err)
			*err = local;
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (kill(pids[i], sig) < 0 && errno != ESRCH)
				rc = error_errno(err, "kill pid %d", (int)pids[i]);
	}
	/* Thaw what we froze; a SIGKILLed cgroup is thawed so its tasks can die. */
	if (fz && (froze || (sig == SIGKILL && was_frozen)))
		fz->vops->freeze(fz, false, NULL);
	return rc;
}

/* ---- removal ---- */

/* rmdir dir after its sub-cgroups, deepest first. A cgroup without
 * sub-cgroups (nearly every one) goes with one rmdir, without reading its
 * directory; one that still has sub-cgroups (or tasks) fails with EBUSY. */
static int remove_tree(const char *dir)
{
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -1;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int r = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = cgroup_join(dir, de->d_name);
		if (!sub || remove_tree(sub) < 0)
			r = -1;
		free(sub);
	}
	closedir(d);
	if (r == 0 && rmdir(dir) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

static int destroy_dirs(struct cgroup *cg, struct error *err)
{
	uint64_t deadline = cgroup_now_ms() + DESTROY_MS;
	int rc = 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_hier *h = &cg->h[i];
		if (h->errnum || h->created <= 0 || !h->dir)
			continue;
		unsigned step = 0;
		while (remove_tree(h->dir) < 0) {
			/* Processes still draining out of the cgroup. */
			if ((errno == EBUSY || errno == ENOTEMPTY) && cgroup_now_ms() < deadline) {
				cgroup_backoff(&step);
				continue;
			}
			if (rc == 0)
				rc = error_errno(err, "remove cgroup %s", h->dir);
			break;
		}
		/* The ancestors cgroup_create made, while nobody else uses them. */
		for (int k = 1; k < h->created; k++) {
			_cleanup_free_ char *anc = cgroup_strip(h->dir, k);
			if (!anc || (rmdir(anc) < 0 && errno != ENOENT))
				break;
		}
		/* The leaf a plain user's agentrun left its delegated cgroup
		 * for (leave_for_leaf), once no agentrun is in it. */
		if (h->version == 2) {
			_cleanup_free_ char *top = cgroup_strip(h->dir, h->created);
			_cleanup_free_ char *leaf = top ? cgroup_join(top, RUNTIME_LEAF) : NULL;
			if (leaf)
				rmdir(leaf);
		}
	}
	return rc;
}

static int fs_destroy(struct cgroup *cg, struct error *err)
{
	bool frozen = false;
	/* Frozen (v1) tasks cannot exit, and the directories stay busy. */
	if (fs_is_frozen(cg, &frozen, NULL) == 0 && frozen)
		fs_freeze(cg, false, NULL);
	if (destroy_dirs(cg, err) < 0)
		return -1;
	for (size_t i = 0; i < cg->n; i++)
		cg->h[i].created = 0;
	return 0;
}

/* ---- availability ---- */

static bool check_available(void)
{
	struct cgroup_hier *hs = NULL;
	size_t n = 0;
	enum cgroup_mode mode;
	if (cgroup_load_hierarchies(&hs, &n, &mode, NULL) < 0)
		return false;
	bool ok = false;
	for (size_t i = 0; i < n && !ok; i++) {
		struct cgroup_hier *h = &hs[i];
		if (h->version == 1 && (!strncmp(h->controllers, "name=", 5) || geteuid() != 0))
			continue; /* v1 is not delegated safely to non-root */
		const char *rel = "";
		if (cgroup_path_under(h->own, h->mount_root))
			rel = h->own + strlen(h->mount_root);
		_cleanup_free_ char *own = cgroup_join(h->mountpoint, rel);
		ok = own && faccessat(AT_FDCWD, own, W_OK, AT_EACCESS) == 0;
	}
	cgroup_hiers_free(hs, n);
	return ok;
}

static bool fs_available(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = check_available();
	return cached;
}

/* Does the v1 controller list ("cpu,cpuacct", "name=systemd") hold ctrl? */
static bool lists_controller(const char *list, const char *ctrl, size_t len)
{
	for (const char *p = list; p && *p;) {
		const char *e = strchrnul(p, ',');
		if ((size_t)(e - p) == len && !strncmp(p, ctrl, len))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

static int fs_enter_sub(struct cgroup *cg, const char *const *subs, size_t n, pid_t pid,
			struct error *err)
{
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t k = 0; k < n; k++)
		if (strstr(subs[k], "..") || !*subs[k])
			return error_set(err, 0, "--cgroup \"%s\": invalid sub-cgroup", subs[k]);
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_hier *h = &cg->h[i];
		if (h->errnum)
			continue;
		const char *sub = NULL;
		for (size_t k = 0; k < n; k++) {
			const char *colon = strchr(subs[k], ':');
			if (!colon)
				sub = subs[k]; /* every hierarchy, unless one is named */
			else if (h->version == 1 && lists_controller(h->controllers, subs[k],
								     (size_t)(colon - subs[k])))
				sub = colon + 1;
		}
		for (size_t k = 0; k < n && h->version == 1; k++) {
			const char *colon = strchr(subs[k], ':');
			if (colon &&
			    lists_controller(h->controllers, subs[k], (size_t)(colon - subs[k])))
				sub = colon + 1; /* a named controller wins */
		}
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/%s", h->dir, sub ? sub : "");
		struct stat st;
		if (sub && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
			return error_errno(err, "--cgroup: sub-cgroup %s", dir);
		if (cgroup_write(sub ? dir : h->dir, "cgroup.procs", v, err) < 0)
			return error_prefix(err, "add pid %d to cgroup", (int)pid);
	}
	return 0;
}

const struct cgroup_driver_ops cgroup_fs_driver = {
	.name = "cgroupfs",
	.serial_tag = SERIAL_VERSION,
	.available = fs_available,
	.create = fs_create,
	.open = fs_open,
	.serialize = fs_serialize,
	.enter = fs_enter,
	.enter_sub = fs_enter_sub,
	.apply = cgroupfs_apply,
	.pids = fs_pids,
	.kill_all = fs_kill_all,
	.freeze = fs_freeze,
	.is_frozen = fs_is_frozen,
	.freezer_dir = fs_freezer_dir,
	.stats = cgroupfs_stats,
	.oom_count = cgroupfs_oom_count,
	.destroy = fs_destroy,
	.free = fs_free,
};
