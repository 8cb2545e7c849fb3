/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure parts of runtime/: mount option parsing, signal names,
 * container id rules, namespace names. Nothing here touches the kernel.
 * Tests marked "fixed" pin down defects found and fixed in runtime/. */
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "cgroups/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/namespaces.h"
#include "runtime/rootfs.h"
#include "runtime/state.h"
#include "spec/names.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- rootfs_parse_options ---- */

static struct mount_flags parse_opts(char **opts, size_t n)
{
	struct mount_flags f;
	struct error err = {0};
	memset(&f, 0xa5, sizeof(f)); /* must be reset by the parser */
	if (rootfs_parse_options(opts, n, &f, &err) < 0)
		fail_msg("rootfs_parse_options: %s", err.msg);
	return f;
}
#define OPTS(...) \
	parse_opts((char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static void test_mount_flags(void **state)
{
	(void)state;
	struct mount_flags f = parse_opts(NULL, 0);
	assert_int_equal(f.flags, 0);
	assert_int_equal(f.clear, 0);
	assert_int_equal(f.propagation, 0);
	assert_false(f.bind || f.rbind);
	assert_string_equal(f.data, "");

	f = OPTS("nosuid", "nodev", "noexec", "ro", "relatime");
	assert_int_equal(f.flags, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_RELATIME);
	assert_int_equal(f.clear, 0);
	assert_string_equal(f.data, "");

	f = OPTS("strictatime", "noatime", "nodiratime", "sync", "dirsync", "mand", "lazytime",
		 "silent", "iversion", "nosymfollow", "remount", "defaults");
	assert_int_equal(f.flags, MS_STRICTATIME | MS_NOATIME | MS_NODIRATIME | MS_SYNCHRONOUS |
					  MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME | MS_SILENT |
					  MS_I_VERSION | MS_NOSYMFOLLOW | MS_REMOUNT);
	assert_int_equal(f.clear, 0);

	/* the clearing options: recorded in clear, removed from flags */
	f = OPTS("rw", "suid", "dev", "exec", "async", "atime", "diratime", "norelatime",
		 "nostrictatime", "nomand", "nolazytime", "loud", "noiversion", "symfollow");
	assert_int_equal(f.flags, 0);
	assert_int_equal(f.clear, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
					  MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
					  MS_STRICTATIME | MS_MANDLOCK | MS_LAZYTIME | MS_SILENT |
					  MS_I_VERSION | MS_NOSYMFOLLOW);

	/* the last of a pair wins */
	f = OPTS("ro", "rw");
	assert_int_equal(f.flags & MS_RDONLY, 0);
	assert_int_equal(f.clear, MS_RDONLY);
	f = OPTS("rw", "ro");
	assert_int_equal(f.flags, MS_RDONLY);
	assert_int_equal(f.clear & MS_RDONLY, 0);
	f = OPTS("nosuid", "suid", "nosuid", "dev");
	assert_int_equal(f.flags, MS_NOSUID);
	assert_int_equal(f.clear, MS_NODEV);
}

static void test_mount_bind_propagation(void **state)
{
	(void)state;
	struct mount_flags f = OPTS("bind");
	assert_true(f.bind);
	assert_false(f.rbind);
	f = OPTS("rbind", "ro");
	assert_true(f.bind);
	assert_true(f.rbind);
	assert_int_equal(f.flags, MS_RDONLY);
	f = OPTS("rbind", "bind"); /* rbind is not undone by a later bind */
	assert_true(f.bind && f.rbind);

	const struct {
		const char *name;
		unsigned long flag;
	} props[] = {
		{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
		{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
		{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
		{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
	};
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		char *o[] = {(char *)props[i].name};
		f = parse_opts(o, 1);
		assert_int_equal(f.propagation, props[i].flag);
		assert_int_equal(f.flags, 0);
		assert_string_equal(f.data, "");
	}
	f = OPTS("rshared", "private");
	assert_int_equal(f.propagation, MS_PRIVATE);
}

static void test_mount_data(void **state)
{
	(void)state;
	struct mount_flags f = OPTS("nosuid", "mode=755", "strictatime", "size=65536k");
	assert_string_equal(f.data, "mode=755,size=65536k");
	assert_int_equal(f.flags, MS_NOSUID | MS_STRICTATIME);
	f = OPTS("newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
	assert_string_equal(f.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal(f.flags, 0);
	f = OPTS("lowerdir=/a:/b", "upperdir=/u", "workdir=/w");
	assert_string_equal(f.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w");

	/* data that does not fit is an error, not a truncation */
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *o[] = {big, big};
	struct mount_flags g;
	struct error err = {0};
	assert_int_equal(rootfs_parse_options(o, 2, &g, &err), -1);
	assert_string_equal(err.msg, "mount options too long");
	/* one that fits just fits */
	char fits[1000];
	memset(fits, 'y', sizeof(fits) - 1);
	fits[sizeof(fits) - 1] = '\0';
	char *o2[] = {fits, "a=1"};
	assert_int_equal(rootfs_parse_options(o2, 2, &g, &err), 0);
	assert_int_equal(strlen(g.data), 999 + 4);
}

static void test_mount_new_api_options(void **state)
{
	(void)state;
	/* recursive attributes and idmap are not MS_* flags nor data */
	struct mount_flags f = OPTS("nosuid", "rro", "ro", "idmap");
	assert_int_equal(f.flags, MS_NOSUID | MS_RDONLY);
	assert_string_equal(f.data, "");
	assert_true(f.attrs.any);
	assert_true(f.attrs.set & MOUNT_ATTR_RDONLY);
	assert_true(f.idmap);
	assert_false(f.ridmap);
	f = OPTS("tmpcopyup", "size=1m");
	assert_true(f.tmpcopyup);
	assert_string_equal(f.data, "size=1m");
	f = OPTS("ridmap", "rnosuid", "rsuid");
	assert_true(f.idmap && f.ridmap);
	/* the later option wins */
	assert_false(f.attrs.set & MOUNT_ATTR_NOSUID);
	assert_true(f.attrs.clr & MOUNT_ATTR_NOSUID);
	f = OPTS("rnoatime");
	assert_int_equal(f.attrs.set, MOUNT_ATTR_NOATIME);
	assert_int_equal(f.attrs.clr, MOUNT_ATTR__ATIME);
	f = OPTS("ro");
	assert_false(f.attrs.any);
}

/* Every option name the build reports as applied is parsed as a flag,
 * not passed on as filesystem data nor refused. */
static void test_mount_option_names(void **state)
{
	(void)state;
	const char *names[128];
	rootfs_mount_option_names(names, 128);
	size_t n = 0;
	for (; names[n]; n++) {
		char *o[] = {(char *)names[n]};
		struct mount_flags f = parse_opts(o, 1);
		if (f.data[0])
			fail_msg("reported option \"%s\" is not applied as a flag", names[n]);
	}
	assert_true(n > 30);
	/* a small buffer stays NULL-terminated */
	const char *few[4] = {"x", "x", "x", "x"};
	rootfs_mount_option_names(few, 3);
	assert_null(few[2]);
}

/* ---- cli_parse_signal ---- */

static int sig_ok(const char *s)
{
	int sig = -1;
	struct error err = {0};
	if (cli_parse_signal(s, &sig, &err) < 0)
		fail_msg("cli_parse_signal(\"%s\"): %s", s, err.msg);
	return sig;
}

static void sig_bad(const char *s)
{
	int sig = -12345;
	struct error err = {0};
	if (cli_parse_signal(s, &sig, &err) == 0)
		fail_msg("cli_parse_signal(\"%s\") accepted as %d", s, sig);
	char want[256];
	snprintf(want, sizeof(want), "invalid signal: %s", s);
	assert_string_equal(err.msg, want);
	assert_int_equal(sig, -12345);
}

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(sig_ok("9"), SIGKILL);
	assert_int_equal(sig_ok("15"), SIGTERM);
	assert_int_equal(sig_ok("1"), SIGHUP);
	assert_int_equal(sig_ok("KILL"), SIGKILL);
	assert_int_equal(sig_ok("SIGKILL"), SIGKILL);
	assert_int_equal(sig_ok("kill"), SIGKILL);
	assert_int_equal(sig_ok("sigterm"), SIGTERM);
	assert_int_equal(sig_ok("SigHup"), SIGHUP);
	assert_int_equal(sig_ok("TERM"), SIGTERM);
	assert_int_equal(sig_ok("USR1"), SIGUSR1);
	assert_int_equal(sig_ok("SIGWINCH"), SIGWINCH);
	assert_int_equal(sig_ok("CHLD"), SIGCHLD);
	assert_int_equal(sig_ok("STOP"), SIGSTOP);
	assert_int_equal(sig_ok("CONT"), SIGCONT);
	assert_int_equal(sig_ok("SYS"), SIGSYS);
	assert_int_equal(sig_ok("RTMIN"), SIGRTMIN);
	assert_int_equal(sig_ok("RTMIN+1"), SIGRTMIN + 1);
	assert_int_equal(sig_ok("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(sig_ok("rtmin+2"), SIGRTMIN + 2);
	assert_int_equal(sig_ok("RTMAX"), SIGRTMAX);
	assert_int_equal(sig_ok("RTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(sig_ok("SIGRTMAX-2"), SIGRTMAX - 2);
	char num[16];
	snprintf(num, sizeof(num), "%d", SIGRTMAX);
	assert_int_equal(sig_ok(num), SIGRTMAX);

	sig_bad("0");
	sig_bad("-9");
	sig_bad("FOO");
	sig_bad("SIGFOO");
	sig_bad("");
	sig_bad("SIG");
	sig_bad("9x");
	sig_bad("K ILL");
	snprintf(num, sizeof(num), "%d", SIGRTMAX + 1);
	sig_bad(num);
	sig_bad("99999999999999999999");
	sig_bad("RTMIN-1");
	sig_bad("RTMAX+1");
	sig_bad("RTMIN+100");
	sig_bad("RTMIN+");
	sig_bad("RTMIN+x");
	sig_bad("RTMINX");
}

/* fixed (was runtime/cli/lifecycle.c:90-94): the name is copied into a 32-byte
 * buffer and silently truncated, so a long argument is parsed by its first
 * 31 characters: "RTMIN+0000000000000000000000000" + "1" (RTMIN+1) is
 * taken as RTMIN, and "KILL" + padding past 31 characters would match
 * whatever its prefix names. A name longer than the buffer must be
 * rejected. */
static void test_bug_signal_truncation(void **state)
{
	(void)state;
	const char *s = "RTMIN+00000000000000000000000001"; /* RTMIN+1, 32 chars */
	int sig = -1;
	struct error err = {0};
	int r = cli_parse_signal(s, &sig, &err);
	if (r == 0 && sig != SIGRTMIN + 1)
		fail_msg("\"%s\" parsed as signal %d (SIGRTMIN+%d), want SIGRTMIN+1 or an error", s,
			 sig, sig - SIGRTMIN);
}

/* ---- state_check_id ---- */

static void id_ok(const char *id)
{
	struct error err = {0};
	if (state_check_id(id, &err) < 0)
		fail_msg("state_check_id(\"%s\"): %s", id, err.msg);
}

static const char *id_bad(const char *id)
{
	static struct error err;
	memset(&err, 0, sizeof(err));
	if (state_check_id(id, &err) == 0)
		fail_msg("state_check_id(\"%s\") accepted", id ? id : "(null)");
	return err.msg;
}

static void test_container_ids(void **state)
{
	(void)state;
	id_ok("a");
	id_ok("agent-1");
	id_ok("my_container.v2+build");
	id_ok("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	id_ok("...");
	id_ok(".hidden");
	id_ok("-leading-dash");
	char max[1025];
	memset(max, 'a', 1024);
	max[1024] = '\0';
	id_ok(max);

	assert_string_equal(id_bad(""), "container id cannot be empty");
	assert_string_equal(id_bad(NULL), "container id cannot be empty");
	assert_string_equal(id_bad("."), "invalid container id: .");
	assert_string_equal(id_bad(".."), "invalid container id: ..");
	assert_string_equal(id_bad("a/b"), "invalid container id format: a/b");
	id_bad("../etc");
	id_bad("/abs");
	id_bad("a b");
	id_bad("a\nb");
	id_bad("tab\t");
	id_bad("semi;colon");
	id_bad("star*");
	id_bad("caf\xc3\xa9");
	char toolong[1026];
	memset(toolong, 'a', 1025);
	toolong[1025] = '\0';
	id_bad(toolong);
}

/* ---- namespaces ---- */

static void test_namespace_names(void **state)
{
	(void)state;
	assert_int_equal(ns_flag("pid"), CLONE_NEWPID);
	assert_int_equal(ns_flag("network"), CLONE_NEWNET);
	assert_int_equal(ns_flag("mount"), CLONE_NEWNS);
	assert_int_equal(ns_flag("ipc"), CLONE_NEWIPC);
	assert_int_equal(ns_flag("uts"), CLONE_NEWUTS);
	assert_int_equal(ns_flag("user"), CLONE_NEWUSER);
	assert_int_equal(ns_flag("cgroup"), CLONE_NEWCGROUP);
	assert_int_equal(ns_flag("time"), CLONE_NEWTIME);
	assert_int_equal(ns_flag("net"), 0);
	assert_int_equal(ns_flag("mnt"), 0);
	assert_int_equal(ns_flag("PID"), 0);
	assert_int_equal(ns_flag(""), 0);
	assert_int_equal(ns_flag("foo"), 0);

	assert_string_equal(ns_proc_name("pid"), "pid");
	assert_string_equal(ns_proc_name("network"), "net");
	assert_string_equal(ns_proc_name("mount"), "mnt");
	assert_string_equal(ns_proc_name("ipc"), "ipc");
	assert_string_equal(ns_proc_name("uts"), "uts");
	assert_string_equal(ns_proc_name("user"), "user");
	assert_string_equal(ns_proc_name("cgroup"), "cgroup");
	assert_string_equal(ns_proc_name("time"), "time");
	assert_null(ns_proc_name("net"));
	assert_null(ns_proc_name("foo"));

	/* every type the validator accepts is one the runtime can create */
	size_t n = 0;
	int seen = 0;
	for (const char *const *t = spec_namespace_types; *t; t++, n++) {
		int flag = ns_flag(*t);
		if (!flag || !ns_proc_name(*t))
			fail_msg("namespace type \"%s\" accepted by spec_validate has no flag", *t);
		assert_int_equal(seen & flag, 0); /* distinct */
		seen |= flag;
	}
	assert_int_equal(n, 8);
}

/* ---- small cli helpers ---- */

static void test_cli_helpers(void **state)
{
	(void)state;
	int v = -1;
	struct error err = {0};
	assert_int_equal(cli_parse_int("pid-file", "42", &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cli_parse_int("timeout", "0", &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_int("timeout", "-1", &v, &err), -1);
	assert_string_equal(err.msg, "invalid value \"-1\" for flag --timeout");
	assert_int_equal(cli_parse_int("timeout", "1x", &v, &err), -1);
	assert_int_equal(cli_parse_int("timeout", "2147483648", &v, &err), -1);

	struct command cmd = {.name = "kill"};
	assert_int_equal(cli_need_args(&cmd, 3, 1, 2, false, &err), 0);
	assert_int_equal(cli_need_args(&cmd, 2, 1, 2, false, &err), -1);
	assert_int_equal(cli_need_args(&cmd, 5, 1, 2, true, &err), 0);
	assert_int_equal(cli_need_args(&cmd, 5, 1, 2, false, &err), -1);
	assert_string_equal(err.msg, "kill: requires exactly 2 arguments, got 4");
	struct global_opts g = {.systemd_cgroup = true};
	assert_int_equal(cli_check_cgroup_manager(&g, &err), 0);
	assert_string_equal(cgroup_driver_name(), "systemd");
	assert_int_equal(cli_refuse_systemd_cgroup(&g, "restore", &err), -1);
	assert_non_null(strstr(err.msg, "restore"));
	g.systemd_cgroup = false;
	assert_int_equal(cli_check_cgroup_manager(&g, &err), 0);
	assert_string_equal(cgroup_driver_name(), "cgroupfs");
	assert_int_equal(cli_refuse_systemd_cgroup(&g, "restore", &err), 0);
}

/* fixed (was runtime/cli/common.c:67-68): strtol("") converts nothing and leaves
 * end == s, so *end is '\0' and an empty value is accepted as 0
 * (`--timeout ""` means 0). Check end != s (or *s) as well. */
static void test_bug_parse_int_empty(void **state)
{
	(void)state;
	int v = -1;
	struct error err = {0};
	if (cli_parse_int("timeout", "", &v, &err) == 0)
		fail_msg("cli_parse_int accepted \"\" as %d", v);
	assert_string_equal(err.msg, "invalid value \"\" for flag --timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_flags),
		cmocka_unit_test(test_mount_bind_propagation),
		cmocka_unit_test(test_mount_data),
		cmocka_unit_test(test_mount_new_api_options),
		cmocka_unit_test(test_mount_option_names),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_bug_signal_truncation),
		cmocka_unit_test(test_container_ids),
		cmocka_unit_test(test_namespace_names),
		cmocka_unit_test(test_cli_helpers),
		cmocka_unit_test(test_bug_parse_int_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
