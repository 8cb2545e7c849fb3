/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/sysctl.h"
#include "util/fs.h"

#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

static const char *const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb",	  "kernel.msgmni",
				       "kernel.sem",	"kernel.shmall",	  "kernel.shmmax",
				       "kernel.shmmni", "kernel.shm_rmid_forced", NULL};

/* A namespace of the container's own of this type: a new one, or one
 * joined by path that is not agentrun's own (the host's). */
static bool has_ns(const struct spec *spec, const char *type, bool *host)
{
	*host = false;
	const struct spec_namespace *ns = spec_namespace_find(spec, type);
	if (!ns)
		return false;
	if (!ns->path || !*ns->path)
		return true;
	static const struct {
		const char *type, *proc;
	} names[] = {{"network", "net"}, {"ipc", "ipc"}, {"uts", "uts"}};
	const char *proc = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(type, names[i].type))
			proc = names[i].proc;
	char self[64];
	struct stat a, b;
	snprintf(self, sizeof(self), "/proc/self/ns/%s", proc ? proc : type);
	/* a path that cannot be checked is taken as the host's (fail closed) */
	*host = stat(ns->path, &a) < 0 || stat(self, &b) < 0 ||
		(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	return !*host;
}

int sysctl_check(const struct spec *spec, struct error *err)
{
	const struct spec_map *m = &spec->linux_.sysctl;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i];
		const char *need = NULL;
		for (size_t j = 0; ipc_keys[j]; j++)
			if (!strcmp(k, ipc_keys[j]))
				need = "ipc";
		if (!strncmp(k, "fs.mqueue.", 10))
			need = "ipc";
		else if (!strncmp(k, "net.", 4))
			need = "network";
		else if (!strcmp(k, "kernel.hostname") || !strcmp(k, "kernel.domainname"))
			need = "uts";
		if (!need)
			return error_set(err, 0,
					 "config.json: .linux.sysctl.%s: not in a namespace of the "
					 "container's own; it would change the host",
					 k);
		bool host;
		if (!has_ns(spec, need, &host))
			return error_set(
				err, 0,
				host ? "config.json: .linux.sysctl.%s: not allowed in the "
				       "host's %s namespace (joined by path)"
				     : "config.json: .linux.sysctl.%s: needs a %s namespace",
				k, need);
		if (strstr(k, "..") || strchr(k, '/'))
			return error_set(err, 0, "config.json: .linux.sysctl.%s: invalid key", k);
	}
	return 0;
}

int sysctl_apply(const struct spec *spec, struct error *err)
{
	const struct spec_map *m = &spec->linux_.sysctl;
	for (size_t i = 0; i < m->n; i++) {
		/* the uts names through their syscalls: /proc/sys/kernel/hostname
		 * belongs to host root, so container root in a user namespace
		 * (rootless, the agent profile) could not open it; the effect on
		 * the uts namespace is the same */
		const char *k = m->keys[i], *v = m->values[i];
		bool host = !strcmp(k, "kernel.hostname");
		if (host || !strcmp(k, "kernel.domainname")) {
			if ((host ? sethostname(v, strlen(v)) : setdomainname(v, strlen(v))) < 0)
				return error_errno(err, "sysctl %s=%s", k, v);
			continue;
		}
		char path[512];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", m->keys[i]);
		for (int j = 10; j < n; j++)
			if (path[j] == '.')
				path[j] = '/';
		if (fs_write_string(path, m->values[i], err) < 0)
			return error_prefix(err, "sysctl %s=%s", m->keys[i], m->values[i]);
	}
	return 0;
}
