/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `update`: new resource limits for a running or paused container, from
 * runc's flags or a linux.resources JSON document (--resources). */
#include "runtime/cli/cli.h"
#include "runtime/resources.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	U_BLKIO_WEIGHT = 256,
	U_CPU_PERIOD,
	U_CPU_QUOTA,
	U_CPU_BURST,
	U_CPU_RT_PERIOD,
	U_CPU_RT_RUNTIME,
	U_CPU_SHARE,
	U_CPUSET_CPUS,
	U_CPUSET_MEMS,
	U_KERNEL_MEMORY,
	U_KERNEL_MEMORY_TCP,
	U_MEMORY,
	U_MEMORY_RESERVATION,
	U_MEMORY_SWAP,
	U_PIDS_LIMIT,
	U_L3_CACHE,
	U_MEM_BW,
};

struct update_ctx {
	const char *resources_file;
	struct spec_resources res;
	bool kernel_memory;
};

static int parse_u64(const char *flag, const char *s, uint64_t *out, struct error *err)
{
	char *end = NULL;
	errno = 0;
	if (*s == '-' || *s == '+')
		goto bad;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		goto bad;
	*out = v;
	return 0;
bad:
	return error_set(err, 0, "invalid value for %s: \"%s\"", flag, s);
}

static int parse_i64(const char *flag, const char *s, int64_t *out, struct error *err)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return error_set(err, 0, "invalid value for %s: \"%s\"", flag, s);
	*out = v;
	return 0;
}

static int parse_bytes(const char *flag, const char *s, int64_t *out, struct error *err)
{
	if (resources_parse_bytes(s, out, err) < 0)
		return error_prefix(err, "invalid value for %s", flag);
	return 0;
}

static int on_update_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct update_ctx *ctx = vctx;
	struct spec_memory *m = &ctx->res.memory;
	struct spec_cpu *cpu = &ctx->res.cpu;
	uint64_t u;
	int64_t i;
	switch (c) {
	case 'r':
		ctx->resources_file = arg;
		return 0;
	case U_BLKIO_WEIGHT:
		if (parse_u64("blkio-weight", arg, &u, err) < 0)
			return -1;
		if (u > UINT16_MAX)
			return error_set(err, 0, "invalid value for blkio-weight: \"%s\"", arg);
		/* as runc: 0 leaves the weight as it is */
		ctx->res.block_io.has_weight = u != 0;
		ctx->res.block_io.present |= u != 0;
		ctx->res.block_io.weight = (uint16_t)u;
		return 0;
	case U_CPU_PERIOD:
		cpu->has_period = true;
		return parse_u64("cpu-period", arg, &cpu->period, err);
	case U_CPU_QUOTA:
		cpu->has_quota = true;
		return parse_i64("cpu-quota", arg, &cpu->quota, err);
	case U_CPU_BURST:
		cpu->has_burst = true;
		return parse_u64("cpu-burst", arg, &cpu->burst, err);
	case U_CPU_RT_PERIOD:
		cpu->has_realtime_period = true;
		return parse_u64("cpu-rt-period", arg, &cpu->realtime_period, err);
	case U_CPU_RT_RUNTIME:
		cpu->has_realtime_runtime = true;
		return parse_i64("cpu-rt-runtime", arg, &cpu->realtime_runtime, err);
	case U_CPU_SHARE:
		cpu->has_shares = true;
		return parse_u64("cpu-share", arg, &cpu->shares, err);
	case U_CPUSET_CPUS:
	case U_CPUSET_MEMS: {
		if (!*arg)
			return 0;
		char **dst = c == U_CPUSET_CPUS ? &cpu->cpus : &cpu->mems;
		free(*dst);
		*dst = strdup(arg);
		return *dst ? 0 : error_set(err, ENOMEM, "update");
	}
	case U_KERNEL_MEMORY:
	case U_KERNEL_MEMORY_TCP:
		if (parse_bytes(c == U_KERNEL_MEMORY ? "kernel-memory" : "kernel-memory-tcp", arg,
				&i, err) < 0)
			return -1;
		ctx->kernel_memory |= i != 0;
		return 0;
	case U_MEMORY:
		m->has_limit = true;
		return parse_bytes("memory", arg, &m->limit, err);
	case U_MEMORY_RESERVATION:
		m->has_reservation = true;
		return parse_bytes("memory-reservation", arg, &m->reservation, err);
	case U_MEMORY_SWAP:
		m->has_swap = true;
		return parse_bytes("memory-swap", arg, &m->swap, err);
	case U_PIDS_LIMIT:
		if (parse_i64("pids-limit", arg, &i, err) < 0)
			return -1;
		/* as runc: 0 leaves the limit as it is, -1 is unlimited */
		ctx->res.pids.present = ctx->res.pids.has_limit = i != 0;
		ctx->res.pids.limit = i;
		return 0;
	case U_L3_CACHE:
	case U_MEM_BW:
		return error_set(err, 0, "%s: Intel RDT is not supported",
				 c == U_L3_CACHE ? "--l3-cache-schema" : "--mem-bw-schema");
	}
	return error_set(err, 0, "unknown flag");
}

