/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups/devfilter.c: the eBPF device program, run by a small interpreter
 * of the instructions it uses, against v1's rule semantics; and, as root,
 * loaded by the kernel's verifier. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>

#include "cgroups/internal.h"

/* Runs prog on (type, access, major, minor); fails the test on an
 * instruction the generator should not use or a jump out of bounds. */
static int run(const struct bpf_insn *p, size_t n, unsigned type, unsigned access, uint32_t major,
	       uint32_t minor)
{
	uint32_t ctx[3] = {type | access << 16, major, minor};
	uint64_t r[11] = {0};
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint32_t d32 = (uint32_t)r[i->dst_reg];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(i->src_reg, 1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = d32 & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = d32 >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			if (d32 != (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP32 | BPF_JEQ | BPF_K:
			if (d32 == (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			assert_true(r[0] == 0 || r[0] == 1);
			return (int)r[0];
		default:
			fail_msg("unexpected opcode 0x%02x at %zu", i->code, pc);
		}
		assert_true(pc < n);
	}
	fail_msg("fell off the end of the program");
	return -1;
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

#define RULE(al, t, ma, mi, acc)                                                           \
	{                                                                                  \
		.allow = (al), .type = (char *)(t), .has_major = (ma) >= 0, .major = (ma), \
		.has_minor = (mi) >= 0, .minor = (mi), .access = (char *)(acc)             \
	}

struct prog {
	struct bpf_insn *v;
	size_t n;
};

static struct prog build(struct spec_device_cgroup *rules, size_t n)
{
	struct spec_resources res = {.devices = rules, .n_devices = n};
	struct prog p = {0};
	struct error err = {0};
	assert_int_equal(cgroup_devfilter_build(&res, &p.v, &p.n, &err), 0);
	return p;
}

static void test_default_list(void **state)
{
	(void)state;
	struct spec_device_cgroup rules[] = {RULE(false, "a", -1, -1, "rwm")};
	struct prog p = build(rules, 1);
	assert_int_equal(run(p.v, p.n, C, R | W, 1, 3), 1); /* /dev/null */
	assert_int_equal(run(p.v, p.n, C, R, 136, 7), 1);   /* a pty */
	assert_int_equal(run(p.v, p.n, C, R, 5, 2), 1);	    /* ptmx */
	assert_int_equal(run(p.v, p.n, C, M, 10, 229), 1);  /* mknod anything */
	assert_int_equal(run(p.v, p.n, B, M, 8, 0), 1);
	assert_int_equal(run(p.v, p.n, C, R, 10, 229), 0); /* fuse */
	assert_int_equal(run(p.v, p.n, C, R, 1, 11), 0);   /* kmsg */
	assert_int_equal(run(p.v, p.n, B, R, 8, 0), 0);	   /* a disk */
	assert_int_equal(run(p.v, p.n, C, R | M, 10, 229), 0);
	free(p.v);
}

/* v1's rules: exceptions are keyed by type and numbers; an allow adds
 * access to its key, a deny takes access away from the same key only. */
static void test_v1_semantics(void **state)
{
	(void)state;
	struct spec_device_cgroup rules[] = {
		RULE(false, "a", -1, -1, "rwm"),
		RULE(true, "c", 10, 229, "r"), /* read fuse */
		RULE(true, "b", 8, -1, "rw"),  /* every sd disk */
		RULE(false, "b", 8, 16, "w"),  /* another key: changes nothing */
		RULE(true, "c", 10, 200, "rw"),
		RULE(false, "c", 10, 200, "w"), /* the same key: tun is read-only */
		RULE(true, "c", 10, 229, "w"),	/* merged: fuse rw */
	};
	struct prog p = build(rules, 7);
	assert_int_equal(run(p.v, p.n, C, R, 10, 229), 1);
	assert_int_equal(run(p.v, p.n, C, R | W, 10, 229), 1);
	assert_int_equal(run(p.v, p.n, C, M, 10, 229), 1); /* the default c *:* m */
	assert_int_equal(run(p.v, p.n, B, R | W, 8, 0), 1);
	assert_int_equal(run(p.v, p.n, B, R | W, 8, 16), 1);
	assert_int_equal(run(p.v, p.n, C, R | W, 8, 0), 0); /* type matters */
	assert_int_equal(run(p.v, p.n, C, R, 10, 200), 1);
	assert_int_equal(run(p.v, p.n, C, W, 10, 200), 0);
	assert_int_equal(run(p.v, p.n, C, 0, 10, 200), 1); /* access(F_OK) */
	free(p.v);

	/* the defaults are written last: a deny of /dev/null does not hold */
	struct spec_device_cgroup deny_null[] = {RULE(false, "a", -1, -1, "rwm"),
						 RULE(false, "c", 1, 3, "rwm")};
	p = build(deny_null, 2);
	assert_int_equal(run(p.v, p.n, C, R, 1, 3), 1);
	free(p.v);

	/* allow-all, then a deny: a blacklist; it blocks any access it names */
	struct spec_device_cgroup black[] = {RULE(true, "a", -1, -1, "rwm"),
					     RULE(false, "c", 10, 229, "w")};
	p = build(black, 2);
	assert_int_equal(run(p.v, p.n, C, R, 10, 229), 1);
	assert_int_equal(run(p.v, p.n, C, R | W, 10, 229), 0);
	assert_int_equal(run(p.v, p.n, C, 0, 10, 229), 1);
	assert_int_equal(run(p.v, p.n, B, R | W, 8, 0), 1);
	free(p.v);
}

static void test_allow_all(void **state)
{
	(void)state;
	struct spec_device_cgroup rules[] = {RULE(false, "a", -1, -1, "rwm"),
					     RULE(true, "a", -1, -1, "rwm")};
	struct prog p = build(rules, 2);
	assert_int_equal(run(p.v, p.n, B, R | W, 8, 0), 1);
	assert_int_equal(run(p.v, p.n, C, R, 10, 229), 1);
	/* allow-all: the defaults agree with it; nothing but "allow" is left */
	assert_int_equal(p.n, 8);
	assert_int_equal(p.v[p.n - 2].imm, 1);
	free(p.v);

	/* a major beyond 32 bits matches nothing */
	struct spec_device_cgroup big[] = {RULE(false, "a", -1, -1, "rwm"),
					   RULE(true, "c", 4294967296LL, -1, "rwm")};
	p = build(big, 2);
	assert_int_equal(run(p.v, p.n, C, R, 0, 0), 0);
	free(p.v);
}

static void test_bad_rule(void **state)
{
	(void)state;
	struct spec_device_cgroup rules[] = {RULE(true, "x", 1, 3, "rwm")};
	struct spec_resources res = {.devices = rules, .n_devices = 1};
	struct bpf_insn *v = NULL;
	size_t n = 0;
	struct error err = {0};
	assert_int_equal(cgroup_devfilter_build(&res, &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "linux.resources.devices[0]"));
	assert_null(v);
}

/* The kernel's verifier accepts the program (root only). */
static void test_verifier(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct spec_device_cgroup rules[] = {RULE(false, "a", -1, -1, "rwm"),
					     RULE(true, "c", 10, 229, "rw")};
	struct prog p = build(rules, 2);
	struct error err = {0};
	/* attaching to a non-directory fails after the load succeeded */
	int r = cgroup_devfilter_attach("/dev/null", p.v, p.n, &err);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "open /dev/null"));
	free(p.v);

	/* an allow default with exceptions (the other kind of block) */
	struct spec_device_cgroup black[] = {RULE(true, "a", -1, -1, "rwm"),
					     RULE(false, "c", 10, 229, "w"),
					     RULE(false, "b", 8, -1, "rwm")};
	p = build(black, 3);
	r = cgroup_devfilter_attach("/dev/null", p.v, p.n, &err);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "open /dev/null"));
	free(p.v);
}

