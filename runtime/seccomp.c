/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/seccomp.h"

#include "util/cleanup.h"
#include "util/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Either a libseccomp context (loaded with seccomp_load: a notify filter)
 * or the compiled program (loaded with seccomp(2) and flags). */
struct seccomp_filter {
	scmp_filter_ctx ctx;
	bool notify;
	struct sock_filter *prog;
	size_t n_insns;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

const char *const seccomp_action_names[] = {"SCMP_ACT_KILL",	    "SCMP_ACT_KILL_PROCESS",
					    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
					    "SCMP_ACT_ERRNO",	    "SCMP_ACT_TRACE",
					    "SCMP_ACT_ALLOW",	    "SCMP_ACT_LOG",
					    "SCMP_ACT_NOTIFY",	    NULL};
const char *const seccomp_operator_names[] = {"SCMP_CMP_NE",	    "SCMP_CMP_LT", "SCMP_CMP_LE",
					      "SCMP_CMP_EQ",	    "SCMP_CMP_GE", "SCMP_CMP_GT",
					      "SCMP_CMP_MASKED_EQ", NULL};

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{"SCMP_ARCH_X86", SCMP_ARCH_X86},
	{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
	{"SCMP_ARCH_X32", SCMP_ARCH_X32},
	{"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
	{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
	{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
	{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
	{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
	{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
	{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
	{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
	{"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
	{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
	{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
	{"SCMP_ARCH_S390", SCMP_ARCH_S390},
	{"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
	{"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
	{"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
	{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

const char *const seccomp_arch_names[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",	    "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	   "SCMP_ARCH_MIPS64",	    "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	    "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	    NULL};

const char *const seccomp_flag_names[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};

const char *const *seccomp_supported_flags(void)
{
	/* WAIT_KILLABLE_RECV needs libseccomp 2.6 (SCMP_FLTATR_CTL_WAITKILL) */
	static const char *const flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
#ifdef SCMP_FLTATR_CTL_WAITKILL
					    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
#endif
					    NULL};
	return flags;
}

static int action_of(const char *name, bool has_errno, uint32_t errno_ret, uint32_t *out)
{
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(has_errno ? errno_ret : EPERM);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(has_errno ? errno_ret : EPERM);
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return -1;
	return 0;
}

static enum scmp_compare op_of(const char *name)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{"SCMP_CMP_NE", SCMP_CMP_NE},
		{"SCMP_CMP_LT", SCMP_CMP_LT},
		{"SCMP_CMP_LE", SCMP_CMP_LE},
		{"SCMP_CMP_EQ", SCMP_CMP_EQ},
		{"SCMP_CMP_GE", SCMP_CMP_GE},
		{"SCMP_CMP_GT", SCMP_CMP_GT},
		{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return ops[i].op;
	return _SCMP_CMP_MIN;
}

static struct scmp_arg_cmp arg_cmp(const struct spec_syscall_arg *a)
{
	struct scmp_arg_cmp c = {.arg = a->index, .op = op_of(a->op)};
	if (c.op == SCMP_CMP_MASKED_EQ) {
		c.datum_a = a->value;	  /* the mask */
		c.datum_b = a->value_two; /* the value */
	} else {
		c.datum_a = a->value;
		c.datum_b = a->value_two;
	}
	return c;
}

static int add_rule(struct seccomp_filter *f, size_t i, const struct spec_syscall *sc, int nr,
		    uint32_t action, struct error *err)
{
	/* several conditions on one argument cannot share a rule: OR them */
	bool same_index = false;
	for (size_t a = 0; a < sc->n_args; a++)
		for (size_t b = a + 1; b < sc->n_args; b++)
			same_index |= sc->args[a].index == sc->args[b].index;
	int r;
	if (!sc->n_args) {
		r = seccomp_rule_add(f->ctx, action, nr, 0);
	} else if (same_index) {
		r = 0;
		for (size_t a = 0; a < sc->n_args && r == 0; a++) {
			struct scmp_arg_cmp c = arg_cmp(&sc->args[a]);
			r = seccomp_rule_add_array(f->ctx, action, nr, 1, &c);
		}
	} else {
		struct scmp_arg_cmp c[6];
		for (size_t a = 0; a < sc->n_args && a < 6; a++)
			c[a] = arg_cmp(&sc->args[a]);
		r = seccomp_rule_add_array(f->ctx, action, nr, (unsigned int)sc->n_args, c);
	}
	if (r < 0 && r != -EEXIST)
		return error_set(err, -r, "config.json: .linux.seccomp.syscalls[%zu]: add rule", i);
	return 0;
}

int seccomp_build(const struct spec *spec, struct seccomp_filter **out, struct error *err)
{
	const struct spec_seccomp *s = &spec->linux_.seccomp;
	*out = NULL;
	if (!s->present)
		return 0;
	uint32_t def;
	if (action_of(s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def) < 0)
		return error_set(err, 0,
				 "config.json: .linux.seccomp.defaultAction: unknown \"%s\"",
				 s->default_action);
	struct seccomp_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return error_set(err, ENOMEM, "seccomp");
	f->notify = def == SCMP_ACT_NOTIFY;
	f->ctx = seccomp_init(def);
	if (!f->ctx) {
		free(f);
		return error_set(err, 0, "seccomp_init failed for default action %s",
				 s->default_action);
	}
	/* no_new_privs is the config's business, not libseccomp's */
	seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < s->n_architectures; i++) {
		uint32_t arch = 0;
		for (size_t j = 0; j < sizeof(arches) / sizeof(arches[0]); j++)
			if (!strcmp(arches[j].name, s->architectures[i]))
				arch = arches[j].arch;
		int r = arch ? seccomp_arch_add(f->ctx, arch) : -EINVAL;
		if (r < 0 && r != -EEXIST) {
			seccomp_filter_free(f);
			return error_set(err, -r,
					 "config.json: .linux.seccomp.architectures[%zu]: %s", i,
					 s->architectures[i]);
		}
	}
	for (size_t i = 0; i < s->n_flags; i++) {
		const char *fl = s->flags[i];
		int r = -EINVAL;
		if (!strcmp(fl, "SECCOMP_FILTER_FLAG_TSYNC"))
			r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		else if (!strcmp(fl, "SECCOMP_FILTER_FLAG_LOG"))
			r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_LOG, 1);
		else if (!strcmp(fl, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_SSB, 1);
#ifdef SCMP_FLTATR_CTL_WAITKILL
		else if (!strcmp(fl, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
			r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_WAITKILL, 1);
#endif
		if (r < 0) {
			seccomp_filter_free(f);
			return error_set(
				err, 0,
				"config.json: .linux.seccomp.flags[%zu]: %s is not supported "
				"by this libseccomp or kernel",
				i, fl);
		}
	}
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_syscall *sc = &s->syscalls[i];
		uint32_t action;
		if (action_of(sc->action, sc->has_errno_ret, sc->errno_ret, &action) < 0) {
			seccomp_filter_free(f);
			return error_set(err, 0,
					 "config.json: .linux.seccomp.syscalls[%zu].action: "
					 "unknown \"%s\"",
					 i, sc->action);
		}
		if (action == def)
			continue; /* libseccomp refuses rules equal to the default */
		f->notify |= action == SCMP_ACT_NOTIFY;
		for (size_t n = 0; n < sc->n_names; n++) {
			int nr = seccomp_syscall_resolve_name(sc->names[n]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* unknown to this libseccomp/arch: ignored, as runc does */
			if (add_rule(f, i, sc, nr, action, err) < 0) {
				seccomp_filter_free(f);
				return error_prefix(err, "%s", sc->names[n]);
			}
		}
	}
	if (f->notify && !s->listener_path) {
		seccomp_filter_free(f);
		return error_set(err, 0,
				 "config.json: .linux.seccomp: SCMP_ACT_NOTIFY needs "
				 "listenerPath");
	}
	*out = f;
	return 0;
}

bool seccomp_has_notify(const struct seccomp_filter *f)
{
	return f && f->notify;
}

int seccomp_apply(struct seccomp_filter *f, int *notify_fd, struct error *err)
{
	if (!f)
		return 0;
	if (f->prog) {
		struct sock_fprog fp = {.len = (unsigned short)f->n_insns, .filter = f->prog};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &fp) != 0)
			return error_errno(err, "load seccomp filter");
		return 0;
	}
	int r = seccomp_load(f->ctx);
	if (r < 0)
		return error_set(err, -r, "load seccomp filter");
	if (f->notify && notify_fd) {
		*notify_fd = seccomp_notify_fd(f->ctx);
		if (*notify_fd < 0)
			return error_set(err, -*notify_fd, "get seccomp notify fd");
	}
	return 0;
}

void seccomp_filter_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f->prog);
	free(f);
}

/* ---- the compiled program, cached under --root (seccomp.h) ---- */

#define CACHE_FORMAT "agentrun seccomp cache 1"
#define CACHE_MAGIC "ARSECC01"

struct cache_header {
	char magic[8];
	uint8_t key[SHA256_LEN];
	uint32_t n_insns;
	uint32_t reserved;
	uint8_t digest[SHA256_LEN]; /* SHA-256 of the key and the program */
};
_Static_assert(sizeof(struct cache_header) == 80, "cache header layout");

static void put_u64(struct sha256 *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sha256_update(h, b, sizeof(b));
}

/* length-prefixed, so that no two lists of strings serialize alike */
static void put_str(struct sha256 *h, const char *s)
{
	if (!s) {
		put_u64(h, UINT64_MAX);
		return;
	}
	size_t n = strlen(s);
	put_u64(h, n);
	sha256_update(h, s, n);
}

void seccomp_cache_key(const struct spec_seccomp *s, uint8_t key[SHA256_LEN])
{
	struct sha256 h;
	sha256_init(&h);
	put_str(&h, CACHE_FORMAT);
	/* what the program is made by and for: libseccomp (its syscall table,
	 * its code generator), the kernel features it probed, the arch */
	const struct scmp_version *v = seccomp_version();
	put_u64(&h, v ? v->major : 0);
	put_u64(&h, v ? v->minor : 0);
	put_u64(&h, v ? v->micro : 0);
	put_u64(&h, seccomp_api_get());
	put_u64(&h, seccomp_arch_native());
	struct utsname u;
	put_str(&h, uname(&u) == 0 ? u.release : NULL);
	/* linux.seccomp as parsed, every field the program depends on */
	put_str(&h, s->default_action);
	put_u64(&h, s->has_default_errno_ret);
	put_u64(&h, s->default_errno_ret);
	put_u64(&h, s->n_architectures);
	for (size_t i = 0; i < s->n_architectures; i++)
		put_str(&h, s->architectures[i]);
	put_u64(&h, s->n_flags);
	for (size_t i = 0; i < s->n_flags; i++)
		put_str(&h, s->flags[i]);
	put_u64(&h, s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_syscall *sc = &s->syscalls[i];
		put_u64(&h, sc->n_names);
		for (size_t n = 0; n < sc->n_names; n++)
			put_str(&h, sc->names[n]);
		put_str(&h, sc->action);
		put_u64(&h, sc->has_errno_ret);
		put_u64(&h, sc->errno_ret);
		put_u64(&h, sc->n_args);
		for (size_t a = 0; a < sc->n_args; a++) {
			const struct spec_syscall_arg *arg = &sc->args[a];
			put_u64(&h, arg->index);
			put_u64(&h, arg->value);
			put_u64(&h, arg->has_value_two);
			put_u64(&h, arg->value_two);
			put_str(&h, arg->op);
		}
	}
	sha256_final(&h, key);
}

static void program_digest(const uint8_t key[SHA256_LEN], const struct sock_filter *prog, size_t n,
			   uint8_t out[SHA256_LEN])
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, key, SHA256_LEN);
	sha256_update(&h, prog, n * sizeof(*prog));
	sha256_final(&h, out);
}

int seccomp_cache_dir_open(int rootfd)
{
	if (mkdirat(rootfd, SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = openat(rootfd, SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* ours alone: nobody else may plant or swap an entry */
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(fd);
		return -1;
	}
	return fd;
}

int seccomp_cache_load(int dirfd, const uint8_t key[SHA256_LEN], struct sock_filter **prog,
		       size_t *n_insns)
{
	char name[2 * SHA256_LEN + 1];
	sha256_hex(key, name);
	*prog = NULL;
	*n_insns = 0;
	_cleanup_close_ int fd = openat(dirfd, name,
					O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	const size_t hdr = sizeof(struct cache_header);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_nlink != 1 || st.st_size < (off_t)(hdr + sizeof(**prog)) ||
	    st.st_size > (off_t)(hdr + BPF_MAXINSNS * sizeof(**prog)) ||
	    (st.st_size - hdr) % sizeof(**prog))
		return -1;
	size_t size = (size_t)st.st_size;
	_cleanup_free_ uint8_t *buf = malloc(size + 1);
	if (!buf)
		return -1;
	size_t got = 0;
	while (got < size + 1) { /* one byte more: a file that grew is refused */
		ssize_t r = read(fd, buf + got, size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != size)
		return -1;
	struct cache_header h;
	memcpy(&h, buf, hdr);
	size_t n = (size - hdr) / sizeof(**prog);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) || memcmp(h.key, key, SHA256_LEN) ||
	    h.n_insns != n || h.reserved)
		return -1;
	struct sock_filter *p = malloc(n * sizeof(*p));
	if (!p)
		return -1;
	memcpy(p, buf + hdr, n * sizeof(*p));
	uint8_t d[SHA256_LEN];
	program_digest(key, p, n, d);
	if (memcmp(d, h.digest, SHA256_LEN)) {
		free(p);
		return -1;
	}
	*prog = p;
	*n_insns = n;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int seccomp_cache_store(int dirfd, const uint8_t key[SHA256_LEN], const struct sock_filter *prog,
			size_t n_insns)
{
	if (!n_insns || n_insns > BPF_MAXINSNS)
		return -1;
	char name[2 * SHA256_LEN + 1], self[64];
	sha256_hex(key, name);
	/* nameless until it is whole: nothing half-written is ever seen, and a
	 * command killed here leaves nothing behind */
	int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct cache_header h = {.n_insns = (uint32_t)n_insns};
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(h.key, key, SHA256_LEN);
	program_digest(key, prog, n_insns, h.digest);
	int r = write_all(fd, &h, sizeof(h)) < 0 || write_all(fd, prog, n_insns * sizeof(*prog)) < 0
			? -1
			: 0;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (r == 0 && linkat(AT_FDCWD, self, dirfd, name, AT_SYMLINK_FOLLOW) < 0) {
		/* a damaged entry (or a symlink) in the way: replace it */
		r = -1;
		if (errno == EEXIST && unlinkat(dirfd, name, 0) == 0 &&
		    linkat(AT_FDCWD, self, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
			r = 0;
	}
	close(fd);
	if (r == 0)
		seccomp_cache_prune(dirfd, SECCOMP_CACHE_MAX);
	return r;
}

static bool entry_name(const char *n)
{
	if (strlen(n) != 2 * SHA256_LEN)
		return false;
	for (; *n; n++)
		if (!((*n >= '0' && *n <= '9') || (*n >= 'a' && *n <= 'f')))
			return false;
	return true;
}

struct aged {
	struct timespec mtime;
	char name[2 * SHA256_LEN + 1];
};

static int older_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct aged *)a)->mtime;
	const struct timespec *y = &((const struct aged *)b)->mtime;
	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

int seccomp_cache_prune(int dirfd, size_t keep)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct aged *e = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (!entry_name(de->d_name) ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct aged *ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				r = -1;
				break;
			}
			e = ne;
		}
		e[n].mtime = st.st_mtim;
		memcpy(e[n].name, de->d_name, sizeof(e[n].name));
		n++;
	}
	closedir(d);
	if (r == 0 && n > keep) {
		/* the oldest written go first; one still in use is simply
		 * compiled and written again */
		qsort(e, n, sizeof(*e), older_first);
		for (size_t i = 0; i < n - keep; i++)
			if (unlinkat(dirfd, e[i].name, 0) < 0 && errno != ENOENT)
				r = -1;
	}
	free(e);
	return r;
}

/* The program libseccomp made of ctx (through a memfd: libseccomp 2.5
 * exports to an fd only). */
static int export_program(scmp_filter_ctx ctx, struct sock_filter **prog, size_t *n_insns)
{
	_cleanup_close_ int fd = memfd_create("agentrun-seccomp", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
		return -1;
	off_t len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % (off_t)sizeof(**prog) || len > (off_t)(BPF_MAXINSNS * sizeof(**prog)))
		return -1;
	struct sock_filter *p = malloc((size_t)len);
	if (!p)
		return -1;
	if (pread(fd, p, (size_t)len, 0) != len) {
		free(p);
		return -1;
	}
	*prog = p;
	*n_insns = (size_t)len / sizeof(*p);
	return 0;
}

static bool uses_notify(const struct spec_seccomp *s)
{
	if (s->default_action && !strcmp(s->default_action, "SCMP_ACT_NOTIFY"))
		return true;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i].action && !strcmp(s->syscalls[i].action, "SCMP_ACT_NOTIFY"))
			return true;
	return false;
}

/* linux.seccomp.flags as seccomp(2) takes them; false for a name we do
 * not map (seccomp_build reports it) */
static bool kernel_flags(const struct spec_seccomp *s, unsigned int *out)
{
	static const struct {
		const char *name;
		unsigned int flag;
	} map[] = {
		{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
		{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
		{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
#ifdef SCMP_FLTATR_CTL_WAITKILL
		{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5},
#endif
	};
	*out = 0;
	for (size_t i = 0; i < s->n_flags; i++) {
		bool known = false;
		for (size_t j = 0; j < sizeof(map) / sizeof(map[0]); j++)
			if (!strcmp(map[j].name, s->flags[i])) {
				*out |= map[j].flag;
				known = true;
			}
		if (!known)
			return false;
	}
	return true;
}

int seccomp_prepare(const struct spec *spec, int rootfd, struct seccomp_filter **out,
		    struct error *err)
{
	const struct spec_seccomp *s = &spec->linux_.seccomp;
	unsigned int flags;
	*out = NULL;
	/* none, or a notify listener (libseccomp hands out its fd at load):
	 * the child builds it, as before */
	if (!s->present || uses_notify(s) || !kernel_flags(s, &flags))
		return 0;
	struct seccomp_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return error_set(err, ENOMEM, "seccomp");
	f->flags = flags;
	uint8_t key[SHA256_LEN];
	seccomp_cache_key(s, key);
	_cleanup_close_ int dirfd = rootfd >= 0 ? seccomp_cache_dir_open(rootfd) : -1;
	if (dirfd >= 0 && seccomp_cache_load(dirfd, key, &f->prog, &f->n_insns) == 0) {
		*out = f;
		return 0;
	}
	/* any problem with the cache: compile, as without one */
	struct seccomp_filter *built = NULL;
	if (seccomp_build(spec, &built, err) < 0) {
		free(f);
		return -1;
	}
	if (built->notify || export_program(built->ctx, &f->prog, &f->n_insns) < 0) {
		free(f); /* loaded through libseccomp, uncached */
		*out = built;
		return 0;
	}
	seccomp_filter_free(built);
	if (dirfd >= 0)
		seccomp_cache_store(dirfd, key, f->prog, f->n_insns);
	*out = f;
	return 0;
}

const struct sock_filter *seccomp_program(const struct seccomp_filter *f, size_t *n_insns,
					  unsigned int *flags)
{
	*n_insns = f ? f->n_insns : 0;
	*flags = f ? f->flags : 0;
	return f ? f->prog : NULL;
}
