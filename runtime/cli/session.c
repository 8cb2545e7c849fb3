/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `suspend`, `wake` (and `resume` of a suspended container): sessions
 * kept on disk between uses. docs/sessions.md. */
#include "runtime/cli/cli.h"
#include "runtime/container.h"
#include "runtime/session.h"

#include <stdio.h>
#include <string.h>

enum {
	OPT_IMAGE = 256,
	OPT_CONSOLE,
	OPT_LAZY,
	OPT_COMPRESS
};

static int on_suspend_opt(int c, const char *arg, void *ctx, struct error *err)
{
	struct suspend_opts *o = ctx;
	if (c == OPT_IMAGE) {
		o->image_path = arg;
		return 0;
	}
	if (c == OPT_COMPRESS) {
		o->compress = true;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_suspend(const struct command *self, const struct global_opts *g, int argc, char **argv,
		struct error *err)
{
	static const struct option opts[] = {{"image-path", required_argument, NULL, OPT_IMAGE},
					     {"compress", no_argument, NULL, OPT_COMPRESS},
					     {0}};
	struct suspend_opts o = {.root = g->root};
	int first = cli_parse(self, argc, argv, opts, on_suspend_opt, &o, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		return -1;
	o.id = argv[first];
	if (o.compress && !session_zstd_available())
		return error_set(err, 0,
				 "suspend --compress: agentrun was built without libzstd "
				 "(meson -Dzstd=enabled with libzstd-dev)");
	return container_suspend(&o, err);
}

static int on_wake_opt(int c, const char *arg, void *ctx, struct error *err)
{
	struct wake_opts *o = ctx;
	if (c == OPT_CONSOLE) {
		o->console_socket = arg;
		return 0;
	}
	if (c == OPT_LAZY) {
		o->lazy_pages = true;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_wake(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	static const struct option opts[] = {
		{"console-socket", required_argument, NULL, OPT_CONSOLE},
		{"lazy-pages", no_argument, NULL, OPT_LAZY},
		{0}};
	struct wake_opts o = {.root = g->root};
	int first = cli_parse(self, argc, argv, opts, on_wake_opt, &o, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		return -1;
	if (cli_refuse_systemd_cgroup(g, "wake", err) < 0)
		return -1;
	o.id = argv[first];
	return container_wake(&o, err);
}

bool cli_resume_wakes(const struct global_opts *g, const char *id)
{
	struct spec_state st;
	struct error ignored;
	if (container_state(g->root, id, &st, &ignored) < 0)
		return false;
	bool suspended = session_suspended(&st) != NULL;
	spec_state_clear(&st);
	return suspended;
}

enum {
	OPT_COUNT = 300,
	OPT_FORK_CONSOLE
};

static int on_fork_opt(int c, const char *arg, void *ctx, struct error *err)
{
	struct fork_opts *o = ctx;
	switch (c) {
	case OPT_COUNT:
		return cli_parse_int("count", arg, &o->count, err);
	case 'b':
		o->bundle_dir = arg;
		return 0;
	case OPT_FORK_CONSOLE:
		o->console_socket = arg;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_fork(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, OPT_COUNT},
		{"bundle", required_argument, NULL, 'b'},
		{"console-socket", required_argument, NULL, OPT_FORK_CONSOLE},
		{0}};
	struct fork_opts o = {.root = g->root, .count = 1};
	int first = cli_parse(self, argc, argv, opts, on_fork_opt, &o, err);
	if (first < 0 || cli_need_args(self, argc, first, 2, false, err) < 0)
		return -1;
	if (cli_refuse_systemd_cgroup(g, "fork", err) < 0)
		return -1;
	o.id = argv[first];
	o.new_id = argv[first + 1];
	return container_fork(&o, err);
}
