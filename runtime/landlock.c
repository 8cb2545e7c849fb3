/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/landlock.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's interface, written out here: the build host's
 * <linux/landlock.h> may be older than the kernel it runs on. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)	  /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define NET_BIND_TCP (1ULL << 0)
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)

/* rights that apply to a file (the others only to a directory) */
#define FS_FILE_RIGHTS (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)

#define SET_RO (FS_READ_FILE | FS_READ_DIR)
#define SET_EXEC (SET_RO | FS_EXECUTE)
/* never MAKE_CHAR or MAKE_BLOCK: no device nodes, wherever */
#define SET_RW                                                                                 \
	(SET_RO | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG | \
	 FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_SYM | FS_REFER | FS_TRUNCATE | FS_IOCTL_DEV)

#define KEY "run.agentrun.landlock"

static uint64_t fs_handled(int abi)
{
	uint64_t r = 0;
	if (abi >= 1)
		r = (1ULL << 13) - 1;
	if (abi >= 2)
		r |= FS_REFER;
	if (abi >= 3)
		r |= FS_TRUNCATE;
	if (abi >= 5)
		r |= FS_IOCTL_DEV;
	return r;
}

static uint64_t set_rights(enum landlock_right_set s)
{
	return s == LANDLOCK_SET_RW ? SET_RW : s == LANDLOCK_SET_EXEC ? SET_EXEC : SET_RO;
}

/* ---------------------------------------------------------------- parse */

static int parse_paths(const char *key, const char *v, enum landlock_right_set set,
		       struct landlock_conf *c, struct error *err)
{
	const char *s = v;
	while (*v) {
		size_t n = strcspn(s, ":");
		const char *p = s;
		bool optional = false;
		if (n && *p == '?') {
			optional = true;
			p++;
			n--;
		}
		if (!n)
			return error_set(err, 0, "annotation %s: an empty path in \"%s\"", key, v);
		if (*p != '/')
			return error_set(err, 0, "annotation %s: \"%.*s\" is not an absolute path",
					 key, (int)n, p);
		if (n >= PATH_MAX)
			return error_set(err, 0, "annotation %s: a path of %zu bytes", key, n);
		/* "." and ".." components: the rule would not name what it says */
		for (size_t i = 0; i < n;) {
			size_t j = i;
			while (j < n && p[j] != '/')
				j++;
			size_t len = j - i;
			if ((len == 1 && p[i] == '.') ||
			    (len == 2 && p[i] == '.' && p[i + 1] == '.'))
				return error_set(err, 0,
						 "annotation %s: \"%.*s\" has a \".\" or \"..\" "
						 "component",
						 key, (int)n, p);
			i = j + 1;
		}
		struct landlock_path *np = realloc(c->paths, (c->n_paths + 1) * sizeof(*np));
		if (!np)
			return error_set(err, ENOMEM, "annotation %s", key);
		c->paths = np;
		np[c->n_paths] = (struct landlock_path){
			.path = strndup(p, n), .optional = optional, .set = set, .key = key};
		if (!np[c->n_paths].path)
			return error_set(err, ENOMEM, "annotation %s", key);
		c->n_paths++;
		s += strcspn(s, ":");
		if (!*s)
			break;
		s++;
		if (!*s)
			return error_set(err, 0, "annotation %s: an empty path in \"%s\"", key, v);
	}
	return 0;
}

