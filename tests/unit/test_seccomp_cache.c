/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime/seccomp.c's cache of compiled filters and util/sha256.c: a hit
 * gives the bytes a fresh compile gives; a corrupted, truncated, oversized,
 * symlinked, foreign-writable or misplaced entry is never used (the filter
 * is compiled again); every field of linux.seccomp is in the key. Real
 * files in a temporary --root, real libseccomp. */
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/seccomp.h"
#include "spec/spec.h"
#include "util/sha256.h"

/* ---- SHA-256 against FIPS 180-4's examples ---- */

static void check_digest(const void *data, size_t len, const char *want)
{
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	sha256(data, len, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	check_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_digest(two, strlen(two),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a', fed in uneven pieces */
	struct sha256 s;
	char a[997];
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(a) ? left : sizeof(a);
		sha256_update(&s, a, n);
		left -= n;
	}
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* ---- the cache ---- */

#define CONFIG(SECCOMP) "{\"ociVersion\": \"1.3.0\", \"linux\": {\"seccomp\": " SECCOMP "}}"

static const char *const deny_mkdir = CONFIG(
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"], "
	"\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}, "
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
	"0, \"value\": 8, \"op\": \"SCMP_CMP_NE\"}]}]}");

struct fixture {
	char root[64];
	int rootfd;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	strcpy(fx->root, "/tmp/agentrun-sccache-XXXXXX");
	if (!mkdtemp(fx->root))
		return -1;
	fx->rootfd = open(fx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = fx;
	return fx->rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];
	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
	int r = system(cmd);
	free(fx);
	return r == 0 ? 0 : -1;
}

static struct spec *parse(const char *json)
{
	struct spec *spec = NULL;
	struct error err = {0};
	if (spec_parse(json, strlen(json), "config.json", &spec, &err) < 0)
		fail_msg("parse: %s", err.msg);
	return spec;
}

/* The program seccomp_prepare gives for json with --root rootfd (a copy) */
static struct sock_filter *program(const char *json, int rootfd, size_t *n)
{
	struct spec *spec = parse(json);
	struct seccomp_filter *f = NULL;
	struct error err = {0};
	assert_int_equal(seccomp_prepare(spec, rootfd, &f, &err), 0);
	assert_non_null(f);
	unsigned int flags;
	const struct sock_filter *p = seccomp_program(f, n, &flags);
	assert_non_null(p);
	assert_true(*n > 0);
	struct sock_filter *copy = malloc(*n * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, p, *n * sizeof(*copy));
	seccomp_filter_free(f);
	spec_free(spec);
	return copy;
}

static void entry_path(struct fixture *fx, const char *json, char *path, size_t size)
{
	struct spec *spec = parse(json);
	uint8_t key[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	seccomp_cache_key(&spec->linux_.seccomp, key);
	sha256_hex(key, hex);
	snprintf(path, size, "%s/%s/%s", fx->root, SECCOMP_CACHE_DIR, hex);
	spec_free(spec);
}

static ino_t inode_of(const char *path)
{
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	return st.st_ino;
}

/* the fresh compile (no cache) as the reference */
static struct sock_filter *fresh(size_t *n)
{
	return program(deny_mkdir, -1, n);
}

static void assert_same(const struct sock_filter *a, size_t na, const struct sock_filter *b,
			size_t nb)
{
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));
}

static void test_hit_is_the_fresh_program(void **state)
{
	struct fixture *fx = *state;
	size_t n0, n1, n2;
	struct sock_filter *ref = fresh(&n0);
	struct sock_filter *cold = program(deny_mkdir, fx->rootfd, &n1);
	char path[PATH_MAX];
	entry_path(fx, deny_mkdir, path, sizeof(path));
	ino_t ino = inode_of(path); /* written by the cold run */
	struct stat st;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", fx->root, SECCOMP_CACHE_DIR);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	struct sock_filter *warm = program(deny_mkdir, fx->rootfd, &n2);
	assert_int_equal(inode_of(path), ino); /* a hit: not written again */
	assert_same(ref, n0, cold, n1);
	assert_same(ref, n0, warm, n2);
	free(ref);
	free(cold);
	free(warm);
}

/* Damage the entry with fn, then: the program is the fresh one, and the
 * entry was written again (a new inode) */
static void damaged(struct fixture *fx, void (*fn)(const char *path))
{
	size_t n0, n1;
	struct sock_filter *ref = fresh(&n0);
	free(program(deny_mkdir, fx->rootfd, &n1));
	char path[PATH_MAX];
	entry_path(fx, deny_mkdir, path, sizeof(path));
	fn(path);
	ino_t bad = inode_of(path);
	struct sock_filter *again = program(deny_mkdir, fx->rootfd, &n1);
	assert_same(ref, n0, again, n1);
	assert_int_not_equal(inode_of(path), bad);
	free(ref);
	free(again);
}

static void flip_last_byte(const char *path)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, end - 1), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, end - 1), 1);
	close(fd);
}

