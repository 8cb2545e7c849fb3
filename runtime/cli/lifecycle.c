/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `start`, `state`, `kill`, `delete`: one container id each. */
#include "runtime/cli/cli.h"
#include "runtime/container.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option no_options[] = {{0}};

static int no_opt(int c, const char *arg, void *ctx, struct error *err)
{
	(void)c, (void)arg, (void)ctx;
	return error_set(err, 0, "unknown flag");
}

/* Parse flags and exactly one id. */
static const char *one_id(const struct command *self, int argc, char **argv,
			  const struct option *opts,
			  int (*on)(int, const char *, void *, struct error *), void *ctx,
			  int extra_max, int *first_out, struct error *err)
{
	int first = cli_parse(self, argc, argv, opts, on, ctx, err);
	if (first < 0)
		return NULL;
	if (argc - first < 1 || argc - first > 1 + extra_max) {
		cli_need_args(self, argc, first, 1, false, err);
		return NULL;
	}
	if (first_out)
		*first_out = first;
	return argv[first];
}

int cmd_start(const struct command *self, const struct global_opts *g, int argc, char **argv,
	      struct error *err)
{
	const char *id = one_id(self, argc, argv, no_options, no_opt, NULL, 0, NULL, err);
	if (!id)
		return -1;
	return container_start(g->root, id, err);
}

int cmd_state(const struct command *self, const struct global_opts *g, int argc, char **argv,
	      struct error *err)
{
	const char *id = one_id(self, argc, argv, no_options, no_opt, NULL, 0, NULL, err);
	if (!id)
		return -1;
	struct spec_state st;
	if (container_state(g->root, id, &st, err) < 0)
		return -1;
	char *json = NULL;
	int r = spec_state_to_json(&st, false, true, &json, err);
	if (r == 0)
		printf("%s\n", json);
	free(json);
	spec_state_clear(&st);
	return r;
}

static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},	 {"ILL", SIGILL},
	{"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},	 {"BUS", SIGBUS},
	{"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},	 {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},	 {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},	 {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},	 {"URG", SIGURG},
	{"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH},   {"IO", SIGIO},	  {"POLL", SIGPOLL},	 {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

/* A signal by number, name (KILL, SIGKILL, kill) or RTMIN+n. */
int cli_parse_signal(const char *s, int *sig, struct error *err)
{
	char *end = NULL;
	long v = isdigit((unsigned char)s[0]) ? strtol(s, &end, 10) : 0;
	if (end && end != s && !*end) {
		if (v <= 0 || v > SIGRTMAX)
			return error_set(err, 0, "invalid signal: %s", s);
		*sig = (int)v;
		return 0;
	}
	char up[32];
	size_t i = 0;
	if (strlen(s) >= sizeof(up))
		return error_set(err, 0, "invalid signal: %s", s);
	for (; s[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	up[i] = '\0';
	const char *name = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
	for (size_t j = 0; j < sizeof(signal_names) / sizeof(signal_names[0]); j++)
		if (!strcmp(signal_names[j].name, name)) {
			*sig = signal_names[j].sig;
			return 0;
		}
	if (!strncmp(name, "RTMIN", 5) || !strncmp(name, "RTMAX", 5)) {
		int base = name[3] == 'I' ? SIGRTMIN : SIGRTMAX;
		long off = name[5] ? strtol(name + 5, &end, 10) : 0;
		if ((!name[5] || (end && !*end)) && base + off >= SIGRTMIN &&
		    base + off <= SIGRTMAX) {
			*sig = (int)(base + off);
			return 0;
		}
	}
	return error_set(err, 0, "invalid signal: %s", s);
}

static int on_kill_opt(int c, const char *arg, void *ctx, struct error *err)
{
	(void)arg;
	if (c == 'a') {
		*(bool *)ctx = true;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_kill(const struct command *self, const struct global_opts *g, int argc, char **argv,
	     struct error *err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	bool all = false;
	int first;
	const char *id = one_id(self, argc, argv, opts, on_kill_opt, &all, 1, &first, err);
	if (!id)
		return -1;
	int sig = SIGTERM;
	if (argc - first == 2 && cli_parse_signal(argv[first + 1], &sig, err) < 0)
		return -1;
	return container_kill(g->root, id, sig, all, err);
}

static int on_delete_opt(int c, const char *arg, void *ctx, struct error *err)
{
	(void)arg;
	if (c == 'f') {
		*(bool *)ctx = true;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

int cmd_delete(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	const char *id = one_id(self, argc, argv, opts, on_delete_opt, &force, 0, NULL, err);
	if (!id)
		return -1;
	return container_delete(g->root, id, force, err);
}
