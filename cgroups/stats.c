/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroupfs_stats: the usage counters of a container cgroup, read from the v1
 * controller files or from the unified hierarchy, in the shape of runc's
 * `events` statistics. The parsers of the files come first. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "cgroups/internal.h"
#include "cgroups/stats.h"

/* ---- parsers ----------------------------------------------------------- */

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A decimal number at *p (advanced past it); false if there is none. */
static bool take_u64(const char **p, uint64_t *out)
{
	const char *s = skip_blanks(*p);
	if (!isdigit((unsigned char)*s))
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	*out = v;
	*p = end;
	return true;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? nl + 1 : p + strlen(p);
}

int cgroup_parse_u64(const char *text, uint64_t max_value, uint64_t *out)
{
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	if (!strncmp(p, "max", 3)) {
		*out = max_value;
		p += 3;
	} else if (*p == '-') {
		/* v1 reports some unset limits as -1 */
		char *end = NULL;
		long long v = strtoll(p, &end, 10);
		if (end == p || v >= 0)
			return -1;
		*out = max_value;
		p = end;
	} else if (!take_u64(&p, out)) {
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}

bool cgroup_parse_keyed(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *p = text; *p; p = next_line(p)) {
		if (strncmp(p, key, kl) != 0 || (p[kl] != ' ' && p[kl] != '\t'))
			continue;
		const char *v = p + kl;
		return take_u64(&v, out);
	}
	return false;
}

int cgroup_parse_keyed_all(const char *text, struct cgroup_stat_kv **out, size_t *n,
			   struct error *err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (const char *p = text; *p; p = next_line(p)) {
		size_t kl = strcspn(p, " \t\n");
		const char *v = p + kl;
		uint64_t value;
		if (!kl || (*v != ' ' && *v != '\t') || !take_u64(&v, &value))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			struct cgroup_stat_kv *nv = realloc(*out, cap * sizeof(*nv));
			if (!nv)
				return error_set(err, ENOMEM, "parse memory.stat");
			*out = nv;
		}
		char *key = strndup(p, kl);
		if (!key)
			return error_set(err, ENOMEM, "parse memory.stat");
		(*out)[(*n)++] = (struct cgroup_stat_kv){.key = key, .value = value};
	}
	return 0;
}

static int push_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x, struct error *err)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		uint64_t *nv = realloc(*v, *cap * sizeof(*nv));
		if (!nv)
			return error_set(err, ENOMEM, "parse cgroup counters");
		*v = nv;
	}
	(*v)[(*n)++] = x;
	return 0;
}

int cgroup_parse_u64_list(const char *text, uint64_t **out, size_t *n, struct error *err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	const char *p = text;
	uint64_t x;
	while (take_u64(&p, &x))
		if (push_u64(out, n, &cap, x, err) < 0)
			return -1;
	return 0;
}

int cgroup_parse_usage_all(const char *text, uint64_t **kernel, uint64_t **user, size_t *n,
			   struct error *err)
{
	size_t cap_k = 0, cap_u = 0, nk = 0;
	*kernel = *user = NULL;
	*n = 0;
	for (const char *p = text; *p; p = next_line(p)) {
		const char *q = p;
		uint64_t cpu, u, s;
		if (!take_u64(&q, &cpu))
			continue; /* the "cpu user system" header */
		if (!take_u64(&q, &u) || !take_u64(&q, &s))
			return error_set(err, EINVAL, "parse cpuacct.usage_all: bad line");
		if (push_u64(user, n, &cap_u, u, err) < 0 ||
		    push_u64(kernel, &nk, &cap_k, s, err) < 0)
			return -1;
	}
	return 0;
}

