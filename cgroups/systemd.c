/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd cgroup driver (--systemd-cgroup, --cgroup-manager systemd):
 * systemd makes the container's cgroup, a transient scope (or slice) unit
 * asked for over D-Bus with sd-bus, and agentrun works in it through the
 * cgroupfs operations.
 *
 * libsystemd is loaded with dlopen() on the first use, so that nothing
 * else pays for it and agentrun runs on hosts without it. Only the
 * unified (v2) hierarchy is supported.
 *
 * A scope needs its first process when it is started: create only checks
 * and records the names, apply keeps the resources (their v2 files and
 * the properties made from them) until enter(init's pid) starts the unit
 * with them; then every file is written into the unit's cgroup too, as
 * runc and crun do, so that what systemd has no property for applies. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "cgroups/systemd.h"

#define SERIAL_TAG "agentrun-systemd-1"
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_US (30ull * 1000 * 1000) /* as runc */
#define LIBSYSTEMD "libsystemd.so.0"

/* ---- sd-bus through dlopen: the few calls we make, declared here ---- */

typedef struct sd_bus sd_bus;
typedef struct sd_bus_message sd_bus_message;
typedef struct sd_bus_slot sd_bus_slot;
typedef struct {
	const char *name;
	const char *message;
	int need_free;
} sd_bus_error;
typedef int (*sd_bus_message_handler_t)(sd_bus_message *m, void *userdata, sd_bus_error *e);

#define SDBUS_FUNCTIONS(X)                                                                       \
	X(int, sd_bus_open_system, (sd_bus **))                                                  \
	X(int, sd_bus_open_user, (sd_bus **))                                                    \
	X(sd_bus *, sd_bus_flush_close_unref, (sd_bus *))                                        \
	X(int, sd_bus_message_new_method_call,                                                   \
	  (sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *)) \
	X(int, sd_bus_message_append, (sd_bus_message *, const char *, ...))                     \
	X(int, sd_bus_message_append_array, (sd_bus_message *, char, const void *, size_t))      \
	X(int, sd_bus_message_open_container, (sd_bus_message *, char, const char *))            \
	X(int, sd_bus_message_close_container, (sd_bus_message *))                               \
	X(int, sd_bus_message_read, (sd_bus_message *, const char *, ...))                       \
	X(sd_bus_message *, sd_bus_message_unref, (sd_bus_message *))                            \
	X(int, sd_bus_call,                                                                      \
	  (sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **))             \
	X(int, sd_bus_match_signal,                                                              \
	  (sd_bus *, sd_bus_slot **, const char *, const char *, const char *, const char *,     \
	   sd_bus_message_handler_t, void *))                                                    \
	X(sd_bus_slot *, sd_bus_slot_unref, (sd_bus_slot *))                                     \
	X(int, sd_bus_process, (sd_bus *, sd_bus_message **))                                    \
	X(int, sd_bus_wait, (sd_bus *, uint64_t))                                                \
	X(int, sd_bus_get_property_string,                                                       \
	  (sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,     \
	   char **))                                                                             \
	X(int, sd_bus_error_has_name, (const sd_bus_error *, const char *))                      \
	X(void, sd_bus_error_free, (sd_bus_error *))

static struct {
#define SDBUS_FIELD(ret, name, args) ret(*name) args;
	SDBUS_FUNCTIONS(SDBUS_FIELD)
#undef SDBUS_FIELD
} L;

static int sdbus_load(struct error *err)
{
	static bool loaded;
	if (loaded)
		return 0;
	void *h = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		return error_set(err, 0, "--systemd-cgroup: cannot load %s: %s", LIBSYSTEMD,
				 e ? e : "unknown error");
	}
#define SDBUS_RESOLVE(ret, name, args)                                                      \
	L.name = (ret(*) args)dlsym(h, #name);                                              \
	if (!L.name) {                                                                      \
		dlclose(h);                                                                 \
		return error_set(err, 0, "--systemd-cgroup: " LIBSYSTEMD " has no " #name); \
	}
	SDBUS_FUNCTIONS(SDBUS_RESOLVE)
#undef SDBUS_RESOLVE
	loaded = true;
	return 0;
}

/* ---- the driver's state ---- */

struct cgroup_systemd {
	bool user; /* the user's own systemd instance */
	struct sd_unit_name name;
	char description[320];
	bool started; /* the unit exists (we started it, or it was saved) */
	struct sd_props annotations;
	/* resources apply gave before the unit existed */
	bool pending;
	struct cgroup_entries entries;
	struct sd_props props;
	struct bpf_insn *insns;
	size_t n_insns;
};

static void sd_free(struct cgroup *cg)
{
	if (!cg)
		return;
	if (cg->sd) {
		sd_props_free(&cg->sd->annotations);
		sd_props_free(&cg->sd->props);
		cgroup_entries_free(&cg->sd->entries);
		free(cg->sd->insns);
		free(cg->sd);
	}
	cgroup_hiers_free(cg->h, cg->n);
	free(cg);
}

static void sd_freep(struct cgroup **cg)
{
	sd_free(*cg);
}

static bool rootless(void)
{
	return geteuid() != 0 || fs_in_child_userns();
}

static void bus_closep(sd_bus **b)
{
	if (*b)
		L.sd_bus_flush_close_unref(*b);
}

static void msg_unrefp(sd_bus_message **m)
{
	if (*m)
		L.sd_bus_message_unref(*m);
}

static void bus_error_freep(sd_bus_error *e)
{
	if (L.sd_bus_error_free)
		L.sd_bus_error_free(e);
}

#define _cleanup_bus_ __attribute__((cleanup(bus_closep)))
#define _cleanup_msg_ __attribute__((cleanup(msg_unrefp)))
#define _cleanup_bus_error_ __attribute__((cleanup(bus_error_freep)))

static int bus_open(bool user, sd_bus **bus, struct error *err)
{
	*bus = NULL;
	if (sdbus_load(err) < 0)
		return -1;
	int r = user ? L.sd_bus_open_user(bus) : L.sd_bus_open_system(bus);
	if (r < 0) {
		*bus = NULL;
		return error_set(err, -r, "--systemd-cgroup: cannot connect to %s bus",
				 user ? "the user's systemd (user session)" : "systemd's");
	}
	return 0;
}

/* "--systemd-cgroup: WHAT: message (name)" of a D-Bus error, else
 * "--systemd-cgroup: WHAT: strerror(-r)". */
static int bus_fail(struct error *err, int r, const sd_bus_error *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bus_fail(struct error *err, int r, const sd_bus_error *e, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (e && e->name)
		error_set(err, 0, "--systemd-cgroup: %s: %s (%s)", what,
			  e->message ? e->message : "error", e->name);
	else
		error_set(err, 0, "--systemd-cgroup: %s: %s", what, strerror(r < 0 ? -r : EIO));
	if (err)
		err->errnum = r < 0 ? -r : EIO;
	return -1;
}

/* ---- jobs ---- */

#define MAX_SEEN 64
struct jobs_seen {
	char *path[MAX_SEEN];
	char result[MAX_SEEN][32];
	size_t n;
};

static int on_job_removed(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	(void)e;
	struct jobs_seen *js = ud;
	uint32_t id;
	const char *path = NULL, *unit = NULL, *result = NULL;
	if (L.sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !path)
		return 0;
	if (js->n == MAX_SEEN) { /* keep the newest */
		free(js->path[0]);
		memmove(&js->path[0], &js->path[1], (MAX_SEEN - 1) * sizeof(js->path[0]));
		memmove(&js->result[0], &js->result[1], (MAX_SEEN - 1) * sizeof(js->result[0]));
		js->n--;
	}
	js->path[js->n] = strdup(path);
	snprintf(js->result[js->n], sizeof(js->result[0]), "%s", result ? result : "");
	if (js->path[js->n])
		js->n++;
	return 0;
}

static void jobs_clear(struct jobs_seen *js)
{
	for (size_t i = 0; i < js->n; i++)
		free(js->path[i]);
	js->n = 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Wait for JobRemoved of job; its result must be "done". */
static int wait_job(sd_bus *bus, struct jobs_seen *js, const char *job, const char *what,
		    const char *unit, struct error *err)
{
	uint64_t deadline = now_us() + JOB_TIMEOUT_US;
	for (;;) {
		for (size_t i = 0; i < js->n; i++) {
			if (strcmp(js->path[i], job))
				continue;
			if (strcmp(js->result[i], "done"))
				return error_set(err, EIO, "--systemd-cgroup: %s %s: the job %s",
						 what, unit, js->result[i]);
			return 0;
		}
		int r = L.sd_bus_process(bus, NULL);
		if (r < 0)
			return bus_fail(err, r, NULL, "%s %s: bus", what, unit);
		if (r > 0)
			continue;
		uint64_t now = now_us();
		if (now >= deadline)
			return error_set(err, ETIMEDOUT,
					 "--systemd-cgroup: %s %s: no answer from systemd in %llus",
					 what, unit,
					 (unsigned long long)(JOB_TIMEOUT_US / 1000000));
		r = L.sd_bus_wait(bus, deadline - now);
		if (r < 0 && r != -EINTR)
			return bus_fail(err, r, NULL, "%s %s: bus", what, unit);
	}
}

static int append_prop(sd_bus_message *m, const struct sd_prop *p)
{
	int r = L.sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = L.sd_bus_message_append(m, "s", p->name);
	if (r >= 0)
		r = L.sd_bus_message_open_container(m, 'v', p->type);
	if (r < 0)
		return r;
	switch (p->type[0]) {
	case 't':
		r = L.sd_bus_message_append(m, "t", p->u);
		break;
	case 'u':
		r = L.sd_bus_message_append(m, "u", (uint32_t)p->u);
		break;
	case 'x':
		r = L.sd_bus_message_append(m, "x", p->i);
		break;
	case 'i':
		r = L.sd_bus_message_append(m, "i", (int32_t)p->i);
		break;
	case 'b':
		r = L.sd_bus_message_append(m, "b", (int)(p->u != 0));
		break;
	case 's':
		r = L.sd_bus_message_append(m, "s", p->s);
		break;
	case 'a':
		if (p->type[1] == 's') {
			r = L.sd_bus_message_open_container(m, 'a', "s");
			for (size_t i = 0; r >= 0 && i < p->n_strv; i++)
				r = L.sd_bus_message_append(m, "s", p->strv[i]);
			if (r >= 0)
				r = L.sd_bus_message_close_container(m);
		} else
			r = L.sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes);
		break;
	default:
		r = -EINVAL;
	}
	if (r >= 0)
		r = L.sd_bus_message_close_container(m);
	if (r >= 0)
		r = L.sd_bus_message_close_container(m);
	return r;
}

static int append_props(sd_bus_message *m, const struct sd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		int r = append_prop(m, &p->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int new_call(sd_bus *bus, sd_bus_message **m, const char *member)
{
	return L.sd_bus_message_new_method_call(bus, m, SD_DEST, SD_PATH, SD_MANAGER, member);
}

static void reset_failed(sd_bus *bus, const char *unit)
{
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = {0};
	if (new_call(bus, &m, "ResetFailedUnit") >= 0 && L.sd_bus_message_append(m, "s", unit) >= 0)
		L.sd_bus_call(bus, m, 0, &e, &reply);
}

/* What every unit gets, as runc asks. */
static int base_props(const struct cgroup_systemd *sd, struct sd_props *p)
{
	static const char *const accounting[] = {"MemoryAccounting", "CPUAccounting",
						 "IOAccounting", "TasksAccounting"};
	int r = sd_props_set_str(p, "Description", sd->description);
	/* a slice's parent is what it Wants; a scope sits in a Slice */
	if (r == 0 && sd->name.is_slice)
		r = sd_props_set_strv1(p, "Wants", sd->name.slice);
	else if (r == 0)
		r = sd_props_set_str(p, "Slice", sd->name.slice);
	if (r == 0)
		r = sd_props_set_bool(p, "DefaultDependencies", false);
	for (size_t i = 0; r == 0 && i < sizeof(accounting) / sizeof(accounting[0]); i++)
		r = sd_props_set_bool(p, accounting[i], true);
	/* the container manages its own sub-cgroups */
	if (r == 0 && !sd->name.is_slice)
		r = sd_props_set_bool(p, "Delegate", true);
	return r;
}

/* StartTransientUnit with the properties; the job path in *job. */
static int start_call(sd_bus *bus, struct cgroup_systemd *sd, pid_t pid, char **job,
		      struct error *err)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
		_cleanup_bus_error_ sd_bus_error e = {0};
		struct sd_props base = {0};
		int r = new_call(bus, &m, "StartTransientUnit");
		if (r >= 0)
			r = L.sd_bus_message_append(m, "ss", sd->name.unit, "replace");
		if (r >= 0)
			r = L.sd_bus_message_open_container(m, 'a', "(sv)");
		if (r >= 0)
			r = base_props(sd, &base);
		if (r >= 0)
			r = append_props(m, &base);
		sd_props_free(&base);
		if (r >= 0 && !sd->name.is_slice) {
			r = L.sd_bus_message_open_container(m, 'r', "sv");
			if (r >= 0)
				r = L.sd_bus_message_append(m, "s", "PIDs");
			if (r >= 0)
				r = L.sd_bus_message_open_container(m, 'v', "au");
			if (r >= 0)
				r = L.sd_bus_message_append(m, "au", 1, (uint32_t)pid);
			if (r >= 0)
				r = L.sd_bus_message_close_container(m);
			if (r >= 0)
				r = L.sd_bus_message_close_container(m);
		}
		if (r >= 0 && sd->pending)
			r = append_props(m, &sd->props);
		/* the annotations last: they win, as in runc */
		if (r >= 0)
			r = append_props(m, &sd->annotations);
		if (r >= 0)
			r = L.sd_bus_message_close_container(m);
		if (r >= 0)
			r = L.sd_bus_message_append(m, "a(sa(sv))", 0);
		if (r < 0)
			return bus_fail(err, r, NULL, "start unit %s", sd->name.unit);
		r = L.sd_bus_call(bus, m, 0, &e, &reply);
		if (r < 0 && attempt == 0 &&
		    L.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists")) {
			/* a failed unit of an earlier container of that name */
			reset_failed(bus, sd->name.unit);
			continue;
		}
		if (r < 0)
			return bus_fail(err, r, &e, "start unit %s", sd->name.unit);
		const char *path = NULL;
		r = L.sd_bus_message_read(reply, "o", &path);
		if (r < 0 || !path || !(*job = strdup(path)))
			return bus_fail(err, r < 0 ? r : -ENOMEM, NULL, "start unit %s: bad reply",
					sd->name.unit);
		return 0;
	}
}

/* The unit's cgroup (its ControlGroup property), under the v2 mount. */
static int find_cgroup(sd_bus *bus, struct cgroup *cg, struct error *err)
{
	struct cgroup_systemd *sd = cg->sd;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = {0};
	int r = new_call(bus, &m, "GetUnit");
	if (r >= 0)
		r = L.sd_bus_message_append(m, "s", sd->name.unit);
	if (r >= 0)
		r = L.sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0)
		return bus_fail(err, r, &e, "get unit %s", sd->name.unit);
	const char *obj = NULL;
	if ((r = L.sd_bus_message_read(reply, "o", &obj)) < 0 || !obj)
		return bus_fail(err, r, NULL, "get unit %s: bad reply", sd->name.unit);
	_cleanup_bus_error_ sd_bus_error e2 = {0};
	_cleanup_free_ char *path = NULL;
	r = L.sd_bus_get_property_string(bus, SD_DEST, obj,
					 sd->name.is_slice ? "org.freedesktop.systemd1.Slice"
							   : "org.freedesktop.systemd1.Scope",
					 "ControlGroup", &e2, &path);
	if (r < 0)
		return bus_fail(err, r, &e2, "unit %s: its ControlGroup", sd->name.unit);
	if (!path || path[0] != '/' || strstr(path, "..") || strchr(path, ';'))
		return error_set(err, EIO, "--systemd-cgroup: unit %s: cgroup \"%s\"",
				 sd->name.unit, path ? path : "");
	struct cgroup_hier *h = NULL;
	size_t n = 0;
	enum cgroup_mode mode;
	if (cgroup_load_hierarchies(&h, &n, &mode, err) < 0)
		return error_prefix(err, "--systemd-cgroup");
	struct cgroup_hier *v2 = NULL;
	for (size_t i = 0; i < n; i++)
		if (h[i].version == 2)
			v2 = &h[i];
	if (mode != CGROUP_MODE_V2 || !v2) {
		cgroup_hiers_free(h, n);
		return error_set(err, 0, "--systemd-cgroup: needs the unified cgroup v2 hierarchy");
	}
	/* one hierarchy, the v2 one, pointed at the unit's cgroup */
	struct cgroup_hier *one = calloc(1, sizeof(*one));
	if (one) {
		*one = *v2;
		*v2 = (struct cgroup_hier){0};
		free(one->dir);
		one->dir = cgroup_join(one->mountpoint, path + 1);
		one->created = 0; /* systemd's to remove */
		one->errnum = 0;
	}
	cgroup_hiers_free(h, n);
	h = one;
	if (!h || !h->dir) {
		cgroup_hiers_free(h, h ? 1 : 0);
		return error_set(err, ENOMEM, "--systemd-cgroup");
	}
	cgroup_hiers_free(cg->h, cg->n);
	cg->h = h;
	cg->n = 1;
	cg->mode = CGROUP_MODE_V2;
	return 0;
}

/* Write the v2 files (and the device program) into the unit's cgroup. */
static int write_files(struct cgroup *cg, const struct cgroup_entries *es,
		       const struct bpf_insn *insns, size_t n_insns, struct error *err)
{
	struct cgroup_hier *h = &cg->h[0];
	for (size_t i = 0; i < es->n; i++) {
		const struct cgroup_entry *e = &es->v[i];
		if (!e->file) {
			error_set(err, 0, "%s: %s", e->field, e->note);
			if (err)
				err->errnum = EOPNOTSUPP;
			return -1;
		}
		if (h->vops->write(h, e, err) < 0)
			return -1;
	}
	if (insns && cgroup_devfilter_attach(h->dir, insns, n_insns, err) < 0) {
		if (err && err->errnum == EPERM && rootless()) {
			error_clear(err); /* as cgroupfs: no device filter rootless */
			return 0;
		}
		return error_prefix(err, "linux.resources.devices");
	}
	return 0;
}

/* The bus, with systemd's JobRemoved signals collected into *js (before
 * the call that makes a job, so that its end is never missed). */
static int bus_watching_jobs(struct cgroup_systemd *sd, sd_bus **bus, sd_bus_slot **slot,
			     struct jobs_seen *js, struct error *err)
{
	if (bus_open(sd->user, bus, err) < 0)
		return -1;
	int r = L.sd_bus_match_signal(*bus, slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				      on_job_removed, js);
	if (r < 0)
		return bus_fail(err, r, NULL, "watch systemd's jobs");
	return 0;
}

static int start_unit(struct cgroup *cg, pid_t pid, struct error *err)
{
	struct cgroup_systemd *sd = cg->sd;
	_cleanup_bus_ sd_bus *bus = NULL;
	struct jobs_seen js = {0};
	sd_bus_slot *slot = NULL;
	if (bus_watching_jobs(sd, &bus, &slot, &js, err) < 0)
		return -1;
	int r;
	_cleanup_free_ char *job = NULL;
	r = start_call(bus, sd, pid, &job, err);
	/* from here on there may be a unit (failed or not) to stop */
	sd->started = r == 0;
	if (r == 0)
		r = wait_job(bus, &js, job, "start unit", sd->name.unit, err);
	L.sd_bus_slot_unref(slot);
	jobs_clear(&js);
	if (r < 0)
		return -1;
	if (find_cgroup(bus, cg, err) < 0)
		return -1;
	if (sd->name.is_slice && cgroup_fs_driver.enter(cg, pid, err) < 0)
		return -1;
	if (sd->pending) {
		if (write_files(cg, &sd->entries, sd->insns, sd->n_insns, err) < 0)
			return -1;
		sd->pending = false;
	}
	return 0;
}

/* ---- the driver ---- */

static bool sd_available(void)
{
	return true; /* create says clearly why not */
}

static struct cgroup *new_cgroup(void)
{
	struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return NULL;
	cg->sd = calloc(1, sizeof(*cg->sd));
	if (!cg->sd) {
		free(cg);
		return NULL;
	}
	cg->ops = &cgroup_systemd_driver;
	cg->mode = CGROUP_MODE_V2;
	return cg;
}

static int sd_create(const char *cgroups_path, const char *id, struct cgroup **out,
		     struct error *err)
{
	__attribute__((cleanup(sd_freep))) struct cgroup *cg = new_cgroup();
	if (!cg)
		return error_set(err, ENOMEM, "create cgroup");
	struct cgroup_systemd *sd = cg->sd;
	sd->user = rootless();
	if (sd_parse_cgroups_path(cgroups_path, id, sd->user, &sd->name, err) < 0)
		return -1;
	snprintf(sd->description, sizeof(sd->description), "agentrun container %s", id ? id : "");
	/* fail here, before anything runs: no bus, or not cgroup v2 */
	{
		_cleanup_bus_ sd_bus *bus = NULL;
		if (bus_open(sd->user, &bus, err) < 0)
			return -1;
	}
	enum cgroup_mode mode;
	if (cgroup_detect_mode(&mode, err) < 0)
		return error_prefix(err, "--systemd-cgroup");
	if (mode != CGROUP_MODE_V2)
		return error_set(err, 0,
				 "--systemd-cgroup: the systemd cgroup driver needs the unified "
				 "cgroup v2 hierarchy; this host has cgroup v1%s",
				 mode == CGROUP_MODE_HYBRID ? " (hybrid)" : "");
	*out = TAKE_PTR(cg);
	return 0;
}

static char *sd_serialize(const struct cgroup *cg)
{
	const struct cgroup_systemd *sd = cg->sd;
	const struct cgroup_hier *h = cg->n ? &cg->h[0] : NULL;
	char *s = NULL;
	/* unit and slice names hold no ';' (sd_parse_cgroups_path), nor
	 * the cgroup path (find_cgroup) */
	if (asprintf(&s, "%s;%s;%s;%s;%d;%s;%s", SERIAL_TAG, sd->user ? "user" : "system",
		     sd->name.unit, sd->name.slice, sd->name.is_slice ? 1 : 0,
		     h ? h->mountpoint : "", h && h->dir ? h->dir : "") < 0)
		return NULL;
	return s;
}

static int sd_open(const char *serialized, struct cgroup **out, struct error *err)
{
	char *f[7] = {0};
	_cleanup_free_ char *copy = serialized ? strdup(serialized) : NULL;
	if (!copy)
		return error_set(err, ENOMEM, "open cgroup");
	size_t nf = 0;
	for (char *p = copy; nf < 7;) {
		f[nf++] = p;
		char *semi = strchr(p, ';');
		if (!semi)
			break;
		*semi = '\0';
		p = semi + 1;
	}
	if (nf != 7 || strcmp(f[0], SERIAL_TAG) ||
	    (strcmp(f[1], "user") && strcmp(f[1], "system")) || !*f[2] ||
	    strlen(f[2]) >= sizeof(((struct sd_unit_name *)0)->unit) ||
	    strlen(f[3]) >= sizeof(((struct sd_unit_name *)0)->slice))
		return error_set(err, EINVAL, "open cgroup: bad systemd cgroup state \"%.64s\"",
				 serialized);
	__attribute__((cleanup(sd_freep))) struct cgroup *cg = new_cgroup();
	if (!cg)
		return error_set(err, ENOMEM, "open cgroup");
	struct cgroup_systemd *sd = cg->sd;
	sd->user = !strcmp(f[1], "user");
	snprintf(sd->name.unit, sizeof(sd->name.unit), "%s", f[2]);
	snprintf(sd->name.slice, sizeof(sd->name.slice), "%s", f[3]);
	sd->name.is_slice = f[4][0] == '1';
	sd->started = true; /* or about to be: destroy stops it either way */
	if (*f[6]) {
		if (f[6][0] != '/' || !*f[5])
			return error_set(err, EINVAL,
					 "open cgroup: bad systemd cgroup state \"%.64s\"",
					 serialized);
		cg->h = calloc(1, sizeof(*cg->h));
		if (!cg->h)
			return error_set(err, ENOMEM, "open cgroup");
		cg->n = 1;
		struct cgroup_hier *h = &cg->h[0];
		h->version = 2;
		h->controllers = strdup("");
		h->mountpoint = strdup(f[5]);
		h->mount_root = strdup("/");
		h->own = strdup("/");
		h->dir = strdup(f[6]);
		h->vops = &cgroup_v2_ops;
		if (!h->controllers || !h->mountpoint || !h->mount_root || !h->own || !h->dir)
			return error_set(err, ENOMEM, "open cgroup");
	}
	*out = TAKE_PTR(cg);
	return 0;
}

static int sd_enter(struct cgroup *cg, pid_t pid, struct error *err)
{
	if (!cg->n)
		return start_unit(cg, pid, err);
	return cgroup_fs_driver.enter(cg, pid, err);
}

static int sd_enter_sub(struct cgroup *cg, const char *const *subs, size_t n, pid_t pid,
			struct error *err)
{
	if (!cg->n)
		return error_set(err, ENOENT, "--systemd-cgroup: the unit %s has no cgroup yet",
				 cg->sd->name.unit);
	return cgroup_fs_driver.enter_sub(cg, subs, n, pid, err);
}

static int set_properties(struct cgroup *cg, const struct sd_props *p, struct error *err)
{
	struct cgroup_systemd *sd = cg->sd;
	_cleanup_bus_ sd_bus *bus = NULL;
	if (bus_open(sd->user, &bus, err) < 0)
		return -1;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = {0};
	int r = new_call(bus, &m, "SetUnitProperties");
	if (r >= 0)
		r = L.sd_bus_message_append(m, "sb", sd->name.unit, 1);
	if (r >= 0)
		r = L.sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = append_props(m, p);
	if (r >= 0)
		r = L.sd_bus_message_close_container(m);
	if (r < 0)
		return bus_fail(err, r, NULL, "set properties of %s", sd->name.unit);
	r = L.sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0)
		return bus_fail(err, r, &e, "set properties of %s", sd->name.unit);
	return 0;
}

static int sd_apply(struct cgroup *cg, const struct spec_resources *res, struct error *err)
{
	struct cgroup_systemd *sd = cg->sd;
	if (!res)
		return 0;
	struct cgroup_entries es = {0};
	struct sd_props props = {0};
	struct bpf_insn *insns = NULL;
	size_t n_insns = 0;
	int r = -1;
	if (cgroup_v2_map(res, cgroup_entries_add, &es, err) < 0 ||
	    sd_props_from_entries(&es, &props, err) < 0)
		goto out;
	if (res->n_devices && cgroup_devfilter_build(res, &insns, &n_insns, err) < 0) {
		error_prefix(err, "linux.resources.devices");
		goto out;
	}
	if (!cg->n) {
		/* no unit yet: enter starts it with these */
		sd_props_free(&sd->props);
		cgroup_entries_free(&sd->entries);
		free(sd->insns);
		sd->props = props;
		sd->entries = es;
		sd->insns = insns;
		sd->n_insns = n_insns;
		sd->pending = true;
		return 0;
	}
	if ((props.n && set_properties(cg, &props, err) < 0) ||
	    write_files(cg, &es, insns, n_insns, err) < 0)
		goto out;
	r = 0;
out:
	sd_props_free(&props);
	cgroup_entries_free(&es);
	free(insns);
	return r;
}

static int sd_set_annotations(struct cgroup *cg, const struct spec_map *a, struct error *err)
{
	size_t pl = strlen(SD_PROPERTY_PREFIX);
	for (size_t i = 0; a && i < a->n; i++) {
		if (!a->keys[i] || strncmp(a->keys[i], SD_PROPERTY_PREFIX, pl))
			continue;
		struct sd_prop p;
		if (sd_parse_annotation(a->keys[i], a->values[i] ? a->values[i] : "", &p, err) < 0)
			return -1;
		struct sd_props *ps = &cg->sd->annotations;
		struct sd_prop *nv = realloc(ps->v, (ps->n + 1) * sizeof(*nv));
		if (!nv) {
			sd_prop_clear(&p);
			return error_set(err, ENOMEM, "annotations");
		}
		ps->v = nv;
		ps->v[ps->n++] = p;
	}
	return 0;
}

/* Stop the unit and wait; a unit that is not there is stopped. */
static int stop_unit(struct cgroup *cg, struct error *err)
{
	struct cgroup_systemd *sd = cg->sd;
	_cleanup_bus_ sd_bus *bus = NULL;
	struct jobs_seen js = {0};
	sd_bus_slot *slot = NULL;
	if (bus_watching_jobs(sd, &bus, &slot, &js, err) < 0)
		return -1;
	int r;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = {0};
	r = new_call(bus, &m, "StopUnit");
	if (r >= 0)
		r = L.sd_bus_message_append(m, "ss", sd->name.unit, "replace");
	if (r >= 0)
		r = L.sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		if (L.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
			r = 0;
		else
			bus_fail(err, r, &e, "stop unit %s", sd->name.unit);
	} else {
		const char *job = NULL;
		r = L.sd_bus_message_read(reply, "o", &job);
		if (r < 0 || !job)
			r = bus_fail(err, r < 0 ? r : -EIO, NULL, "stop unit %s: bad reply",
				     sd->name.unit);
		else
			r = wait_job(bus, &js, job, "stop unit", sd->name.unit, err);
	}
	L.sd_bus_slot_unref(slot);
	jobs_clear(&js);
	/* a failed unit (its init OOM-killed, say) stays listed until reset */
	reset_failed(bus, sd->name.unit);
	return r < 0 ? -1 : 0;
}

static int sd_destroy(struct cgroup *cg, struct error *err)
{
	bool frozen = false;
	if (cg->n && cgroup_fs_driver.is_frozen(cg, &frozen, NULL) == 0 && frozen)
		cgroup_fs_driver.freeze(cg, false, NULL);
	if (cg->sd->started && stop_unit(cg, err) < 0)
		return -1;
	cg->sd->started = false;
	if (!cg->n)
		return 0;
	/* systemd removes the cgroup; make sure (sub-cgroups the container made) */
	cg->h[0].created = 1;
	int r = cgroup_fs_driver.destroy(cg, err);
	cg->h[0].created = 0;
	return r;
}

static int sd_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err)
{
	return cgroup_fs_driver.pids(cg, pids, n, err);
}

