/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line: global options and one handler per command. */
#ifndef AGENTRUN_CLI_H
#define AGENTRUN_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct global_opts {
	const char *root;
	const char *log_path;
	const char *log_format;
	bool debug;
	bool systemd_cgroup;
};

struct command {
	const char *name;
	const char *summary;
	const char *usage; /* the full --help text after the usage line */
	int (*run)(const struct command *self, const struct global_opts *g, int argc, char **argv,
		   struct error *err);
};

/* Parse a command's flags with getopt_long_only (runc accepts -flag and
 * --flag, `=value` or a separate value). Returns the first positional
 * index or -1 with err set. `--help`/`-h` print help and exit 0. */
int cli_parse(const struct command *cmd, int argc, char **argv, const struct option *opts,
	      int (*on_opt)(int c, const char *arg, void *ctx, struct error *err), void *ctx,
	      struct error *err);
void cli_print_help(const struct command *cmd);
int cli_parse_int(const char *flag, const char *s, int *out, struct error *err);
/* Check the number of positional args: exactly `want` (or at least when
 * at_least). */
int cli_need_args(const struct command *cmd, int argc, int first, int want, bool at_least,
		  struct error *err);
/* A signal by number or name (KILL, SIGKILL, RTMIN+1). */
int cli_parse_signal(const char *s, int *sig, struct error *err);
/* Commands that make containers: the cgroup driver of --systemd-cgroup
 * (systemd) or cgroupfs. */
int cli_check_cgroup_manager(const struct global_opts *g, struct error *err);
/* Commands that do not take the systemd driver yet (wake, fork):
 * refuse --systemd-cgroup, naming what. */
int cli_refuse_systemd_cgroup(const struct global_opts *g, const char *what, struct error *err);
/* The exit status main() gives a command that returns -1: 1, except where
 * a command sets it once its arguments are parsed (`exec`: 255, as runc and
 * crun exit when the process could not be run). */
extern int cli_failure_status;

int cmd_create(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err);
int cmd_run(const struct command *self, const struct global_opts *g, int argc, char **argv,
	    struct error *err);
int cmd_start(const struct command *self, const struct global_opts *g, int argc, char **argv,
	      struct error *err);
int cmd_state(const struct command *self, const struct global_opts *g, int argc, char **argv,
	      struct error *err);
int cmd_kill(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
int cmd_delete(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err);
int cmd_list(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
int cmd_exec(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
int cmd_pause(const struct command *self, const struct global_opts *g, int argc, char **argv,
	      struct error *err);
int cmd_resume(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err);
int cmd_ps(const struct command *self, const struct global_opts *g, int argc, char **argv,
	   struct error *err);
struct spec_resources;
/* `update --resources`: the document into res; kernel_memory tells whether
 * it set the (ignored) kernel memory limits. Pure: tests/fuzz calls it. */
int update_parse_resources(const char *json, size_t len, const char *origin,
			   struct spec_resources *res, bool *kernel_memory, struct error *err);
int cmd_update(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err);
int cmd_events(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err);
int cmd_checkpoint(const struct command *self, const struct global_opts *g, int argc, char **argv,
		   struct error *err);
int cmd_suspend(const struct command *self, const struct global_opts *g, int argc, char **argv,
		struct error *err);
/* A Go duration ("5s", "1m30s", "1.5h") in nanoseconds; flag names it in
 * the error, as runc's flag parser does. */
int cli_parse_duration(const char *flag, const char *s, uint64_t *out, struct error *err);
int cmd_idle(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
int cmd_fork(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
int cmd_wake(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
/* `resume` of a suspended container wakes it. */
bool cli_resume_wakes(const struct global_opts *g, const char *id);
int cmd_restore(const struct command *self, const struct global_opts *g, int argc, char **argv,
		struct error *err);
int cmd_spec(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err);
int cmd_features(const struct command *self, const struct global_opts *g, int argc, char **argv,
		 struct error *err);

#endif
