/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device rules on cgroup v2: an eBPF program of type CGROUP_DEVICE attached
 * to the container's cgroup. It decides as the v1 devices controller would
 * after the same writes (deny everything, the configured rules, the default
 * devices): the rules are replayed on a model of v1's state (a default and
 * exceptions) and the program checks the request against that state, as
 * runc does. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "cgroups/internal.h"

/* Registers: r1 context, r2 type, r3 access, r4 major, r5 minor, r0 scratch
 * and result. */
#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
	bool oom;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *nv = realloc(p->v, cap * sizeof(*nv));
		if (!nv) {
			p->oom = true;
			return p->n;
		}
		p->v = nv;
		p->cap = cap;
	}
	p->v[p->n] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return p->n++;
}

static unsigned access_bits(const char *acc)
{
	unsigned bits = 0;
	for (const char *c = acc && *acc ? acc : "rwm"; *c; c++)
		bits |= *c == 'r'   ? BPF_DEVCG_ACC_READ
			: *c == 'w' ? BPF_DEVCG_ACC_WRITE
			: *c == 'm' ? BPF_DEVCG_ACC_MKNOD
				    : 0;
	return bits;
}

#define ALL_ACCESS (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* v1's device cgroup state: a default and its exceptions. */
struct exception {
	char type;	      /* 'a', 'b', 'c' */
	int64_t major, minor; /* -1: any */
	unsigned access;
};

struct devstate {
	bool allow; /* the default */
	struct exception *v;
	size_t n;
};

/* A rule written to devices.allow/deny, as the kernel takes it: type a
 * sets the default and drops the exceptions; a rule that agrees with the
 * default takes its access away from the exception with the same type and
 * numbers; any other adds its access to that exception (or a new one). */
static int devstate_write(struct devstate *st, const struct spec_device_cgroup *d)
{
	char type = d->type && d->type[0] ? d->type[0] : 'a';
	if (type == 'a') {
		st->allow = d->allow;
		st->n = 0;
		return 0;
	}
	struct exception e = {.type = type,
			      .major = d->has_major ? d->major : -1,
			      .minor = d->has_minor ? d->minor : -1,
			      .access = access_bits(d->access)};
	for (size_t i = 0; i < st->n; i++) {
		struct exception *x = &st->v[i];
		if (x->type != e.type || x->major != e.major || x->minor != e.minor)
			continue;
		if (d->allow == st->allow)
			x->access &= ~e.access;
		else
			x->access |= e.access;
		if (!x->access)
			st->v[i] = st->v[--st->n];
		return 0;
	}
	if (d->allow == st->allow)
		return 0;
	struct exception *nv = realloc(st->v, (st->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	st->v = nv;
	st->v[st->n++] = e;
	return 0;
}

/* One exception: its tests jump past the block when they fail. With a
 * deny default it allows a request whose access it covers entirely; with
 * an allow default it denies a request that wants any of its access. */
static void emit_exception(struct prog *p, const struct exception *e, bool default_allow)
{
	size_t jumps[4], nj = 0;
	if (e->major > UINT32_MAX || e->minor > UINT32_MAX)
		return; /* no device has such a number */
	if (e->type != 'a')
		jumps[nj++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 0,
				   e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (e->access != ALL_ACCESS || default_allow) {
		emit(p, BPF_ALU | BPF_MOV | BPF_X, R0, R3, 0, 0);
		if (!default_allow) {
			emit(p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0,
			     (int32_t)(~e->access & ALL_ACCESS));
			jumps[nj++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R0, 0, 0, 0);
		} else {
			emit(p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0, (int32_t)e->access);
			jumps[nj++] = emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, R0, 0, 0, 0);
		}
	}
	if (e->major >= 0)
		jumps[nj++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)e->major);
	if (e->minor >= 0)
		jumps[nj++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)e->minor);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, default_allow ? 0 : 1);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < nj && !p->oom; i++)
		p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

/* The verifier gives up near 8192 branches that are still open (one per
 * rule here); leave room. */
#define DEVFILTER_MAX_RULES 4096

static const struct spec_device_cgroup deny_all = {.allow = false, .access = (char *)"rwm"};

int cgroup_devfilter_build(const struct spec_resources *res, struct bpf_insn **out, size_t *n,
			   struct error *err)
{
	char buf[64];
	for (size_t i = 0; i < res->n_devices; i++)
		if (cgroup_device_rule(&res->devices[i], buf, sizeof(buf), err) < 0)
			return error_prefix(err, "linux.resources.devices[%zu]", i);
	/* What v1 would hold after the writes cgroup_v1_map makes. */
	struct devstate st = {0};
	int r = devstate_write(&st, &deny_all);
	for (size_t i = 0; i < res->n_devices && r == 0; i++)
		r = devstate_write(&st, &res->devices[i]);
	for (size_t i = 0; i < cgroup_n_default_devices && r == 0; i++)
		r = devstate_write(&st, &cgroup_default_devices[i]);
	if (r == 0 && st.n > DEVFILTER_MAX_RULES) {
		free(st.v);
		return error_set(
			err, E2BIG,
			"linux.resources.devices: %zu distinct device rules; the eBPF device "
			"filter of cgroup v2 takes at most %d",
			st.n, DEVFILTER_MAX_RULES);
	}
	struct prog p = {.oom = r < 0};
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0); /* access_type */
	emit(&p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	emit(&p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
	emit(&p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, 4, 0); /* major */
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, 8, 0); /* minor */
	for (size_t i = 0; i < st.n; i++)
		emit_exception(&p, &st.v[i], st.allow);
	emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, st.allow ? 1 : 0);
	emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	free(st.v);
	if (p.oom) {
		free(p.v);
		return error_set(err, ENOMEM, "build the device filter");
	}
	*out = p.v;
	*n = p.n;
	return 0;
}

