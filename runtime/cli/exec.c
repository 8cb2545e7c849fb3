/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `exec`: runc's flags, merged into the container's process (or a
 * --process file replacing it). */
#include "runtime/egress.h"
#include "runtime/cli/cli.h"
#include "runtime/container.h"
#include "runtime/session.h"
#include "util/fs.h"
#include "runtime/lsm.h"
#include "spec/spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define MAX_REPEAT 128

struct exec_ctx {
	struct exec_opts o;
	const char *process_file, *cwd, *user, *apparmor, *label;
	const char *env[MAX_REPEAT], *gids[MAX_REPEAT], *caps[MAX_REPEAT], *cgroups[MAX_REPEAT];
	size_t n_env, n_gids, n_caps, n_cgroups;
	bool tty, no_new_privs, no_wake;
};

enum {
	OPT_CONSOLE = 256,
	OPT_CWD,
	OPT_GIDS,
	OPT_CAP,
	OPT_NNP,
	OPT_APPARMOR,
	OPT_LABEL,
	OPT_PID_FILE,
	OPT_PRESERVE,
	OPT_IGNORE_PAUSED,
	OPT_CGROUP,
	OPT_NO_WAKE,
};

static const struct option exec_options[] = {
	{"process", required_argument, NULL, 'p'},
	{"tty", no_argument, NULL, 't'},
	{"console-socket", required_argument, NULL, OPT_CONSOLE},
	{"cwd", required_argument, NULL, OPT_CWD},
	{"env", required_argument, NULL, 'e'},
	{"user", required_argument, NULL, 'u'},
	{"additional-gids", required_argument, NULL, 'g'},
	{"cap", required_argument, NULL, 'c'},
	{"no-new-privs", no_argument, NULL, OPT_NNP},
	{"apparmor", required_argument, NULL, OPT_APPARMOR},
	{"process-label", required_argument, NULL, OPT_LABEL},
	{"detach", no_argument, NULL, 'd'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	{"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
	{"cgroup", required_argument, NULL, OPT_CGROUP},
	{"no-wake", no_argument, NULL, OPT_NO_WAKE},
	{0},
};

static int push(const char **list, size_t *n, const char *v, const char *flag, struct error *err)
{
	if (*n >= MAX_REPEAT)
		return error_set(err, 0, "exec: too many --%s", flag);
	list[(*n)++] = v;
	return 0;
}

static int on_exec_opt(int c, const char *arg, void *vctx, struct error *err)
{
	struct exec_ctx *x = vctx;
	switch (c) {
	case 'p':
		x->process_file = arg;
		return 0;
	case 't':
		x->tty = true;
		return 0;
	case OPT_NO_WAKE:
		x->no_wake = true;
		return 0;
	case OPT_CONSOLE:
		x->o.console_socket = arg;
		return 0;
	case OPT_CWD:
		x->cwd = arg;
		return 0;
	case 'e':
		return push(x->env, &x->n_env, arg, "env", err);
	case 'u':
		x->user = arg;
		return 0;
	case 'g':
		return push(x->gids, &x->n_gids, arg, "additional-gids", err);
	case 'c':
		return push(x->caps, &x->n_caps, arg, "cap", err);
	case OPT_NNP:
		x->no_new_privs = true;
		return 0;
	case OPT_APPARMOR:
		x->apparmor = arg;
		return 0;
	case OPT_LABEL:
		x->label = arg;
		return 0;
	case 'd':
		x->o.detach = true;
		return 0;
	case OPT_PID_FILE:
		x->o.pid_file = arg;
		return 0;
	case OPT_PRESERVE:
		return cli_parse_int("preserve-fds", arg, &x->o.preserve_fds, err);
	case OPT_IGNORE_PAUSED:
		x->o.ignore_paused = true;
		return 0;
	case OPT_CGROUP:
		return push(x->cgroups, &x->n_cgroups, arg, "cgroup", err);
	}
	return error_set(err, 0, "unknown flag");
}

/* Replace a string array (with count) by a copy of items[0..n). */
static int set_strings(char ***arr, size_t *count, char *const *items, size_t n)
{
	char **na = calloc(n + 1, sizeof(char *));
	if (!na)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(na[i] = strdup(items[i])))
			return -1;
	for (size_t i = 0; i < *count; i++)
		free((*arr)[i]);
	free(*arr);
	*arr = na;
	*count = n;
	return 0;
}

/* Append a string (replacing an env entry with the same key). */
static int add_string(char ***arr, size_t *count, const char *item, bool env_key)
{
	if (env_key) {
		size_t klen = strcspn(item, "=");
		for (size_t i = 0; i < *count; i++)
			if (!strncmp((*arr)[i], item, klen) && (*arr)[i][klen] == '=') {
				char *dup = strdup(item);
				if (!dup)
					return -1;
				free((*arr)[i]);
				(*arr)[i] = dup;
				return 0;
			}
	}
	char **na = realloc(*arr, (*count + 2) * sizeof(char *));
	if (!na)
		return -1;
	*arr = na;
	if (!(na[*count] = strdup(item)))
		return -1;
	na[++*count] = NULL;
	return 0;
}

static int parse_id(const char *s, const char *what, uint32_t *out, struct error *err)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX)
		return error_set(err, 0, "exec: invalid %s \"%s\"", what, s);
	*out = (uint32_t)v;
	return 0;
}

