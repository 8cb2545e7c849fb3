/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec/: config.json parsing and validation. The documents of
 * tests/fixtures/config (AGENTRUN_FIXTURES, set by meson and tests/run-unit)
 * must be accepted (good/) or rejected with the message of their .err file
 * (bad/); values must land in the right struct fields; errors must name
 * the JSON path. Documents below are written with ' for " (see dq()).
 * Tests marked "fixed" pin down defects found and fixed in spec/. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/read_file.h"

#include "spec/spec.h"

#define ORIGIN "config.json"

/* ---- helpers ---- */

/* The document with every ' turned into " (test documents hold no '). */
static char *dq(const char *q)
{
	char *s = strdup(q);
	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static char msgbuf[ERROR_MSG_MAX];

static struct spec *parse_only(const char *q)
{
	char *json = dq(q);
	struct spec *s = NULL;
	struct error err = {0};
	int r = spec_parse(json, strlen(json), ORIGIN, &s, &err);
	free(json);
	if (r < 0)
		fail_msg("spec_parse failed: %s", err.msg);
	assert_non_null(s);
	return s;
}

/* Parse and validate; fails the test on any error. */
static struct spec *parse_ok(const char *q)
{
	struct spec *s = parse_only(q);
	struct error err = {0};
	if (spec_validate(s, ORIGIN, &err) < 0) {
		spec_free(s);
		fail_msg("spec_validate failed: %s", err.msg);
	}
	return s;
}

/* spec_parse must fail; returns its message. */
static const char *parse_fails(const char *q)
{
	char *json = dq(q);
	struct spec *s = NULL;
	struct error err = {0};
	int r = spec_parse(json, strlen(json), ORIGIN, &s, &err);
	free(json);
	if (r == 0) {
		spec_free(s);
		fail_msg("spec_parse accepted: %s", q);
	}
	assert_int_equal(r, -1);
	assert_null(s);
	assert_true(err.msg[0] != '\0');
	snprintf(msgbuf, sizeof(msgbuf), "%s", err.msg);
	return msgbuf;
}

/* spec_parse must succeed and spec_validate fail; returns its message. */
static const char *validate_fails(const char *q)
{
	struct spec *s = parse_only(q);
	struct error err = {0};
	int r = spec_validate(s, ORIGIN, &err);
	spec_free(s);
	if (r == 0)
		fail_msg("spec_validate accepted: %s", q);
	assert_int_equal(r, -1);
	assert_true(err.msg[0] != '\0');
	snprintf(msgbuf, sizeof(msgbuf), "%s", err.msg);
	return msgbuf;
}

/* Rejected by either step; returns the message. */
static const char *rejected(const char *q)
{
	char *json = dq(q);
	struct spec *s = NULL;
	struct error err = {0};
	int r = spec_parse(json, strlen(json), ORIGIN, &s, &err);
	free(json);
	if (r == 0) {
		r = spec_validate(s, ORIGIN, &err);
		spec_free(s);
	}
	if (r == 0)
		fail_msg("document accepted: %s", q);
	snprintf(msgbuf, sizeof(msgbuf), "%s", err.msg);
	return msgbuf;
}

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		const char *h_ = (hay), *n_ = (needle);                        \
		if (!strstr(h_, n_))                                           \
			fail_msg("expected \"%s\" in message \"%s\"", n_, h_); \
	} while (0)

#define assert_starts_with(hay, prefix)                                                        \
	do {                                                                                   \
		const char *h_ = (hay), *p_ = (prefix);                                        \
		if (strncmp(h_, p_, strlen(p_)) != 0)                                          \
			fail_msg("expected message starting with \"%s\", got \"%s\"", p_, h_); \
	} while (0)

/* A document with ociVersion and root, plus more top-level members. */
#define DOC(...) "{'ociVersion':'1.3.0','root':{'path':'rootfs'}," __VA_ARGS__ "}"
/* A minimal valid process with more members. */
#define PROC(...) "'process':{'cwd':'/','args':['sh']," __VA_ARGS__ "}"

/* The fixture directory AGENTRUN_FIXTURES/config/KIND (tests/fixtures, set
 * by meson and tests/run-unit); a missing one fails the test (never skips). */