static int bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* Detach every device program attached to cgfd except keep (by id). */
static int detach_others(int cgfd, uint32_t keep, struct error *err)
{
	_cleanup_free_ uint32_t *ids = NULL;
	union bpf_attr q = {0};
	for (uint32_t cap = 16;; cap *= 2) {
		uint32_t *nv = realloc(ids, cap * sizeof(*ids));
		if (!nv)
			return error_set(err, ENOMEM, "query the cgroup's device filters");
		ids = nv;
		q = (union bpf_attr){0};
		q.query.target_fd = (uint32_t)cgfd;
		q.query.attach_type = BPF_CGROUP_DEVICE;
		q.query.prog_ids = (uintptr_t)ids;
		q.query.prog_cnt = cap;
		if (bpf(BPF_PROG_QUERY, &q) == 0)
			break;
		if (errno != ENOSPC || cap >= 65536)
			return error_errno(err, "query the cgroup's device filters");
	}
	for (uint32_t i = 0; i < q.query.prog_cnt; i++) {
		if (ids[i] == keep)
			continue;
		union bpf_attr g = {0};
		g.prog_id = ids[i];
		_cleanup_close_ int fd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (fd < 0 && errno == ENOENT)
			continue; /* gone meanwhile */
		if (fd < 0)
			return error_errno(err, "open device filter %u", ids[i]);
		union bpf_attr d = {0};
		d.target_fd = (uint32_t)cgfd;
		d.attach_bpf_fd = (uint32_t)fd;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
			return error_errno(err, "detach device filter %u", ids[i]);
	}
	return 0;
}

/* The verifier's complaint: the last log line before its statistics. */
static const char *verifier_reason(char *log)
{
	const char *reason = "";
	for (char *save = NULL, *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "processed ", 10) != 0)
			reason = l;
	return reason;
}

int cgroup_devfilter_attach(const char *dir, const struct bpf_insn *insns, size_t n,
			    struct error *err)
{
	static char log[8192];
	union bpf_attr a = {0};
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t) "GPL";
	_cleanup_close_ int prog = bpf(BPF_PROG_LOAD, &a);
	if (prog < 0) {
		int e = errno;
		/* again with a log, for the verifier's reason */
		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		log[0] = '\0';
		int again = e == EPERM ? -1 : bpf(BPF_PROG_LOAD, &a);
		if (again >= 0) { /* cannot happen twice; take it */
			prog = again;
		} else {
			const char *why = errno == e ? verifier_reason(log) : "";
			errno = e;
			return *why ? error_errno(err, "load the device filter (%s)", why)
				    : error_errno(err, "load the device filter");
		}
	}
	_cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return error_errno(err, "open %s", dir);
	union bpf_attr at = {0};
	at.target_fd = (uint32_t)cgfd;
	at.attach_bpf_fd = (uint32_t)prog;
	at.attach_type = BPF_CGROUP_DEVICE;
	at.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &at) < 0)
		return error_errno(err, "attach the device filter to %s", dir);
	/* The new program is in place: drop the ones an earlier create or
	 * update attached. */
	struct bpf_prog_info info = {0};
	union bpf_attr gi = {0};
	gi.info.bpf_fd = (uint32_t)prog;
	gi.info.info_len = sizeof(info);
	gi.info.info = (uintptr_t)&info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &gi) < 0)
		return error_errno(err, "get the id of the new device filter");
	return detach_others(cgfd, info.id, err);
}

int cgroup_devfilter_apply(const char *dir, const struct spec_resources *res, struct error *err)
{
	struct bpf_insn *insns = NULL;
	size_t n = 0;
	if (cgroup_devfilter_build(res, &insns, &n, err) < 0)
		return -1;
	int r = cgroup_devfilter_attach(dir, insns, n, err);
	free(insns);
	if (r < 0 && err && err->errnum == EPERM && (geteuid() != 0 || fs_in_child_userns())) {
		/* rootless (also uid 0 in a user namespace, as rootless podman
		 * runs us), as runc and crun: no device filter; the kernel keeps
		 * the namespace from devices it does not own */
		error_clear(err);
		return 0;
	}
	return r < 0 ? error_prefix(err, "linux.resources.devices") : 0;
}