/* the program replaced by as many "return ALLOW" (valid length, header
 * kept): the digest no longer matches */
static void allow_all(const char *path)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	off_t end = lseek(fd, 0, SEEK_END);
	struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, 0x7fff0000U /* SECCOMP_RET_ALLOW */);
	for (off_t o = 80; o < end; o += sizeof(ret))
		assert_int_equal(pwrite(fd, &ret, sizeof(ret), o), (ssize_t)sizeof(ret));
	close(fd);
}

static void truncate_one(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 8), 0);
}

static void truncate_to_header(const char *path)
{
	assert_int_equal(truncate(path, 80), 0);
}

static void oversize(const char *path)
{
	assert_int_equal(truncate(path, 80 + (BPF_MAXINSNS + 1) * 8), 0);
}

static void group_writable(const char *path)
{
	assert_int_equal(chmod(path, 0620), 0);
}

static void foreign_owner(const char *path)
{
	assert_int_equal(chown(path, 65534, 65534), 0);
}

static void hard_linked(const char *path)
{
	char other[PATH_MAX + 8];
	snprintf(other, sizeof(other), "%s.link", path);
	assert_int_equal(link(path, other), 0);
}

static void symlinked(const char *path)
{
	/* a valid entry elsewhere, named through a symlink */
	char other[PATH_MAX + 8], cmd[3 * PATH_MAX];
	snprintf(other, sizeof(other), "%s.real", path);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	(void)cmd;
}

static void test_corrupted(void **state)
{
	damaged(*state, flip_last_byte);
}
static void test_allow_all_planted(void **state)
{
	damaged(*state, allow_all);
}
static void test_truncated(void **state)
{
	damaged(*state, truncate_one);
	damaged(*state, truncate_to_header);
}
static void test_oversized(void **state)
{
	damaged(*state, oversize);
}
static void test_symlinked(void **state)
{
	damaged(*state, symlinked);
}
static void test_foreign_entries(void **state)
{
	damaged(*state, group_writable);
	if (geteuid() == 0)
		damaged(*state, foreign_owner);
	damaged(*state, hard_linked);
}

/* another entry's valid file under this key's name: its key is in the
 * header, so it is not taken */
