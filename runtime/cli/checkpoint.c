/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `checkpoint` and `restore`: runc's flags, CRIU underneath. */
#include "runtime/cli/cli.h"
#include "runtime/criu.h"

#include <stdio.h>
#include <string.h>

enum {
	OPT_IMAGE = 256,
	OPT_WORK,
	OPT_PARENT,
	OPT_LEAVE,
	OPT_TCP,
	OPT_TCP_SKIP,
	OPT_LINK_REMAP,
	OPT_EXT_UNIX,
	OPT_SHELL,
	OPT_LAZY,
	OPT_STATUS_FD,
	OPT_PAGE_SERVER,
	OPT_FILE_LOCKS,
	OPT_PRE_DUMP,
	OPT_CG_MODE,
	OPT_EMPTY_NS,
	OPT_DEDUP,
	OPT_PID_FILE,
	OPT_CONSOLE,
	OPT_NO_SUBREAPER,
	OPT_NO_PIVOT,
	OPT_LSM_PROFILE,
	OPT_LSM_MOUNT,
};

/* Both commands take these (on_common). */
/* clang-format off */
#define COMMON_OPTIONS \
	{"image-path", required_argument, NULL, OPT_IMAGE}, \
	{"work-path", required_argument, NULL, OPT_WORK}, \
	{"tcp-established", no_argument, NULL, OPT_TCP}, \
	{"ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX}, \
	{"shell-job", no_argument, NULL, OPT_SHELL}, \
	{"file-locks", no_argument, NULL, OPT_FILE_LOCKS}, \
	{"manage-cgroups-mode", required_argument, NULL, OPT_CG_MODE}, \
	{"empty-ns", required_argument, NULL, OPT_EMPTY_NS}, \
	{"auto-dedup", no_argument, NULL, OPT_DEDUP}, \
	{"lazy-pages", no_argument, NULL, OPT_LAZY}
/* clang-format on */

static const struct option checkpoint_options[] = {
	COMMON_OPTIONS,
	{"parent-path", required_argument, NULL, OPT_PARENT},
	{"leave-running", no_argument, NULL, OPT_LEAVE},
	{"tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP},
	{"link-remap", no_argument, NULL, OPT_LINK_REMAP},
	{"status-fd", required_argument, NULL, OPT_STATUS_FD},
	{"page-server", required_argument, NULL, OPT_PAGE_SERVER},
	{"pre-dump", no_argument, NULL, OPT_PRE_DUMP},
	{0},
};

static const struct option restore_options[] = {
	COMMON_OPTIONS,
	{"bundle", required_argument, NULL, 'b'},
	{"detach", no_argument, NULL, 'd'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"console-socket", required_argument, NULL, OPT_CONSOLE},
	{"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"lsm-profile", required_argument, NULL, OPT_LSM_PROFILE},
	{"lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT},
	{0},
};

static int on_common(struct criu_common_opts *c, int opt, const char *arg, struct error *err)
{
	switch (opt) {
	case OPT_IMAGE:
		c->image_path = arg;
		return 0;
	case OPT_WORK:
		c->work_path = arg;
		return 0;
	case OPT_TCP:
		c->tcp_established = true;
		return 0;
	case OPT_EXT_UNIX:
		c->ext_unix_sk = true;
		return 0;
	case OPT_SHELL:
		c->shell_job = true;
		return 0;
	case OPT_FILE_LOCKS:
		c->file_locks = true;
		return 0;
	case OPT_CG_MODE:
		return criu_parse_cgroups_mode(arg, &c->cgroups_mode, err);
	case OPT_EMPTY_NS:
		return criu_parse_empty_ns(arg, &c->empty_ns, err);
	case OPT_DEDUP:
		c->auto_dedup = true;
		return 0;
	case OPT_LAZY:
		c->lazy_pages = true;
		return 0;
	}
	return 1; /* not a common option */
}

static int on_checkpoint_opt(int opt, const char *arg, void *vctx, struct error *err)
{
	struct checkpoint_opts *o = vctx;
	int r = on_common(&o->c, opt, arg, err);
	if (r <= 0)
		return r;
	switch (opt) {
	case OPT_PARENT:
		o->parent_path = arg;
		return 0;
	case OPT_LEAVE:
		o->leave_running = true;
		return 0;
	case OPT_TCP_SKIP:
		o->c.tcp_skip_in_flight = true;
		return 0;
	case OPT_LINK_REMAP:
		o->c.link_remap = true;
		return 0;
	case OPT_STATUS_FD:
		return cli_parse_int("status-fd", arg, &o->status_fd, err);
	case OPT_PAGE_SERVER:
		o->page_server = arg;
		return 0;
	case OPT_PRE_DUMP:
		o->pre_dump = true;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

static int on_restore_opt(int opt, const char *arg, void *vctx, struct error *err)
{
	struct restore_opts *o = vctx;
	int r = on_common(&o->c, opt, arg, err);
	if (r <= 0)
		return r;
	switch (opt) {
	case 'b':
		o->bundle = arg;
		return 0;
	case 'd':
		o->detach = true;
		return 0;
	case OPT_PID_FILE:
		o->pid_file = arg;
		return 0;
	case OPT_CONSOLE:
		o->console_socket = arg;
		return 0;
	case OPT_NO_SUBREAPER:
		o->no_subreaper = true;
		return 0;
	case OPT_NO_PIVOT:
		o->no_pivot = true;
		return 0;
	case OPT_LSM_PROFILE:
		o->lsm_profile = arg;
		return 0;
	case OPT_LSM_MOUNT:
		o->lsm_mount_context = arg;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

/* --help also says whether this build can checkpoint (podman and people
 * probe it). */
static bool want_help(const struct command *self, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "-help")) {
			cli_print_help(self);
			printf("\nCRIU support: %s\n",
			       criu_built_in()
				       ? "built in (libcriu; needs CRIU >= 4.2 at run time)"
				       : "not built in (agentrun was built without libcriu)");
			return true;
		}
	}
	return false;
}

int cmd_checkpoint(const struct command *self, const struct global_opts *g, int argc, char **argv,
		   struct error *err)
{
	if (want_help(self, argc, argv))
		return 0;
	struct checkpoint_opts o = {.root = g->root, .status_fd = -1};
	int first = cli_parse(self, argc, argv, checkpoint_options, on_checkpoint_opt, &o, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		return -1;
	o.id = argv[first];
	return container_checkpoint(&o, err);
}

int cmd_restore(const struct command *self, const struct global_opts *g, int argc, char **argv,
		struct error *err)
{
	if (want_help(self, argc, argv))
		return 0;
	struct restore_opts o = {.root = g->root};
	int first = cli_parse(self, argc, argv, restore_options, on_restore_opt, &o, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		return -1;
	if (cli_check_cgroup_manager(g, err) < 0)
		return -1;
	o.id = argv[first];
	int code = 0;
	if (container_restore(&o, &code, err) < 0)
		return -1;
	return code;
}
