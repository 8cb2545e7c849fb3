/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRIU through libcriu: the options both directions share, what the
 * container's mounts and stdio look like to CRIU (external mounts, external
 * files, inherited fds), and the record of them kept in the image directory
 * for restore. The dump and restore flows are in criu_dump.c and
 * criu_restore.c. Built only with libcriu (runtime/meson.build); without
 * it criu_none.c stands in. */
#include "runtime/criu.h"
#include "runtime/criu_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool criu_built_in(void)
{
	return true;
}

/* ------------------------------------------------------------ the binary */

/* The criu binary: $AGENTRUN_CRIU, else the first in PATH, else the usual
 * sbin directories (a root shell without sbin in PATH). */
int criu_find_binary(char *out, size_t size)
{
	const char *env = getenv("AGENTRUN_CRIU");
	if (env && *env) {
		snprintf(out, size, "%s", env);
		return 0;
	}
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = NULL;
	if (asprintf(&dirs, "%s:/usr/local/sbin:/usr/sbin:/sbin", path ? path : "") < 0)
		return -1;
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		snprintf(out, size, "%s/criu", d);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

const char *criu_library_version(void)
{
	return CRIU_VERSION; /* libcriu's version.h */
}

void criu_describe(char *buf, size_t size)
{
	char bin[PATH_MAX];
	if (criu_find_binary(bin, sizeof(bin)) < 0) {
		snprintf(buf, size, "not found");
		return;
	}
	if (access(bin, X_OK) < 0) {
		snprintf(buf, size, "not found (%s: %s)", bin, strerror(errno));
		return;
	}
	struct error lerr = {0};
	if (criu_lib_load(&lerr) < 0) {
		snprintf(buf, size, "unknown (%s)", lerr.msg);
		return;
	}
	criu_opts *opts = NULL;
	if (criu_local_init_opts(&opts) < 0) {
		snprintf(buf, size, "unknown (libcriu: out of memory)");
		return;
	}
	if (criu_local_set_service_binary(opts, bin) < 0) {
		criu_local_free_opts(opts);
		snprintf(buf, size, "unknown (libcriu: out of memory)");
		return;
	}
	/* libcriu runs `criu swrk` and asks it; a binary that is not CRIU
	 * makes libcriu print its perror()s: not on our stderr */
	fflush(stderr);
	int saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	int v = criu_local_get_version(opts);
	if (saved >= 0 && null >= 0)
		dup2(saved, 2);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	criu_local_free_opts(opts);
	if (v <= 0)
		snprintf(buf, size, "unknown (%s does not answer as CRIU)", bin);
	else
		snprintf(buf, size, "%d.%d.%d (%s)%s", v / 10000, v / 100 % 100, v % 100, bin,
			 v < CRIU_MIN_VERSION ? "; too old: agentrun needs CRIU >= 4.2" : "");
}

/* `criu --version`: "Version: 4.2.1" -> 40201 (CRIU's own encoding). */
static int criu_binary_version(const char *bin, int *version, struct error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return error_errno(err, "fork");
	}
	if (pid == 0) {
		dup2(p[1], 1);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0)
			dup2(null, 2);
		execl(bin, "criu", "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char buf[256];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) - 1 && (r = read(p[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int major = 0, minor = 0, sub = 0;
	const char *v = strstr(buf, "Version:");
	if (!v || sscanf(v, "Version: %d.%d.%d", &major, &minor, &sub) < 2)
		return error_set(err, 0, "cannot run %s --version", bin);
	*version = major * 10000 + minor * 100 + sub;
	return 0;
}

/* `criu --version` costs a fork and exec (~17 ms) on every checkpoint and
 * restore: the answer is kept in the state root, keyed by the binary's
 * device, inode, size and change time. */
#define VERSION_CACHE ".criu-version"

static void version_key(const struct stat *sb, char *buf, size_t size)
{
	snprintf(buf, size, "%llu %llu %lld %lld.%09ld", (unsigned long long)sb->st_dev,
		 (unsigned long long)sb->st_ino, (long long)sb->st_size,
		 (long long)sb->st_ctim.tv_sec, sb->st_ctim.tv_nsec);
}

static int criu_version_cached(const char *root, const char *bin, int *version, struct error *err)
{
	struct stat sb;
	char key[128];
	if (stat(bin, &sb) < 0)
		return error_errno(err, "stat %s", bin);
	version_key(&sb, key, sizeof(key));
	_cleanup_close_ int rootfd = root ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	_cleanup_free_ char *cached = NULL;
	struct error ignored = {0};
	size_t kl = strlen(key);
	if (rootfd >= 0 && fs_read_fileat(rootfd, VERSION_CACHE, &cached, NULL, &ignored) == 0 &&
	    !strncmp(cached, key, kl) && cached[kl] == ' ') {
		char *end = NULL;
		long v = strtol(cached + kl + 1, &end, 10);
		if (v >= 10000 && v < 1000000 && end && (*end == '\n' || !*end)) {
			*version = (int)v;
			return 0;
		}
	}
	if (criu_binary_version(bin, version, err) < 0)
		return -1;
	if (rootfd >= 0) {
		char line[160];
		int n = snprintf(line, sizeof(line), "%s %d\n", key, *version);
		fs_write_file_atomic(rootfd, VERSION_CACHE, line, (size_t)n, &ignored);
	}
	return 0;
}

/* ------------------------------------------------------------ options */

int criu_opts_new(const struct criu_common_opts *c, const char *root, int images_fd, int work_fd,
		  const char *log_name, criu_opts **out, struct error *err)
{
	if (criu_lib_load(err) < 0)
		return -1;
	char bin[PATH_MAX];
	if (criu_find_binary(bin, sizeof(bin)) < 0)
		return error_set(err, 0,
				 "criu not found (install CRIU >= 4.2, e.g. with "
				 "scripts/criu.sh, or set AGENTRUN_CRIU)");
	int version = 0;
	if (criu_version_cached(root, bin, &version, err) < 0)
		return -1;
	if (version < CRIU_MIN_VERSION)
		return error_set(err, 0,
				 "%s is CRIU %d.%d.%d; agentrun needs CRIU >= 4.2 (older "
				 "versions fail or hang on current kernels; see "
				 "scripts/criu.sh, or set AGENTRUN_CRIU)",
				 bin, version / 10000, version / 100 % 100, version % 100);
	criu_opts *opts = NULL;
	if (criu_local_init_opts(&opts) < 0)
		return error_set(err, ENOMEM, "libcriu: init options");
	if (criu_local_set_service_binary(opts, bin) < 0) {
		criu_local_free_opts(opts);
		return error_set(err, ENOMEM, "libcriu: set service binary");
	}
	criu_local_set_images_dir_fd(opts, images_fd);
	criu_local_set_work_dir_fd(opts, work_fd);
	criu_local_set_log_level(opts, CRIU_LOG_DEBUG);
	criu_local_set_log_file(opts, log_name);
	criu_local_set_tcp_established(opts, c->tcp_established);
	criu_local_set_tcp_skip_in_flight(opts, c->tcp_skip_in_flight);
	criu_local_set_ext_unix_sk(opts, c->ext_unix_sk);
	criu_local_set_shell_job(opts, c->shell_job);
	criu_local_set_file_locks(opts, c->file_locks);
	criu_local_set_auto_dedup(opts, c->auto_dedup);
	criu_local_set_link_remap(opts, c->link_remap);
	criu_local_set_orphan_pts_master(opts, true);
	if (c->empty_ns)
		criu_local_set_empty_ns(opts, c->empty_ns);
	switch (c->cgroups_mode) {
	case CRIU_MODE_IGNORE:
		criu_local_set_manage_cgroups(opts, false);
		criu_local_set_manage_cgroups_mode(opts, CRIU_CG_MODE_IGNORE);
		break;
	case CRIU_MODE_FULL:
		criu_local_set_manage_cgroups(opts, true);
		criu_local_set_manage_cgroups_mode(opts, CRIU_CG_MODE_FULL);
		break;
	case CRIU_MODE_STRICT:
		criu_local_set_manage_cgroups(opts, true);
		criu_local_set_manage_cgroups_mode(opts, CRIU_CG_MODE_STRICT);
		break;
	default: /* runc's default */
		criu_local_set_manage_cgroups(opts, true);
		criu_local_set_manage_cgroups_mode(opts, CRIU_CG_MODE_SOFT);
		break;
	}
	*out = opts;
	return 0;
}

/* The CRIU config file: the org.criu.config annotation, else
 * /etc/criu/agentrun.conf when it exists. Options libcriu has no setter
 * for (lazy-pages, status-fd) are appended to a copy in the work dir. */
int criu_config_file(criu_opts *opts, const struct spec *spec, int work_fd, const char *work_path,
		     const char *extra, struct error *err)
{
	const char *path = spec ? spec_map_get(&spec->annotations, "org.criu.config") : NULL;
	if (!path && access(CRIU_DEFAULT_CONFIG, R_OK) == 0)
		path = CRIU_DEFAULT_CONFIG;
	if (!extra || !*extra) {
		if (path && criu_local_set_config_file(opts, path) < 0)
			return error_set(err, ENOMEM, "libcriu: config file");
		return 0;
	}
	_cleanup_free_ char *base = NULL, *text = NULL, *full = NULL;
	size_t len = 0;
	if (path && fs_read_file(path, &base, &len, err) < 0)
		return error_prefix(err, "CRIU config file (org.criu.config)");
	if (asprintf(&text, "%s%s%s", base ? base : "", len && base[len - 1] != '\n' ? "\n" : "",
		     extra) < 0)
		return error_set(err, ENOMEM, "CRIU config");
	if (fs_write_file_atomic(work_fd, CRIU_GENERATED_CONFIG, text, strlen(text), err) < 0)
		return -1;
	if (asprintf(&full, "%s/%s", work_path, CRIU_GENERATED_CONFIG) < 0)
		return error_set(err, ENOMEM, "CRIU config");
	if (criu_local_set_config_file(opts, full) < 0)
		return error_set(err, ENOMEM, "libcriu: config file");
	return 0;
}

int criu_open_dir(const char *path, bool create, char *abs, struct error *err)
{
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return error_errno(err, "create directory %s", path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open directory %s", path);
	if (abs && !realpath(path, abs))
		snprintf(abs, PATH_MAX, "%s", path);
	return fd;
}

/* ------------------------------------------------------------ mountinfo */

void criu_mounts_free(struct criu_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].root);
		free(m[i].point);
		free(m[i].fstype);
		free(m[i].super);
	}
	free(m);
}