static void fixture_dir(const char *kind, char *out, size_t size)
{
	const char *root = getenv("AGENTRUN_FIXTURES");
	if (!root || !*root)
		fail_msg("AGENTRUN_FIXTURES is not set: run through `meson test` or "
			 "tests/run-unit (it points at tests/fixtures)");
	snprintf(out, size, "%s/config/%s", root, kind);
	struct stat st;
	if (stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		fail_msg("fixtures missing: %s: %s (AGENTRUN_FIXTURES=%s)", out, strerror(errno),
			 root);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names ending in `ext` of a directory, sorted. */
static size_t list_ext(const char *dir, const char *ext, char ***out)
{
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("opendir %s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, el = strlen(ext);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= el || strcmp(e->d_name + l - el, ext) != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- tests/fixtures/config: good and bad documents ---- */

/* Parse and validate dir/name; 0 when accepted, else err says why. */
static int check_fixture(const char *dir, const char *name, struct error *err)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	size_t len;
	char *json = read_file(path, &len);
	struct spec *s = NULL;
	int r = spec_parse(json, len, ORIGIN, &s, err);
	if (r == 0)
		r = spec_validate(s, ORIGIN, err);
	else
		assert_null(s);
	spec_free(s);
	free(json);
	return r;
}

/* bad/NAME.err: one line, a fragment the error message must contain. */
static char *expected_error(const char *dir, const char *json_name)
{
	char path[8192];
	size_t l = strlen(json_name) - strlen(".json");
	snprintf(path, sizeof(path), "%s/%.*s.err", dir, (int)l, json_name);
	struct stat st;
	if (stat(path, &st) < 0)
		fail_msg("bad/%s has no expected-error file %s: %s", json_name, path,
			 strerror(errno));
	char *want = read_file(path, NULL);
	want[strcspn(want, "\n")] = '\0';
	if (!want[0])
		fail_msg("%s is empty", path);
	return want;
}

/* Every good document is accepted. */
static void test_fixtures_good(void **state)
{
	(void)state;
	char dir[4096];
	fixture_dir("good", dir, sizeof(dir));
	char **names;
	size_t n = list_ext(dir, ".json", &names);
	if (n < 15)
		fail_msg("only %zu documents in %s", n, dir);
	char report[8192] = "";
	size_t wrong = 0;
	for (size_t i = 0; i < n; i++) {
		struct error err = {0};
		if (check_fixture(dir, names[i], &err) < 0) {
			size_t l = strlen(report);
			wrong++;
			snprintf(report + l, sizeof(report) - l, "\n  good/%s: %s", names[i],
				 err.msg);
		}
	}
	free_names(names, n);
	if (wrong)
		fail_msg("%zu of %zu good documents rejected:%s", wrong, n, report);
}

/* Every bad document is refused, with a message that names the document
 * and contains the fragment of its .err file (the JSON path and the
 * reason); every .err belongs to a document. */
static void test_fixtures_bad(void **state)
{
	(void)state;
	char dir[4096];
	fixture_dir("bad", dir, sizeof(dir));
	char **names;
	size_t n = list_ext(dir, ".json", &names);
	if (n < 100)
		fail_msg("only %zu documents in %s", n, dir);
	char report[16384] = "";
	size_t wrong = 0;
	for (size_t i = 0; i < n; i++) {
		char *want = expected_error(dir, names[i]);
		struct error err = {0};
		int r = check_fixture(dir, names[i], &err);
		size_t l = strlen(report);
		if (r == 0) {
			wrong++;
			snprintf(report + l, sizeof(report) - l, "\n  bad/%s: accepted", names[i]);
		} else if (strncmp(err.msg, ORIGIN ": ", strlen(ORIGIN) + 2) != 0 ||
			   !strstr(err.msg, want) || strchr(err.msg, '\n')) {
			wrong++;
			snprintf(report + l, sizeof(report) - l,
				 "\n  bad/%s: expected \"%s\" in \"%s\"", names[i], want, err.msg);
		}
		free(want);
	}
	char **errs;
	size_t ne = list_ext(dir, ".err", &errs);
	for (size_t i = 0; i < ne; i++) {
		char json_name[4096];
		snprintf(json_name, sizeof(json_name), "%.*s.json",
			 (int)(strlen(errs[i]) - strlen(".err")), errs[i]);
		if (!bsearch(&(const char *){json_name}, names, n, sizeof(*names), cmp_str)) {
			size_t l = strlen(report);
			wrong++;
			snprintf(report + l, sizeof(report) - l, "\n  bad/%s: no %s", errs[i],
				 json_name);
		}
	}
	free_names(errs, ne);
	free_names(names, n);
	if (wrong)
		fail_msg("%zu bad documents wrong:%s", wrong, report);
}

/* The faults of the runtime-spec's own bad examples (its schema/test), inline
 * and with the whole message: the same rules as some tests/fixtures/config/bad
 * documents, pinned to the exact wording. */
static void test_fixture_bad_reasons(void **state)
{
	(void)state;
	assert_string_equal(rejected(DOC("'linux':{'netDevices':{'eth0':{'name':23}}}")),
			    ORIGIN ": .linux.netDevices.eth0.name: expected string, got number");
	assert_string_equal(
		rejected(DOC("'linux':{'resources':{'rdma':{'mlx5_1':{'hcaHandles':'x'}}}}")),
		ORIGIN ": .linux.resources.rdma.mlx5_1.hcaHandles: expected integer, got string");
	assert_contains(rejected(DOC("'linux':{'resources':{'hugepageLimits':"
				     "[{'limit':1234123,'pageSize':'64kB'}]}}")),
			".linux.resources.hugepageLimits[0].pageSize: \"64kB\"");
	assert_contains(rejected(DOC("'freebsd':{'jail':{'vnet':'disable'}}")),
			".freebsd.jail.vnet: unknown sharing mode \"disable\"");
	assert_starts_with(rejected("{]"), ORIGIN ": invalid JSON");
}

/* ---- values land in the right fields ---- */

static const char full_doc[] =
	"{'ociVersion':'1.3.0',"
	" 'root':{'path':'rootfs','readonly':true},"
	" 'hostname':'box','domainname':'example.test',"
	" 'mounts':["
	"  {'destination':'/proc','type':'proc','source':'proc'},"
	"  {'destination':'/data','type':'none','source':'/srv/data',"
	"   'options':['rbind','ro','nosuid'],"
	"   'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
	"   'gidMappings':[{'containerID':0,'hostID':2000,'size':2}]}],"
	" 'process':{"
	"  'terminal':true,'consoleSize':{'height':24,'width':80},"
	"  'cwd':'/work','args':['sh','-c','echo hi'],'env':['PATH=/bin','A=b=c'],"
	"  'commandLine':'sh -c x',"
	"  'user':{'uid':1000,'gid':1001,'umask':18,'additionalGids':[5,6,4294967295],"
	"          'username':'agent'},"
	"  'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
	"             {'type':'RLIMIT_CORE','soft':18446744073709551615,"
	"              'hard':18446744073709551615}],"
	"  'capabilities':{'bounding':['CAP_KILL','CAP_CHOWN'],'effective':['CAP_KILL'],"
	"                  'inheritable':[],'permitted':['CAP_KILL','CAP_CHOWN'],"
	"                  'ambient':['CAP_CHOWN']},"
	"  'noNewPrivileges':true,'oomScoreAdj':-500,"
	"  'apparmorProfile':'prof','selinuxLabel':'system_u:system_r:t:s0',"
	"  'scheduler':{'policy':'SCHED_BATCH','nice':5,'priority':0,"
	"               'flags':['SCHED_FLAG_RESET_ON_FORK'],'runtime':100,'deadline':200,"
	"               'period':300},"
	"  'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':4},"
	"  'execCPUAffinity':{'initial':'0-1','final':'2'}},"
	" 'hooks':{"
	"  'prestart':[{'path':'/bin/pre','args':['pre','a'],'env':['X=1'],'timeout':5}],"
	"  'createRuntime':[{'path':'/bin/cr1'},{'path':'/bin/cr2','timeout':10}],"
	"  'createContainer':[{'path':'/bin/cc'}],"
	"  'startContainer':[{'path':'/bin/sc','timeout':1}],"
	"  'poststart':[{'path':'/bin/ps','args':['ps']}],"
	"  'poststop':[{'path':'/bin/pst','timeout':2147483647}]},"
	" 'annotations':{'org.example.key':'value','empty':''},"
	" 'linux':{"
	"  'namespaces':[{'type':'pid'},{'type':'network','path':'/proc/1/ns/net'},"
	"                {'type':'mount'},{'type':'user'},{'type':'time'}],"
	"  'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
	"  'gidMappings':[{'containerID':0,'hostID':200000,'size':65536},"
	"                 {'containerID':65536,'hostID':1,'size':1}],"
	"  'timeOffsets':{'boottime':{'secs':-3600,'nanosecs':5},'monotonic':{'secs':86400}},"
	"  'devices':[{'type':'c','path':'/dev/fuse','major':10,'minor':229,'fileMode':438,"
	"              'uid':0,'gid':5},"
	"             {'type':'p','path':'/dev/fifo'}],"
	"  'netDevices':{'eth0':{'name':'ceth0'},'ens4':{}},"
	"  'cgroupsPath':'/agents/box',"
	"  'resources':{"
	"   'devices':[{'allow':false,'access':'rwm'},"
	"              {'allow':true,'type':'c','major':1,'minor':3,'access':'rw'}],"
	"   'memory':{'limit':536870912,'reservation':268435456,'swap':-1,'kernel':0,"
	"             'kernelTCP':1,'swappiness':60,'disableOOMKiller':true,"
	"             'useHierarchy':false,'checkBeforeUpdate':true},"
	"   'cpu':{'shares':1024,'quota':-1,'burst':1000,'period':100000,"
	"          'realtimeRuntime':950000,'realtimePeriod':1000000,'cpus':'0-3','mems':'0',"
	"          'idle':1},"
	"   'pids':{'limit':32},"
	"   'blockIO':{'weight':500,'leafWeight':300,"
	"     'weightDevice':[{'major':8,'minor':0,'weight':600,'leafWeight':0},"
	"                     {'major':8,'minor':16,'weight':700}],"
	"     'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':104857600}],"
	"     'throttleWriteBpsDevice':[{'major':8,'minor':1,'rate':1}],"
	"     'throttleReadIOPSDevice':[{'major':8,'minor':2,'rate':2}],"
	"     'throttleWriteIOPSDevice':[{'major':8,'minor':3,'rate':18446744073709551615}]},"
	"   'hugepageLimits':[{'pageSize':'2MB','limit':209715200},{'pageSize':'1GB','limit':0}],"
	"   'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':500},"
	"                                              {'name':'eth1','priority':1000}]},"
	"   'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000},'mlx4_0':{'hcaObjects':1000}},"
	"   'unified':{'io.max':'8:0 rbps=1024','memory.high':'max'}},"
	"  'rootfsPropagation':'slave',"
	"  'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':1,"
	"   'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_AARCH64'],"
	"   'flags':['SECCOMP_FILTER_FLAG_LOG'],"
	"   'listenerPath':'/run/seccomp.sock','listenerMetadata':'meta',"
	"   'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
	"    {'names':['personality'],'action':'SCMP_ACT_ERRNO','errnoRet':38,"
	"     'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},"
	"             {'index':1,'value':255,'valueTwo':4,'op':'SCMP_CMP_MASKED_EQ'}]}]},"
	"  'sysctl':{'net.ipv4.ip_forward':'1','kernel.shmmax':'4096'},"
	"  'maskedPaths':['/proc/kcore','/sys/firmware'],"
	"  'readonlyPaths':['/proc/sys'],"
	"  'mountLabel':'mlabel',"
	"  'intelRdt':{'closID':'guaranteed_group','schemata':['L3:0=7f0','MB:0=20'],"
	"              'l3CacheSchema':'L3:0=7f0','memBwSchema':'MB:0=20',"
	"              'enableMonitoring':true},"
	"  'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-3',"
	"                  'flags':['MPOL_F_STATIC_NODES']},"
	"  'personality':{'domain':'LINUX32','flags':[]}}"
	"}";

static int full_setup(void **state)
{
	*state = parse_ok(full_doc);
	return 0;
}

static int full_teardown(void **state)
{
	spec_free(*state);
	return 0;
}

static void test_top_level(void **state)
{
	const struct spec *s = *state;
	assert_string_equal(s->oci_version, "1.3.0");
	assert_true(s->root.present);
	assert_string_equal(s->root.path, "rootfs");
	assert_true(s->root.readonly);
	assert_string_equal(s->hostname, "box");
	assert_string_equal(s->domainname, "example.test");
	assert_null(s->freebsd_jail_vnet);
	assert_true(s->linux_.present);
	assert_string_equal(s->linux_.cgroups_path, "/agents/box");
	assert_string_equal(s->linux_.rootfs_propagation, "slave");
	assert_string_equal(s->linux_.mount_label, "mlabel");
	assert_int_equal(s->linux_.n_masked_paths, 2);
	assert_string_equal(s->linux_.masked_paths[0], "/proc/kcore");
	assert_string_equal(s->linux_.masked_paths[1], "/sys/firmware");
	assert_int_equal(s->linux_.n_readonly_paths, 1);
	assert_string_equal(s->linux_.readonly_paths[0], "/proc/sys");
}

static void test_process(void **state)
{
	const struct spec *s = *state;
	const struct spec_process *p = &s->process;
	assert_true(p->present);
	assert_true(p->terminal);
	assert_true(p->console_size.present);
	assert_int_equal(p->console_size.height, 24);
	assert_int_equal(p->console_size.width, 80);
	assert_string_equal(p->cwd, "/work");
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[0], "sh");
	assert_string_equal(p->args[1], "-c");
	assert_string_equal(p->args[2], "echo hi");
	assert_null(p->args[3]); /* NULL-terminated, ready for execve */
	assert_int_equal(p->n_env, 2);
	assert_string_equal(p->env[0], "PATH=/bin");
	assert_string_equal(p->env[1], "A=b=c");
	assert_null(p->env[2]);
	assert_string_equal(p->command_line, "sh -c x");
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 18);
	assert_int_equal(p->user.n_additional_gids, 3);
	assert_int_equal(p->user.additional_gids[0], 5);
	assert_int_equal(p->user.additional_gids[1], 6);
	assert_true(p->user.additional_gids[2] == UINT32_MAX);
	assert_string_equal(p->user.username, "agent");
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(p->apparmor_profile, "prof");
	assert_string_equal(p->selinux_label, "system_u:system_r:t:s0");
	assert_true(p->scheduler.present);
	assert_string_equal(p->scheduler.policy, "SCHED_BATCH");
	assert_true(p->scheduler.has_nice);
	assert_int_equal(p->scheduler.nice, 5);
	assert_true(p->scheduler.has_priority);
	assert_int_equal(p->scheduler.priority, 0);
	assert_int_equal(p->scheduler.n_flags, 1);
	assert_string_equal(p->scheduler.flags[0], "SCHED_FLAG_RESET_ON_FORK");
	assert_true(p->scheduler.has_runtime && p->scheduler.has_deadline &&
		    p->scheduler.has_period);
	assert_int_equal(p->scheduler.runtime, 100);
	assert_int_equal(p->scheduler.deadline, 200);
	assert_int_equal(p->scheduler.period, 300);
	assert_true(p->io_priority.present);
	assert_string_equal(p->io_priority.class_, "IOPRIO_CLASS_BE");
	assert_int_equal(p->io_priority.priority, 4);
	assert_true(p->exec_cpu_affinity.present);
	assert_string_equal(p->exec_cpu_affinity.initial, "0-1");
	assert_string_equal(p->exec_cpu_affinity.final, "2");
}

static void test_rlimits(void **state)
{
	const struct spec *s = *state;
	const struct spec_process *p = &s->process;
	assert_int_equal(p->n_rlimits, 2);
	assert_string_equal(p->rlimits[0].type, "RLIMIT_NOFILE");
	assert_true(p->rlimits[0].soft == 1024);
	assert_true(p->rlimits[0].hard == 4096);
	assert_string_equal(p->rlimits[1].type, "RLIMIT_CORE");
	assert_true(p->rlimits[1].soft == UINT64_MAX);
	assert_true(p->rlimits[1].hard == UINT64_MAX);
	/* one above uint64 is an error on that field */
	assert_contains(parse_fails(DOC(PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':1,"
					     "'hard':18446744073709551616}]"))),
			ORIGIN ": .process.rlimits[0].hard: ");
	assert_contains(parse_fails(DOC(PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':-1,"
					     "'hard':1}]"))),
			ORIGIN ": .process.rlimits[0].soft: -1 must not be negative");
	assert_string_equal(parse_fails(DOC(PROC("'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"))),
			    ORIGIN ": .process.rlimits[0].soft: required field missing");
}

