/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `pause`, `resume`, `ps`: commands that work through the container's cgroup. */
#include "runtime/cli/cli.h"
#include "runtime/container.h"
#include "runtime/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct option no_options[] = {{0}};

static int no_opt(int c, const char *arg, void *ctx, struct error *err)
{
	(void)c, (void)arg, (void)ctx;
	return error_set(err, 0, "unknown flag");
}

static int pause_or_resume(const struct command *self, const struct global_opts *g, int argc,
			   char **argv, bool pause, struct error *err)
{
	int first = cli_parse(self, argc, argv, no_options, no_opt, NULL, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, false, err) < 0)
		return -1;
	/* a suspended container is never paused: `resume` of one wakes it */
	if (!pause && cli_resume_wakes(g, argv[first]))
		return container_wake(&(struct wake_opts){.root = g->root, .id = argv[first]}, err);
	return container_pause(g->root, argv[first], pause, err);
}

int cmd_pause(const struct command *self, const struct global_opts *g, int argc, char **argv,
	      struct error *err)
{
	return pause_or_resume(self, g, argc, argv, true, err);
}

int cmd_resume(const struct command *self, const struct global_opts *g, int argc, char **argv,
	       struct error *err)
{
	return pause_or_resume(self, g, argc, argv, false, err);
}

static int on_ps_opt(int c, const char *arg, void *ctx, struct error *err)
{
	if (c == 'f') {
		if (strcmp(arg, "table") && strcmp(arg, "json"))
			return error_set(err, 0, "invalid format option \"%s\"", arg);
		*(const char **)ctx = arg;
		return 0;
	}
	return error_set(err, 0, "unknown flag");
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Run ps with args and keep its header and the lines of our pids. */
static int ps_table(char **ps_args, int n_args, const pid_t *pids, size_t n, struct error *err)
{
	char *argv[64] = {"ps"};
	int k = 1;
	if (n_args == 0)
		argv[k++] = "-ef";
	for (int i = 0; i < n_args && k < 63; i++)
		argv[k++] = ps_args[i];
	argv[k] = NULL;
	int pfd[2];
	if (pipe(pfd) < 0)
		return error_errno(err, "pipe");
	pid_t child = fork();
	if (child < 0)
		return error_errno(err, "fork ps");
	if (child == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execvp("ps", argv);
		_exit(127);
	}
	close(pfd[1]);
	FILE *in = fdopen(pfd[0], "r");
	char *line = NULL;
	size_t cap = 0;
	int pid_col = -1;
	bool header = true;
	while (in && getline(&line, &cap, in) > 0) {
		if (header) {
			/* find the PID column */
			char copy[4096];
			snprintf(copy, sizeof(copy), "%s", line);
			int col = 0;
			char *save = NULL;
			for (char *t = strtok_r(copy, " \t\n", &save); t;
			     t = strtok_r(NULL, " \t\n", &save), col++)
				if (!strcmp(t, "PID"))
					pid_col = col;
			fputs(line, stdout);
			header = false;
			continue;
		}
		char copy[4096];
		snprintf(copy, sizeof(copy), "%s", line);
		char *save = NULL;
		char *t = strtok_r(copy, " \t\n", &save);
		for (int col = 0; t && col < pid_col; col++)
			t = strtok_r(NULL, " \t\n", &save);
		if (t && has_pid(pids, n, strtol(t, NULL, 10)))
			fputs(line, stdout);
	}
	free(line);
	if (in)
		fclose(in);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (pid_col < 0)
		return error_set(err, 0, "ps: no PID column in the output of ps");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return error_set(err, 0, "ps exited with status %d", WEXITSTATUS(status));
	return 0;
}

int cmd_ps(const struct command *self, const struct global_opts *g, int argc, char **argv,
	   struct error *err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	const char *format = "table";
	int first = cli_parse(self, argc, argv, opts, on_ps_opt, &format, err);
	if (first < 0 || cli_need_args(self, argc, first, 1, true, err) < 0)
		return -1;
	pid_t *pids = NULL;
	size_t n = 0;
	if (container_pids(g->root, argv[first], &pids, &n, err) < 0)
		return -1;
	int r = 0;
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		printf("]\n");
	} else {
		int rest = first + 1;
		if (rest < argc && !strcmp(argv[rest], "--"))
			rest++;
		fflush(stdout);
		r = ps_table(argv + rest, argc - rest, pids, n, err);
	}
	free(pids);
	return r;
}