int criu_mounts_of(pid_t pid, struct criu_mount **out, size_t *n, struct error *err)
{
	char path[64];
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	_cleanup_free_ char *text = NULL;
	if (fs_read_file(path, &text, NULL, err) < 0)
		return -1;
	struct criu_mount *v = NULL;
	size_t k = 0, cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* id parent maj:min root point opts [optional...] - fstype source super */
		char *f[6] = {0};
		char *s2 = NULL, *tok = strtok_r(line, " ", &s2);
		int i = 0;
		for (; tok && i < 6; tok = strtok_r(NULL, " ", &s2))
			f[i++] = tok;
		while (tok && strcmp(tok, "-") != 0)
			tok = strtok_r(NULL, " ", &s2);
		char *fstype = tok ? strtok_r(NULL, " ", &s2) : NULL;
		char *source = fstype ? strtok_r(NULL, " ", &s2) : NULL;
		char *super = source ? strtok_r(NULL, " ", &s2) : NULL;
		if (i < 6 || !super)
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 32;
			struct criu_mount *nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				criu_mounts_free(v, k);
				return error_set(err, ENOMEM, "mountinfo");
			}
			v = nv;
		}
		struct criu_mount *m = &v[k++];
		m->id = atoi(f[0]);
		m->root = strdup(f[3]);
		m->point = strdup(f[4]);
		m->fstype = strdup(fstype);
		m->super = strdup(super);
		if (!m->root || !m->point || !m->fstype || !m->super) {
			criu_mounts_free(v, k);
			return error_set(err, ENOMEM, "mountinfo");
		}
		fs_unescape_octal(m->root);
		fs_unescape_octal(m->point);
	}
	*out = v;
	*n = k;
	return 0;
}