static void test_capabilities(void **state)
{
	const struct spec *s = *state;
	const struct spec_capabilities *c = &s->process.capabilities;
	assert_true(c->present);
	assert_int_equal(c->n_bounding, 2);
	assert_string_equal(c->bounding[0], "CAP_KILL");
	assert_string_equal(c->bounding[1], "CAP_CHOWN");
	assert_int_equal(c->n_effective, 1);
	assert_string_equal(c->effective[0], "CAP_KILL");
	assert_int_equal(c->n_inheritable, 0);
	assert_non_null(c->inheritable); /* present but empty */
	assert_int_equal(c->n_permitted, 2);
	assert_string_equal(c->permitted[1], "CAP_CHOWN");
	assert_int_equal(c->n_ambient, 1);
	assert_string_equal(c->ambient[0], "CAP_CHOWN");
}

static void test_namespaces(void **state)
{
	const struct spec *s = *state;
	const struct spec_linux *l = &s->linux_;
	assert_int_equal(l->n_namespaces, 5);
	assert_string_equal(l->namespaces[0].type, "pid");
	assert_null(l->namespaces[0].path);
	assert_string_equal(l->namespaces[1].type, "network");
	assert_string_equal(l->namespaces[1].path, "/proc/1/ns/net");
	assert_string_equal(l->namespaces[4].type, "time");

	const struct spec_namespace *ns = spec_namespace_find(s, "network");
	assert_ptr_equal(ns, &l->namespaces[1]);
	assert_string_equal(ns->path, "/proc/1/ns/net");
	assert_ptr_equal(spec_namespace_find(s, "user"), &l->namespaces[3]);
	assert_null(spec_namespace_find(s, "ipc"));
	assert_null(spec_namespace_find(s, "net")); /* config.json names, not /proc names */

	struct spec *none = parse_ok(DOC("'hostname':'x'"));
	assert_null(spec_namespace_find(none, "pid"));
	spec_free(none);
}

static void test_id_mappings(void **state)
{
	const struct spec *s = *state;
	const struct spec_linux *l = &s->linux_;
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].container_id, 0);
	assert_int_equal(l->uid_mappings[0].host_id, 100000);
	assert_int_equal(l->uid_mappings[0].size, 65536);
	assert_int_equal(l->n_gid_mappings, 2);
	assert_int_equal(l->gid_mappings[1].container_id, 65536);
	assert_int_equal(l->gid_mappings[1].host_id, 1);
	assert_int_equal(l->gid_mappings[1].size, 1);
	assert_string_equal(parse_fails(DOC("'linux':{'namespaces':[{'type':'user'}],"
					    "'uidMappings':[{'containerID':0,'size':1}]}")),
			    ORIGIN ": .linux.uidMappings[0].hostID: required field missing");
}

