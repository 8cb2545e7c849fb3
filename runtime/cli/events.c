/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `events`: the container's cgroup counters as runc's JSON events, once
 * (--stats) or every --interval until the container stops, plus an "oom"
 * event whenever the cgroup's OOM-kill counter grows. */
#include "runtime/cli/cli.h"
#include "runtime/resources.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#define OOM_POLL_MS 200

struct events_ctx {
	uint64_t interval_ns;
	bool stats;
};

/* A Go duration ("5s", "500ms", "1m30s", "1.5h"): nanoseconds. */
int cli_parse_duration(const char *flag, const char *s, uint64_t *out, struct error *err)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{"ns", 1},   {"us", 1e3}, {"\u00b5s", 1e3}, {"\u03bcs", 1e3},
		{"ms", 1e6}, {"s", 1e9},  {"m", 60e9},	    {"h", 3600e9},
	};
	const char *p = s;
	double total = 0;
	if (*p == '+')
		p++;
	if (!strcmp(p, "0")) {
		*out = 0;
		return 0;
	}
	if (!*p || *p == '-')
		goto bad;
	while (*p) {
		char *end = NULL;
		if (!(*p >= '0' && *p <= '9') && *p != '.')
			goto bad;
		double v = strtod(p, &end);
		if (end == p)
			goto bad;
		p = end;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (l > best_len && !strncmp(p, units[i].unit, l)) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			goto bad;
		total += v * units[best].ns;
		p += best_len;
	}
	if (total >= 9.2e18)
		goto bad;
	*out = (uint64_t)total;
	return 0;
bad:
	return error_set(err, 0, "invalid value \"%s\" for flag -%s: parse error", s, flag);
}

static int on_events_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct events_ctx *ctx = vctx;
	if (c == 's') {
		ctx->stats = true;
		return 0;
	}
	if (c == 'i')
		return cli_parse_duration("interval", arg, &ctx->interval_ns, err);
	return error_set(err, 0, "unknown flag");
}

/* ---- JSON -------------------------------------------------------------- */

static void key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void num(yajl_gen g, const char *k, uint64_t v)
{
	char buf[32];
	key(g, k);
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	yajl_gen_number(g, buf, strlen(buf));
}

/* Go's `omitempty`: runc leaves zero values of these fields out. */
static void num_nz(yajl_gen g, const char *k, uint64_t v)
{
	if (v)
		num(g, k, v);
}

static void u64_array(yajl_gen g, const char *k, const uint64_t *v, size_t n)
{
	if (!n)
		return;
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%" PRIu64, v[i]);
		yajl_gen_number(g, buf, strlen(buf));
	}
	yajl_gen_array_close(g);
}

static void u16_array(yajl_gen g, const char *k, const uint16_t *v, size_t n)
{
	if (!n)
		return;
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		yajl_gen_integer(g, v[i]);
	yajl_gen_array_close(g);
}

static void gen_cpu(yajl_gen g, const struct cgroup_stats *s)
{
	key(g, "cpu");
	yajl_gen_map_open(g);
	key(g, "usage");
	yajl_gen_map_open(g);
	num_nz(g, "total", s->cpu.total);
	u64_array(g, "percpu", s->cpu.percpu, s->cpu.n_percpu);
	u64_array(g, "percpu_kernel", s->cpu.percpu_kernel, s->cpu.n_percpu_kernel);
	u64_array(g, "percpu_user", s->cpu.percpu_user, s->cpu.n_percpu_user);
	num(g, "kernel", s->cpu.kernel);
	num(g, "user", s->cpu.user);
	yajl_gen_map_close(g);
	key(g, "throttling");
	yajl_gen_map_open(g);
	num_nz(g, "periods", s->cpu.periods);
	num_nz(g, "throttled_periods", s->cpu.throttled_periods);
	num_nz(g, "throttled_time", s->cpu.throttled_time);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);

	key(g, "cpuset");
	yajl_gen_map_open(g);
	u16_array(g, "cpus", s->cpuset.cpus, s->cpuset.n_cpus);
	num(g, "cpu_exclusive", s->cpuset.cpu_exclusive);
	u16_array(g, "mems", s->cpuset.mems, s->cpuset.n_mems);
	num(g, "mem_hardwall", s->cpuset.mem_hardwall);
	num(g, "mem_exclusive", s->cpuset.mem_exclusive);
	num(g, "memory_migrate", s->cpuset.memory_migrate);
	num(g, "memory_spread_page", s->cpuset.memory_spread_page);
	num(g, "memory_spread_slab", s->cpuset.memory_spread_slab);
	num(g, "memory_pressure", s->cpuset.memory_pressure);
	num(g, "memory_pressure_enabled", s->cpuset.memory_pressure_enabled);
	num(g, "sched_load_balance", s->cpuset.sched_load_balance);
	key(g, "sched_relax_domain_level");
	yajl_gen_integer(g, s->cpuset.sched_relax_domain_level);
	yajl_gen_map_close(g);
}