/* Past what the verifier takes: a clear error before any load. */
static void test_too_many_rules(void **state)
{
	(void)state;
	size_t n = 4098;
	struct spec_device_cgroup *rules = calloc(n, sizeof(*rules));
	assert_non_null(rules);
	rules[0] = (struct spec_device_cgroup)RULE(false, "a", -1, -1, "rwm");
	for (size_t i = 1; i < n; i++)
		rules[i] = (struct spec_device_cgroup)RULE(true, "c", 200, (int64_t)i, "r");
	struct spec_resources res = {.devices = rules, .n_devices = n};
	struct bpf_insn *v = NULL;
	size_t len = 0;
	struct error err = {0};
	assert_int_equal(cgroup_devfilter_build(&res, &v, &len, &err), -1);
	assert_non_null(strstr(err.msg, "takes at most 4096"));
	assert_null(v);
	res.n_devices = 4096 - cgroup_n_default_devices + 1; /* 4096 with the defaults */
	assert_int_equal(cgroup_devfilter_build(&res, &v, &len, &err), 0);
	if (geteuid() == 0) { /* and the verifier takes that many */
		assert_int_equal(cgroup_devfilter_attach("/dev/null", v, len, &err), -1);
		assert_non_null(strstr(err.msg, "open /dev/null"));
	}
	free(v);
	free(rules);
}

