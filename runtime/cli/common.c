/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/cli/cli.h"
#include "cgroups/cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_print_help(const struct command *cmd)
{
	printf("NAME:\n   agentrun %s - %s\n\n%s", cmd->name, cmd->summary, cmd->usage);
}

int cli_failure_status = 1;

int cli_parse(const struct command *cmd, int argc, char **argv, const struct option *opts,
	      int (*on_opt)(int c, const char *arg, void *ctx, struct error *err), void *ctx,
	      struct error *err)
{
	/* flags may follow the container id, as with runc; but exec and ps pass
	 * what follows the id on, so they stop at the first positional ('+').
	 * ':' reports a missing value distinctly */
	bool stop = !strcmp(cmd->name, "exec") || !strcmp(cmd->name, "ps");
	char shorts[64] = "+:h";
	size_t n = 3;
	for (const struct option *o = opts; o->name; o++) {
		if (o->val > 0 && o->val < 128 && n + 3 < sizeof(shorts)) {
			shorts[n++] = (char)o->val;
			if (o->has_arg == required_argument)
				shorts[n++] = ':';
		}
	}
	shorts[n] = '\0';
	const char *spec_str = stop ? shorts : shorts + 1;
	struct option all[64];
	size_t k = 0;
	for (const struct option *o = opts; o->name && k < 62; o++)
		all[k++] = *o;
	all[k++] = (struct option){"help", no_argument, NULL, 'h'};
	all[k] = (struct option){0};

	optind = 0; /* 0, not 1: re-initialise GNU getopt (ordering mode) */
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long_only(argc, argv, spec_str, all, &idx);
		if (c == -1)
			break;
		if (c == 'h') {
			cli_print_help(cmd);
			exit(0);
		}
		if (c == '?') {
			const char *bad = argv[optind - 1];
			return error_set(err, 0, "%s: flag provided but not defined: %s", cmd->name,
					 optopt ? (char[]){'-', (char)optopt, 0} : bad);
		}
		if (c == ':')
			return error_set(err, 0, "%s: flag needs an argument: %s", cmd->name,
					 argv[optind - 1]);
		if (on_opt(c, optarg, ctx, err) < 0)
			return -1;
	}
	return optind;
}

int cli_parse_int(const char *flag, const char *s, int *out, struct error *err)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !end || end == s || *end || !isdigit((unsigned char)s[0]) || v > INT_MAX)
		return error_set(err, 0, "invalid value \"%s\" for flag --%s", s, flag);
	*out = (int)v;
	return 0;
}

int cli_need_args(const struct command *cmd, int argc, int first, int want, bool at_least,
		  struct error *err)
{
	int have = argc - first;
	if (have == want || (at_least && have > want))
		return 0;
	if (have < want)
		return error_set(err, 0, "%s: requires %s%d argument%s (container id%s)", cmd->name,
				 at_least ? "at least " : "", want, want == 1 ? "" : "s",
				 want > 1 ? " and more" : "");
	return error_set(err, 0, "%s: requires exactly %d argument%s, got %d", cmd->name, want,
			 want == 1 ? "" : "s", have);
}

int cli_check_cgroup_manager(const struct global_opts *g, struct error *err)
{
	return cgroup_use_driver(g->systemd_cgroup ? "systemd" : "cgroupfs", err);
}

int cli_refuse_systemd_cgroup(const struct global_opts *g, const char *what, struct error *err)
{
	if (g->systemd_cgroup)
		return error_set(err, 0,
				 "--systemd-cgroup: %s is not supported with the systemd cgroup "
				 "manager yet; use cgroupfs",
				 what);
	return 0;
}
