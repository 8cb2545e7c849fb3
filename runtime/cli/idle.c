/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `idle`: list (and with --suspend suspend) the containers whose CPU and
 * block I/O have not moved for --for; --watch does it every --interval. */
#include "runtime/cli/cli.h"
#include "runtime/session.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct idle_ctx {
	uint64_t for_ns, interval_ns;
	bool suspend, json, watch, all;
};

enum {
	OPT_FOR = 256,
	OPT_SUSPEND,
	OPT_JSON,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_ALL
};

static int on_idle_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct idle_ctx *x = vctx;
	switch (c) {
	case OPT_FOR:
		return cli_parse_duration("for", arg, &x->for_ns, err);
	case OPT_INTERVAL:
		return cli_parse_duration("interval", arg, &x->interval_ns, err);
	case OPT_SUSPEND:
		x->suspend = true;
		return 0;
	case OPT_JSON:
		x->json = true;
		return 0;
	case OPT_WATCH:
		x->watch = true;
		return 0;
	case OPT_ALL:
		x->all = true;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

static void json_string(const char *s)
{
	putchar('"');
	for (const char *p = s; *p; p++) /* ids are [\w+-.]: nothing to escape */
		putchar(*p);
	putchar('"');
}

static int one_round(const struct global_opts *g, const struct idle_ctx *x, struct error *err)
{
	struct idle_entry *v = NULL;
	size_t n = 0;
	if (session_idle_scan(g->root, x->for_ns, &v, &n, err) < 0)
		return -1;
	bool first = true;
	if (x->json)
		printf("[");
	else if (!x->watch)
		printf("%-24s %-8s %12s %14s %12s%s\n", "ID", "STATUS", "STILL(s)", "CPU(ms)",
		       "IO(bytes)", x->suspend ? "  ACTION" : "");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].idle && !x->all)
			continue;
		const char *action = "";
		struct error e = {0};
		if (x->suspend && v[i].idle) {
			struct suspend_opts so = {.root = g->root, .id = v[i].id};
			if (container_suspend(&so, &e) == 0) {
				action = "suspended";
			} else {
				action = "not suspended";
				fprintf(stderr, "idle: %s\n", e.msg);
			}
		}
		double still = (double)v[i].still_ns / 1e9;
		if (x->json) {
			printf("%s{\"id\":", first ? "" : ",");
			json_string(v[i].id);
			printf(",\"status\":");
			json_string(v[i].status);
			printf(",\"idle\":%s,\"stillSeconds\":%.3f,\"cpuNs\":%" PRIu64
			       ",\"ioBytes\":%" PRIu64,
			       v[i].idle ? "true" : "false", still, v[i].cpu_ns, v[i].io_bytes);
			if (*action)
				printf(",\"action\":\"%s\"", action);
			printf("}");
		} else {
			printf("%-24s %-8s %12.1f %14.1f %12" PRIu64 "%s%s\n", v[i].id, v[i].status,
			       still, (double)v[i].cpu_ns / 1e6, v[i].io_bytes, *action ? "  " : "",
			       action);
		}
		first = false;
	}
	if (x->json)
		printf("]\n");
	fflush(stdout);
	session_idle_free(v, n);
	return 0;
}

int cmd_idle(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	static const struct option opts[] = {{"for", required_argument, NULL, OPT_FOR},
					     {"suspend", no_argument, NULL, OPT_SUSPEND},
					     {"json", no_argument, NULL, OPT_JSON},
					     {"watch", no_argument, NULL, OPT_WATCH},
					     {"interval", required_argument, NULL, OPT_INTERVAL},
					     {"all", no_argument, NULL, OPT_ALL},
					     {0}};
	struct idle_ctx x = {.for_ns = 300ull * 1000000000ull};
	int first = cli_parse(self, argc, argv, opts, on_idle_opt, &x, err);
	if (first < 0 || cli_need_args(self, argc, first, 0, false, err) < 0)
		return -1;
	if (!x.watch)
		return one_round(g, &x, err);
	/* a quarter of --for, between 1 s and 60 s, unless --interval */
	uint64_t iv = x.interval_ns;
	if (!iv) {
		iv = x.for_ns / 4;
		if (iv < 1000000000ull)
			iv = 1000000000ull;
		if (iv > 60000000000ull)
			iv = 60000000000ull;
	}
	for (;;) {
		if (one_round(g, &x, err) < 0)
			return -1;
		struct timespec ts = {(time_t)(iv / 1000000000ull), (long)(iv % 1000000000ull)};
		while (nanosleep(&ts, &ts) < 0)
			;
	}
}
