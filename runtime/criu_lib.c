/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcriu through dlopen() (criu_lib.h). */
#define CRIU_LIB_IMPLEMENTATION
#include "runtime/criu_lib.h"

#include "config.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#define CRIU_LIB_SONAME "libcriu.so.2"

struct criu_lib criu_lib;

static void *open_lib(char *why, size_t size)
{
	void *h = NULL;
#ifdef AGENTRUN_CRIU_LIBDIR
	/* the libcriu agentrun was built against first (a CRIU >= 4.2 in
	 * /usr/local/lib, say, before an older distribution one), as the
	 * linker's run path did when agentrun was linked against it */
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", AGENTRUN_CRIU_LIBDIR, CRIU_LIB_SONAME);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h)
		return h;
#endif
	h = dlopen(CRIU_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, size, "%s", e ? e : "unknown error");
	}
	return h;
}

int criu_lib_load(struct error *err)
{
	static bool loaded;
	if (loaded)
		return 0;
	char why[512];
	void *h = open_lib(why, sizeof(why));
	if (!h)
		return error_set(err, 0,
				 "checkpoint/restore needs libcriu (CRIU >= 4.2, e.g. from "
				 "scripts/criu.sh), which cannot be loaded: %s",
				 why);
	struct criu_lib l;
#define CRIU_LIB_RESOLVE(name)                                                              \
	l.name = (__typeof__(l.name))dlsym(h, #name);                                       \
	if (!l.name) {                                                                      \
		dlclose(h);                                                                 \
		return error_set(                                                           \
			err, 0,                                                             \
			"checkpoint/restore needs libcriu of CRIU >= 4.2: " CRIU_LIB_SONAME \
			" has no " #name);                                                  \
	}
	CRIU_LIB_FUNCTIONS(CRIU_LIB_RESOLVE)
#undef CRIU_LIB_RESOLVE
	criu_lib = l;
	loaded = true;
	return 0;
}
