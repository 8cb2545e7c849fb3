/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `agentrun spec`: the default config.json, plain or rootless. */
#include "spec/template.h"
#include "spec/agent_seccomp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char template_head[] =
	"{\n"
	"\t\"ociVersion\": \"1.3.0\",\n"
	"\t\"process\": {\n"
	"\t\t\"terminal\": false,\n"
	"\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"
	"\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"
	"\t\t\"env\": [\n"
	"\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
	"\t\t\t\"TERM=xterm\"\n"
	"\t\t],\n"
	"\t\t\"cwd\": \"/\",\n"
	"\t\t\"capabilities\": {\n"
	"\t\t\t\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"\t\t\t\"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"\t\t\t\"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
	"\t\t},\n"
	"\t\t\"rlimits\": [\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
	"\t\t\t\t\"hard\": 1024,\n\t\t\t\t\"soft\": 1024\n\t\t\t}\n"
	"\t\t],\n"
	"\t\t\"noNewPrivileges\": true\n"
	"\t},\n"
	"\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"
	"\t\"hostname\": \"agentrun\",\n"
	"\t\"mounts\": [\n"
	"\t\t{\n\t\t\t\"destination\": \"/proc\",\n\t\t\t\"type\": \"proc\",\n"
	"\t\t\t\"source\": \"proc\"\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev\",\n\t\t\t\"type\": \"tmpfs\",\n"
	"\t\t\t\"source\": \"tmpfs\",\n"
	"\t\t\t\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]\n"
	"\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev/pts\",\n\t\t\t\"type\": \"devpts\",\n"
	"\t\t\t\"source\": \"devpts\",\n"
	"\t\t\t\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
	"\"mode=0620\"%s]\n"
	"\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev/shm\",\n\t\t\t\"type\": \"tmpfs\",\n"
	"\t\t\t\"source\": \"shm\",\n"
	"\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]\n"
	"\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev/mqueue\",\n\t\t\t\"type\": \"mqueue\",\n"
	"\t\t\t\"source\": \"mqueue\",\n"
	"\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\"]\n"
	"\t\t},\n"
	"%s"
	"\t],\n";

static const char sys_plain[] =
	"\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n"
	"\t\t\t\"source\": \"sysfs\",\n"
	"\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]\n"
	"\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": \"cgroup\",\n"
	"\t\t\t\"source\": \"cgroup\",\n"
	"\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]\n"
	"\t\t}\n";

static const char sys_rootless[] =
	"\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"none\",\n"
	"\t\t\t\"source\": \"/sys\",\n"
	"\t\t\t\"options\": [\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"]\n"
	"\t\t}\n";

static const char linux_plain[] = "\t\"linux\": {\n"
				  "\t\t\"resources\": {\n"
				  "\t\t\t\"devices\": [\n\t\t\t\t{\n\t\t\t\t\t\"allow\": false,\n"
				  "\t\t\t\t\t\"access\": \"rwm\"\n\t\t\t\t}\n\t\t\t]\n"
				  "\t\t},\n"
				  "\t\t\"namespaces\": [\n"
				  "\t\t\t{\"type\": \"pid\"},\n\t\t\t{\"type\": \"network\"},\n"
				  "\t\t\t{\"type\": \"ipc\"},\n\t\t\t{\"type\": \"uts\"},\n"
				  "\t\t\t{\"type\": \"mount\"},\n\t\t\t{\"type\": \"cgroup\"}\n"
				  "\t\t],\n";

static const char linux_rootless[] =
	"\t\"linux\": {\n"
	"\t\t\"uidMappings\": [\n\t\t\t{\"containerID\": 0, \"hostID\": %u, \"size\": 1}\n\t\t],\n"
	"\t\t\"gidMappings\": [\n\t\t\t{\"containerID\": 0, \"hostID\": %u, \"size\": 1}\n\t\t],\n"
	"\t\t\"namespaces\": [\n"
	"\t\t\t{\"type\": \"pid\"},\n\t\t\t{\"type\": \"ipc\"},\n"
	"\t\t\t{\"type\": \"uts\"},\n\t\t\t{\"type\": \"mount\"},\n"
	"\t\t\t{\"type\": \"cgroup\"},\n\t\t\t{\"type\": \"user\"}\n"
	"\t\t],\n";

static const char linux_tail[] =
	"\t\t\"maskedPaths\": [\n"
	"\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n"
	"\t\t\t\"/proc/keys\",\n\t\t\t\"/proc/latency_stats\",\n\t\t\t\"/proc/timer_list\",\n"
	"\t\t\t\"/proc/timer_stats\",\n\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n"
	"\t\t\t\"/proc/scsi\"\n"
	"\t\t],\n"
	"\t\t\"readonlyPaths\": [\n"
	"\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n"
	"\t\t\t\"/proc/sys\",\n\t\t\t\"/proc/sysrq-trigger\"\n"
	"\t\t]\n"
	"\t}\n"
	"}\n";

int spec_template_json(bool rootless, unsigned int uid, unsigned int gid, char **out,
		       struct error *err)
{
	char *head = NULL, *linux_part = NULL;
	int r = -1;
	if (asprintf(&head, template_head, rootless ? "" : ", \"gid=5\"",
		     rootless ? sys_rootless : sys_plain) < 0)
		head = NULL;
	else if (rootless ? asprintf(&linux_part, linux_rootless, uid, gid) < 0
			  : !(linux_part = strdup(linux_plain)))
		linux_part = NULL;
	else if (asprintf(out, "%s%s%s", head, linux_part, linux_tail) >= 0)
		r = 0;
	free(head);
	free(linux_part);
	if (r < 0)
		error_set(err, ENOMEM, "spec template");
	return r;
}