static int parse_u32(const char *key, const char *s, unsigned long max, unsigned long *out,
		     struct error *err)
{
	char *end;
	if (*s < '0' || *s > '9')
		return error_set(err, 0, "annotation %s: \"%s\" is not a number", key, s);
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return error_set(err, 0, "annotation %s: \"%s\" is not a number from 0 to %lu", key,
				 s, max);
	*out = v;
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static int parse_ports(const char *key, const char *v, struct landlock_ports *pp, struct error *err)
{
	static char seen[65536];
	memset(seen, 0, sizeof(seen));
	pp->handled = true;
	const char *s = v;
	while (*s) {
		size_t n = strcspn(s, ",");
		char item[32];
		if (!n || n >= sizeof(item))
			return error_set(err, 0, "annotation %s: a bad port item in \"%s\"", key,
					 v);
		memcpy(item, s, n);
		item[n] = 0;
		char *dash = strchr(item, '-');
		unsigned long lo, hi;
		struct error ignored = {0};
		if (dash)
			*dash = 0;
		if (parse_u32(key, item, 65535, &lo, &ignored) < 0 ||
		    (dash && parse_u32(key, dash + 1, 65535, &hi, &ignored) < 0)) {
			if (dash)
				*dash = '-';
			return error_set(err, 0,
					 "annotation %s: \"%s\" is not a port or a range (N or "
					 "N-M, 0 to 65535)",
					 key, item);
		}
		if (!dash)
			hi = lo;
		if (hi < lo)
			return error_set(err, 0, "annotation %s: the range %lu-%lu is empty", key,
					 lo, hi);
		for (unsigned long p = lo; p <= hi; p++)
			seen[p] = 1;
		s += n;
		if (*s == ',' && !*++s)
			return error_set(err, 0, "annotation %s: a bad port item in \"%s\"", key,
					 v);
	}
	size_t count = 0;
	for (size_t p = 0; p < sizeof(seen); p++)
		count += seen[p];
	pp->port = calloc(count ? count : 1, sizeof(uint16_t));
	if (!pp->port)
		return error_set(err, ENOMEM, "annotation %s", key);
	for (size_t p = 0; p < sizeof(seen); p++)
		if (seen[p])
			pp->port[pp->n++] = (uint16_t)p;
	qsort(pp->port, pp->n, sizeof(uint16_t), cmp_u16);
	return 0;
}

static int parse_scope(const char *key, const char *v, struct landlock_conf *c, struct error *err)
{
	const char *s = v;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n == strlen("abstract-unix-socket") && !strncmp(s, "abstract-unix-socket", n))
			c->scope_abstract_unix = true;
		else if (n == strlen("signal") && !strncmp(s, "signal", n))
			c->scope_signal = true;
		else
			return error_set(err, 0,
					 "annotation %s: unknown scope \"%.*s\" "
					 "(abstract-unix-socket, signal)",
					 key, (int)n, s);
		s += n;
		if (*s == ',' && !*++s)
			return error_set(err, 0, "annotation %s: an empty scope in \"%s\"", key, v);
	}
	return 0;
}

int landlock_parse(const struct spec_map *ann, struct landlock_conf *c, struct error *err)
{
	static const char *const keys[] = {KEY ".abi",	       KEY ".ro",    KEY ".rw",
					   KEY ".exec",	       KEY ".binds", KEY ".tcp.bind",
					   KEY ".tcp.connect", KEY ".scope"};
	memset(c, 0, sizeof(*c));
	bool any = false;
	for (size_t i = 0; ann && i < ann->n; i++) {
		const char *k = ann->keys[i];
		if (strncmp(k, KEY ".", strlen(KEY ".")) != 0)
			continue;
		bool known = false;
		for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			known |= !strcmp(k, keys[j]);
		if (!known)
			return error_set(err, 0,
					 "annotation %s: unknown (Landlock keys: %s, .abi, .ro, "
					 ".rw, .exec, .binds, .tcp.bind, .tcp.connect, .scope)",
					 k, KEY);
		any = true;
	}
	const char *mode = spec_map_get(ann, KEY);
	if (!mode)
		c->mode = any ? LANDLOCK_REQUIRED
			      : LANDLOCK_OFF; /* rules without a mode: enforce */
	else if (!strcmp(mode, "off"))
		c->mode = LANDLOCK_OFF;
	else if (!strcmp(mode, "best-effort"))
		c->mode = LANDLOCK_BEST_EFFORT;
	else if (!strcmp(mode, "required"))
		c->mode = LANDLOCK_REQUIRED;
	else
		return error_set(err, 0,
				 "annotation %s: \"%s\" is not off, best-effort or required", KEY,
				 mode);
	const char *v;
	if ((v = spec_map_get(ann, KEY ".abi"))) {
		unsigned long abi;
		if (parse_u32(KEY ".abi", v, 1000, &abi, err) < 0)
			goto fail;
		if (abi < 1) {
			error_set(err, 0, "annotation %s.abi: ABI levels start at 1", KEY);
			goto fail;
		}
		c->min_abi = (unsigned int)abi;
	}
	static const struct {
		const char *key;
		enum landlock_right_set set;
	} path_keys[] = {{KEY ".ro", LANDLOCK_SET_RO},
			 {KEY ".rw", LANDLOCK_SET_RW},
			 {KEY ".exec", LANDLOCK_SET_EXEC}};
	for (size_t i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++)
		if ((v = spec_map_get(ann, path_keys[i].key)) &&
		    parse_paths(path_keys[i].key, v, path_keys[i].set, c, err) < 0)
			goto fail;
	if ((v = spec_map_get(ann, KEY ".binds"))) {
		if (strcmp(v, "rw") && strcmp(v, "ro")) {
			error_set(err, 0, "annotation %s.binds: \"%s\" is not rw or ro", KEY, v);
			goto fail;
		}
		c->binds_rw = !strcmp(v, "rw");
	}
	if ((v = spec_map_get(ann, KEY ".tcp.bind")) &&
	    parse_ports(KEY ".tcp.bind", v, &c->tcp_bind, err) < 0)
		goto fail;
	if ((v = spec_map_get(ann, KEY ".tcp.connect")) &&
	    parse_ports(KEY ".tcp.connect", v, &c->tcp_connect, err) < 0)
		goto fail;
	if ((v = spec_map_get(ann, KEY ".scope")) && parse_scope(KEY ".scope", v, c, err) < 0)
		goto fail;
	return 0;
fail:
	landlock_conf_clear(c);
	return -1;
}

