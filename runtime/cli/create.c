/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `create` and `run`: the same flags, run adds --detach. */
#include "runtime/cli/cli.h"
#include "runtime/container.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

struct create_ctx {
	struct create_opts o;
	bool detach;
	bool keep;
};

enum {
	OPT_PID_FILE = 256,
	OPT_PRESERVE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_CONSOLE,
	OPT_NO_SUBREAPER,
	OPT_KEEP
};

static const struct option create_options[] = {
	{"bundle", required_argument, NULL, 'b'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
	{"console-socket", required_argument, NULL, OPT_CONSOLE},
	{"detach", no_argument, NULL, 'd'},
	{"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
	{"keep", no_argument, NULL, OPT_KEEP},
	{0},
};

static int on_create_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct create_ctx *ctx = vctx;
	switch (c) {
	case 'b':
		ctx->o.bundle = arg;
		return 0;
	case OPT_PID_FILE:
		ctx->o.pid_file = arg;
		return 0;
	case OPT_PRESERVE:
		return cli_parse_int("preserve-fds", arg, &ctx->o.preserve_fds, err);
	case OPT_NO_PIVOT:
		ctx->o.no_pivot = true;
		return 0;
	case OPT_NO_KEYRING:
		ctx->o.no_new_keyring = true;
		return 0;
	case OPT_CONSOLE:
		ctx->o.console_socket = arg;
		return 0;
	case 'd':
		ctx->detach = true;
		return 0;
	case OPT_NO_SUBREAPER:
	case OPT_KEEP:
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

static int parse_create(const struct command *cmd, const struct global_opts *g, int argc,
			char **argv, bool is_run, struct create_ctx *ctx, struct error *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->o.root = g->root;
	int first = cli_parse(cmd, argc, argv, create_options, on_create_opt, ctx, err);
	if (first < 0)
		return -1;
	if (!is_run && ctx->detach)
		return error_set(err, 0, "create: flag provided but not defined: -detach");
	if (cli_need_args(cmd, argc, first, 1, false, err) < 0)
		return -1;
	ctx->o.id = argv[first];
	return cli_check_cgroup_manager(g, err);
}

int cmd_create(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err)
{
	struct create_ctx ctx;
	if (parse_create(self, g, argc, argv, false, &ctx, err) < 0)
		return -1;
	pid_t pid;
	return container_create(&ctx.o, &pid, err);
}

int cmd_run(const struct command *self, const struct global_opts *g, int argc, char **argv,
	    struct error *err)
{
	struct create_ctx ctx;
	if (parse_create(self, g, argc, argv, true, &ctx, err) < 0)
		return -1;
	int code = 0;
	if (container_run(&ctx.o, ctx.detach, &code, err) < 0)
		return -1;
	return code;
}