/* ------------------------------------------------------------ the record */

void criu_record_free(struct criu_record *r)
{
	for (size_t i = 0; i < r->n_mounts; i++) {
		free(r->mounts[i].kind);
		free(r->mounts[i].key);
		free(r->mounts[i].source);
	}
	free(r->mounts);
	for (size_t i = 0; i < r->n_fds; i++)
		free(r->fds[i].key);
	free(r->fds);
	memset(r, 0, sizeof(*r));
}

int criu_record_mount(struct criu_record *r, const char *kind, const char *key, const char *source,
		      struct error *err)
{
	for (size_t i = 0; i < r->n_mounts; i++)
		if (!strcmp(r->mounts[i].key, key))
			return 0;
	struct criu_ext_mount *nv = realloc(r->mounts, (r->n_mounts + 1) * sizeof(*nv));
	if (!nv)
		return error_set(err, ENOMEM, "external mounts");
	r->mounts = nv;
	struct criu_ext_mount *m = &r->mounts[r->n_mounts];
	m->kind = strdup(kind);
	m->key = strdup(key);
	m->source = strdup(source);
	if (!m->kind || !m->key || !m->source) {
		free(m->kind), free(m->key), free(m->source);
		return error_set(err, ENOMEM, "external mounts");
	}
	r->n_mounts++;
	return 0;
}