int cgroup_parse_range_list(const char *text, uint16_t **out, size_t *n, struct error *err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	while (*p && *p != '\n') {
		uint64_t a, b;
		if (!take_u64(&p, &a))
			return error_set(err, EINVAL, "parse list \"%s\"", text);
		b = a;
		if (*p == '-') {
			p++;
			if (!take_u64(&p, &b) || b < a)
				return error_set(err, EINVAL, "parse list \"%s\"", text);
		}
		if (b > UINT16_MAX)
			return error_set(err, EINVAL, "parse list \"%s\": out of range", text);
		for (uint64_t i = a; i <= b; i++) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				uint16_t *nv = realloc(*out, cap * sizeof(*nv));
				if (!nv)
					return error_set(err, ENOMEM, "parse list");
				*out = nv;
			}
			(*out)[(*n)++] = (uint16_t)i;
		}
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return error_set(err, EINVAL, "parse list \"%s\"", text);
	}
	return 0;
}

static int blkio_add(struct cgroup_blkio_list *l, uint64_t major, uint64_t minor, const char *op,
		     size_t op_len, uint64_t value, struct error *err)
{
	/* the capacity is 8, then doubles: full when n is 8, 16, 32 ... */
	if (l->n == 0 || (l->n >= 8 && (l->n & (l->n - 1)) == 0)) {
		size_t cap = l->n ? l->n * 2 : 8;
		struct cgroup_blkio_entry *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return error_set(err, ENOMEM, "parse blkio counters");
		l->v = nv;
	}
	struct cgroup_blkio_entry *e = &l->v[l->n++];
	*e = (struct cgroup_blkio_entry){.major = major, .minor = minor, .value = value};
	snprintf(e->op, sizeof(e->op), "%.*s", (int)op_len, op);
	return 0;
}

/* "MAJ:MIN" at *p. */
static bool take_dev(const char **p, uint64_t *major, uint64_t *minor)
{
	const char *q = *p;
	if (!take_u64(&q, major) || *q != ':')
		return false;
	q++;
	if (!take_u64(&q, minor))
		return false;
	*p = q;
	return true;
}

int cgroup_parse_blkio_v1(const char *text, struct cgroup_blkio_list *list, struct error *err)
{
	for (const char *p = text; *p; p = next_line(p)) {
		const char *q = p;
		uint64_t major, minor, value;
		if (!take_dev(&q, &major, &minor))
			continue; /* "Total N" */
		q = skip_blanks(q);
		const char *op = q;
		size_t op_len = 0;
		if (!isdigit((unsigned char)*q)) {
			op_len = strcspn(q, " \t\n");
			q += op_len;
		}
		if (!take_u64(&q, &value))
			return error_set(err, EINVAL, "parse blkio line \"%.*s\"",
					 (int)strcspn(p, "\n"), p);
		if (blkio_add(list, major, minor, op, op_len, value, err) < 0)
			return -1;
	}
	return 0;
}

int cgroup_parse_io_stat(const char *text, struct cgroup_blkio_list *service_bytes,
			 struct cgroup_blkio_list *serviced, struct error *err)
{
	static const struct {
		const char *key, *op;
		bool bytes;
	} keys[] = {
		{"rbytes", "Read", true}, {"wbytes", "Write", true}, {"dbytes", "Discard", true},
		{"rios", "Read", false},  {"wios", "Write", false},  {"dios", "Discard", false},
	};
	for (const char *p = text; *p; p = next_line(p)) {
		const char *q = p;
		uint64_t major, minor;
		if (!take_dev(&q, &major, &minor))
			continue;
		const char *end = q + strcspn(q, "\n");
		while (q < end) {
			q = skip_blanks(q);
			size_t wl = strcspn(q, " \t\n");
			const char *eq = memchr(q, '=', wl);
			if (eq) {
				const char *v = eq + 1;
				uint64_t value;
				for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
					if (strlen(keys[i].key) != (size_t)(eq - q) ||
					    strncmp(q, keys[i].key, (size_t)(eq - q)) != 0)
						continue;
					if (!take_u64(&v, &value))
						return error_set(err, EINVAL, "parse io.stat: %.*s",
								 (int)wl, q);
					if (blkio_add(keys[i].bytes ? service_bytes : serviced,
						      major, minor, keys[i].op, strlen(keys[i].op),
						      value, err) < 0)
						return -1;
				}
			}
			q += wl;
		}
	}
	return 0;
}

