/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime/landlock.c: the run.agentrun.landlock.* annotations, parsed
 * (no kernel involved), and the ABI each configuration needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/landlock.h"

#define K "run.agentrun.landlock"

/* parse KEY, VALUE pairs; returns the parser's result, conf and err set */
static int parse(struct landlock_conf *c, struct error *err, size_t n, ...)
{
	char *keys[16], *values[16];
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		keys[i] = va_arg(ap, char *);
		values[i] = va_arg(ap, char *);
	}
	va_end(ap);
	struct spec_map m = {.n = n, .keys = keys, .values = values};
	memset(err, 0, sizeof(*err));
	return landlock_parse(&m, c, err);
}

static void expect_error(const char *want, size_t n, ...)
{
	char *keys[16], *values[16];
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		keys[i] = va_arg(ap, char *);
		values[i] = va_arg(ap, char *);
	}
	va_end(ap);
	struct spec_map m = {.n = n, .keys = keys, .values = values};
	struct landlock_conf c;
	struct error err = {0};
	if (landlock_parse(&m, &c, &err) == 0) {
		landlock_conf_clear(&c);
		fail_msg("accepted; wanted the error \"%s\"", want);
	}
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" does not say \"%s\"", err.msg, want);
	/* nothing left allocated on error */
	assert_null(c.paths);
	assert_int_equal(c.n_paths, 0);
}

static void test_mode(void **state)
{
	(void)state;
	struct landlock_conf c;
	struct error err;
	assert_int_equal(parse(&c, &err, 0), 0);
	assert_int_equal(c.mode, LANDLOCK_OFF);
	assert_int_equal(landlock_needed_abi(&c), 0);
	/* other annotations do not matter */
	assert_int_equal(parse(&c, &err, 1, "run.agentrun.landlocked", "x"), 0);
	assert_int_equal(c.mode, LANDLOCK_OFF);
	assert_int_equal(parse(&c, &err, 1, K, "off"), 0);
	assert_int_equal(c.mode, LANDLOCK_OFF);
	assert_int_equal(parse(&c, &err, 1, K, "best-effort"), 0);
	assert_int_equal(c.mode, LANDLOCK_BEST_EFFORT);
	assert_int_equal(landlock_needed_abi(&c), 1);
	assert_int_equal(parse(&c, &err, 1, K, "required"), 0);
	assert_int_equal(c.mode, LANDLOCK_REQUIRED);
	/* rules without the mode key: enforced, fail closed */
	assert_int_equal(parse(&c, &err, 1, K ".rw", "/work"), 0);
	assert_int_equal(c.mode, LANDLOCK_REQUIRED);
	landlock_conf_clear(&c);
	expect_error("annotation " K ": \"on\" is not off, best-effort or required", 1, K, "on");
	expect_error("annotation " K ": \"\" is not off", 1, K, "");
	/* a misspelt key is an error, not a rule silently dropped */
	expect_error("annotation " K ".write: unknown", 2, K, "required", K ".write", "/work");
	expect_error("annotation " K ".tcp: unknown", 1, K ".tcp", "80");
}

static void test_paths(void **state)
{
	(void)state;
	struct landlock_conf c;
	struct error err;
	assert_int_equal(parse(&c, &err, 4, K, "required", K ".ro", "/", K ".rw",
			       "/work:?/dev/shm:/tmp", K ".exec", "?/usr/bin"),
			 0);
	assert_int_equal(c.n_paths, 5);
	assert_string_equal(c.paths[0].path, "/");
	assert_int_equal(c.paths[0].set, LANDLOCK_SET_RO);
	assert_false(c.paths[0].optional);
	assert_string_equal(c.paths[0].key, K ".ro");
	assert_string_equal(c.paths[1].path, "/work");
	assert_int_equal(c.paths[1].set, LANDLOCK_SET_RW);
	assert_string_equal(c.paths[2].path, "/dev/shm");
	assert_true(c.paths[2].optional);
	assert_string_equal(c.paths[3].path, "/tmp");
	assert_false(c.paths[3].optional);
	assert_string_equal(c.paths[4].path, "/usr/bin");
	assert_int_equal(c.paths[4].set, LANDLOCK_SET_EXEC);
	assert_string_equal(c.paths[4].key, K ".exec");
	landlock_conf_clear(&c);
	/* an empty list: nothing granted there */
	assert_int_equal(parse(&c, &err, 2, K, "required", K ".rw", ""), 0);
	assert_int_equal(c.n_paths, 0);
	/* dotted names that are not "." or ".." are names */
	assert_int_equal(parse(&c, &err, 1, K ".ro", "/a/.git:/b/..c/...:/.x"), 0);
	assert_int_equal(c.n_paths, 3);
	landlock_conf_clear(&c);

	expect_error("annotation " K ".rw: \"work\" is not an absolute path", 1, K ".rw",
		     "/tmp:work");
	expect_error("annotation " K ".ro: \"?x\" is not an absolute path", 1, K ".ro", "??x");
	expect_error("annotation " K ".rw: an empty path in \"/a::/b\"", 1, K ".rw", "/a::/b");
	expect_error("annotation " K ".rw: an empty path in \"/a:\"", 1, K ".rw", "/a:");
	expect_error("annotation " K ".exec: an empty path in \":/a\"", 1, K ".exec", ":/a");
	expect_error("annotation " K ".rw: an empty path", 1, K ".rw", "?");
	expect_error("annotation " K ".rw: \"/work/../etc\" has a \".\" or \"..\" component", 1,
		     K ".rw", "/work/../etc");
	expect_error("annotation " K ".ro: \"/a/.\" has a", 1, K ".ro", "/a/.");
	char long_path[5000];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = 0;
	expect_error("annotation " K ".ro: a path of 4999 bytes", 1, K ".ro", long_path);
}