static int sd_kill_all(struct cgroup *cg, int sig, struct error *err)
{
	return cg->n ? cgroup_fs_driver.kill_all(cg, sig, err) : 0;
}

static int sd_freeze(struct cgroup *cg, bool frozen, struct error *err)
{
	return cgroup_fs_driver.freeze(cg, frozen, err);
}

static int sd_is_frozen(struct cgroup *cg, bool *frozen, struct error *err)
{
	return cgroup_fs_driver.is_frozen(cg, frozen, err);
}

static const char *sd_freezer_dir(struct cgroup *cg)
{
	return cgroup_fs_driver.freezer_dir(cg);
}

static int sd_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err)
{
	return cgroup_fs_driver.stats(cg, out, err);
}

static int sd_oom_count(struct cgroup *cg, uint64_t *count, struct error *err)
{
	return cgroup_fs_driver.oom_count(cg, count, err);
}

const struct cgroup_driver_ops cgroup_systemd_driver = {
	.name = "systemd",
	.serial_tag = SERIAL_TAG,
	.available = sd_available,
	.create = sd_create,
	.open = sd_open,
	.serialize = sd_serialize,
	.enter = sd_enter,
	.enter_sub = sd_enter_sub,
	.apply = sd_apply,
	.set_annotations = sd_set_annotations,
	.pids = sd_pids,
	.kill_all = sd_kill_all,
	.freeze = sd_freeze,
	.is_frozen = sd_is_frozen,
	.freezer_dir = sd_freezer_dir,
	.stats = sd_stats,
	.oom_count = sd_oom_count,
	.destroy = sd_destroy,
	.free = sd_free,
};