void landlock_conf_clear(struct landlock_conf *c)
{
	for (size_t i = 0; i < c->n_paths; i++)
		free(c->paths[i].path);
	free(c->paths);
	free(c->tcp_bind.port);
	free(c->tcp_connect.port);
	memset(c, 0, sizeof(*c));
}

unsigned int landlock_needed_abi(const struct landlock_conf *c)
{
	unsigned int n = c->mode == LANDLOCK_OFF ? 0 : 1;
	if (c->tcp_bind.handled || c->tcp_connect.handled)
		n = 4;
	if (c->scope_abstract_unix || c->scope_signal)
		n = 6;
	return c->min_abi > n ? c->min_abi : n;
}

/* what in c needs an ABI above abi, for the error */
static const char *needs_what(const struct landlock_conf *c, int abi)
{
	if (c->min_abi > (unsigned int)abi)
		return KEY ".abi";
	if ((c->scope_abstract_unix || c->scope_signal) && abi < 6)
		return KEY ".scope";
	if (c->tcp_bind.handled && abi < 4)
		return KEY ".tcp.bind";
	if (c->tcp_connect.handled && abi < 4)
		return KEY ".tcp.connect";
	return KEY;
}

/* ---------------------------------------------------------------- kernel */

int landlock_abi(void)
{
	long r = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	return r < 0 ? 0 : (int)r;
}

/* A listed path is taken as written: no symlink on the way, so an image
 * cannot turn "/lib64" into "/" (and the rights on it into rights on
 * everything). A bind mount's destination (follow) resolves as the mount
 * did. */
static int add_path(int ruleset, const char *key, const char *path, bool optional, bool follow,
		    uint64_t rights, uint64_t handled, struct error *err)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = follow ? 0 : RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0) {
		if ((errno == ENOENT || errno == ELOOP) && optional)
			return 0;
		if (errno == ELOOP)
			return error_set(err, 0,
					 "annotation %s: %s: a symbolic link on the way (name the "
					 "real path, or mark it optional with \"?\")",
					 key, path);
		return error_errno(err, "annotation %s: %s", key, path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "annotation %s: stat %s", key, path);
	if (!S_ISDIR(st.st_mode))
		rights &= FS_FILE_RIGHTS;
	struct ll_path_beneath_attr a = {.allowed_access = rights & handled, .parent_fd = fd};
	if (!a.allowed_access)
		return 0;
	if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &a, 0) < 0)
		return error_errno(err, "annotation %s: %s: landlock_add_rule", key, path);
	return 0;
}

static bool mount_is_writable_bind(const struct spec_mount *m)
{
	bool bind = m->type && !strcmp(m->type, "bind"), ro = false;
	for (size_t i = 0; i < m->n_options; i++) {
		bind |= !strcmp(m->options[i], "bind") || !strcmp(m->options[i], "rbind");
		if (!strcmp(m->options[i], "ro"))
			ro = true;
		else if (!strcmp(m->options[i], "rw"))
			ro = false;
	}
	return bind && !ro;
}

static int add_ports(int ruleset, const char *key, const struct landlock_ports *pp, uint64_t right,
		     struct error *err)
{
	for (size_t i = 0; i < pp->n; i++) {
		struct ll_net_port_attr a = {.allowed_access = right, .port = pp->port[i]};
		if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &a, 0) < 0)
			return error_errno(err, "annotation %s: port %u: landlock_add_rule", key,
					   pp->port[i]);
	}
	return 0;
}