static int read_stdin(char **out, size_t *len, struct error *err)
{
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return error_set(err, ENOMEM, "read resources from stdin");
	for (;;) {
		if (cap - n < 2) {
			if (cap > 64 * 1024 * 1024)
				return error_set(err, 0, "read resources from stdin: too large");
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return error_set(err, ENOMEM, "read resources from stdin");
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "read resources from stdin");
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

int update_parse_resources(const char *json, size_t len, const char *origin,
			   struct spec_resources *res, bool *kernel_memory, struct error *err)
{
	*kernel_memory = false;
	if (spec_parse_resources(json, len, origin, res, err) < 0)
		return -1;
	struct spec_memory *m = &res->memory;
	*kernel_memory = (m->has_kernel && m->kernel) || (m->has_kernel_tcp && m->kernel_tcp);
	m->has_kernel = m->has_kernel_tcp = false;
	return 0;
}

int cmd_update(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err)
{
	static const struct option opts[] = {
		{"resources", required_argument, NULL, 'r'},
		{"blkio-weight", required_argument, NULL, U_BLKIO_WEIGHT},
		{"cpu-period", required_argument, NULL, U_CPU_PERIOD},
		{"cpu-quota", required_argument, NULL, U_CPU_QUOTA},
		{"cpu-burst", required_argument, NULL, U_CPU_BURST},
		{"cpu-rt-period", required_argument, NULL, U_CPU_RT_PERIOD},
		{"cpu-rt-runtime", required_argument, NULL, U_CPU_RT_RUNTIME},
		{"cpu-share", required_argument, NULL, U_CPU_SHARE},
		{"cpu-shares", required_argument, NULL, U_CPU_SHARE},
		{"cpuset-cpus", required_argument, NULL, U_CPUSET_CPUS},
		{"cpuset-mems", required_argument, NULL, U_CPUSET_MEMS},
		{"kernel-memory", required_argument, NULL, U_KERNEL_MEMORY},
		{"kernel-memory-tcp", required_argument, NULL, U_KERNEL_MEMORY_TCP},
		{"memory", required_argument, NULL, U_MEMORY},
		{"memory-reservation", required_argument, NULL, U_MEMORY_RESERVATION},
		{"memory-swap", required_argument, NULL, U_MEMORY_SWAP},
		{"pids-limit", required_argument, NULL, U_PIDS_LIMIT},
		{"l3-cache-schema", required_argument, NULL, U_L3_CACHE},
		{"mem-bw-schema", required_argument, NULL, U_MEM_BW},
		{0},
	};
	struct update_ctx ctx = {0};
	_cleanup_free_ char *json = NULL;
	int r = -1;
	int first = cli_parse(self, argc, argv, opts, on_update_opt, &ctx, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		goto out;
	if (ctx.resources_file) {
		/* as runc: a resources document replaces the flags */
		const char *origin = ctx.resources_file;
		size_t len = 0;
		spec_resources_clear(&ctx.res);
		ctx.kernel_memory = false;
		if (!strcmp(origin, "-") ? read_stdin(&json, &len, err) < 0
					 : fs_read_file(origin, &json, &len, err) < 0)
			goto out;
		if (update_parse_resources(json, len, !strcmp(origin, "-") ? "resources" : origin,
					   &ctx.res, &ctx.kernel_memory, err) < 0)
			goto out;
	} else {
		struct spec_memory *m = &ctx.res.memory;
		struct spec_cpu *c = &ctx.res.cpu;
		m->present = m->has_limit || m->has_reservation || m->has_swap;
		c->present = c->has_shares || c->has_quota || c->has_burst || c->has_period ||
			     c->has_realtime_period || c->has_realtime_runtime || c->cpus ||
			     c->mems;
	}
	if (ctx.kernel_memory)
		log_warn("Kernel memory settings are ignored and will be removed");
	r = resources_update(g->root, argv[first], &ctx.res, json, err);
out:
	spec_resources_clear(&ctx.res);
	return r;
}