static void test_mounts(void **state)
{
	const struct spec *s = *state;
	assert_int_equal(s->n_mounts, 2);
	const struct spec_mount *m = &s->mounts[0];
	assert_string_equal(m->destination, "/proc");
	assert_string_equal(m->type, "proc");
	assert_string_equal(m->source, "proc");
	assert_int_equal(m->n_options, 0);
	assert_null(m->options);
	m = &s->mounts[1];
	assert_string_equal(m->destination, "/data");
	assert_string_equal(m->type, "none");
	assert_string_equal(m->source, "/srv/data");
	assert_int_equal(m->n_options, 3);
	assert_string_equal(m->options[0], "rbind");
	assert_string_equal(m->options[1], "ro");
	assert_string_equal(m->options[2], "nosuid");
	assert_null(m->options[3]);
	assert_int_equal(m->n_uid_mappings, 1);
	assert_int_equal(m->uid_mappings[0].host_id, 1000);
	assert_int_equal(m->n_gid_mappings, 1);
	assert_int_equal(m->gid_mappings[0].host_id, 2000);
	assert_int_equal(m->gid_mappings[0].size, 2);
	assert_string_equal(parse_fails(DOC("'mounts':[{'destination':'/a'},{'type':'tmpfs'}]")),
			    ORIGIN ": .mounts[1].destination: required field missing");
}

static void test_resources(void **state)
{
	const struct spec *s = *state;
	const struct spec_resources *r = &s->linux_.resources;
	assert_true(r->present);

	assert_int_equal(r->n_devices, 2);
	assert_false(r->devices[0].allow);
	assert_null(r->devices[0].type);
	assert_false(r->devices[0].has_major);
	assert_string_equal(r->devices[0].access, "rwm");
	assert_true(r->devices[1].allow);
	assert_string_equal(r->devices[1].type, "c");
	assert_true(r->devices[1].has_major && r->devices[1].has_minor);
	assert_int_equal(r->devices[1].major, 1);
	assert_int_equal(r->devices[1].minor, 3);

	const struct spec_memory *mem = &r->memory;
	assert_true(mem->present);
	assert_true(mem->has_limit);
	assert_int_equal(mem->limit, 536870912);
	assert_true(mem->has_reservation);
	assert_int_equal(mem->reservation, 268435456);
	assert_true(mem->has_swap);
	assert_true(mem->swap == -1);
	assert_true(mem->has_kernel);
	assert_int_equal(mem->kernel, 0);
	assert_true(mem->has_kernel_tcp);
	assert_int_equal(mem->kernel_tcp, 1);
	assert_true(mem->has_swappiness);
	assert_int_equal(mem->swappiness, 60);
	assert_true(mem->has_disable_oom_killer && mem->disable_oom_killer);
	assert_true(mem->has_use_hierarchy);
	assert_false(mem->use_hierarchy);
	assert_true(mem->has_check_before_update && mem->check_before_update);

	const struct spec_cpu *cpu = &r->cpu;
	assert_true(cpu->present);
	assert_true(cpu->has_shares);
	assert_int_equal(cpu->shares, 1024);
	assert_true(cpu->has_quota);
	assert_true(cpu->quota == -1);
	assert_true(cpu->has_burst);
	assert_int_equal(cpu->burst, 1000);
	assert_true(cpu->has_period);
	assert_int_equal(cpu->period, 100000);
	assert_true(cpu->has_realtime_runtime);
	assert_int_equal(cpu->realtime_runtime, 950000);
	assert_true(cpu->has_realtime_period);
	assert_int_equal(cpu->realtime_period, 1000000);
	assert_string_equal(cpu->cpus, "0-3");
	assert_string_equal(cpu->mems, "0");
	assert_true(cpu->has_idle);
	assert_int_equal(cpu->idle, 1);

	assert_true(r->pids.present);
	assert_true(r->pids.has_limit);
	assert_int_equal(r->pids.limit, 32);

	const struct spec_blkio *b = &r->block_io;
	assert_true(b->present);
	assert_true(b->has_weight);
	assert_int_equal(b->weight, 500);
	assert_true(b->has_leaf_weight);
	assert_int_equal(b->leaf_weight, 300);
	assert_int_equal(b->n_weight_device, 2);
	assert_int_equal(b->weight_device[0].major, 8);
	assert_int_equal(b->weight_device[0].minor, 0);
	assert_true(b->weight_device[0].has_weight);
	assert_int_equal(b->weight_device[0].weight, 600);
	assert_true(b->weight_device[0].has_leaf_weight);
	assert_int_equal(b->weight_device[0].leaf_weight, 0);
	assert_int_equal(b->weight_device[1].minor, 16);
	assert_int_equal(b->weight_device[1].weight, 700);
	assert_false(b->weight_device[1].has_leaf_weight);
	assert_int_equal(b->n_throttle_read_bps, 1);
	assert_int_equal(b->throttle_read_bps[0].rate, 104857600);
	assert_int_equal(b->n_throttle_write_bps, 1);
	assert_int_equal(b->throttle_write_bps[0].minor, 1);
	assert_int_equal(b->throttle_write_bps[0].rate, 1);
	assert_int_equal(b->n_throttle_read_iops, 1);
	assert_int_equal(b->throttle_read_iops[0].minor, 2);
	assert_int_equal(b->throttle_read_iops[0].rate, 2);
	assert_int_equal(b->n_throttle_write_iops, 1);
	assert_int_equal(b->throttle_write_iops[0].minor, 3);
	assert_true(b->throttle_write_iops[0].rate == UINT64_MAX);

	assert_int_equal(r->n_hugepage_limits, 2);
	assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
	assert_int_equal(r->hugepage_limits[0].limit, 209715200);
	assert_string_equal(r->hugepage_limits[1].page_size, "1GB");
	assert_int_equal(r->hugepage_limits[1].limit, 0);

	assert_true(r->network.present);
	assert_true(r->network.has_class_id);
	assert_int_equal(r->network.class_id, 1048577);
	assert_int_equal(r->network.n_priorities, 2);
	assert_string_equal(r->network.priorities[0].name, "eth0");
	assert_int_equal(r->network.priorities[0].priority, 500);
	assert_string_equal(r->network.priorities[1].name, "eth1");
	assert_int_equal(r->network.priorities[1].priority, 1000);

	assert_int_equal(r->n_rdma, 2);
	assert_string_equal(r->rdma[0].device, "mlx5_1");
	assert_true(r->rdma[0].has_hca_handles && r->rdma[0].has_hca_objects);
	assert_int_equal(r->rdma[0].hca_handles, 3);
	assert_int_equal(r->rdma[0].hca_objects, 10000);
	assert_string_equal(r->rdma[1].device, "mlx4_0");
	assert_false(r->rdma[1].has_hca_handles);
	assert_true(r->rdma[1].has_hca_objects);
	assert_int_equal(r->rdma[1].hca_objects, 1000);

	assert_int_equal(r->unified.n, 2);
	assert_string_equal(spec_map_get(&r->unified, "io.max"), "8:0 rbps=1024");
	assert_string_equal(spec_map_get(&r->unified, "memory.high"), "max");
	assert_null(spec_map_get(&r->unified, "memory.max"));
}

static void test_seccomp(void **state)
{
	const struct spec *s = *state;
	const struct spec_seccomp *sc = &s->linux_.seccomp;
	assert_true(sc->present);
	assert_string_equal(sc->default_action, "SCMP_ACT_ERRNO");
	assert_true(sc->has_default_errno_ret);
	assert_int_equal(sc->default_errno_ret, 1);
	assert_int_equal(sc->n_architectures, 2);
	assert_string_equal(sc->architectures[1], "SCMP_ARCH_AARCH64");
	assert_int_equal(sc->n_flags, 1);
	assert_string_equal(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal(sc->listener_path, "/run/seccomp.sock");
	assert_string_equal(sc->listener_metadata, "meta");
	assert_int_equal(sc->n_syscalls, 2);
	const struct spec_syscall *c = &sc->syscalls[0];
	assert_int_equal(c->n_names, 2);
	assert_string_equal(c->names[0], "read");
	assert_string_equal(c->names[1], "write");
	assert_string_equal(c->action, "SCMP_ACT_ALLOW");
	assert_false(c->has_errno_ret);
	assert_int_equal(c->n_args, 0);
	c = &sc->syscalls[1];
	assert_string_equal(c->names[0], "personality");
	assert_string_equal(c->action, "SCMP_ACT_ERRNO");
	assert_true(c->has_errno_ret);
	assert_int_equal(c->errno_ret, 38);
	assert_int_equal(c->n_args, 2);
	assert_int_equal(c->args[0].index, 0);
	assert_int_equal(c->args[0].value, 8);
	assert_false(c->args[0].has_value_two);
	assert_string_equal(c->args[0].op, "SCMP_CMP_EQ");
	assert_int_equal(c->args[1].index, 1);
	assert_int_equal(c->args[1].value, 255);
	assert_true(c->args[1].has_value_two);
	assert_int_equal(c->args[1].value_two, 4);
	assert_string_equal(c->args[1].op, "SCMP_CMP_MASKED_EQ");
	assert_string_equal(parse_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
					    "'syscalls':[{'action':'SCMP_ACT_ALLOW'}]}}")),
			    ORIGIN ": .linux.seccomp.syscalls[0].names: required field missing");
}

