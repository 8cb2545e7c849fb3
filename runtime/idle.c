/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `idle`: which containers have used no CPU and done no block I/O for a
 * while, from their cgroup counters and a sample kept per container. A
 * scan costs, per container, the list's read of state.json, the cgroup's
 * counter files, and a write only when the counters moved. */
#include "runtime/container.h"
#include "runtime/session.h"
#include "runtime/state.h"
#include "cgroups/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t boottime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct sample {
	unsigned long long start_time; /* the init's: a new process starts anew */
	uint64_t cpu_ns, io_bytes, io_ops, since_ns;
};

static uint64_t blkio_sum(const struct cgroup_blkio_list *l)
{
	uint64_t s = 0;
	for (size_t i = 0; i < l->n; i++)
		s += l->v[i].value;
	return s;
}

static int read_counters(const struct spec_state *st, struct sample *now, struct error *err)
{
	struct cgroup *cg = NULL;
	if (cgroup_open(st->cgroup, &cg, err) < 0)
		return -1;
	struct cgroup_stats s;
	int r = cgroup_stats(cg, &s, err);
	cgroup_free(cg);
	if (r < 0)
		return -1;
	now->cpu_ns = s.cpu.total;
	now->io_bytes = blkio_sum(&s.blkio.service_bytes);
	now->io_ops = blkio_sum(&s.blkio.serviced);
	cgroup_stats_clear(&s);
	return 0;
}

static bool load_sample(int dirfd, struct sample *out)
{
	_cleanup_free_ char *text = NULL;
	struct error ignored;
	if (fs_read_fileat(dirfd, SESSION_IDLE_SAMPLE, &text, NULL, &ignored) < 0)
		return false;
	return sscanf(text, "agentrun-idle 1 %llu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
		      &out->start_time, &out->cpu_ns, &out->io_bytes, &out->io_ops,
		      &out->since_ns) == 5;
}

static void save_sample(int dirfd, const struct sample *s)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
			 "agentrun-idle 1 %llu %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			 s->start_time, s->cpu_ns, s->io_bytes, s->io_ops, s->since_ns);
	struct error ignored;
	fs_write_file_atomic(dirfd, SESSION_IDLE_SAMPLE, line, (size_t)n, &ignored);
}

void session_idle_free(struct idle_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].status);
	}
	free(v);
}

int session_idle_scan(const char *root, uint64_t for_ns, struct idle_entry **out, size_t *n,
		      struct error *err)
{
	*out = NULL;
	*n = 0;
	struct spec_state *states = NULL;
	size_t ns = 0;
	if (container_list(root, &states, &ns, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = ns ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	struct idle_entry *v = calloc(ns ? ns : 1, sizeof(*v));
	if (!v) {
		for (size_t i = 0; i < ns; i++)
			spec_state_clear(&states[i]);
		free(states);
		return error_set(err, ENOMEM, "idle");
	}
	size_t k = 0;
	for (size_t i = 0; i < ns; i++) {
		struct spec_state *st = &states[i];
		bool live = !strcmp(st->status, "running") || !strcmp(st->status, "paused");
		struct sample now = {.start_time = st->start_time}, old;
		struct error e;
		int dirfd = -1;
		if (!live || !st->cgroup || read_counters(st, &now, &e) < 0 || rootfd < 0 ||
		    (dirfd = state_dir_open_unlocked(rootfd, st->id, &e)) < 0)
			goto next;
		uint64_t t = boottime_ns();
		if (!load_sample(dirfd, &old) || old.start_time != now.start_time ||
		    old.cpu_ns != now.cpu_ns || old.io_bytes != now.io_bytes ||
		    old.io_ops != now.io_ops || old.since_ns > t) {
			now.since_ns = t; /* moved (or first seen): still from now */
			save_sample(dirfd, &now);
		} else {
			now.since_ns = old.since_ns;
		}
		close(dirfd);
		struct idle_entry *x = &v[k];
		x->id = strdup(st->id);
		x->status = strdup(st->status);
		if (!x->id || !x->status) {
			free(x->id);
			free(x->status);
			goto next;
		}
		x->still_ns = t - now.since_ns;
		/* a first sample knows nothing of the past: never idle */
		x->idle = x->still_ns >= for_ns && x->still_ns > 0;
		x->cpu_ns = now.cpu_ns;
		x->io_bytes = now.io_bytes;
		k++;
	next:
		spec_state_clear(st);
	}
	free(states);
	*out = v;
	*n = k;
	return 0;
}