static void test_entry_of_another_key(void **state)
{
	struct fixture *fx = *state;
	const char *other = CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	size_t n0, n1;
	struct sock_filter *ref = fresh(&n0);
	free(program(other, fx->rootfd, &n1));
	free(program(deny_mkdir, fx->rootfd, &n1));
	char a[PATH_MAX], b[PATH_MAX];
	entry_path(fx, other, a, sizeof(a));
	entry_path(fx, deny_mkdir, b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
	struct sock_filter *again = program(deny_mkdir, fx->rootfd, &n1);
	assert_same(ref, n0, again, n1);
	free(ref);
	free(again);
}

/* the cache stays bounded: the oldest entries by mtime go, the newest and
 * anything that is not an entry stay */
static void test_pruned(void **state)
{
	struct fixture *fx = *state;
	int dirfd = seccomp_cache_dir_open(fx->rootfd);
	assert_true(dirfd >= 0);
	struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	uint8_t key[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	int other = openat(dirfd, "not-an-entry", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(other >= 0);
	close(other);
	for (int i = 0; i < 10; i++) {
		sha256(&i, sizeof(i), key);
		assert_int_equal(seccomp_cache_store(dirfd, key, &ret, 1), 0);
		/* entry i written at second 1000 + i */
		struct timespec t[2] = {{.tv_sec = 1000 + i}, {.tv_sec = 1000 + i}};
		sha256_hex(key, hex);
		assert_int_equal(utimensat(dirfd, hex, t, 0), 0);
	}
	assert_int_equal(seccomp_cache_prune(dirfd, 4), 0);
	for (int i = 0; i < 10; i++) {
		sha256(&i, sizeof(i), key);
		sha256_hex(key, hex);
		assert_int_equal(faccessat(dirfd, hex, F_OK, 0) == 0, i >= 6);
	}
	assert_int_equal(faccessat(dirfd, "not-an-entry", F_OK, 0), 0);
	/* stores alone never let it pass SECCOMP_CACHE_MAX */
	for (int i = 100; i < 100 + SECCOMP_CACHE_MAX + 20; i++) {
		sha256(&i, sizeof(i), key);
		assert_int_equal(seccomp_cache_store(dirfd, key, &ret, 1), 0);
	}
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "test $(ls '%s/%s' | grep -c '^[0-9a-f]*$') -eq %d", fx->root,
		 SECCOMP_CACHE_DIR, SECCOMP_CACHE_MAX);
	assert_int_equal(system(cmd), 0);
	/* the last one written is there */
	sha256_hex(key, hex);
	assert_int_equal(faccessat(dirfd, hex, F_OK, 0), 0);
	close(dirfd);
}

/* a cache directory anyone else can write is not used (nor written) */
static void test_open_directory_unused(void **state)
{
	struct fixture *fx = *state;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", fx->root, SECCOMP_CACHE_DIR);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(seccomp_cache_dir_open(fx->rootfd), -1);
	assert_int_equal(chmod(dir, 0750), 0);
	assert_int_equal(seccomp_cache_dir_open(fx->rootfd), -1);
	size_t n;
	free(program(deny_mkdir, fx->rootfd, &n));
	char path[PATH_MAX];
	entry_path(fx, deny_mkdir, path, sizeof(path));
	struct stat st;
	assert_int_equal(lstat(path, &st), -1);
	/* a symlink in its place is not followed */
	assert_int_equal(rmdir(dir), 0);
	char real[PATH_MAX + 8];
	snprintf(real, sizeof(real), "%s.real", dir);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, dir), 0);
	assert_int_equal(seccomp_cache_dir_open(fx->rootfd), -1);
}

/* every field of linux.seccomp changes the key */
static void test_keys_differ(void **state)
{
	(void)state;
	static const char *const configs[] = {
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		       "[\"SCMP_ARCH_X86\"]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
		       "[\"SECCOMP_FILTER_FLAG_LOG\"]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"mkdir\"], \"action\": \"SCMP_ACT_KILL\"}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"mkdir\", \"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"rmdir\"], "
		       "\"action\": \"SCMP_ACT_ERRNO\"}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
		       "0, "
		       "\"value\": 8, \"op\": \"SCMP_CMP_NE\"}]}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
		       "0, "
		       "\"value\": 9, \"op\": \"SCMP_CMP_NE\"}]}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
		       "1, "
		       "\"value\": 8, \"op\": \"SCMP_CMP_NE\"}]}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
		       "0, "
		       "\"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
		       "0, "
		       "\"value\": 8, \"valueTwo\": 8, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"),
		CONFIG("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": "
		       "0, "
		       "\"value\": 8, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"),
	};
	size_t n = sizeof(configs) / sizeof(configs[0]);
	uint8_t keys[sizeof(configs) / sizeof(configs[0])][SHA256_LEN];
	for (size_t i = 0; i < n; i++) {
		struct spec *spec = parse(configs[i]);
		seccomp_cache_key(&spec->linux_.seccomp, keys[i]);
		spec_free(spec);
		for (size_t j = 0; j < i; j++)
			if (!memcmp(keys[i], keys[j], SHA256_LEN))
				fail_msg("configs %zu and %zu share a key", i, j);
	}
	/* and the same config, parsed again, the same key */
	struct spec *spec = parse(configs[6]);
	uint8_t again[SHA256_LEN];
	seccomp_cache_key(&spec->linux_.seccomp, again);
	spec_free(spec);
	assert_memory_equal(again, keys[6], SHA256_LEN);
}

/* a notify filter is left to the child (libseccomp hands out the fd) */
static void test_notify_not_prepared(void **state)
{
	struct fixture *fx = *state;
	struct spec *spec = parse(CONFIG(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/tmp/x.sock\", "
		"\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"));
	struct seccomp_filter *f = (void *)1;
	struct error err = {0};
	assert_int_equal(seccomp_prepare(spec, fx->rootfd, &f, &err), 0);
	assert_null(f);
	spec_free(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test_setup_teardown(test_hit_is_the_fresh_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_all_planted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_of_another_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_directory_unused, setup, teardown),
		cmocka_unit_test(test_keys_differ),
		cmocka_unit_test_setup_teardown(test_pruned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_not_prepared, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