static void test_maps(void **state)
{
	const struct spec *s = *state;
	assert_int_equal(s->linux_.sysctl.n, 2);
	assert_string_equal(s->linux_.sysctl.keys[0], "net.ipv4.ip_forward");
	assert_string_equal(s->linux_.sysctl.values[0], "1");
	assert_string_equal(spec_map_get(&s->linux_.sysctl, "kernel.shmmax"), "4096");
	assert_int_equal(s->annotations.n, 2);
	assert_string_equal(spec_map_get(&s->annotations, "org.example.key"), "value");
	assert_string_equal(spec_map_get(&s->annotations, "empty"), "");
	assert_null(spec_map_get(&s->annotations, "org.example"));
	const struct spec_map empty = {0};
	assert_null(spec_map_get(&empty, "x"));
}

static void test_time_offsets(void **state)
{
	const struct spec *s = *state;
	const struct spec_linux *l = &s->linux_;
	assert_true(l->time_boottime.present);
	assert_true(l->time_boottime.secs == -3600);
	assert_int_equal(l->time_boottime.nanosecs, 5);
	assert_true(l->time_monotonic.present);
	assert_int_equal(l->time_monotonic.secs, 86400);
	assert_int_equal(l->time_monotonic.nanosecs, 0);
	assert_string_equal(parse_fails(DOC("'linux':{'timeOffsets':{'monotonic':{'secs':'1'}}}")),
			    ORIGIN
			    ": .linux.timeOffsets.monotonic.secs: expected integer, got string");
}

static void test_devices(void **state)
{
	const struct spec *s = *state;
	const struct spec_linux *l = &s->linux_;
	assert_int_equal(l->n_devices, 2);
	const struct spec_device *d = &l->devices[0];
	assert_string_equal(d->type, "c");
	assert_string_equal(d->path, "/dev/fuse");
	assert_true(d->has_major && d->has_minor && d->has_file_mode && d->has_uid && d->has_gid);
	assert_int_equal(d->major, 10);
	assert_int_equal(d->minor, 229);
	assert_int_equal(d->file_mode, 0666);
	assert_int_equal(d->uid, 0);
	assert_int_equal(d->gid, 5);
	d = &l->devices[1];
	assert_string_equal(d->type, "p");
	assert_false(d->has_major || d->has_minor || d->has_file_mode || d->has_uid || d->has_gid);
}

static void test_net_devices(void **state)
{
	const struct spec *s = *state;
	const struct spec_linux *l = &s->linux_;
	assert_int_equal(l->n_net_devices, 2);
	assert_string_equal(l->net_devices[0].host_name, "eth0");
	assert_string_equal(l->net_devices[0].name, "ceth0");
	assert_string_equal(l->net_devices[1].host_name, "ens4");
	assert_null(l->net_devices[1].name);
}

static void test_rdt_mempolicy_personality(void **state)
{
	const struct spec *s = *state;
	const struct spec_linux *l = &s->linux_;
	assert_true(l->intel_rdt.present);
	assert_string_equal(l->intel_rdt.clos_id, "guaranteed_group");
	assert_int_equal(l->intel_rdt.n_schemata, 2);
	assert_string_equal(l->intel_rdt.schemata[1], "MB:0=20");
	assert_string_equal(l->intel_rdt.l3_cache_schema, "L3:0=7f0");
	assert_string_equal(l->intel_rdt.mem_bw_schema, "MB:0=20");
	assert_true(l->intel_rdt.has_enable_monitoring && l->intel_rdt.enable_monitoring);
	assert_true(l->memory_policy.present);
	assert_string_equal(l->memory_policy.mode, "MPOL_INTERLEAVE");
	assert_string_equal(l->memory_policy.nodes, "0-3");
	assert_int_equal(l->memory_policy.n_flags, 1);
	assert_string_equal(l->memory_policy.flags[0], "MPOL_F_STATIC_NODES");
	assert_true(l->personality.present);
	assert_string_equal(l->personality.domain, "LINUX32");
	assert_int_equal(l->personality.n_flags, 0);
}

static void test_hooks(void **state)
{
	const struct spec *s = *state;
	const struct spec_hooks *h = &s->hooks;
	assert_true(h->present);
	assert_int_equal(h->n_prestart, 1);
	assert_string_equal(h->prestart[0].path, "/bin/pre");
	assert_int_equal(h->prestart[0].n_args, 2);
	assert_string_equal(h->prestart[0].args[1], "a");
	assert_int_equal(h->prestart[0].n_env, 1);
	assert_string_equal(h->prestart[0].env[0], "X=1");
	assert_true(h->prestart[0].has_timeout);
	assert_int_equal(h->prestart[0].timeout, 5);
	assert_int_equal(h->n_create_runtime, 2);
	assert_string_equal(h->create_runtime[0].path, "/bin/cr1");
	assert_false(h->create_runtime[0].has_timeout);
	assert_string_equal(h->create_runtime[1].path, "/bin/cr2");
	assert_true(h->create_runtime[1].has_timeout);
	assert_int_equal(h->create_runtime[1].timeout, 10);
	assert_int_equal(h->n_create_container, 1);
	assert_string_equal(h->create_container[0].path, "/bin/cc");
	assert_int_equal(h->n_start_container, 1);
	assert_string_equal(h->start_container[0].path, "/bin/sc");
	assert_int_equal(h->start_container[0].timeout, 1);
	assert_int_equal(h->n_poststart, 1);
	assert_string_equal(h->poststart[0].path, "/bin/ps");
	assert_int_equal(h->poststart[0].n_args, 1);
	assert_int_equal(h->n_poststop, 1);
	assert_string_equal(h->poststop[0].path, "/bin/pst");
	assert_int_equal(h->poststop[0].timeout, 2147483647);
}

/* ---- absent, null, minimal ---- */

static void test_minimal_and_absent(void **state)
{
	(void)state;
	struct spec *s = parse_only("{'ociVersion':'1.0.0'}");
	assert_string_equal(s->oci_version, "1.0.0");
	assert_false(s->root.present);
	assert_false(s->process.present);
	assert_false(s->hooks.present);
	assert_false(s->linux_.present);
	assert_false(s->linux_.resources.present);
	assert_false(s->linux_.seccomp.present);
	assert_int_equal(s->n_mounts, 0);
	assert_int_equal(s->annotations.n, 0);
	assert_null(s->hostname);
	spec_free(s);
	/* root is required on Linux: the validator says so */
	assert_string_equal(validate_fails("{'ociVersion':'1.0.0'}"),
			    ORIGIN ": .root: required field missing");

	/* optional fields with no value have has_ flags down */
	s = parse_ok(DOC(PROC("'user':{'uid':0,'gid':0}")));
	assert_false(s->process.user.has_umask);
	assert_false(s->process.has_oom_score_adj);
	assert_false(s->process.console_size.present);
	assert_false(s->process.capabilities.present);
	assert_false(s->process.terminal);
	spec_free(s);
}