/* Does the JSON object have this top-level key? */
static bool has_key(const char *json, const char *key)
{
	yajl_val t = yajl_tree_parse(json, NULL, 0);
	const char *path[] = {key, NULL};
	bool r = t && yajl_tree_get(t, path, yajl_t_any) != NULL;
	yajl_tree_free(t);
	return r;
}

static int merge(struct exec_ctx *x, struct spec *spec, int argc, char **argv, int first,
		 struct error *err)
{
	struct spec_process *p = &spec->process;
	if (x->process_file) {
		char *json = NULL;
		size_t len;
		if (fs_read_file(x->process_file, &json, &len, err) < 0)
			return error_prefix(err, "exec: --process");
		/* what the process JSON leaves out keeps the container's:
		 * no_new_privs, AppArmor profile, SELinux label (runc's
		 * libcontainer rule; fail closed) */
		bool nnp = p->no_new_privileges;
		char *apparmor = p->apparmor_profile, *label = p->selinux_label;
		p->apparmor_profile = p->selinux_label = NULL;
		spec_process_clear(p);
		int r = spec_parse_process(json, len, x->process_file, p, err);
		bool has_nnp = r == 0 && has_key(json, "noNewPrivileges");
		free(json);
		if (r == 0 && !has_nnp)
			p->no_new_privileges = nnp;
		if (r == 0 && !(p->apparmor_profile && *p->apparmor_profile)) {
			free(p->apparmor_profile);
			p->apparmor_profile = apparmor;
			apparmor = NULL;
		}
		if (r == 0 && !(p->selinux_label && *p->selinux_label)) {
			free(p->selinux_label);
			p->selinux_label = label;
			label = NULL;
		}
		free(apparmor);
		free(label);
		if (r < 0 || spec_validate_process(p, x->process_file, err) < 0)
			return -1;
		if (argc - first > 1)
			return error_set(err, 0,
					 "exec: a command and --process do not go together");
	} else {
		if (argc - first < 2)
			return error_set(err, 0, "exec: requires a container id and a command");
		if (set_strings(&p->args, &p->n_args, argv + first + 1, argc - first - 1) < 0)
			return error_set(err, ENOMEM, "exec");
		p->terminal = x->tty;
	}
	if (x->cwd) {
		char *c = strdup(x->cwd);
		if (!c)
			return error_set(err, ENOMEM, "exec");
		free(p->cwd);
		p->cwd = c;
	}
	for (size_t i = 0; i < x->n_env; i++) {
		if (!strchr(x->env[i], '='))
			return error_set(err, 0, "exec: --env \"%s\" is not of the form KEY=value",
					 x->env[i]);
		if (add_string(&p->env, &p->n_env, x->env[i], true) < 0)
			return error_set(err, ENOMEM, "exec");
	}
	if (x->user) {
		char copy[64];
		snprintf(copy, sizeof(copy), "%s", x->user);
		char *colon = strchr(copy, ':');
		if (colon)
			*colon = '\0';
		if (parse_id(copy, "uid", &p->user.uid, err) < 0 ||
		    (colon && parse_id(colon + 1, "gid", &p->user.gid, err) < 0))
			return -1;
	}
	if (x->n_gids) {
		uint32_t *g = calloc(x->n_gids + 1, sizeof(uint32_t));
		if (!g)
			return error_set(err, ENOMEM, "exec");
		for (size_t i = 0; i < x->n_gids; i++)
			if (parse_id(x->gids[i], "additional gid", &g[i], err) < 0) {
				free(g);
				return -1;
			}
		free(p->user.additional_gids);
		p->user.additional_gids = g;
		p->user.n_additional_gids = x->n_gids;
	}
	struct spec_capabilities *c = &p->capabilities;
	for (size_t i = 0; i < x->n_caps; i++) {
		c->present = true;
		if (add_string(&c->bounding, &c->n_bounding, x->caps[i], false) < 0 ||
		    add_string(&c->effective, &c->n_effective, x->caps[i], false) < 0 ||
		    add_string(&c->permitted, &c->n_permitted, x->caps[i], false) < 0)
			return error_set(err, ENOMEM, "exec");
		/* never inheritable (CVE-2022-29162); ambient only where the
		 * process has inheritable capabilities already, as runc */
		if (c->n_inheritable &&
		    add_string(&c->ambient, &c->n_ambient, x->caps[i], false) < 0)
			return error_set(err, ENOMEM, "exec");
	}
	if (x->no_new_privs)
		p->no_new_privileges = true;
	if (x->apparmor) {
		free(p->apparmor_profile);
		if (!(p->apparmor_profile = strdup(x->apparmor)))
			return error_set(err, ENOMEM, "exec");
	}
	if (x->label) {
		free(p->selinux_label);
		if (!(p->selinux_label = strdup(x->label)))
			return error_set(err, ENOMEM, "exec");
	}
	if (lsm_check(p->apparmor_profile, p->selinux_label, err) < 0)
		return error_prefix(err, "exec");
	return 0;
}

int cmd_exec(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	struct exec_ctx x = {0};
	x.o.root = g->root;
	int first = cli_parse(self, argc, argv, exec_options, on_exec_opt, &x, err);
	if (first < 0)
		return -1;
	if (argc - first < 1)
		return cli_need_args(self, argc, first, 1, true, err);
	x.o.id = argv[first];
	/* from here a failure is "the process could not be run": runc's and
	 * crun's 255, which engines tell from the process's own status */
	cli_failure_status = 255;
	if (session_wake_for(g->root, x.o.id, x.no_wake, "exec", err) < 0)
		return -1;
	struct spec *spec = NULL;
	if (container_load_config(g->root, x.o.id, &spec, err) < 0)
		return -1;
	int code = 0;
	x.o.sub_cgroups = x.cgroups;
	x.o.n_sub_cgroups = x.n_cgroups;
	int r = merge(&x, spec, argc, argv, first, err);
	struct egress_cfg egress;
	if (r == 0)
		r = egress_config(spec, false, &egress, err);
	if (r == 0)
		r = egress_add_env(&spec->process, &egress, err);
	if (r == 0)
		r = container_exec(&x.o, spec, &code, err);
	spec_free(spec);
	return r < 0 ? -1 : code;
}
