/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic checks on a parsed config.json: enums, required values and
 * rules from runtime-spec 1.3 that a schema alone cannot express. */
#include "spec/spec.h"
#include "spec/names.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#define FAIL(...) return error_set(err, 0, __VA_ARGS__)

bool spec_name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

const char *const spec_namespace_types[] = {"pid",  "network", "mount", "ipc", "uts",
					    "user", "cgroup",  "time",	NULL};
const char *const spec_rlimit_types[] = {"RLIMIT_AS",
					 "RLIMIT_CORE",
					 "RLIMIT_CPU",
					 "RLIMIT_DATA",
					 "RLIMIT_FSIZE",
					 "RLIMIT_LOCKS",
					 "RLIMIT_MEMLOCK",
					 "RLIMIT_MSGQUEUE",
					 "RLIMIT_NICE",
					 "RLIMIT_NOFILE",
					 "RLIMIT_NPROC",
					 "RLIMIT_RSS",
					 "RLIMIT_RTPRIO",
					 "RLIMIT_RTTIME",
					 "RLIMIT_SIGPENDING",
					 "RLIMIT_STACK",
					 NULL};
const char *const spec_propagations[] = {"private",    "shared",      "slave",
					 "unbindable", "rprivate",    "rshared",
					 "rslave",     "runbindable", NULL};
static const char *const seccomp_actions[] = {"SCMP_ACT_KILL",	      "SCMP_ACT_KILL_PROCESS",
					      "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
					      "SCMP_ACT_ERRNO",	      "SCMP_ACT_TRACE",
					      "SCMP_ACT_ALLOW",	      "SCMP_ACT_LOG",
					      "SCMP_ACT_NOTIFY",      NULL};
static const char *const seccomp_ops[] = {"SCMP_CMP_NE",	"SCMP_CMP_LT", "SCMP_CMP_LE",
					  "SCMP_CMP_EQ",	"SCMP_CMP_GE", "SCMP_CMP_GT",
					  "SCMP_CMP_MASKED_EQ", NULL};
static const char *const seccomp_flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
static const char *const seccomp_arches[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",	    "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	   "SCMP_ARCH_MIPS64",	    "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	    "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	    "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",    "SCMP_ARCH_SH",	   "SCMP_ARCH_SHEB",	    NULL};
static const char *const device_types[] = {"c", "b", "u", "p", NULL};
static const char *const sched_policies[] = {"SCHED_OTHER",    "SCHED_FIFO", "SCHED_RR",
					     "SCHED_BATCH",    "SCHED_ISO",  "SCHED_IDLE",
					     "SCHED_DEADLINE", NULL};
static const char *const sched_flags[] = {"SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
					  "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
					  "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
					  "SCHED_FLAG_UTIL_CLAMP_MAX", NULL};
static const char *const io_classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
					 NULL};
static const char *const mempolicy_modes[] = {
	"MPOL_DEFAULT",	  "MPOL_BIND",		 "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
	"MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",	    NULL};
static const char *const mempolicy_flags[] = {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
					      "MPOL_F_STATIC_NODES", NULL};
static const char *const personality_domains[] = {"LINUX", "LINUX32", NULL};

/* ---- count bounds ----
 * A config comes from whoever writes the bundle. Every list the runtime
 * walks, copies or hands to the kernel has an upper bound here, checked
 * before any other rule (so no later check is quadratic in a hostile
 * count). Kernel limits: NGROUPS_MAX supplementary groups; 340 lines and
 * one 4095-byte write for an id map. The others are generous bounds
 * far above any real config (docs/security.md, "fuzz"). */
#define MAX_ADDITIONAL_GIDS 65536 /* NGROUPS_MAX */
#define MAX_IDMAP_LINES 340	  /* UID_GID_MAP_MAX_EXTENTS */
#define MAX_IDMAP_BYTES 4095	  /* a map is written at once, below a page */
#define MAX_ARGS 65536		  /* process.args, process.env, hook args and env */
#define MAX_LIST 4096		  /* mounts, devices, paths, syscalls, annotations */
#define MAX_SMALL_LIST 1024	  /* options, hooks, sysctls, blockIO devices, ... */
#define MAX_RDMA_NAME 63	  /* IB_DEVICE_NAME_MAX - 1 */