static void test_null_is_absent(void **state)
{
	(void)state;
	struct spec *s = parse_ok("{'ociVersion':'1.3.0','root':{'path':'r','readonly':null},"
				  "'hostname':null,'process':null,'mounts':null,'hooks':null,"
				  "'annotations':null,"
				  "'linux':{'namespaces':null,'sysctl':null,'seccomp':null,"
				  "'resources':{'memory':null,'pids':null,'rdma':null},"
				  "'timeOffsets':null,'netDevices':null}}");
	assert_false(s->root.readonly);
	assert_null(s->hostname);
	assert_false(s->process.present);
	assert_int_equal(s->n_mounts, 0);
	assert_false(s->hooks.present);
	assert_int_equal(s->annotations.n, 0);
	assert_true(s->linux_.present);
	assert_int_equal(s->linux_.n_namespaces, 0);
	assert_int_equal(s->linux_.sysctl.n, 0);
	assert_false(s->linux_.seccomp.present);
	assert_true(s->linux_.resources.present);
	assert_false(s->linux_.resources.memory.present);
	assert_false(s->linux_.resources.pids.present);
	assert_int_equal(s->linux_.resources.n_rdma, 0);
	assert_false(s->linux_.time_boottime.present);
	assert_int_equal(s->linux_.n_net_devices, 0);
	spec_free(s);

	s = parse_ok(DOC(PROC("'oomScoreAdj':null,'user':{'uid':1,'gid':2,'umask':null}")));
	assert_false(s->process.has_oom_score_adj);
	assert_false(s->process.user.has_umask);
	spec_free(s);

	/* null for a required field is an error, not absence */
	assert_string_equal(parse_fails("{'ociVersion':null}"),
			    ORIGIN ": .ociVersion: expected string, got null");
	assert_string_equal(parse_fails(DOC("'process':{'cwd':null}")),
			    ORIGIN ": .process.cwd: expected string, got null");
}

static void test_unknown_fields_ignored(void **state)
{
	(void)state;
	struct spec *s = parse_ok(DOC("'zos':{},'vm':{'hypervisor':{'path':'/x'}},"
				      "'x-extension':[1,2]," PROC("'futureField':{'a':1}")));
	assert_true(s->process.present);
	spec_free(s);
}

/* ---- errors name the JSON path ---- */

static void test_error_namespace_path(void **state)
{
	(void)state;
	assert_string_equal(validate_fails(DOC("'linux':{'namespaces':[{'type':'pid'},"
					       "{'type':'net'},{'type':'foo'}]}")),
			    ORIGIN ": .linux.namespaces[1].type: unknown namespace \"net\"");
	assert_string_equal(
		parse_fails(DOC("'linux':{'namespaces':[{'type':'pid'},{'path':'/x'}]}")),
		ORIGIN ": .linux.namespaces[1].type: required field missing");
	assert_contains(validate_fails(DOC("'linux':{'namespaces':[{'type':'pid','path':'x'}]}")),
			".linux.namespaces[0].path: must be an absolute path");
}

static void test_error_type_messages(void **state)
{
	(void)state;
	assert_string_equal(parse_fails(DOC("'process':{'cwd':'/','args':'sh -c true'}")),
			    ORIGIN ": .process.args: expected array of strings, got string");
	assert_string_equal(parse_fails(DOC("'process':[]")),
			    ORIGIN ": .process: expected object, got array");
	assert_string_equal(parse_fails(DOC("'process':{'cwd':'/','terminal':'yes'}")),
			    ORIGIN ": .process.terminal: expected boolean, got string");
	assert_string_equal(parse_fails(DOC("'annotations':['a']")),
			    ORIGIN ": .annotations: expected object of strings, got array");
	assert_string_equal(parse_fails(DOC("'linux':{'netDevices':[]}")),
			    ORIGIN ": .linux.netDevices: expected object, got array");
	assert_string_equal(parse_fails(DOC("'process':{'cwd':'/','user':{'uid':0,'gid':0,"
					    "'additionalGids':5}}")),
			    ORIGIN ": .process.user.additionalGids: expected array of integers, "
				   "got number");
	assert_string_equal(parse_fails(DOC("'hostname':7")),
			    ORIGIN ": .hostname: expected string, got number");
}

static void test_error_numbers(void **state)
{
	(void)state;
	const char *m = parse_fails(DOC(PROC("'user':{'uid':-1,'gid':0}")));
	assert_string_equal(m, ORIGIN ": .process.user.uid: -1 must not be negative");
	m = parse_fails(DOC(PROC("'user':{'uid':0,'gid':4294967296}")));
	assert_string_equal(m,
			    ORIGIN ": .process.user.gid: 4294967296 out of range [0, 4294967295]");
	m = parse_fails(DOC(PROC("'user':{'uid':1.5,'gid':0}")));
	assert_string_equal(m, ORIGIN ": .process.user.uid: expected integer, got 1.5");
	m = parse_fails(DOC(PROC("'oomScoreAdj':2147483648")));
	assert_string_equal(m, ORIGIN ": .process.oomScoreAdj: 2147483648 out of range "
				      "[-2147483648, 2147483647]");
	m = parse_fails(DOC(PROC("'oomScoreAdj':-2147483649")));
	assert_contains(m, ".process.oomScoreAdj: -2147483649 out of range");
	/* in int32 but outside the kernel's range: validation */
	assert_string_equal(validate_fails(DOC(PROC("'oomScoreAdj':1001"))),
			    ORIGIN ": .process.oomScoreAdj: 1001 out of range [-1000, 1000]");
	m = parse_fails(DOC("'linux':{'resources':{'blockIO':{'weightDevice':"
			    "[{'major':8,'minor':0,'weight':65536}]}}}"));
	assert_string_equal(m, ORIGIN ": .linux.resources.blockIO.weightDevice[0].weight: 65536 "
				      "out of range [0, 65535]");
	m = parse_fails(DOC("'linux':{'resources':{'memory':{'limit':9223372036854775808}}}"));
	assert_contains(m, ORIGIN ": .linux.resources.memory.limit: ");
	m = parse_fails(DOC("'linux':{'resources':{'pids':{'limit':'max'}}}"));
	assert_string_equal(m,
			    ORIGIN ": .linux.resources.pids.limit: expected integer, got string");
	/* the extremes of the ranges are accepted */
	struct spec *s = parse_ok(DOC(PROC("'oomScoreAdj':-1000,'user':{'uid':4294967295,"
					   "'gid':0}") ",'linux':{'resources':{'memory':"
						       "{'limit':9223372036854775807,'swap':"
						       "-9223372036854775808}}}"));
	assert_int_equal(s->process.oom_score_adj, -1000);
	assert_true(s->process.user.uid == UINT32_MAX);
	assert_true(s->linux_.resources.memory.limit == INT64_MAX);
	assert_true(s->linux_.resources.memory.swap == INT64_MIN);
	spec_free(s);
}

static void test_error_document(void **state)
{
	(void)state;
	assert_string_equal(parse_fails("{'root':{'path':'rootfs'}}"),
			    ORIGIN ": .ociVersion: required field missing");
	assert_starts_with(parse_fails("{'ociVersion':'1.3.0',"), ORIGIN ": invalid JSON");
	assert_starts_with(parse_fails(""), ORIGIN ": invalid JSON");
	assert_starts_with(parse_fails("{'ociVersion':'1.3.0'} x"), ORIGIN ": invalid JSON");
	/* one line, whatever yajl prints */
	assert_null(strchr(parse_fails("{'a' 1}"), '\n'));
	const char *m = parse_fails("[{'ociVersion':'1.3.0'}]");
	assert_starts_with(m, ORIGIN ": ");
	assert_contains(m, "expected object, got array");
	assert_contains(parse_fails("'1.3.0'"), "expected object, got string");
	assert_contains(parse_fails("42"), "expected object, got number");
	assert_contains(parse_fails("null"), "expected object, got null");
	/* unsupported major version */
	assert_string_equal(
		validate_fails("{'ociVersion':'2.0.0'}"), ORIGIN
		": .ociVersion: unsupported version \"2.0.0\" (this runtime implements 1.x)");
	/* the origin is the caller's */
	char *json = dq("{}");
	struct spec *s = NULL;
	struct error err = {0};
	assert_int_equal(spec_parse(json, strlen(json), "bundle/x.json", &s, &err), -1);
	assert_string_equal(err.msg, "bundle/x.json: .ociVersion: required field missing");
	/* len bounds the document: a longer buffer is not read past len */
	const char *longer = "{\"ociVersion\":\"1.0.0\"}garbage";
	assert_int_equal(spec_parse(longer, 22, ORIGIN, &s, &err), 0);
	assert_string_equal(s->oci_version, "1.0.0");
	spec_free(s);
	free(json);
	spec_free(NULL);
}

