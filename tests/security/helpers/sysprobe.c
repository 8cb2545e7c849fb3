/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A raw syscall prober for tests/security (built static into the bundle by
 * the tests), to see what the seccomp filter and Landlock answer:
 *   sysprobe NR [ARG...]   syscall(NR, ARG...) with up to 6 arguments, each
 *                          a number (strtoull, base 0: 0x.. works, and so do
 *                          values above 32 bits), or @buf (a pointer to a
 *                          zeroed 4 KiB buffer), or @path:P (the string P)
 *   sysprobe int80 NR [A0 A1] the i386 syscall NR through `int $0x80` (x86_64
 *                          only): a 32-bit entry the filter must not miss
 * Prints "ret=N" or "errno=N" and exits 0 either way. A clone that
 * succeeds: the child exits at once and is reaped. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[4096];

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 8) {
		fprintf(stderr, "usage: sysprobe NR [ARG...]\n");
		return 2;
	}
#if defined(__x86_64__)
	if (!strcmp(argv[1], "int80") && argc >= 3) {
		long n = strtol(argv[2], NULL, 0), r;
		long b = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
		long c = argc > 4 ? strtol(argv[4], NULL, 0) : 0;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(b), "c"(c) : "memory");
		if (r < 0 && r > -4096)
			printf("errno=%ld\n", -r);
		else
			printf("ret=%ld\n", r);
		return 0;
	}
#endif
	long nr = strtol(argv[1], NULL, 0);
	unsigned long a[6] = {0};
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "@buf"))
			a[i - 2] = (unsigned long)buf;
		else if (!strncmp(argv[i], "@path:", 6))
			a[i - 2] = (unsigned long)(argv[i] + 6);
		else
			a[i - 2] = strtoull(argv[i], NULL, 0);
	}
	errno = 0;
	long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r == 0 && nr == SYS_clone)
		_exit(0); /* the child, on a copy of our stack */
	if (r < 0) {
		printf("errno=%d\n", errno);
		return 0;
	}
	printf("ret=%ld\n", r);
	if (nr == SYS_clone)
		waitpid((pid_t)r, NULL, __WALL);
	return 0;
}