#define BOUND(n, max, ...)                                                                      \
	do {                                                                                    \
		if ((size_t)(n) > (size_t)(max)) {                                              \
			char path_[128];                                                        \
			snprintf(path_, sizeof(path_), __VA_ARGS__);                            \
			FAIL("%s: %s: %zu entries, at most %zu allowed", o, path_, (size_t)(n), \
			     (size_t)(max));                                                    \
		}                                                                               \
	} while (0)

/* An id map must fit the kernel's single write: count the formatted text. */
static int check_idmap_bounds(const struct spec_id_mapping *m, size_t n, const char *what,
			      const char *o, struct error *err)
{
	BOUND(n, MAX_IDMAP_LINES, "%s", what);
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += (size_t)snprintf(NULL, 0, "%u %u %u\n", m[i].container_id, m[i].host_id,
					  m[i].size);
	if (bytes > MAX_IDMAP_BYTES)
		FAIL("%s: %s: %zu bytes once formatted, the kernel takes at most %d", o, what,
		     bytes, MAX_IDMAP_BYTES);
	return 0;
}

static int check_process_bounds(const struct spec_process *p, const char *o, struct error *err)
{
	BOUND(p->n_args, MAX_ARGS, ".process.args");
	BOUND(p->n_env, MAX_ARGS, ".process.env");
	BOUND(p->n_rlimits, MAX_SMALL_LIST, ".process.rlimits");
	BOUND(p->user.n_additional_gids, MAX_ADDITIONAL_GIDS, ".process.user.additionalGids");
	const struct spec_capabilities *c = &p->capabilities;
	BOUND(c->n_bounding, MAX_SMALL_LIST, ".process.capabilities.bounding");
	BOUND(c->n_effective, MAX_SMALL_LIST, ".process.capabilities.effective");
	BOUND(c->n_inheritable, MAX_SMALL_LIST, ".process.capabilities.inheritable");
	BOUND(c->n_permitted, MAX_SMALL_LIST, ".process.capabilities.permitted");
	BOUND(c->n_ambient, MAX_SMALL_LIST, ".process.capabilities.ambient");
	return 0;
}

static int check_hook_bounds(const struct spec_hook *h, size_t n, const char *kind, const char *o,
			     struct error *err)
{
	BOUND(n, MAX_SMALL_LIST, ".hooks.%s", kind);
	for (size_t i = 0; i < n; i++) {
		BOUND(h[i].n_args, MAX_ARGS, ".hooks.%s[%zu].args", kind, i);
		BOUND(h[i].n_env, MAX_ARGS, ".hooks.%s[%zu].env", kind, i);
	}
	return 0;
}