/* ---- semantic checks ---- */

static void test_reject_semantics(void **state)
{
	(void)state;
	assert_string_equal(
		validate_fails(DOC("'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}")),
		ORIGIN ": .linux.namespaces[1].type: duplicate namespace \"pid\"");
	assert_string_equal(
		validate_fails(DOC(PROC("'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':2},"
					"{'type':'RLIMIT_CORE','soft':1,'hard':2},"
					"{'type':'RLIMIT_NOFILE','soft':1,'hard':2}]"))),
		ORIGIN ": .process.rlimits[2].type: duplicate \"RLIMIT_NOFILE\"");
	assert_string_equal(
		validate_fails(DOC(PROC("'rlimits':[{'type':'RLIMIT_NOFILE','soft':2048,"
					"'hard':1024}]"))),
		ORIGIN ": .process.rlimits[0]: soft limit 2048 above hard limit 1024");
	assert_string_equal(
		validate_fails(DOC(PROC("'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"))),
		ORIGIN ": .process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	assert_contains(validate_fails(DOC("'linux':{'namespaces':[{'type':'pid'}],"
					   "'uidMappings':[{'containerID':0,'hostID':1000,"
					   "'size':1}]}")),
			ORIGIN ": .linux.uidMappings: ");
	assert_string_equal(validate_fails(DOC("'process':{'cwd':'work','args':['sh']}")),
			    ORIGIN ": .process.cwd: must be an absolute path, got \"work\"");
	assert_string_equal(validate_fails(DOC(PROC("'env':['A=1','JUSTNAME']"))),
			    ORIGIN ": .process.env[1]: \"JUSTNAME\" is not of the form KEY=value");
	assert_string_equal(validate_fails(DOC(PROC("'capabilities':{'bounding':['CAP_KILL'],"
						    "'ambient':['KILL']}"))),
			    ORIGIN
			    ": .process.capabilities.ambient[0]: invalid capability \"KILL\"");
	assert_contains(validate_fails(DOC(PROC("'scheduler':{'policy':'SCHED_FAST'}"))),
			".process.scheduler.policy: unknown policy \"SCHED_FAST\"");
	assert_contains(validate_fails(DOC(PROC("'ioPriority':{'class':'IOPRIO_CLASS_BE',"
						"'priority':8}"))),
			".process.ioPriority.priority: 8 out of range [0, 7]");
	assert_string_equal(
		validate_fails(DOC("'hooks':{'poststop':[{'path':'/a'},{'path':'b'}]}")),
		ORIGIN ": .hooks.poststop[1].path: must be an absolute path, got \"b\"");
	assert_string_equal(
		validate_fails(DOC("'hooks':{'createRuntime':[{'path':'/a','timeout':0}]}")),
		ORIGIN ": .hooks.createRuntime[0].timeout: must be greater than zero");
	assert_contains(validate_fails(DOC("'linux':{'devices':[{'type':'x','path':'/dev/x'}]}")),
			".linux.devices[0].type: unknown device type \"x\"");
	assert_contains(validate_fails(DOC("'linux':{'devices':[{'type':'c','path':'/dev/x',"
					   "'major':1}]}")),
			".linux.devices[0]: major and minor are required");
	/* the r-prefixed spellings engines send (docker, containerd's CRI) */
	static const char *const props[] = {"private", "rprivate", "shared",	 "rshared",
					    "slave",   "rslave",   "unbindable", "runbindable"};
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		char q[128];
		snprintf(q, sizeof(q), DOC("'linux':{'rootfsPropagation':'%s'}"), props[i]);
		spec_free(parse_ok(q));
	}
	/* docker's "not set" values: zeros, and swappiness -1 as a uint64 */
	spec_free(parse_ok(
		DOC("'linux':{'mountLabel':'system_u:object_r:svirt_sandbox_file_t:s0',"
		    "'resources':{'blockIO':{'weight':0,'leafWeight':0,"
		    "'weightDevice':[{'major':8,'minor':0,'weight':0}]},"
		    "'cpu':{'shares':0,'quota':0,'period':0,'realtimeRuntime':0,"
		    "'realtimePeriod':0,'cpus':'','mems':''},"
		    "'memory':{'limit':0,'reservation':0,'swap':0,'kernel':0,'kernelTCP':0,"
		    "'swappiness':18446744073709551615,'disableOOMKiller':false},"
		    "'network':{'classID':0}}}")));
	assert_contains(validate_fails(DOC("'linux':{'rootfsPropagation':'rshared2'}")),
			".linux.rootfsPropagation: unknown propagation \"rshared2\"");
	assert_contains(validate_fails(DOC("'linux':{'maskedPaths':['/ok','rel']}")),
			".linux.maskedPaths[1]: must be an absolute path");
	assert_contains(validate_fails(DOC("'linux':{'readonlyPaths':['rel']}")),
			".linux.readonlyPaths[0]: must be an absolute path");
	assert_contains(validate_fails(DOC("'linux':{'intelRdt':{'memBwSchema':'L3:0=1'}}")),
			".linux.intelRdt.memBwSchema");
	assert_contains(validate_fails(DOC("'linux':{'memoryPolicy':{'mode':'MPOL_BIND',"
					   "'flags':['MPOL_F_NOPE']}}")),
			".linux.memoryPolicy.flags[0]: unknown flag \"MPOL_F_NOPE\"");
	assert_contains(validate_fails(DOC("'linux':{'personality':{'domain':'BSD'}}")),
			".linux.personality.domain: unknown domain \"BSD\"");
	assert_contains(validate_fails(DOC("'linux':{'resources':{'devices':"
					   "[{'allow':true,'access':'rwx'}]}}")),
			".linux.resources.devices[0].access");
	assert_contains(validate_fails(DOC("'linux':{'uidMappings':[{'containerID':0,"
					   "'hostID':1,'size':0}],"
					   "'namespaces':[{'type':'user'}]}")),
			".linux.uidMappings[0].size: must be greater than 0");
	assert_string_equal(validate_fails("{'ociVersion':'1.3.0','root':{'path':''}}"),
			    ORIGIN ": .root.path: must not be empty");
}

static void test_reject_seccomp(void **state)
{
	(void)state;
	assert_string_equal(
		validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_MAYBE'}}")),
		ORIGIN ": .linux.seccomp.defaultAction: unknown action \"SCMP_ACT_MAYBE\"");
	assert_string_equal(
		validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
				   "'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'},"
				   "{'names':['write'],'action':'ALLOW'}]}}")),
		ORIGIN ": .linux.seccomp.syscalls[1].action: unknown action \"ALLOW\"");
	assert_string_equal(
		validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
				   "'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
				   "'args':[{'index':0,'value':1,'op':'SCMP_CMP_EQ'},"
				   "{'index':1,'value':1,'op':'SCMP_CMP_SORTA'}]}]}}")),
		ORIGIN
		": .linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_SORTA\"");
	assert_string_equal(
		validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
				   "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_VAX']}}")),
		ORIGIN ": .linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
	assert_contains(validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
					   "'flags':['SECCOMP_FILTER_FLAG_NOPE']}}")),
			".linux.seccomp.flags[0]: unknown flag");
	assert_contains(
		validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
				   "'syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]}}")),
		".linux.seccomp.syscalls[0].names: must not be empty");
	assert_contains(
		validate_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
				   "'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW',"
				   "'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}}")),
		".linux.seccomp.syscalls[0].args[0].index: 6 out of range [0, 5]");
}

static void test_reject_hugepage(void **state)
{
	(void)state;
	assert_string_equal(
		validate_fails(DOC("'linux':{'resources':{'hugepageLimits':[{'pageSize':'2MB',"
				   "'limit':1},{'pageSize':'64kB','limit':1}]}}")),
		ORIGIN ": .linux.resources.hugepageLimits[1].pageSize: \"64kB\" does not match "
		       "^[1-9][0-9]*[KMG]B$");
	const char *bad[] = {"0MB", "2mb", "2M", "MB", "2 MB", "2TB"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char doc[256];
		snprintf(doc, sizeof(doc),
			 DOC("'linux':{'resources':{'hugepageLimits':[{'pageSize':'%s','limit':1}]}"
			     "}"),
			 bad[i]);
		assert_contains(validate_fails(doc), ".linux.resources.hugepageLimits[0].pageSize");
	}
	struct spec *s = parse_ok(DOC("'linux':{'resources':{'hugepageLimits':[{'pageSize':"
				      "'64KB','limit':1},{'pageSize':'16GB','limit':2}]}}"));
	spec_free(s);
}

