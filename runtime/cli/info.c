/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `list`, `spec`, `features`: commands that read, not act. */
#include "runtime/cli/cli.h"
#include "runtime/container.h"
#include "runtime/egress.h"
#include "runtime/feature_list.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "spec/template.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct list_ctx {
	bool quiet;
	const char *format;
};

static int on_list_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct list_ctx *ctx = vctx;
	if (c == 'q') {
		ctx->quiet = true;
		return 0;
	}
	if (c == 'f') {
		if (strcmp(arg, "table") && strcmp(arg, "json"))
			return error_set(err, 0, "invalid format option \"%s\"", arg);
		ctx->format = arg;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_list(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'f'},
		{0},
	};
	struct list_ctx ctx = {.format = "table"};
	int first = cli_parse(self, argc, argv, opts, on_list_opt, &ctx, err);
	if (first < 0 || cli_need_args(self, argc, first, 0, false, err) < 0)
		return -1;
	struct spec_state *states;
	size_t n;
	if (container_list(g->root, &states, &n, err) < 0)
		return -1;
	int r = 0;
	if (ctx.quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", states[i].id);
	} else if (!strcmp(ctx.format, "json")) {
		char *json = NULL;
		r = spec_state_list_json(states, n, &json, err);
		if (r == 0)
			printf("%s\n", json);
		free(json);
	} else {
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
		for (size_t i = 0; i < n; i++) {
			const struct spec_state *st = &states[i];
			int pid = strcmp(st->status, "stopped") ? st->pid : 0;
			printf("%-12s %-8d %-10s %-40s %-30s %s\n", st->id, pid, st->status,
			       st->bundle ? st->bundle : "", st->created ? st->created : "",
			       st->owner ? st->owner : "");
		}
	}
	for (size_t i = 0; i < n; i++)
		spec_state_clear(&states[i]);
	free(states);
	return r;
}

struct spec_ctx {
	bool rootless;
	const char *bundle;
	const char *profile;
	const char *egress_proxy;
};

/* The agent profile's JSON with the egress proxy annotation added to its
 * annotations object. */
static int add_egress_annotation(char **json, const char *socket, struct error *err)
{
	if (socket[0] != '/')
		return error_set(err, 0, "spec: --egress-proxy: \"%s\" is not an absolute path",
				 socket);
	_cleanup_free_ char *esc = malloc(2 * strlen(socket) + 1);
	if (!esc)
		return error_set(err, ENOMEM, "spec");
	char *q = esc;
	for (const char *c = socket; *c; c++) {
		if ((unsigned char)*c < 0x20)
			return error_set(err, 0, "spec: --egress-proxy: control character in path");
		if (*c == '"' || *c == '\\')
			*q++ = '\\';
		*q++ = *c;
	}
	*q = '\0';
	static const char key[] = "\"annotations\": {";
	char *at = strstr(*json, key);
	if (!at)
		return error_set(err, 0, "spec: the profile has no annotations");
	at += sizeof(key) - 1;
	char *out = NULL;
	if (asprintf(&out, "%.*s\"" EGRESS_ANNOTATION "\": \"%s\", %s", (int)(at - *json), *json,
		     esc, at) < 0)
		return error_set(err, ENOMEM, "spec");
	free(*json);
	*json = out;
	return 0;
}

static int on_spec_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct spec_ctx *ctx = vctx;
	if (c == 'r') {
		ctx->rootless = true;
		return 0;
	}
	if (c == 'b') {
		ctx->bundle = arg;
		return 0;
	}
	if (c == 'p') {
		if (strcmp(arg, "default") && strcmp(arg, "agent"))
			return error_set(err, 0, "spec: unknown profile \"%s\" (default or agent)",
					 arg);
		ctx->profile = arg;
		return 0;
	}
	if (c == 'e') {
		ctx->egress_proxy = arg;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_spec(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	(void)g;
	static const struct option opts[] = {
		{"rootless", no_argument, NULL, 'r'},
		{"bundle", required_argument, NULL, 'b'},
		{"profile", required_argument, NULL, 'p'},
		{"egress-proxy", required_argument, NULL, 'e'},
		{0},
	};
	struct spec_ctx ctx = {.bundle = ".", .profile = "default"};
	int first = cli_parse(self, argc, argv, opts, on_spec_opt, &ctx, err);
	if (first < 0 || cli_need_args(self, argc, first, 0, false, err) < 0)
		return -1;
	_cleanup_free_ char *json = NULL;
	if (!strcmp(ctx.profile, "agent")
		    ? spec_agent_template_json(geteuid(), getegid(), &json, err) < 0
		    : spec_template_json(ctx.rootless, geteuid(), getegid(), &json, err) < 0)
		return -1;
	if (ctx.egress_proxy && strcmp(ctx.profile, "agent"))
		return error_set(err, 0, "spec: --egress-proxy goes with --profile agent");
	if (ctx.egress_proxy && add_egress_annotation(&json, ctx.egress_proxy, err) < 0)
		return -1;
	_cleanup_close_ int dfd = open(ctx.bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "spec: open bundle %s", ctx.bundle);
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set(err, 0, "File %s/config.json exists. Remove it first", ctx.bundle);
	_cleanup_close_ int fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					0666);
	if (fd < 0)
		return error_errno(err, "spec: create %s/config.json", ctx.bundle);
	size_t len = strlen(json);
	if (write(fd, json, len) != (ssize_t)len)
		return error_errno(err, "spec: write %s/config.json", ctx.bundle);
	return 0;
}

int cmd_features(const struct command *self, const struct global_opts *g, int argc, char **argv,
		 struct error *err)
{
	(void)g;
	static const struct option opts[] = {{0}};
	int first = cli_parse(self, argc, argv, opts, NULL, NULL, err);
	if (first < 0 || cli_need_args(self, argc, first, 0, false, err) < 0)
		return -1;
	_cleanup_free_ char *json = NULL;
	if (features_json(&json, err) < 0)
		return -1;
	printf("%s\n", json);
	return 0;
}