static void test_ports(void **state)
{
	(void)state;
	struct landlock_conf c;
	struct error err;
	assert_int_equal(
		parse(&c, &err, 2, K ".tcp.connect", "443,80,8000-8002,80", K ".tcp.bind", ""), 0);
	assert_int_equal(c.mode, LANDLOCK_REQUIRED);
	assert_true(c.tcp_connect.handled);
	assert_int_equal(c.tcp_connect.n, 5);
	static const uint16_t want[] = {80, 443, 8000, 8001, 8002};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(c.tcp_connect.port[i], want[i]);
	assert_true(c.tcp_bind.handled); /* "": no port at all */
	assert_int_equal(c.tcp_bind.n, 0);
	assert_int_equal(landlock_needed_abi(&c), 4);
	landlock_conf_clear(&c);
	assert_int_equal(parse(&c, &err, 1, K ".tcp.bind", "0-65535"), 0);
	assert_int_equal(c.tcp_bind.n, 65536);
	assert_false(c.tcp_connect.handled);
	landlock_conf_clear(&c);

	expect_error("annotation " K ".tcp.bind: \"65536\" is not a port or a range (N or N-M, 0 "
		     "to 65535)",
		     1, K ".tcp.bind", "65536");
	expect_error("annotation " K ".tcp.connect: \"http\" is not a port", 1, K ".tcp.connect",
		     "http");
	expect_error("annotation " K ".tcp.connect: \"-1\" is not a port", 1, K ".tcp.connect",
		     "-1");
	expect_error("annotation " K ".tcp.connect: \"1-70000\" is not a port", 1, K ".tcp.connect",
		     "1-70000");
	expect_error("annotation " K ".tcp.connect: the range 90-80 is empty", 1, K ".tcp.connect",
		     "90-80");
	expect_error("annotation " K ".tcp.connect: a bad port item in \"80,\"", 1,
		     K ".tcp.connect", "80,");
	expect_error("annotation " K ".tcp.connect: a bad port item in \"80,,81\"", 1,
		     K ".tcp.connect", "80,,81");
	expect_error("annotation " K ".tcp.connect: \"80-\" is not a port", 1, K ".tcp.connect",
		     "80-");
}

static void test_other_keys(void **state)
{
	(void)state;
	struct landlock_conf c;
	struct error err;
	assert_int_equal(parse(&c, &err, 4, K, "best-effort", K ".abi", "3", K ".binds", "rw",
			       K ".scope", "signal,abstract-unix-socket"),
			 0);
	assert_int_equal(c.min_abi, 3);
	assert_true(c.binds_rw);
	assert_true(c.scope_signal);
	assert_true(c.scope_abstract_unix);
	assert_int_equal(landlock_needed_abi(&c), 6);
	assert_int_equal(parse(&c, &err, 3, K, "best-effort", K ".abi", "7", K ".binds", "ro"), 0);
	assert_false(c.binds_rw);
	assert_int_equal(landlock_needed_abi(&c), 7);
	assert_int_equal(parse(&c, &err, 2, K, "required", K ".scope", ""), 0);
	assert_false(c.scope_signal);
	assert_int_equal(landlock_needed_abi(&c), 1);

	expect_error("annotation " K ".abi: ABI levels start at 1", 1, K ".abi", "0");
	expect_error("annotation " K ".abi: \"x\" is not a number", 1, K ".abi", "x");
	expect_error("annotation " K ".abi: \"1001\" is not a number from 0 to 1000", 1, K ".abi",
		     "1001");
	expect_error("annotation " K ".binds: \"yes\" is not rw or ro", 1, K ".binds", "yes");
	expect_error("annotation " K ".scope: unknown scope \"signals\"", 1, K ".scope", "signals");
	expect_error("annotation " K ".scope: an empty scope in \"signal,\"", 1, K ".scope",
		     "signal,");
	/* the first error wins, and what was parsed before it is freed */
	expect_error("annotation " K ".exec: \"x\"", 3, K, "required", K ".rw", "/a:/b", K ".exec",
		     "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_other_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