static void gen_mem_entry(yajl_gen g, const char *k, const struct cgroup_mem_entry *e)
{
	key(g, k);
	yajl_gen_map_open(g);
	num(g, "limit", e->limit);
	num_nz(g, "usage", e->usage);
	num_nz(g, "max", e->max);
	num(g, "failcnt", e->failcnt);
	yajl_gen_map_close(g);
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp((*(const struct cgroup_stat_kv *const *)a)->key,
		      (*(const struct cgroup_stat_kv *const *)b)->key);
}

static void gen_memory(yajl_gen g, const struct cgroup_stats *s)
{
	key(g, "memory");
	yajl_gen_map_open(g);
	num_nz(g, "cache", s->memory.cache);
	gen_mem_entry(g, "usage", &s->memory.usage);
	gen_mem_entry(g, "swap", &s->memory.swap);
	gen_mem_entry(g, "kernel", &s->memory.kernel);
	gen_mem_entry(g, "kernelTCP", &s->memory.kernel_tcp);
	size_t n = s->memory.n_raw;
	_cleanup_free_ const struct cgroup_stat_kv **sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (n && sorted) {
		/* Go prints a map sorted by key */
		for (size_t i = 0; i < n; i++)
			sorted[i] = &s->memory.raw[i];
		qsort(sorted, n, sizeof(*sorted), cmp_kv);
		key(g, "raw");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < n; i++)
			num(g, sorted[i]->key, sorted[i]->value);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static void gen_blkio_list(yajl_gen g, const char *k, const struct cgroup_blkio_list *l)
{
	if (!l->n)
		return;
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_blkio_entry *e = &l->v[i];
		yajl_gen_map_open(g);
		num_nz(g, "major", e->major);
		num_nz(g, "minor", e->minor);
		if (e->op[0]) {
			key(g, "op");
			key(g, e->op);
		}
		num_nz(g, "value", e->value);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_rest(yajl_gen g, const struct cgroup_stats *s)
{
	key(g, "pids");
	yajl_gen_map_open(g);
	num_nz(g, "current", s->pids.current);
	num_nz(g, "limit", s->pids.limit);
	yajl_gen_map_close(g);

	key(g, "blkio");
	yajl_gen_map_open(g);
	gen_blkio_list(g, "ioServiceBytesRecursive", &s->blkio.service_bytes);
	gen_blkio_list(g, "ioServicedRecursive", &s->blkio.serviced);
	gen_blkio_list(g, "ioQueueRecursive", &s->blkio.queued);
	gen_blkio_list(g, "ioServiceTimeRecursive", &s->blkio.service_time);
	gen_blkio_list(g, "ioWaitTimeRecursive", &s->blkio.wait_time);
	gen_blkio_list(g, "ioMergedRecursive", &s->blkio.merged);
	gen_blkio_list(g, "ioTimeRecursive", &s->blkio.time);
	gen_blkio_list(g, "sectorsRecursive", &s->blkio.sectors);
	yajl_gen_map_close(g);

	key(g, "hugetlb");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		const struct cgroup_hugetlb_stats *h = &s->hugetlb[i];
		key(g, h->page_size);
		yajl_gen_map_open(g);
		num_nz(g, "usage", h->usage);
		num_nz(g, "max", h->max);
		num(g, "failcnt", h->failcnt);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	key(g, "intel_rdt");
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
	key(g, "network_interfaces");
	yajl_gen_null(g);
}

/* Print one event line: {"type":TYPE,"id":ID[,"data":STATS]}. */
static int print_event(const char *type, const char *id, const struct cgroup_stats *s,
		       struct error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return error_set(err, ENOMEM, "events");
	yajl_gen_map_open(g);
	key(g, "type");
	key(g, type);
	key(g, "id");
	key(g, id);
	if (s) {
		key(g, "data");
		yajl_gen_map_open(g);
		gen_cpu(g, s);
		gen_memory(g, s);
		gen_rest(g, s);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	int r = 0;
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		r = error_set(err, 0, "events: generate JSON");
	else if (printf("%.*s\n", (int)len, buf) < 0 || fflush(stdout) != 0)
		r = error_errno(err, "events: write");
	yajl_gen_free(g);
	return r;
}

static int print_stats(struct cgroup *cg, const char *id, struct error *err)
{
	struct cgroup_stats s;
	if (cgroup_stats(cg, &s, err) < 0)
		return -1;
	int r = print_event("stats", id, &s, err);
	cgroup_stats_clear(&s);
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
			      .tv_nsec = (long)(ns % 1000000000ull)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Stats every interval and OOM events as they come, until the container's
 * init is gone. */
static int stream(struct cgroup *cg, const char *id, pid_t pid, unsigned long long start_time,
		  uint64_t interval_ns, struct error *err)
{
	uint64_t oom_seen = 0, oom;
	struct error e = {0};
	if (cgroup_oom_count(cg, &oom_seen, &e) < 0)
		log_warn("%s", e.msg);
	uint64_t next = now_ns() + interval_ns;
	for (;;) {
		uint64_t now = now_ns();
		uint64_t wait = next > now ? next - now : 0;
		if (wait > OOM_POLL_MS * 1000000ull)
			wait = OOM_POLL_MS * 1000000ull;
		sleep_ns(wait);
		/* an OOM kill may be what stopped the container: look first */
		if (cgroup_oom_count(cg, &oom, &e) == 0 && oom > oom_seen) {
			oom_seen = oom;
			if (print_event("oom", id, NULL, err) < 0)
				return -1;
		}
		if (!state_process_alive(pid, start_time))
			return 0;
		if (now_ns() < next)
			continue;
		next += interval_ns;
		if (next < now_ns())
			next = now_ns() + interval_ns;
		if (print_stats(cg, id, &e) < 0) {
			if (!state_process_alive(pid, start_time))
				return 0;
			log_warn("%s", e.msg); /* as runc: report and go on */
		}
	}
}

int cmd_events(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err)
{
	static const struct option opts[] = {
		{"interval", required_argument, NULL, 'i'},
		{"stats", no_argument, NULL, 's'},
		{0},
	};
	struct events_ctx ctx = {.interval_ns = 5000000000ull};
	int first = cli_parse(self, argc, argv, opts, on_events_opt, &ctx, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		return -1;
	if (ctx.interval_ns == 0)
		return error_set(err, 0, "duration interval must be greater than 0");
	const char *id = argv[first];
	struct cgroup *cg = NULL;
	pid_t pid = 0;
	unsigned long long start_time = 0;
	if (resources_open_cgroup(g->root, id, &cg, &pid, &start_time, err) < 0)
		return -1;
	int r = ctx.stats ? print_stats(cg, id, err)
			  : stream(cg, id, pid, start_time, ctx.interval_ns, err);
	cgroup_free(cg);
	return r;
}