static int check_bounds(const struct spec *s, const char *o, struct error *err)
{
	BOUND(s->n_mounts, MAX_LIST, ".mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		char what[64];
		BOUND(m->n_options, MAX_SMALL_LIST, ".mounts[%zu].options", i);
		snprintf(what, sizeof(what), ".mounts[%zu].uidMappings", i);
		if (check_idmap_bounds(m->uid_mappings, m->n_uid_mappings, what, o, err) < 0)
			return -1;
		snprintf(what, sizeof(what), ".mounts[%zu].gidMappings", i);
		if (check_idmap_bounds(m->gid_mappings, m->n_gid_mappings, what, o, err) < 0)
			return -1;
	}
	/* .process: in spec_validate_process (also used for exec --process) */
	const struct spec_hooks *h = &s->hooks;
	if (check_hook_bounds(h->prestart, h->n_prestart, "prestart", o, err) < 0 ||
	    check_hook_bounds(h->create_runtime, h->n_create_runtime, "createRuntime", o, err) <
		    0 ||
	    check_hook_bounds(h->create_container, h->n_create_container, "createContainer", o,
			      err) < 0 ||
	    check_hook_bounds(h->start_container, h->n_start_container, "startContainer", o, err) <
		    0 ||
	    check_hook_bounds(h->poststart, h->n_poststart, "poststart", o, err) < 0 ||
	    check_hook_bounds(h->poststop, h->n_poststop, "poststop", o, err) < 0)
		return -1;
	BOUND(s->annotations.n, MAX_LIST, ".annotations");
	const struct spec_linux *l = &s->linux_;
	BOUND(l->n_namespaces, MAX_SMALL_LIST, ".linux.namespaces");
	if (check_idmap_bounds(l->uid_mappings, l->n_uid_mappings, ".linux.uidMappings", o, err) <
		    0 ||
	    check_idmap_bounds(l->gid_mappings, l->n_gid_mappings, ".linux.gidMappings", o, err) <
		    0)
		return -1;
	BOUND(l->n_devices, MAX_LIST, ".linux.devices");
	BOUND(l->n_net_devices, MAX_SMALL_LIST, ".linux.netDevices");
	BOUND(l->sysctl.n, MAX_SMALL_LIST, ".linux.sysctl");
	BOUND(l->n_masked_paths, MAX_LIST, ".linux.maskedPaths");
	BOUND(l->n_readonly_paths, MAX_LIST, ".linux.readonlyPaths");
	const struct spec_resources *r = &l->resources;
	BOUND(r->n_devices, MAX_LIST, ".linux.resources.devices");
	BOUND(r->n_hugepage_limits, MAX_SMALL_LIST, ".linux.resources.hugepageLimits");
	BOUND(r->network.n_priorities, MAX_SMALL_LIST, ".linux.resources.network.priorities");
	BOUND(r->n_rdma, MAX_SMALL_LIST, ".linux.resources.rdma");
	for (size_t i = 0; i < r->n_rdma; i++)
		if (r->rdma[i].device && strlen(r->rdma[i].device) > MAX_RDMA_NAME)
			FAIL("%s: .linux.resources.rdma: device name of %zu bytes, at most %d "
			     "allowed",
			     o, strlen(r->rdma[i].device), MAX_RDMA_NAME);
	BOUND(r->unified.n, MAX_SMALL_LIST, ".linux.resources.unified");
	const struct spec_blkio *b = &r->block_io;
	BOUND(b->n_weight_device, MAX_SMALL_LIST, ".linux.resources.blockIO.weightDevice");
	BOUND(b->n_throttle_read_bps, MAX_SMALL_LIST,
	      ".linux.resources.blockIO.throttleReadBpsDevice");
	BOUND(b->n_throttle_write_bps, MAX_SMALL_LIST,
	      ".linux.resources.blockIO.throttleWriteBpsDevice");
	BOUND(b->n_throttle_read_iops, MAX_SMALL_LIST,
	      ".linux.resources.blockIO.throttleReadIOPSDevice");
	BOUND(b->n_throttle_write_iops, MAX_SMALL_LIST,
	      ".linux.resources.blockIO.throttleWriteIOPSDevice");
	const struct spec_seccomp *sc = &l->seccomp;
	BOUND(sc->n_architectures, MAX_SMALL_LIST, ".linux.seccomp.architectures");
	BOUND(sc->n_flags, MAX_SMALL_LIST, ".linux.seccomp.flags");
	BOUND(sc->n_syscalls, MAX_LIST, ".linux.seccomp.syscalls");
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		BOUND(sc->syscalls[i].n_names, MAX_LIST, ".linux.seccomp.syscalls[%zu].names", i);
		BOUND(sc->syscalls[i].n_args, MAX_SMALL_LIST, ".linux.seccomp.syscalls[%zu].args",
		      i);
	}
	BOUND(l->intel_rdt.n_schemata, MAX_SMALL_LIST, ".linux.intelRdt.schemata");
	BOUND(l->memory_policy.n_flags, MAX_SMALL_LIST, ".linux.memoryPolicy.flags");
	BOUND(l->personality.n_flags, MAX_SMALL_LIST, ".linux.personality.flags");
	return 0;
}