/* fixed (was spec/validate.c:274-276): a gidMappings-only document without a user
 * namespace is reported at .linux.uidMappings, a path it does not have. */
static void test_bug_gidmappings_path(void **state)
{
	(void)state;
	assert_contains(validate_fails(DOC("'linux':{'gidMappings':[{'containerID':0,"
					   "'hostID':1000,'size':1}]}")),
			ORIGIN ": .linux.gidMappings");
}

/* fixed (was spec/validate.c:241-243 with check_idmaps at :69): the error for a
 * mount's id mapping names ".mounts[].uidMappings", without the mount's
 * index, so the path is not the JSON path. */
static void test_bug_mount_idmap_path(void **state)
{
	(void)state;
	assert_string_equal(
		validate_fails(DOC("'mounts':[{'destination':'/a'},{'destination':'/b',"
				   "'uidMappings':[{'containerID':0,'hostID':1,'size':0}],"
				   "'gidMappings':[{'containerID':0,'hostID':1,'size':1}]}]")),
		ORIGIN ": .mounts[1].uidMappings[0].size: must be greater than 0");
}

/* ---- error paths free what they built (run under valgrind) ---- */

static void test_error_paths_free(void **state)
{
	(void)state;
	/* type error in the middle of arrays, maps and keyed objects; each
	 * after some values were already allocated */
	assert_string_equal(parse_fails(DOC("'process':{'cwd':'/','args':['a','b',3,'d']}")),
			    ORIGIN ": .process.args[2]: expected string, got number");
	assert_string_equal(parse_fails(DOC(PROC("'user':{'uid':0,'gid':0,"
						 "'additionalGids':[1,2,'x',4]}"))),
			    ORIGIN
			    ": .process.user.additionalGids[2]: expected integer, got string");
	assert_string_equal(parse_fails(DOC("'mounts':[{'destination':'/a','options':['ro']},"
					    "{'destination':'/b','options':['ro',false,'x']}]")),
			    ORIGIN ": .mounts[1].options[1]: expected string, got boolean");
	assert_string_equal(parse_fails(DOC("'mounts':[{'destination':'/a','source':'s'},5]")),
			    ORIGIN ": .mounts[1]: expected object, got number");
	assert_string_equal(parse_fails(DOC("'annotations':{'a':'x','b':1,'c':'y'}")),
			    ORIGIN ": .annotations.b: expected string, got number");
	assert_string_equal(
		parse_fails(DOC("'linux':{'resources':{'rdma':{'mlx5_1':{'hcaHandles':1},"
				"'mlx4_0':{'hcaObjects':-1}}}}")),
		ORIGIN ": .linux.resources.rdma.mlx4_0.hcaObjects: -1 must not be negative");
	assert_string_equal(parse_fails(DOC("'linux':{'netDevices':{'eth0':{'name':'a'},"
					    "'eth1':[]}}")),
			    ORIGIN ": .linux.netDevices.eth1: expected object, got array");
	assert_string_equal(
		parse_fails(DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
				"'architectures':['SCMP_ARCH_X86_64'],"
				"'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'},"
				"{'names':['a','b'],'action':'SCMP_ACT_ERRNO','args':["
				"{'index':0,'value':1,'op':'SCMP_CMP_EQ'},"
				"{'index':1,'value':1,'op':7}]}]}}")),
		ORIGIN ": .linux.seccomp.syscalls[1].args[1].op: expected string, got number");
	assert_string_equal(parse_fails(DOC("'hooks':{'prestart':[{'path':'/a','args':['x']}],"
					    "'poststop':[{'args':['y']}]}")),
			    ORIGIN ": .hooks.poststop[0].path: required field missing");
	assert_string_equal(
		parse_fails(DOC("'linux':{'sysctl':{'a':'1'},'resources':{'unified':{'x':'1'},"
				"'hugepageLimits':[{'pageSize':'2MB','limit':1}],"
				"'blockIO':{'throttleReadBpsDevice':[{'major':1,'minor':1,"
				"'rate':1},{'major':1,'minor':1}]}}}")),
		ORIGIN ": .linux.resources.blockIO.throttleReadBpsDevice[1].rate: required field "
		       "missing");
	assert_string_equal(
		parse_fails("{'ociVersion':'1.3.0','hostname':'h','annotations':{'a':'b'},"
			    "'process':{'cwd':'/','args':['a'],'env':['A=1'],"
			    "'capabilities':{'bounding':['CAP_KILL'],'ambient':[1]}}}"),
		ORIGIN ": .process.capabilities.ambient[0]: expected string, got number");
	assert_string_equal(parse_fails(DOC("'freebsd':{'jail':{'vnet':1}}")),
			    ORIGIN ": .freebsd.jail.vnet: expected string, got number");
	assert_string_equal(
		parse_fails(DOC("'linux':{'intelRdt':{'closID':'c','schemata':['a',null]}}")),
		ORIGIN ": .linux.intelRdt.schemata[1]: expected string, got null");
}

/* ---- spec_load ---- */

static void write_config(const char *dir, const char *q)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	char *json = dq(q);
	fputs(json, f);
	free(json);
	assert_int_equal(fclose(f), 0);
}

static void test_spec_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/agentrun-test-spec-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[4096];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	struct spec *s = (struct spec *)0x1;
	struct error err = {0};

	/* no config.json */
	assert_int_equal(spec_load(dir, &s, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_contains(err.msg, path);

	write_config(dir, full_doc);
	s = NULL;
	assert_int_equal(spec_load(dir, &s, &err), 0);
	assert_non_null(s);
	assert_string_equal(s->hostname, "box");
	assert_int_equal(s->linux_.n_namespaces, 5);
	spec_free(s);

	/* spec_load validates too, and hands nothing back on failure */
	write_config(dir, DOC(PROC("'env':['NOEQUALS']")));
	s = NULL;
	assert_int_equal(spec_load(dir, &s, &err), -1);
	assert_null(s);
	assert_string_equal(err.msg,
			    ORIGIN ": .process.env[0]: \"NOEQUALS\" is not of the form KEY=value");

	write_config(dir, "{'ociVersion':");
	assert_int_equal(spec_load(dir, &s, &err), -1);
	assert_null(s);
	assert_starts_with(err.msg, ORIGIN ": invalid JSON");

	write_config(dir, "");
	assert_int_equal(spec_load(dir, &s, &err), -1);
	assert_starts_with(err.msg, ORIGIN ": invalid JSON");

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_good),
		cmocka_unit_test(test_fixtures_bad),
		cmocka_unit_test(test_fixture_bad_reasons),
		cmocka_unit_test_setup_teardown(test_top_level, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_process, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_rlimits, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_capabilities, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_namespaces, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_id_mappings, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_mounts, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_resources, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_seccomp, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_maps, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_time_offsets, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_devices, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_net_devices, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_rdt_mempolicy_personality, full_setup,
						full_teardown),
		cmocka_unit_test_setup_teardown(test_hooks, full_setup, full_teardown),
		cmocka_unit_test(test_minimal_and_absent),
		cmocka_unit_test(test_null_is_absent),
		cmocka_unit_test(test_unknown_fields_ignored),
		cmocka_unit_test(test_error_namespace_path),
		cmocka_unit_test(test_error_type_messages),
		cmocka_unit_test(test_error_numbers),
		cmocka_unit_test(test_error_document),
		cmocka_unit_test(test_reject_semantics),
		cmocka_unit_test(test_reject_seccomp),
		cmocka_unit_test(test_reject_hugepage),
		cmocka_unit_test(test_bug_gidmappings_path),
		cmocka_unit_test(test_bug_mount_idmap_path),
		cmocka_unit_test(test_error_paths_free),
		cmocka_unit_test(test_spec_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
