/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

struct seccomp_filter {
	scmp_filter_ctx ctx;
	bool notify;
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
	seccomp_release(f->ctx);
	free(f);
}