static bool is_absolute(const char *p)
{
	return p && p[0] == '/';
}

/* SemVer 2.0.0: MAJOR.MINOR.PATCH, no leading zeros, optional -pre and +build. */
static bool is_semver(const char *v)
{
	regex_t re;
	if (regcomp(&re,
		    "^(0|[1-9][0-9]*)[.](0|[1-9][0-9]*)[.](0|[1-9][0-9]*)"
		    "(-[0-9A-Za-z.-]+)?([+][0-9A-Za-z.-]+)?$",
		    REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, v, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static int check_idmaps(const struct spec_id_mapping *m, size_t n, const char *what,
			const char *origin, struct error *err)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].size == 0)
			FAIL("%s: %s[%zu].size: must be greater than 0", origin, what, i);
	return 0;
}

static int check_enum_list(char **names, size_t n, const char *const *allowed, const char *what,
			   const char *kind, const char *origin, struct error *err)
{
	for (size_t i = 0; i < n; i++)
		if (!spec_name_in(names[i], allowed))
			FAIL("%s: %s[%zu]: unknown %s \"%s\"", origin, what, i, kind, names[i]);
	return 0;
}

static bool cap_name_valid(const char *name)
{
	if (strncmp(name, "CAP_", 4) != 0 || !name[4])
		return false;
	for (const char *p = name + 4; *p; p++)
		if (!isupper((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

int spec_validate_process(const struct spec_process *p, const char *o, struct error *err)
{
	if (check_process_bounds(p, o, err) < 0)
		return -1;
	if (!is_absolute(p->cwd))
		FAIL("%s: .process.cwd: must be an absolute path, got \"%s\"", o, p->cwd);
	/* config.md: at least one entry is REQUIRED (non-Windows) */
	if (p->n_args == 0)
		FAIL("%s: .process.args: required, with at least one entry", o);
	if (!p->args[0][0])
		FAIL("%s: .process.args[0]: must not be empty", o);
	for (size_t i = 0; i < p->n_env; i++)
		if (!strchr(p->env[i], '='))
			FAIL("%s: .process.env[%zu]: \"%s\" is not of the form KEY=value", o, i,
			     p->env[i]);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		if (!spec_name_in(r->type, spec_rlimit_types))
			FAIL("%s: .process.rlimits[%zu].type: unknown rlimit \"%s\"", o, i,
			     r->type);
		if (r->soft > r->hard)
			FAIL("%s: .process.rlimits[%zu]: soft limit %llu above hard limit %llu", o,
			     i, (unsigned long long)r->soft, (unsigned long long)r->hard);
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->rlimits[j].type, r->type) == 0)
				FAIL("%s: .process.rlimits[%zu].type: duplicate \"%s\"", o, i,
				     r->type);
	}
	const struct spec_capabilities *c = &p->capabilities;
	struct {
		char **v;
		size_t n;
		const char *name;
	} sets[] = {{c->bounding, c->n_bounding, "bounding"},
		    {c->effective, c->n_effective, "effective"},
		    {c->inheritable, c->n_inheritable, "inheritable"},
		    {c->permitted, c->n_permitted, "permitted"},
		    {c->ambient, c->n_ambient, "ambient"}};
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		for (size_t i = 0; i < sets[s].n; i++)
			if (!cap_name_valid(sets[s].v[i]))
				FAIL("%s: .process.capabilities.%s[%zu]: invalid capability \"%s\"",
				     o, sets[s].name, i, sets[s].v[i]);
	if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		FAIL("%s: .process.oomScoreAdj: %d out of range [-1000, 1000]", o,
		     p->oom_score_adj);
	if (p->scheduler.present) {
		if (!spec_name_in(p->scheduler.policy, sched_policies))
			FAIL("%s: .process.scheduler.policy: unknown policy \"%s\"", o,
			     p->scheduler.policy);
		if (check_enum_list(p->scheduler.flags, p->scheduler.n_flags, sched_flags,
				    ".process.scheduler.flags", "flag", o, err) < 0)
			return -1;
		if (p->scheduler.has_nice && (p->scheduler.nice < -20 || p->scheduler.nice > 19))
			FAIL("%s: .process.scheduler.nice: %d out of range [-20, 19]", o,
			     p->scheduler.nice);
	}
	if (p->io_priority.present) {
		if (!spec_name_in(p->io_priority.class_, io_classes))
			FAIL("%s: .process.ioPriority.class: unknown class \"%s\"", o,
			     p->io_priority.class_);
		if (p->io_priority.priority < 0 || p->io_priority.priority > 7)
			FAIL("%s: .process.ioPriority.priority: %d out of range [0, 7]", o,
			     p->io_priority.priority);
	}
	return 0;
}

static int check_hooks(const struct spec_hook *h, size_t n, const char *kind, const char *o,
		       struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_absolute(h[i].path))
			FAIL("%s: .hooks.%s[%zu].path: must be an absolute path, got \"%s\"", o,
			     kind, i, h[i].path);
		if (h[i].has_timeout && h[i].timeout <= 0)
			FAIL("%s: .hooks.%s[%zu].timeout: must be greater than zero", o, kind, i);
	}
	return 0;
}

