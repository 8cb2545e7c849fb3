/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spec/feature_doc.h"
#include "spec/json.h"

#include <errno.h>

static size_t count(const char *const *l)
{
	size_t n = 0;
	while (l && l[n])
		n++;
	return n;
}

static void list(yajl_gen g, const char *key, const char *const *l)
{
	json_strarr(g, key, l, count(l));
}

static void enabled(yajl_gen g, const char *key, bool on)
{
	json_str(g, key);
	yajl_gen_map_open(g);
	json_kbool(g, "enabled", on);
	yajl_gen_map_close(g);
}

int spec_features_json(const struct spec_features *f, char **out, struct error *err)
{
	yajl_gen g = json_new(true);
	if (!g)
		return error_set(err, ENOMEM, "features JSON");
	yajl_gen_map_open(g);
	json_kstr(g, "ociVersionMin", f->oci_version_min);
	json_kstr(g, "ociVersionMax", f->oci_version_max);
	list(g, "hooks", f->hooks);
	list(g, "mountOptions", f->mount_options);
	json_str(g, "linux");
	yajl_gen_map_open(g);
	list(g, "namespaces", f->namespaces);
	list(g, "capabilities", f->capabilities);
	json_str(g, "cgroup");
	yajl_gen_map_open(g);
	json_kbool(g, "v1", f->cgroup_v1);
	json_kbool(g, "v2", f->cgroup_v2);
	json_kbool(g, "systemd", f->cgroup_systemd);
	json_kbool(g, "systemdUser", f->cgroup_systemd_user);
	json_kbool(g, "rdma", f->cgroup_rdma);
	yajl_gen_map_close(g);
	json_str(g, "seccomp");
	yajl_gen_map_open(g);
	json_kbool(g, "enabled", f->seccomp_enabled);
	if (f->seccomp_enabled) {
		list(g, "actions", f->seccomp_actions);
		list(g, "operators", f->seccomp_operators);
		list(g, "archs", f->seccomp_archs);
		list(g, "knownFlags", f->seccomp_known_flags);
		list(g, "supportedFlags", f->seccomp_supported_flags);
	}
	yajl_gen_map_close(g);
	enabled(g, "apparmor", f->apparmor);
	enabled(g, "selinux", f->selinux);
	enabled(g, "intelRdt", f->intel_rdt);
	json_str(g, "mountExtensions");
	yajl_gen_map_open(g);
	enabled(g, "idmap", f->idmap_mounts);
	yajl_gen_map_close(g);
	enabled(g, "netDevices", f->net_devices);
	yajl_gen_map_close(g);
	if (f->annotations.n) {
		json_str(g, "annotations");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < f->annotations.n; i++)
			json_kstr(g, f->annotations.keys[i], f->annotations.values[i]);
		yajl_gen_map_close(g);
	}
	if (f->unsafe_annotations)
		list(g, "potentiallyUnsafeConfigAnnotations", f->unsafe_annotations);
	yajl_gen_map_close(g);
	return json_finish(g, out, err);
}