void cgroup_blkio_list_clear(struct cgroup_blkio_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void cgroup_stats_clear(struct cgroup_stats *s)
{
	free(s->cpu.percpu);
	free(s->cpu.percpu_kernel);
	free(s->cpu.percpu_user);
	free(s->cpuset.cpus);
	free(s->cpuset.mems);
	for (size_t i = 0; i < s->memory.n_raw; i++)
		free(s->memory.raw[i].key);
	free(s->memory.raw);
	struct cgroup_blkio_list *lists[] = {
		&s->blkio.service_bytes, &s->blkio.serviced,  &s->blkio.queued,
		&s->blkio.service_time,	 &s->blkio.wait_time, &s->blkio.merged,
		&s->blkio.time,		 &s->blkio.sectors,
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		cgroup_blkio_list_clear(lists[i]);
	for (size_t i = 0; i < s->n_hugetlb; i++)
		free(s->hugetlb[i].page_size);
	free(s->hugetlb);
	memset(s, 0, sizeof(*s));
}

/* ---- reading ----------------------------------------------------------- */

/* Where a controller's files are: its v1 hierarchy, else the unified one. */
struct source {
	const char *dir;
	int version;
};

static bool source_of(struct cgroup *cg, const char *controller, struct source *s)
{
	struct cgroup_hier *h = cgroup_find(cg, 1, controller);
	if (!h)
		h = cgroup_find(cg, 2, NULL);
	if (!h || h->errnum || !h->dir)
		return false;
	s->dir = h->dir;
	s->version = h->version;
	return true;
}

/* 0: read; 1: the host has no such file (skip it); -1: error. */
static int read_text(const char *dir, const char *file, char **out, struct error *err)
{
	struct error local = {0};
	*out = NULL;
	if (cgroup_read(dir, file, out, &local) == 0)
		return 0;
	if (local.errnum == ENOENT || local.errnum == EOPNOTSUPP)
		return 1;
	if (err)
		*err = local;
	return -1;
}

static int read_u64(const char *dir, const char *file, uint64_t max_value, uint64_t *out,
		    struct error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = read_text(dir, file, &text, err);
	if (r != 0)
		return r;
	if (cgroup_parse_u64(text, max_value, out) < 0)
		return error_set(err, EINVAL, "parse %s/%s: not a number", dir, file);
	return 0;
}

static int read_keyed(const char *dir, const char *file, const char *const *keys,
		      uint64_t *const *outs, size_t n, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = read_text(dir, file, &text, err);
	if (r != 0)
		return r;
	for (size_t i = 0; i < n; i++)
		cgroup_parse_keyed(text, keys[i], outs[i]);
	return 0;
}

static int fail_if(int r)
{
	return r < 0 ? -1 : 0;
}

static int cpu_v1(struct cgroup *cg, struct cgroup_stats *s, struct error *err)
{
	struct source acct, cpu;
	if (source_of(cg, "cpuacct", &acct) && acct.version == 1) {
		_cleanup_free_ char *text = NULL, *all = NULL;
		if (fail_if(read_u64(acct.dir, "cpuacct.usage", 0, &s->cpu.total, err)) < 0)
			return -1;
		int r = read_text(acct.dir, "cpuacct.usage_percpu", &text, err);
		if (r < 0 || (r == 0 && cgroup_parse_u64_list(text, &s->cpu.percpu,
							      &s->cpu.n_percpu, err) < 0))
			return -1;
		r = read_text(acct.dir, "cpuacct.usage_all", &all, err);
		if (r < 0 || (r == 0 && cgroup_parse_usage_all(all, &s->cpu.percpu_kernel,
							       &s->cpu.percpu_user,
							       &s->cpu.n_percpu_kernel, err) < 0))
			return -1;
		s->cpu.n_percpu_user = s->cpu.n_percpu_kernel;
		uint64_t user = 0, system = 0;
		r = read_keyed(acct.dir, "cpuacct.stat", (const char *const[]){"user", "system"},
			       (uint64_t *const[]){&user, &system}, 2, err);
		if (r < 0)
			return -1;
		long tck = sysconf(_SC_CLK_TCK);
		uint64_t ns_per_tick = tck > 0 ? 1000000000ull / (uint64_t)tck : 10000000ull;
		s->cpu.user = user * ns_per_tick;
		s->cpu.kernel = system * ns_per_tick;
	}
	if (source_of(cg, "cpu", &cpu) && cpu.version == 1 &&
	    read_keyed(cpu.dir, "cpu.stat",
		       (const char *const[]){"nr_periods", "nr_throttled", "throttled_time"},
		       (uint64_t *const[]){&s->cpu.periods, &s->cpu.throttled_periods,
					   &s->cpu.throttled_time},
		       3, err) < 0)
		return -1;
	return 0;
}

static int cpu_v2(struct cgroup *cg, struct cgroup_stats *s, struct error *err)
{
	struct source acct, cpu;
	bool v2_usage = source_of(cg, "cpuacct", &acct) && acct.version == 2;
	bool v2_throttle = source_of(cg, "cpu", &cpu) && cpu.version == 2;
	if (!v2_usage && !v2_throttle)
		return 0;
	const char *dir = v2_usage ? acct.dir : cpu.dir;
	_cleanup_free_ char *text = NULL;
	int r = read_text(dir, "cpu.stat", &text, err);
	if (r != 0)
		return fail_if(r);
	uint64_t v;
	if (v2_usage) {
		if (cgroup_parse_keyed(text, "usage_usec", &v))
			s->cpu.total = v * 1000;
		if (cgroup_parse_keyed(text, "user_usec", &v))
			s->cpu.user = v * 1000;
		if (cgroup_parse_keyed(text, "system_usec", &v))
			s->cpu.kernel = v * 1000;
	}
	if (v2_throttle) {
		cgroup_parse_keyed(text, "nr_periods", &s->cpu.periods);
		cgroup_parse_keyed(text, "nr_throttled", &s->cpu.throttled_periods);
		if (cgroup_parse_keyed(text, "throttled_usec", &v))
			s->cpu.throttled_time = v * 1000;
	}
	return 0;
}

static int cpuset_v1(struct cgroup *cg, struct cgroup_stats *s, struct error *err)
{
	struct source src;
	if (!source_of(cg, "cpuset", &src) || src.version != 1)
		return 0; /* runc reports no cpuset counters on v2 */
	static const struct {
		const char *file;
		size_t off;
	} flags[] = {
#define F(name) {"cpuset." #name, offsetof(struct cgroup_stats, cpuset.name)}
		F(cpu_exclusive),      F(mem_hardwall),
		F(mem_exclusive),      F(memory_migrate),
		F(memory_spread_page), F(memory_spread_slab),
		F(memory_pressure),    F(memory_pressure_enabled),
		F(sched_load_balance),
#undef F
	};
	_cleanup_free_ char *cpus = NULL, *mems = NULL, *relax = NULL;
	int r = read_text(src.dir, "cpuset.cpus", &cpus, err);
	if (r < 0 ||
	    (r == 0 && cgroup_parse_range_list(cpus, &s->cpuset.cpus, &s->cpuset.n_cpus, err) < 0))
		return -1;
	r = read_text(src.dir, "cpuset.mems", &mems, err);
	if (r < 0 ||
	    (r == 0 && cgroup_parse_range_list(mems, &s->cpuset.mems, &s->cpuset.n_mems, err) < 0))
		return -1;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (read_u64(src.dir, flags[i].file, 0, (uint64_t *)((char *)s + flags[i].off),
			     err) < 0)
			return -1;
	r = read_text(src.dir, "cpuset.sched_relax_domain_level", &relax, err);
	if (r < 0)
		return -1;
	if (r == 0)
		s->cpuset.sched_relax_domain_level = strtoll(relax, NULL, 10);
	return 0;
}

/* v1 PREFIX.{usage_in_bytes,max_usage_in_bytes,limit_in_bytes,failcnt}. */
static int mem_entry_v1(const char *dir, const char *prefix, struct cgroup_mem_entry *e,
			struct error *err)
{
	static const char *const names[] = {"usage_in_bytes", "max_usage_in_bytes",
					    "limit_in_bytes", "failcnt"};
	uint64_t *outs[] = {&e->usage, &e->max, &e->limit, &e->failcnt};
	for (size_t i = 0; i < 4; i++) {
		char file[64];
		snprintf(file, sizeof(file), "%s%s", prefix, names[i]);
		if (read_u64(dir, file, UINT64_MAX, outs[i], err) < 0)
			return -1;
	}
	return 0;
}

static int memory_raw(const char *dir, struct cgroup_stats *s, const char *cache_key,
		      struct error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = read_text(dir, "memory.stat", &text, err);
	if (r != 0)
		return fail_if(r);
	if (cgroup_parse_keyed_all(text, &s->memory.raw, &s->memory.n_raw, err) < 0)
		return -1;
	cgroup_parse_keyed(text, cache_key, &s->memory.cache);
	return 0;
}

static int memory_v1(const char *dir, struct cgroup_stats *s, struct error *err)
{
	if (mem_entry_v1(dir, "memory.", &s->memory.usage, err) < 0 ||
	    mem_entry_v1(dir, "memory.memsw.", &s->memory.swap, err) < 0 ||
	    mem_entry_v1(dir, "memory.kmem.", &s->memory.kernel, err) < 0 ||
	    mem_entry_v1(dir, "memory.kmem.tcp.", &s->memory.kernel_tcp, err) < 0 ||
	    memory_raw(dir, s, "cache", err) < 0)
		return -1;
	_cleanup_free_ char *oom = NULL;
	int r = read_text(dir, "memory.oom_control", &oom, err);
	if (r < 0)
		return -1;
	if (r == 0)
		s->memory.has_oom_kill = cgroup_parse_keyed(oom, "oom_kill", &s->memory.oom_kill);
	return 0;
}

/* v2 PREFIX.{current,max,peak}: usage, limit, max. */
static int mem_entry_v2(const char *dir, const char *prefix, struct cgroup_mem_entry *e,
			struct error *err)
{
	static const char *const names[] = {"current", "max", "peak"};
	uint64_t *outs[] = {&e->usage, &e->limit, &e->max};
	for (size_t i = 0; i < 3; i++) {
		char file[64];
		snprintf(file, sizeof(file), "%s.%s", prefix, names[i]);
		if (read_u64(dir, file, UINT64_MAX, outs[i], err) < 0)
			return -1;
	}
	return 0;
}

static int memory_v2(const char *dir, struct cgroup_stats *s, struct error *err)
{
	struct cgroup_mem_entry *u = &s->memory.usage, *sw = &s->memory.swap;
	if (mem_entry_v2(dir, "memory", u, err) < 0 ||
	    mem_entry_v2(dir, "memory.swap", sw, err) < 0 || memory_raw(dir, s, "file", err) < 0)
		return -1;
	/* as runc: v1 reports swap as memory+swap, so v2 does the same */
	sw->usage += u->usage;
	if (sw->limit != UINT64_MAX && u->limit != UINT64_MAX)
		sw->limit += u->limit;
	else
		sw->limit = UINT64_MAX;
	sw->max = 0;
	_cleanup_free_ char *events = NULL;
	int r = read_text(dir, "memory.events", &events, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		cgroup_parse_keyed(events, "max", &u->failcnt);
		s->memory.has_oom_kill = cgroup_parse_keyed(events, "oom_kill",
							    &s->memory.oom_kill);
	}
	return 0;
}

static int pids_stats(struct cgroup *cg, struct cgroup_stats *s, struct error *err)
{
	struct source src;
	if (!source_of(cg, "pids", &src))
		return 0;
	if (read_u64(src.dir, "pids.current", 0, &s->pids.current, err) < 0 ||
	    read_u64(src.dir, "pids.max", 0, &s->pids.limit, err) < 0)
		return -1;
	return 0;
}

/* v1 blkio: the first family of files the kernel has (BFQ debug, BFQ, CFQ,
 * throttling), as runc reads them. */
static int blkio_v1(const char *dir, struct cgroup_stats *s, struct error *err)
{
	struct cgroup_blkio_list *b[] = {
		&s->blkio.sectors,  &s->blkio.service_time,  &s->blkio.wait_time,
		&s->blkio.merged,   &s->blkio.queued,	     &s->blkio.time,
		&s->blkio.serviced, &s->blkio.service_bytes,
	};
	enum {
		SECT,
		STIME,
		WAIT,
		MERGED,
		QUEUED,
		TIME,
		SERVICED,
		BYTES
	};
	static const struct {
		const char *file;
		int list;
	} groups[][9] = {
		{{"blkio.bfq.sectors_recursive", SECT},
		 {"blkio.bfq.io_service_time_recursive", STIME},
		 {"blkio.bfq.io_wait_time_recursive", WAIT},
		 {"blkio.bfq.io_merged_recursive", MERGED},
		 {"blkio.bfq.io_queued_recursive", QUEUED},
		 {"blkio.bfq.time_recursive", TIME},
		 {"blkio.bfq.io_serviced_recursive", SERVICED},
		 {"blkio.bfq.io_service_bytes_recursive", BYTES}},
		{{"blkio.bfq.io_serviced_recursive", SERVICED},
		 {"blkio.bfq.io_service_bytes_recursive", BYTES}},
		{{"blkio.sectors_recursive", SECT},
		 {"blkio.io_service_time_recursive", STIME},
		 {"blkio.io_wait_time_recursive", WAIT},
		 {"blkio.io_merged_recursive", MERGED},
		 {"blkio.io_queued_recursive", QUEUED},
		 {"blkio.time_recursive", TIME},
		 {"blkio.io_serviced_recursive", SERVICED},
		 {"blkio.io_service_bytes_recursive", BYTES}},
		{{"blkio.throttle.io_serviced_recursive", SERVICED},
		 {"blkio.throttle.io_service_bytes_recursive", BYTES}},
		{{"blkio.throttle.io_serviced", SERVICED},
		 {"blkio.throttle.io_service_bytes", BYTES}},
	};
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		if (!cgroup_exists(dir, groups[g][0].file))
			continue;
		for (size_t i = 0; i < 9 && groups[g][i].file; i++) {
			_cleanup_free_ char *text = NULL;
			int r = read_text(dir, groups[g][i].file, &text, err);
			if (r < 0 ||
			    (r == 0 && cgroup_parse_blkio_v1(text, b[groups[g][i].list], err) < 0))
				return -1;
		}
		return 0;
	}
	return 0;
}

static int blkio_stats(struct cgroup *cg, struct cgroup_stats *s, struct error *err)
{
	struct source src;
	if (!source_of(cg, "blkio", &src))
		return 0;
	if (src.version == 1)
		return blkio_v1(src.dir, s, err);
	_cleanup_free_ char *text = NULL;
	int r = read_text(src.dir, "io.stat", &text, err);
	if (r != 0)
		return fail_if(r);
	return cgroup_parse_io_stat(text, &s->blkio.service_bytes, &s->blkio.serviced, err);
}

static int hugetlb_stats(struct cgroup *cg, struct cgroup_stats *s, struct error *err)
{
	struct source src;
	if (!source_of(cg, "hugetlb", &src))
		return 0;
	const char *usage_suffix = src.version == 1 ? ".usage_in_bytes" : ".current";
	_cleanup_closedir_ DIR *d = opendir(src.dir);
	if (!d)
		return errno == ENOENT ? 0 : error_errno(err, "open %s", src.dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t nl = strlen(name), sl = strlen(usage_suffix);
		if (strncmp(name, "hugetlb.", 8) != 0 || nl <= 8 + sl ||
		    strcmp(name + nl - sl, usage_suffix) != 0)
			continue;
		_cleanup_free_ char *size = strndup(name + 8, nl - 8 - sl);
		if (!size)
			return error_set(err, ENOMEM, "hugetlb stats");
		if (strchr(size, '.'))
			continue; /* hugetlb.2MB.rsvd.* */
		struct cgroup_hugetlb_stats h = {0};
		char file[300];
		snprintf(file, sizeof(file), "%s", name);
		if (read_u64(src.dir, file, UINT64_MAX, &h.usage, err) < 0)
			return -1;
		if (src.version == 1) {
			snprintf(file, sizeof(file), "hugetlb.%s.max_usage_in_bytes", size);
			if (read_u64(src.dir, file, UINT64_MAX, &h.max, err) < 0)
				return -1;
			snprintf(file, sizeof(file), "hugetlb.%s.failcnt", size);
			if (read_u64(src.dir, file, 0, &h.failcnt, err) < 0)
				return -1;
		} else {
			_cleanup_free_ char *events = NULL;
			snprintf(file, sizeof(file), "hugetlb.%s.events", size);
			int r = read_text(src.dir, file, &events, err);
			if (r < 0)
				return -1;
			if (r == 0)
				cgroup_parse_keyed(events, "max", &h.failcnt);
		}
		struct cgroup_hugetlb_stats *nv = realloc(s->hugetlb,
							  (s->n_hugetlb + 1) * sizeof(*nv));
		if (!nv)
			return error_set(err, ENOMEM, "hugetlb stats");
		s->hugetlb = nv;
		h.page_size = TAKE_PTR(size);
		s->hugetlb[s->n_hugetlb++] = h;
	}
	return 0;
}

int cgroupfs_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	struct source mem;
	bool has_mem = source_of(cg, "memory", &mem);
	int r = 0;
	if (cpu_v1(cg, out, err) < 0 || cpu_v2(cg, out, err) < 0 || cpuset_v1(cg, out, err) < 0)
		r = -1;
	else if (has_mem && (mem.version == 1 ? memory_v1(mem.dir, out, err)
					      : memory_v2(mem.dir, out, err)) < 0)
		r = -1;
	else if (pids_stats(cg, out, err) < 0 || blkio_stats(cg, out, err) < 0 ||
		 hugetlb_stats(cg, out, err) < 0)
		r = -1;
	if (r < 0)
		cgroup_stats_clear(out);
	return r;
}

int cgroupfs_oom_count(struct cgroup *cg, uint64_t *count, struct error *err)
{
	*count = 0;
	struct source mem;
	if (!source_of(cg, "memory", &mem))
		return 0;
	_cleanup_free_ char *text = NULL;
	int r = read_text(mem.dir, mem.version == 1 ? "memory.oom_control" : "memory.events", &text,
			  err);
	if (r != 0)
		return fail_if(r);
	if (cgroup_parse_keyed(text, "oom_kill", count) || mem.version == 2)
		return 0;
	/* old v1 kernels do not count OOM kills: hitting the limit is the sign */
	return fail_if(read_u64(mem.dir, "memory.failcnt", 0, count, err));
}