/* The agent profile: what an AI coding agent's session needs and no more.
 * Its own user namespace (root inside, unprivileged outside), a read-only
 * root, a tmpfs workdir (/work) and /tmp, no network but loopback, few
 * capabilities, no_new_privs, and a seccomp allowlist (agent_seccomp.c):
 * the syscalls builds and shells need, nothing that reaches past the
 * sandbox (mounts, modules, bpf, io_uring, ptrace, keyrings, namespaces,
 * clocks, reboot). */
static const char agent_template[] =
	"{\n"
	"\t\"ociVersion\": \"1.3.0\",\n"
	"\t\"annotations\": {\n"
	"\t\t\"org.agentrun.profile\": \"agent\",\n"
	/* Landlock (runtime/landlock.h): read everything, write only in /work,
	 * /tmp, /dev/shm, the writable bind mounts and the terminal and
	 * null-like devices, execute only from the system directories and
	 * /work (a venv's scripts, what make builds); refused without any
	 * Landlock in the kernel, newer rights used when the kernel has them */
	"\t\t\"run.agentrun.landlock\": \"best-effort\",\n"
	"\t\t\"run.agentrun.landlock.abi\": \"1\",\n"
	"\t\t\"run.agentrun.landlock.ro\": \"/\",\n"
	"\t\t\"run.agentrun.landlock.rw\": \"/work:/tmp:?/dev/shm:?/dev/mqueue:/dev/null:"
	"?/dev/zero:?/dev/full:?/dev/random:?/dev/urandom:?/dev/tty:?/dev/ptmx:?/dev/pts:"
	"?/dev/console\",\n"
	"\t\t\"run.agentrun.landlock.exec\": \"?/usr:?/bin:?/sbin:?/lib:?/lib32:?/lib64:"
	"?/libx32:?/opt:/work\",\n"
	"\t\t\"run.agentrun.landlock.binds\": \"rw\"\n"
	"\t},\n"
	"\t\"process\": {\n"
	"\t\t\"terminal\": false,\n"
	"\t\t\"user\": {\"uid\": 0, \"gid\": 0},\n"
	"\t\t\"args\": [\"sh\"],\n"
	"\t\t\"env\": [\n"
	"\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
	"\t\t\t\"HOME=/work\",\n"
	"\t\t\t\"TERM=xterm\"\n"
	"\t\t],\n"
	"\t\t\"cwd\": \"/work\",\n"
	"\t\t\"capabilities\": {\n"
	"\t\t\t\"bounding\": [%s],\n"
	"\t\t\t\"effective\": [%s],\n"
	"\t\t\t\"permitted\": [%s]\n"
	"\t\t},\n"
	"\t\t\"rlimits\": [\n"
	"\t\t\t{\"type\": \"RLIMIT_NOFILE\", \"hard\": 4096, \"soft\": 4096},\n"
	"\t\t\t{\"type\": \"RLIMIT_NPROC\", \"hard\": 4096, \"soft\": 4096}\n"
	"\t\t],\n"
	"\t\t\"noNewPrivileges\": true\n"
	"\t},\n"
	"\t\"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
	"\t\"hostname\": \"agent\",\n"
	"\t\"mounts\": [\n"
	"\t\t{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\",\n"
	"\t\t \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
	"\t\t{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	"\t\t \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
	"\t\t{\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
	"\t\t \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
	"\"mode=0620\"]},\n"
	"\t\t{\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
	"\t\t \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
	"\t\t{\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
	"\t\t \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
	"\t\t{\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
	"\t\t \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
	"\t\t{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	"\t\t \"options\": [\"nosuid\", \"nodev\", \"mode=1777\", \"size=1g\"]},\n"
	"\t\t{\"destination\": \"/work\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	"\t\t \"options\": [\"nosuid\", \"nodev\", \"mode=0755\", \"size=4g\"]}\n"
	"\t],\n"
	"\t\"linux\": {\n"
	"\t\t\"uidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": %u}],\n"
	"\t\t\"gidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": %u}],\n"
	"\t\t\"namespaces\": [\n"
	"\t\t\t{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},\n"
	"\t\t\t{\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"},\n"
	"\t\t\t{\"type\": \"user\"}\n"
	"\t\t],\n"
	"\t\t\"resources\": {\"pids\": {\"limit\": 4096}},\n"
	"\t\t\"seccomp\": %s,\n"
	"\t\t\"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
	"\t\t\t\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
	"\t\t\t\"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],\n"
	"\t\t\"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\",\n"
	"\t\t\t\"/proc/sysrq-trigger\"]\n"
	"\t}\n"
	"}\n";

int spec_agent_template_json(unsigned int uid, unsigned int gid, char **out, struct error *err)
{
	static const char caps[] = "\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", "
				   "\"CAP_FSETID\", \"CAP_KILL\", \"CAP_SETGID\", \"CAP_SETUID\", "
				   "\"CAP_NET_BIND_SERVICE\"";
	/* as root the session gets 65536 ids far from the host's; else just ours */
	unsigned int host_uid = uid == 0 ? 100000 : uid, host_gid = uid == 0 ? 100000 : gid;
	unsigned int size = uid == 0 ? 65536 : 1;
	char *seccomp = NULL;
	if (agent_seccomp_json(&seccomp, err) < 0)
		return -1;
	int r = asprintf(out, agent_template, caps, caps, caps, host_uid, size, host_gid, size,
			 seccomp);
	free(seccomp);
	if (r < 0)
		return error_set(err, ENOMEM, "spec template");
	return 0;
}