/* config-linux.md: an errno return only goes with actions that take one. */
static bool action_takes_errno(const char *action)
{
	return !strcmp(action, "SCMP_ACT_ERRNO") || !strcmp(action, "SCMP_ACT_TRACE");
}

static int check_seccomp(const struct spec_seccomp *s, const char *o, struct error *err)
{
	if (!spec_name_in(s->default_action, seccomp_actions))
		FAIL("%s: .linux.seccomp.defaultAction: unknown action \"%s\"", o,
		     s->default_action);
	if (s->has_default_errno_ret && !action_takes_errno(s->default_action))
		FAIL("%s: .linux.seccomp.defaultErrnoRet: not allowed with action \"%s\"", o,
		     s->default_action);
	if (s->listener_metadata && !s->listener_path)
		FAIL("%s: .linux.seccomp.listenerMetadata: set without listenerPath", o);
	if (check_enum_list(s->architectures, s->n_architectures, seccomp_arches,
			    ".linux.seccomp.architectures", "architecture", o, err) < 0 ||
	    check_enum_list(s->flags, s->n_flags, seccomp_flags, ".linux.seccomp.flags", "flag", o,
			    err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_syscall *sc = &s->syscalls[i];
		if (!spec_name_in(sc->action, seccomp_actions))
			FAIL("%s: .linux.seccomp.syscalls[%zu].action: unknown action \"%s\"", o, i,
			     sc->action);
		if (sc->n_names == 0)
			FAIL("%s: .linux.seccomp.syscalls[%zu].names: must not be empty", o, i);
		if (sc->has_errno_ret && !action_takes_errno(sc->action))
			FAIL("%s: .linux.seccomp.syscalls[%zu].errnoRet: not allowed with action "
			     "\"%s\"",
			     o, i, sc->action);
		for (size_t j = 0; j < sc->n_args; j++) {
			if (!spec_name_in(sc->args[j].op, seccomp_ops))
				FAIL("%s: .linux.seccomp.syscalls[%zu].args[%zu].op: unknown "
				     "operator "
				     "\"%s\"",
				     o, i, j, sc->args[j].op);
			if (sc->args[j].index > 5)
				FAIL("%s: .linux.seccomp.syscalls[%zu].args[%zu].index: %u out of "
				     "range [0, 5]",
				     o, i, j, sc->args[j].index);
		}
	}
	return 0;
}

static int check_resources(const struct spec_resources *r, const char *o, struct error *err)
{
	regex_t re;
	if (regcomp(&re, "^[1-9][0-9]*[KMG]B$", REG_EXTENDED | REG_NOSUB) != 0)
		FAIL("%s: internal error compiling pattern", o);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		if (regexec(&re, r->hugepage_limits[i].page_size, 0, NULL, 0) != 0) {
			regfree(&re);
			FAIL("%s: .linux.resources.hugepageLimits[%zu].pageSize: \"%s\" does not "
			     "match ^[1-9][0-9]*[KMG]B$",
			     o, i, r->hugepage_limits[i].page_size);
		}
	regfree(&re);
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct spec_device_cgroup *d = &r->devices[i];
		if (d->type && !spec_name_in(d->type, (const char *const[]){"a", "c", "b", NULL}))
			FAIL("%s: .linux.resources.devices[%zu].type: unknown type \"%s\"", o, i,
			     d->type);
		if (d->access &&
		    (strlen(d->access) == 0 || strspn(d->access, "rwm") != strlen(d->access)))
			FAIL("%s: .linux.resources.devices[%zu].access: \"%s\" is not made of r, "
			     "w, m",
			     o, i, d->access);
	}
	if (r->block_io.present) {
		if (r->block_io.has_weight && r->block_io.weight &&
		    (r->block_io.weight < 10 || r->block_io.weight > 1000))
			FAIL("%s: .linux.resources.blockIO.weight: %u out of range [10, 1000]", o,
			     r->block_io.weight);
		for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
			const struct spec_weight_device *w = &r->block_io.weight_device[i];
			if (!w->has_weight && !w->has_leaf_weight)
				FAIL("%s: .linux.resources.blockIO.weightDevice[%zu]: needs weight "
				     "or leafWeight",
				     o, i);
		}
	}
	for (size_t i = 0; i < r->n_rdma; i++)
		if (!r->rdma[i].has_hca_handles && !r->rdma[i].has_hca_objects)
			FAIL("%s: .linux.resources.rdma.%s: needs hcaHandles or hcaObjects", o,
			     r->rdma[i].device);
	return 0;
}