int criu_record_fd(struct criu_record *r, int fd, const char *key, struct error *err)
{
	struct criu_ext_fd *nv = realloc(r->fds, (r->n_fds + 1) * sizeof(*nv));
	if (!nv)
		return error_set(err, ENOMEM, "external descriptors");
	r->fds = nv;
	r->fds[r->n_fds].fd = fd;
	r->fds[r->n_fds].key = strdup(key);
	if (!r->fds[r->n_fds].key)
		return error_set(err, ENOMEM, "external descriptors");
	r->n_fds++;
	return 0;
}

/* One line per entry, tab separated, the free-form field last:
 *   mount\tKIND\tKEY\tSOURCE     fd\tN\tKEY     netns\tnew     freezer\tthawed
 * (older agentrun skips lines it does not know) */
int criu_record_save(int images_fd, const struct criu_record *r, struct error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return error_errno(err, "record external resources");
	fprintf(f, "agentrun-criu 1\n");
	for (size_t i = 0; i < r->n_mounts; i++)
		fprintf(f, "mount\t%s\t%s\t%s\n", r->mounts[i].kind, r->mounts[i].key,
			r->mounts[i].source);
	for (size_t i = 0; i < r->n_fds; i++)
		fprintf(f, "fd\t%d\t%s\n", r->fds[i].fd, r->fds[i].key);
	if (r->new_netns)
		fprintf(f, "netns\tnew\n");
	if (r->thawed)
		fprintf(f, "freezer\tthawed\n");
	if (fclose(f) != 0) {
		free(text);
		return error_errno(err, "record external resources");
	}
	int rc = fs_write_file_atomic(images_fd, CRIU_RECORD_FILE, text, len, err);
	free(text);
	return rc;
}

int criu_record_load(int images_fd, const char *image_path, struct criu_record *r,
		     struct error *err)
{
	_cleanup_free_ char *text = NULL;
	memset(r, 0, sizeof(*r));
	if (fs_read_fileat(images_fd, CRIU_RECORD_FILE, &text, NULL, err) < 0)
		return error_set(err, errno, "%s/%s: not a checkpoint made by agentrun", image_path,
				 CRIU_RECORD_FILE);
	return criu_record_parse(text, image_path, r, err);
}

int criu_record_parse(char *text, const char *image_path, struct criu_record *r, struct error *err)
{
	memset(r, 0, sizeof(*r));
	char *save = NULL;
	bool header = false;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!header) {
			if (strcmp(line, "agentrun-criu 1") != 0)
				return error_set(err, 0, "%s/%s: unknown format", image_path,
						 CRIU_RECORD_FILE);
			header = true;
			continue;
		}
		if (!strcmp(line, "netns\tnew")) {
			r->new_netns = true;
			continue;
		}
		if (!strcmp(line, "freezer\tthawed")) {
			r->thawed = true;
			continue;
		}
		char *f[4] = {0};
		char *p = line;
		int nf = 0;
		int want = !strncmp(line, "mount\t", 6) ? 4 : 3;
		while (nf < want) {
			f[nf++] = p;
			char *tab = nf < want ? strchr(p, '\t') : NULL;
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		int rc = 0;
		if (nf == 4 && !strcmp(f[0], "mount"))
			rc = criu_record_mount(r, f[1], f[2], f[3], err);
		else if (nf == 3 && !strcmp(f[0], "fd"))
			rc = criu_record_fd(r, atoi(f[1]), f[2], err);
		if (rc < 0) {
			criu_record_free(r);
			return -1;
		}
	}
	return 0;
}

void criu_normalize_path(const char *in, char *out, size_t size)
{
	size_t k = 0;
	if (size < 2)
		return;
	out[k++] = '/';
	for (const char *p = in; *p && k < size - 1; p++)
		if (!(*p == '/' && out[k - 1] == '/'))
			out[k++] = *p;
	while (k > 1 && out[k - 1] == '/')
		k--;
	out[k] = '\0';
}

void criu_resolve_destination(const char *rootfs, const char *dest, char *out, size_t size)
{
	criu_normalize_path(dest, out, size);
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct error ignored;
	_cleanup_close_ int fd = rootfd < 0 ? -1 : fs_open_in_root(rootfd, out, O_PATH, &ignored);
	char buf[32], real[PATH_MAX];
	ssize_t len = fd < 0 ? -1 : readlink(fs_fd_path(fd, buf), real, sizeof(real) - 1);
	size_t rl = strlen(rootfs);
	if (len <= 0)
		return;
	real[len] = '\0';
	if (!strncmp(real, rootfs, rl) && real[rl] == '/')
		snprintf(out, size, "%s", real + rl);
}