static int build(const struct spec *spec, const struct landlock_conf *c, int abi, int *out,
		 struct error *err)
{
	uint64_t handled = fs_handled(abi);
	struct ll_ruleset_attr attr = {.handled_access_fs = handled};
	if (abi >= 4)
		attr.handled_access_net = (c->tcp_bind.handled ? NET_BIND_TCP : 0) |
					  (c->tcp_connect.handled ? NET_CONNECT_TCP : 0);
	if (abi >= 6)
		attr.scoped = (c->scope_abstract_unix ? SCOPE_ABSTRACT_UNIX_SOCKET : 0) |
			      (c->scope_signal ? SCOPE_SIGNAL : 0);
	/* the kernel takes a shorter struct; pass only what it knows */
	size_t size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 16 : 8;
	_cleanup_close_ int rs = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0)
		return error_errno(err, "annotation %s: landlock_create_ruleset (ABI %d)", KEY,
				   abi);
	for (size_t i = 0; i < c->n_paths; i++)
		if (add_path(rs, c->paths[i].key, c->paths[i].path, c->paths[i].optional, false,
			     set_rights(c->paths[i].set), handled, err) < 0)
			return -1;
	for (size_t i = 0; c->binds_rw && i < spec->n_mounts; i++)
		if (mount_is_writable_bind(&spec->mounts[i]) &&
		    add_path(rs, KEY ".binds", spec->mounts[i].destination, false, true, SET_RW,
			     handled, err) < 0)
			return -1;
	if (attr.handled_access_net &&
	    (add_ports(rs, KEY ".tcp.bind", &c->tcp_bind, NET_BIND_TCP, err) < 0 ||
	     add_ports(rs, KEY ".tcp.connect", &c->tcp_connect, NET_CONNECT_TCP, err) < 0))
		return -1;
	*out = rs;
	rs = -1;
	return 0;
}

static bool has_effective_sys_admin(const struct spec_process *p)
{
	for (size_t i = 0; i < p->capabilities.n_effective; i++)
		if (!strcmp(p->capabilities.effective[i], "CAP_SYS_ADMIN"))
			return true;
	return false;
}

int landlock_prepare(const struct spec *spec, const struct spec_process *proc, int *fd,
		     struct error *err)
{
	struct landlock_conf c;
	*fd = -1;
	if (landlock_parse(&spec->annotations, &c, err) < 0)
		return -1;
	int r = 0;
	if (c.mode == LANDLOCK_OFF)
		goto out;
	int abi = landlock_abi();
	unsigned int need = landlock_needed_abi(&c);
	if (c.min_abi > (unsigned int)abi) {
		r = error_set(err, 0,
			      "annotation %s.abi: Landlock ABI %u asked, this kernel has %s%d", KEY,
			      c.min_abi, abi ? "ABI " : "no Landlock: ", abi);
		goto out;
	}
	if (c.mode == LANDLOCK_REQUIRED && need > (unsigned int)abi) {
		if (!abi)
			r = error_set(err, 0,
				      "annotation %s: \"required\", but this kernel has no "
				      "Landlock (not built in, or not in the lsm= list)",
				      KEY);
		else
			r = error_set(err, 0,
				      "annotation %s needs Landlock ABI %u, this kernel has ABI "
				      "%d (%s is \"required\"; \"best-effort\" leaves it out)",
				      needs_what(&c, abi), need, abi, KEY);
		goto out;
	}
	/* landlock_restrict_self would refuse at execve time: say so now */
	if (!proc->no_new_privileges && !has_effective_sys_admin(proc)) {
		r = error_set(err, 0,
			      "annotation %s: Landlock needs process.noNewPrivileges: true (or "
			      "CAP_SYS_ADMIN)",
			      KEY);
		goto out;
	}
	if (!abi) {
		log_warn("%s is \"best-effort\" and this kernel has no Landlock: the "
			 "filesystem is not restricted by it",
			 KEY);
		goto out;
	}
	r = build(spec, &c, abi, fd, err);
out:
	landlock_conf_clear(&c);
	return r;
}

int landlock_enforce(int fd, struct error *err)
{
	if (fd < 0)
		return 0;
	long r = syscall(__NR_landlock_restrict_self, fd, 0);
	int e = errno;
	close(fd);
	if (r < 0) {
		errno = e;
		if (e == EPERM && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			return error_errno(err, "landlock_restrict_self (Landlock needs "
						"process.noNewPrivileges: true)");
		return error_errno(err, "landlock_restrict_self");
	}
	return 0;
}

int landlock_refuse_criu(const struct spec *spec, const char *what, struct error *err)
{
	struct landlock_conf c;
	if (landlock_parse(&spec->annotations, &c, err) < 0)
		return -1;
	bool on = c.mode != LANDLOCK_OFF;
	landlock_conf_clear(&c);
	if (on && landlock_abi() > 0)
		return error_set(err, 0,
				 "annotation %s: CRIU cannot %s a process confined by Landlock "
				 "(it would come back without it); a container to checkpoint "
				 "needs %s \"off\"",
				 KEY, what, KEY);
	return 0;
}