int spec_clean_path(const char *path, char *out, size_t size)
{
	size_t n = 0;
	if (size < 2)
		return -1;
	out[n] = '\0';
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n + 1 + len + 1 > size)
				return -1;
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		out[n] = '\0';
		p += len;
	}
	if (n == 0)
		snprintf(out, size, "/");
	return 0;
}

bool spec_proc_file_mountable(const char *clean)
{
	static const char *const lxcfs_files[] = {"/proc/cpuinfo",
						  "/proc/diskstats",
						  "/proc/meminfo",
						  "/proc/stat",
						  "/proc/swaps",
						  "/proc/uptime",
						  "/proc/loadavg",
						  "/proc/slabinfo",
						  "/proc/net/dev",
						  "/proc/sys/kernel/ns_last_pid",
						  "/proc/sys/crypto/fips_enabled",
						  NULL};
	return spec_name_in(clean, lxcfs_files);
}

static bool has_option(const struct spec_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], opt))
			return true;
	return false;
}

/* Nothing but a procfs goes on /proc, and under it only lxcfs's files: a
 * fake /proc would take agentrun's writes there (CVE-2019-16884). The
 * destinations as written; rootfs.c checks where they resolve. */
static int check_proc_mount(const struct spec_mount *m, size_t i, const char *o, struct error *err)
{
	char d[4096];
	if (spec_clean_path(m->destination, d, sizeof(d)) < 0)
		FAIL("%s: .mounts[%zu].destination: too long", o, i);
	bool bind = (m->type && !strcmp(m->type, "bind")) || has_option(m, "bind") ||
		    has_option(m, "rbind");
	if (!strcmp(d, "/proc") && !bind && (!m->type || strcmp(m->type, "proc")))
		FAIL("%s: .mounts[%zu]: destination \"%s\": only a proc mount or a bind of a "
		     "procfs may go on /proc",
		     o, i, m->destination);
	if (!strncmp(d, "/proc/", 6) && !spec_proc_file_mountable(d))
		FAIL("%s: .mounts[%zu]: destination \"%s\" is inside /proc (only the files lxcfs "
		     "emulates may be mounted there, e.g. /proc/cpuinfo)",
		     o, i, m->destination);
	return 0;
}