/* The cgroup2 mount point, or NULL. */
static char *unified_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	char *found = NULL;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char mnt[1024];
		const char *sep = strstr(line, " - cgroup2 ");
		if (sep && sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1)
			found = strdup(mnt);
	}
	if (f)
		fclose(f);
	return found;
}

/* In a child moved into dir: can it open path for reading? */
static bool child_can_open(const char *dir, const char *path)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct error err = {0};
		char self[24];
		snprintf(self, sizeof(self), "%d", (int)getpid());
		if (cgroup_write(dir, "cgroup.procs", self, &err) < 0)
			_exit(2);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : 1);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) < 2);
	return WEXITSTATUS(st) == 0;
}

/* A fresh cgroup under the unified mount for a test (root only). */
static int cgroup_setup(void **state)
{
	char *mnt = unified_mount();
	if (geteuid() != 0 || !mnt || access("/dev/kmsg", R_OK) != 0) {
		free(mnt);
		*state = NULL;
		return 0;
	}
	char *dir = NULL;
	if (asprintf(&dir, "%s/agentrun-devfilter-%d", mnt, (int)getpid()) < 0)
		dir = NULL;
	free(mnt);
	if (!dir || mkdir(dir, 0755) < 0) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int cgroup_teardown(void **state)
{
	char *dir = *state;
	if (!dir)
		return 0;
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
	free(dir);
	return 0;
}

/* Attaching again replaces the program instead of stacking a second one
 * (stacked programs must all allow: the old deny would stay in force). */
static void test_attach_replaces(void **state)
{
	const char *dir = *state;
	if (!dir)
		skip(); /* not root, no cgroup2 mount or no /dev/kmsg */
	struct spec_device_cgroup deny_null[] = {RULE(false, "a", -1, -1, "rwm")};
	struct spec_device_cgroup allow_all[] = {RULE(true, "a", -1, -1, "rwm")};
	struct spec_resources deny = {.devices = deny_null, .n_devices = 1};
	struct spec_resources allow = {.devices = allow_all, .n_devices = 1};
	struct error err = {0};
	/* /dev/kmsg (c 1:11) is not in the default list; root may read it */
	assert_int_equal(cgroup_devfilter_apply(dir, &deny, &err), 0);
	assert_false(child_can_open(dir, "/dev/kmsg"));
	assert_true(child_can_open(dir, "/dev/null"));
	assert_int_equal(cgroup_devfilter_apply(dir, &allow, &err), 0);
	assert_true(child_can_open(dir, "/dev/kmsg"));
	assert_int_equal(cgroup_devfilter_apply(dir, &deny, &err), 0);
	assert_false(child_can_open(dir, "/dev/kmsg"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_list),
		cmocka_unit_test(test_v1_semantics),
		cmocka_unit_test(test_allow_all),
		cmocka_unit_test(test_bad_rule),
		cmocka_unit_test(test_verifier),
		cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test_setup_teardown(test_attach_replaces, cgroup_setup,
						cgroup_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