int spec_validate(const struct spec *s, const char *o, struct error *err)
{
	unsigned major, minor, patch;
	if (check_bounds(s, o, err) < 0)
		return -1;
	if (!s->oci_version || !is_semver(s->oci_version) ||
	    sscanf(s->oci_version, "%u.%u.%u", &major, &minor, &patch) != 3)
		FAIL("%s: .ociVersion: \"%s\" is not a SemVer version", o,
		     s->oci_version ? s->oci_version : "");
	if (major > 1)
		FAIL("%s: .ociVersion: unsupported version \"%s\" (this runtime implements 1.x)", o,
		     s->oci_version);
	/* config.md: root is REQUIRED on every platform but Windows */
	if (!s->root.present)
		FAIL("%s: .root: required field missing", o);
	if (!s->root.path || !s->root.path[0])
		FAIL("%s: .root.path: must not be empty", o);
	for (size_t i = 0; i < s->annotations.n; i++)
		if (!s->annotations.keys[i][0])
			FAIL("%s: .annotations: a key must not be empty", o);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (!m->destination[0])
			FAIL("%s: .mounts[%zu].destination: must not be empty", o, i);
		/* config.md: each of uidMappings, gidMappings needs the other */
		if (!m->n_uid_mappings != !m->n_gid_mappings)
			FAIL("%s: .mounts[%zu].%s: required along with %s", o, i,
			     m->n_uid_mappings ? "gidMappings" : "uidMappings",
			     m->n_uid_mappings ? "uidMappings" : "gidMappings");
		if (check_proc_mount(m, i, o, err) < 0)
			return -1;
		char what[64];
		snprintf(what, sizeof(what), ".mounts[%zu].uidMappings", i);
		if (check_idmaps(m->uid_mappings, m->n_uid_mappings, what, o, err) < 0)
			return -1;
		snprintf(what, sizeof(what), ".mounts[%zu].gidMappings", i);
		if (check_idmaps(m->gid_mappings, m->n_gid_mappings, what, o, err) < 0)
			return -1;
	}
	if (s->process.present && spec_validate_process(&s->process, o, err) < 0)
		return -1;
	const struct spec_hooks *h = &s->hooks;
	if (check_hooks(h->prestart, h->n_prestart, "prestart", o, err) < 0 ||
	    check_hooks(h->create_runtime, h->n_create_runtime, "createRuntime", o, err) < 0 ||
	    check_hooks(h->create_container, h->n_create_container, "createContainer", o, err) <
		    0 ||
	    check_hooks(h->start_container, h->n_start_container, "startContainer", o, err) < 0 ||
	    check_hooks(h->poststart, h->n_poststart, "poststart", o, err) < 0 ||
	    check_hooks(h->poststop, h->n_poststop, "poststop", o, err) < 0)
		return -1;

	const struct spec_linux *l = &s->linux_;
	bool has_userns = false;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const char *t = l->namespaces[i].type;
		if (!spec_name_in(t, spec_namespace_types))
			FAIL("%s: .linux.namespaces[%zu].type: unknown namespace \"%s\"", o, i, t);
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->namespaces[j].type, t) == 0)
				FAIL("%s: .linux.namespaces[%zu].type: duplicate namespace \"%s\"",
				     o, i, t);
		if (l->namespaces[i].path && !is_absolute(l->namespaces[i].path))
			FAIL("%s: .linux.namespaces[%zu].path: must be an absolute path", o, i);
		if (strcmp(t, "user") == 0)
			has_userns = true;
	}
	if ((l->n_uid_mappings || l->n_gid_mappings) && !has_userns)
		FAIL("%s: .linux.%s: id mappings need a user namespace in .linux.namespaces", o,
		     l->n_uid_mappings ? "uidMappings" : "gidMappings");
	if (check_idmaps(l->uid_mappings, l->n_uid_mappings, ".linux.uidMappings", o, err) < 0 ||
	    check_idmaps(l->gid_mappings, l->n_gid_mappings, ".linux.gidMappings", o, err) < 0)
		return -1;
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct spec_device *d = &l->devices[i];
		if (!spec_name_in(d->type, device_types))
			FAIL("%s: .linux.devices[%zu].type: unknown device type \"%s\"", o, i,
			     d->type);
		if (!is_absolute(d->path))
			FAIL("%s: .linux.devices[%zu].path: must be an absolute path", o, i);
		if (strcmp(d->type, "p") != 0 && (!d->has_major || !d->has_minor))
			FAIL("%s: .linux.devices[%zu]: major and minor are required for type "
			     "\"%s\"",
			     o, i, d->type);
	}
	if (l->rootfs_propagation && !spec_name_in(l->rootfs_propagation, spec_propagations))
		FAIL("%s: .linux.rootfsPropagation: unknown propagation \"%s\"", o,
		     l->rootfs_propagation);
	if (l->resources.present && check_resources(&l->resources, o, err) < 0)
		return -1;
	if (l->seccomp.present && check_seccomp(&l->seccomp, o, err) < 0)
		return -1;
	if (l->intel_rdt.present && l->intel_rdt.mem_bw_schema &&
	    strncmp(l->intel_rdt.mem_bw_schema, "MB:", 3) != 0)
		FAIL("%s: .linux.intelRdt.memBwSchema: must start with \"MB:\"", o);
	/* each value is written as lines of the resctrl schemata file */
	if (l->intel_rdt.present) {
		const struct spec_intel_rdt *rdt = &l->intel_rdt;
		if (rdt->mem_bw_schema && strchr(rdt->mem_bw_schema, '\n'))
			FAIL("%s: .linux.intelRdt.memBwSchema: must not contain a newline", o);
		if (rdt->l3_cache_schema && strchr(rdt->l3_cache_schema, '\n'))
			FAIL("%s: .linux.intelRdt.l3CacheSchema: must not contain a newline", o);
		for (size_t i = 0; i < rdt->n_schemata; i++)
			if (strchr(rdt->schemata[i], '\n'))
				FAIL("%s: .linux.intelRdt.schemata[%zu]: must not contain a "
				     "newline",
				     o, i);
	}
	if (l->memory_policy.present) {
		if (!spec_name_in(l->memory_policy.mode, mempolicy_modes))
			FAIL("%s: .linux.memoryPolicy.mode: unknown mode \"%s\"", o,
			     l->memory_policy.mode);
		if (check_enum_list(l->memory_policy.flags, l->memory_policy.n_flags,
				    mempolicy_flags, ".linux.memoryPolicy.flags", "flag", o,
				    err) < 0)
			return -1;
	}
	if (l->personality.present && !spec_name_in(l->personality.domain, personality_domains))
		FAIL("%s: .linux.personality.domain: unknown domain \"%s\"", o,
		     l->personality.domain);
	if (s->freebsd_jail_vnet &&
	    !spec_name_in(s->freebsd_jail_vnet, (const char *const[]){"new", "inherit", NULL}))
		FAIL("%s: .freebsd.jail.vnet: unknown sharing mode \"%s\"", o,
		     s->freebsd_jail_vnet);
	for (size_t i = 0; i < l->n_masked_paths; i++)
		if (!is_absolute(l->masked_paths[i]))
			FAIL("%s: .linux.maskedPaths[%zu]: must be an absolute path", o, i);
	for (size_t i = 0; i < l->n_readonly_paths; i++)
		if (!is_absolute(l->readonly_paths[i]))
			FAIL("%s: .linux.readonlyPaths[%zu]: must be an absolute path", o, i);
	return 0;
}
