/* SPDX-License-Identifier: GPL-2.0-or-later */
/* agentrun: global options, the command table, dispatch. Only main()
 * prints errors: as text on stderr, and as runc's JSON lines with
 * --log-format json. */
#include "cgroups/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/criu.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/version.h"
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_version.h>

static const struct command commands[] = {
	{"create", "create a container",
	 "USAGE:\n   agentrun create [command options] <container-id>\n\n"
	 "The container is set up and waits; `start` runs its process.\n\n"
	 "OPTIONS:\n"
	 "   --bundle value, -b value  path to the root of the bundle directory (default: .)\n"
	 "   --pid-file value          file to write the process id to\n"
	 "   --preserve-fds value      pass N additional file descriptors to the container\n"
	 "                             (stdio + $LISTEN_FDS + N in total) (default: 0)\n"
	 "   --no-pivot                do not use pivot_root to jail the process inside rootfs\n"
	 "   --no-new-keyring          do not create a new session keyring for the container\n"
	 "   --console-socket value    AF_UNIX socket to receive the pty master when\n"
	 "                             process.terminal is true\n",
	 cmd_create},
	{"run", "create and run a container",
	 "USAGE:\n   agentrun run [command options] <container-id>\n\n"
	 "In the foreground, agentrun waits for the container, forwards signals to it,\n"
	 "deletes it when it exits and exits with its exit code (128+N when killed by\n"
	 "signal N).\n\n"
	 "OPTIONS:\n"
	 "   --bundle value, -b value  path to the root of the bundle directory (default: .)\n"
	 "   --detach, -d              detach from the container's process\n"
	 "   --pid-file value          file to write the process id to\n"
	 "   --preserve-fds value      pass N additional file descriptors to the container\n"
	 "   --no-pivot                do not use pivot_root to jail the process inside rootfs\n"
	 "   --no-new-keyring          do not create a new session keyring for the container\n"
	 "   --console-socket value    AF_UNIX socket to receive the pty master; without it a\n"
	 "                             foreground run relays the terminal itself\n",
	 cmd_run},
	{"start", "executes the user defined process in a created container",
	 "USAGE:\n   agentrun start <container-id>\n", cmd_start},
	{"state", "output the state of a container",
	 "USAGE:\n   agentrun state <container-id>\n\n"
	 "Prints the OCI state JSON (ociVersion, id, status, pid, bundle, annotations).\n",
	 cmd_state},
	{"kill",
	 "kill sends the specified signal (default: SIGTERM) to the container's init process",
	 "USAGE:\n   agentrun kill [command options] <container-id> [signal]\n\n"
	 "The signal is a number or a name (KILL, SIGKILL, RTMIN+1).\n\n"
	 "OPTIONS:\n"
	 "   --all, -a  send the signal to all processes in the container (needs its cgroup)\n",
	 cmd_kill},
	{"delete", "delete any resources held by the container",
	 "USAGE:\n   agentrun delete [command options] <container-id>\n\n"
	 "OPTIONS:\n"
	 "   --force, -f  forcibly delete the container if it is still running (uses SIGKILL)\n",
	 cmd_delete},
	{"list", "lists containers started by agentrun with the given root",
	 "USAGE:\n   agentrun list [command options]\n\n"
	 "OPTIONS:\n"
	 "   --format value, -f value  select one of: table or json (default: \"table\")\n"
	 "   --quiet, -q               display only container IDs\n",
	 cmd_list},
	{"exec", "execute new process inside the container",
	 "USAGE:\n   agentrun exec [command options] <container-id> <command> [command options]\n"
	 "   or: agentrun exec [command options] -p process.json <container-id>\n\n"
	 "The process joins every namespace and the cgroup of the container and gets its\n"
	 "capabilities, rlimits, seccomp filter and environment unless flags override them.\n"
	 "In the foreground agentrun exits with its exit code (128+N when killed by N).\n\n"
	 "OPTIONS:\n"
	 "   --process value, -p value     path to a process.json (replaces the command)\n"
	 "   --cwd value                   current working directory in the container\n"
	 "   --env value, -e value         set an environment variable (repeatable)\n"
	 "   --user value, -u value        UID[:GID] to run as\n"
	 "   --additional-gids value, -g value  an additional gid (repeatable)\n"
	 "   --cap value, -c value         add a capability (repeatable)\n"
	 "   --no-new-privs                set no_new_privs\n"
	 "   --detach, -d                  detach from the process\n"
	 "   --pid-file value              write the process id to a file\n"
	 "   --preserve-fds value          pass N additional file descriptors\n"
	 "   --ignore-paused               allow exec in a paused container\n"
	 "   --no-wake                     fail on a suspended container instead of waking it\n"
	 "   --tty, -t                     allocate a pseudo-TTY\n"
	 "   --console-socket value        AF_UNIX socket to receive the pty master\n"
	 "   --apparmor value              AppArmor profile (where the host has AppArmor)\n"
	 "   --process-label value         SELinux label (where the host has SELinux)\n"
	 "   --cgroup value                run in an existing sub-cgroup of the container:\n"
	 "                                 PATH, or CONTROLLER:PATH (v1); repeatable\n",
	 cmd_exec},
	{"pause", "pause suspends all processes inside the container",
	 "USAGE:\n   agentrun pause <container-id>\n\n"
	 "Freezes every process of the container through its cgroup (v1 freezer or\n"
	 "cgroup.freeze); `state` then says \"paused\".\n",
	 cmd_pause},
	{"resume", "resumes all processes that have been previously paused",
	 "USAGE:\n   agentrun resume <container-id>\n\n"
	 "Thaws a paused container. A suspended container (see suspend) is never paused:\n"
	 "resume of one wakes it, as `wake` does.\n",
	 cmd_resume},
	{"ps", "ps displays the processes running inside a container",
	 "USAGE:\n   agentrun ps [command options] <container-id> [ps options]\n\n"
	 "OPTIONS:\n"
	 "   --format value, -f value  select one of: table or json (default: \"table\")\n",
	 cmd_ps},
	{"update", "update container resource constraints",
	 "USAGE:\n   agentrun update [command options] <container-id>\n\n"
	 "Writes new limits into the cgroup of a running or paused container and into\n"
	 "its saved config. Sizes take a suffix (k, m, g, t, p; 1024-based); -1 is\n"
	 "unlimited.\n\n"
	 "OPTIONS:\n"
	 "   --resources value, -r value  path to a file with the linux.resources JSON to\n"
	 "                                apply, or '-' to read it from stdin (the other\n"
	 "                                flags are then ignored)\n"
	 "   --blkio-weight value         per cgroup block IO weight, 10 to 1000 (default: 0)\n"
	 "   --cpu-period value           CPU CFS period to be used for hardcapping (in usecs)\n"
	 "   --cpu-quota value            CPU CFS hardcap limit (in usecs) in a given period\n"
	 "   --cpu-burst value            CPU CFS hardcap burst limit (in usecs)\n"
	 "   --cpu-rt-period value        CPU realtime period to be used for hardcapping (in\n"
	 "                                usecs)\n"
	 "   --cpu-rt-runtime value       CPU realtime hardcap limit (in usecs)\n"
	 "   --cpu-share value            CPU shares (relative weight vs. other containers)\n"
	 "   --cpuset-cpus value          CPU(s) to use\n"
	 "   --cpuset-mems value          memory node(s) to use\n"
	 "   --kernel-memory value        (obsoleted; ignored with a warning)\n"
	 "   --kernel-memory-tcp value    (obsoleted; ignored with a warning)\n"
	 "   --memory value               memory limit (in bytes)\n"
	 "   --memory-reservation value   memory reservation or soft_limit (in bytes)\n"
	 "   --memory-swap value          total memory usage (memory + swap); '-1' for\n"
	 "                                unlimited swap\n"
	 "   --pids-limit value           maximum number of pids allowed in the container\n"
	 "                                (default: 0, unchanged)\n",
	 cmd_update},
	{"events",
	 "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
	 "USAGE:\n   agentrun events [command options] <container-id>\n\n"
	 "Prints a JSON stats event every interval, and an oom event when the kernel\n"
	 "kills a process of the container for memory, until the container stops.\n\n"
	 "OPTIONS:\n"
	 "   --interval value  set the stats collection interval (default: 5s)\n"
	 "   --stats           display the container's stats then exit\n",
	 cmd_events},
	{"checkpoint", "checkpoint a running container (CRIU)",
	 "USAGE:\n   agentrun checkpoint [command options] <container-id>\n\n"
	 "Writes the container's processes, memory, open files and namespaces to an image\n"
	 "directory with CRIU (>= 4.2). Without --leave-running the container is gone\n"
	 "afterwards; `restore` brings it back, under the same or another id.\n\n"
	 "OPTIONS:\n"
	 "   --image-path value           path for saving criu image files (default: checkpoint)\n"
	 "   --work-path value            path for saving work files and logs (default: the\n"
	 "                                image path)\n"
	 "   --parent-path value          path for previous criu image files in pre-dump\n"
	 "   --leave-running              leave the process running after checkpointing\n"
	 "   --tcp-established            allow open tcp connections\n"
	 "   --tcp-skip-in-flight         skip in-flight tcp connections\n"
	 "   --link-remap                 allow one to link unlinked files back when possible\n"
	 "   --ext-unix-sk                allow external unix sockets\n"
	 "   --shell-job                  allow shell jobs\n"
	 "   --lazy-pages                 use userfaultfd to lazily restore memory pages\n"
	 "   --status-fd value            criu writes \\0 to this FD once lazy-pages is ready\n"
	 "   --page-server value          ADDRESS:PORT of the page server\n"
	 "   --file-locks                 handle file locks, for safety\n"
	 "   --pre-dump                   dump container's memory information only, leave the\n"
	 "                                container running after this (needs soft-dirty)\n"
	 "   --manage-cgroups-mode value  cgroups mode: soft (default), full, strict, ignore\n"
	 "   --empty-ns value             create a namespace, but don't restore its properties\n"
	 "                                (network)\n"
	 "   --auto-dedup                 enable auto deduplication of memory images\n"
	 "\nThe annotation org.criu.config names a CRIU configuration file.\n",
	 cmd_checkpoint},
	{"restore", "restore a container from a previous checkpoint (CRIU)",
	 "USAGE:\n   agentrun restore [command options] <container-id>\n\n"
	 "Recreates the checkpointed container as <container-id> from the bundle: a new\n"
	 "state and cgroup, its processes back in their namespaces. In the foreground\n"
	 "agentrun waits for it and exits with its exit code.\n\n"
	 "OPTIONS:\n"
	 "   --console-socket value       AF_UNIX socket to receive the pty master\n"
	 "   --image-path value           path to criu image files for restoring (default:\n"
	 "                                checkpoint)\n"
	 "   --work-path value            path for saving work files and logs\n"
	 "   --tcp-established            allow open tcp connections\n"
	 "   --ext-unix-sk                allow external unix sockets\n"
	 "   --shell-job                  allow shell jobs\n"
	 "   --file-locks                 handle file locks, for safety\n"
	 "   --manage-cgroups-mode value  cgroups mode: soft (default), full, strict, ignore\n"
	 "   --bundle value, -b value     path to the root of the bundle directory\n"
	 "   --detach, -d                 detach from the container's process\n"
	 "   --pid-file value             specify the file to write the process id to\n"
	 "   --no-subreaper               disable the use of the subreaper used to reap\n"
	 "                                reparented processes\n"
	 "   --no-pivot                   accepted for runc compatibility (CRIU sets up the\n"
	 "                                root itself)\n"
	 "   --empty-ns value             create a namespace, but don't restore its properties\n"
	 "                                (network)\n"
	 "   --auto-dedup                 enable auto deduplication of memory images\n"
	 "   --lazy-pages                 use userfaultfd to lazily restore memory pages\n"
	 "   --lsm-profile value          type:label of the LSM profile for the restored process\n"
	 "   --lsm-mount-context value    the SELinux context for mounts of the restored\n"
	 "                                container\n",
	 cmd_restore},
	{"suspend", "checkpoint a container to disk and free its memory, keeping its id",
	 "USAGE:\n   agentrun suspend [command options] <container-id>\n\n"
	 "Checkpoints a running (or paused) container with CRIU and stops it: its processes\n"
	 "and cgroup go, its id stays. `state` and `list` show it \"stopped\" with the\n"
	 "annotation org.agentrun.suspended = the image path. `wake` (or `resume`, or an\n"
	 "`exec`) restores it in place; `kill` with KILL, TERM, INT, HUP or QUIT discards\n"
	 "the image and leaves it stopped; `delete` removes the image. Refused on a\n"
	 "container an engine (podman, containerd, CRI) created. See docs/sessions.md.\n\n"
	 "OPTIONS:\n"
	 "   --image-path value  a new or empty directory for the image (default: the\n"
	 "                       container's state directory)\n"
	 "   --compress          zstd the memory pages of the image (level 1, with\n"
	 "                       checksums); wake decompresses them first (needs\n"
	 "                       agentrun built with libzstd)\n",
	 cmd_suspend},
	{"wake", "restore a suspended container in place",
	 "USAGE:\n   agentrun wake [command options] <container-id>\n\n"
	 "Restores a suspended container under its id from its bundle, detached, with\n"
	 "stdin, stdout and stderr on /dev/null; its image is removed once it runs.\n\n"
	 "OPTIONS:\n"
	 "   --console-socket value  AF_UNIX socket to receive the new pty master of a\n"
	 "                           container with a terminal (required for one)\n"
	 "   --lazy-pages            resume before the memory is back: a `criu lazy-pages`\n"
	 "                           daemon serves the pages from the image as they are\n"
	 "                           touched (userfaultfd), pushes the rest, and the image\n"
	 "                           is removed when it is done (its log: lazy-pages.log\n"
	 "                           in the state directory)\n",
	 cmd_wake},
	{"fork", "start copies of a running container from its exact state",
	 "USAGE:\n   agentrun fork [command options] <container-id> <new-id>\n\n"
	 "The container goes on running; each copy starts from its state (processes,\n"
	 "memory, open files, its tmpfs mounts and their contents), with its own network\n"
	 "namespace (lo up), cgroup and state entry, detached, stdio on /dev/null. The\n"
	 "source is frozen while CRIU dumps it and its writable bind mounts (and a\n"
	 "writable rootfs) are copied for each copy: reflinks where the filesystem has\n"
	 "them, else a plain copy; one line per copy says which, and the pause is\n"
	 "printed. Read-only mounts and a read-only rootfs are shared. See\n"
	 "docs/sessions.md.\n\n"
	 "OPTIONS:\n"
	 "   --count value           N copies, named <new-id>-1 .. <new-id>-N (default: 1,\n"
	 "                           named <new-id>)\n"
	 "   --bundle value, -b value  directory for the copies' bundles, each DIR/<id>\n"
	 "                           with its config.json and copied data (default: the\n"
	 "                           directory of the source's bundle); the caller's, as\n"
	 "                           any bundle: delete leaves them\n"
	 "   --console-socket value  AF_UNIX socket to receive each copy's new pty master\n"
	 "                           (a container with a terminal)\n",
	 cmd_fork},
	{"idle", "list (and suspend) containers whose CPU and I/O have not moved for a while",
	 "USAGE:\n   agentrun idle [command options]\n\n"
	 "A container is idle when its cgroup's CPU usage and block I/O counters have\n"
	 "not moved for --for. Each run samples every running or paused container and\n"
	 "keeps the sample in its state directory (idle.sample): the first run sees\n"
	 "nothing idle, a later one compares. Run it periodically, or with --watch.\n\n"
	 "OPTIONS:\n"
	 "   --for value       how long the counters must not have moved (default: 5m)\n"
	 "   --suspend         suspend each idle container (see suspend)\n"
	 "   --json            print a JSON array\n"
	 "   --all             list every sampled container, idle or not\n"
	 "   --watch           sample again every --interval, until killed\n"
	 "   --interval value  with --watch (default: a quarter of --for, 1s to 60s)\n",
	 cmd_idle},
	{"spec", "create a new specification file",
	 "USAGE:\n   agentrun spec [command options]\n\n"
	 "Writes a default config.json (runtime-spec 1.3) into the bundle directory.\n\n"
	 "OPTIONS:\n"
	 "   --bundle value, -b value  path to the root of the bundle directory\n"
	 "   --rootless                generate a configuration for a rootless container\n"
	 "   --profile value           default, or agent: a sandbox for an AI coding agent (its\n"
	 "                             own user namespace, read-only root, tmpfs /work and /tmp,\n"
	 "                             loopback only, few capabilities, no_new_privs, a seccomp\n"
	 "                             denylist)\n"
	 "   --egress-proxy value      with --profile agent: the only way out is the proxy at\n"
	 "                             this host unix socket (run.agentrun.net.proxy), reached\n"
	 "                             as http://127.0.0.1:3128 inside\n",
	 cmd_spec},
	{"features", "show the enabled features",
	 "USAGE:\n   agentrun features\n\n"
	 "Prints the runtime-spec features document of this build on this host.\n",
	 cmd_features},
	{NULL, NULL, NULL, NULL},
};

static void print_usage(void)
{
	printf("NAME:\n   agentrun - an OCI container runtime for AI coding agent sandboxes\n\n"
	       "USAGE:\n   agentrun [global options] command [command options] [arguments...]\n\n"
	       "VERSION:\n   %s\n\nCOMMANDS:\n",
	       AGENTRUN_VERSION);
	for (const struct command *c = commands; c->name; c++)
		printf("   %-10s %s\n", c->name, c->summary);
	printf("\nGLOBAL OPTIONS:\n"
	       "   --debug                   enable debug logging\n"
	       "   --log value               set the log file to write agentrun logs to (default: "
	       "stderr)\n"
	       "   --log-format value        set the log format ('text' (default), or 'json')\n"
	       "   --root value              root directory for storage of container state "
	       "(default: "
	       "\"/run/agentrun\")\n"
	       "   --systemd-cgroup          use the systemd cgroup manager: a transient unit per\n"
	       "                             container, linux.cgroupsPath \"slice:prefix:name\"\n"
	       "                             (cgroup v2 only)\n"
	       "   --cgroup-manager value    cgroupfs (default), systemd or disabled\n"
	       "   --criu value              path to the criu binary (default: \"criu\")\n"
	       "   --help, -h                show help\n"
	       "   --version, -v             print the version\n"
	       "\nENVIRONMENT:\n"
	       "   AGENTRUN_CGROUP_MODE      auto (default), unified (only the cgroup2 "
	       "hierarchy),\n"
	       "                             legacy (only cgroup v1) or disabled (no cgroups)\n"
	       "   AGENTRUN_CRIU             the criu binary (also --criu; default: criu in "
	       "PATH)\n");
}

/* runc's first three lines, then what this agentrun is made of: the
 * libraries (libseccomp and yajl as loaded now; libcap, libmnl and libcriu
 * have no run-time version call: the versions built against) and the CRIU
 * it would run for checkpoint/restore. */
static void print_version(void)
{
	const struct scmp_version *v = seccomp_version();
	int y = yajl_version();
	char criu[PATH_MAX + 128];
	criu_describe(criu, sizeof(criu));
	printf("agentrun version %s\ncommit: %s\nspec: %s\n", AGENTRUN_VERSION, agentrun_commit,
	       AGENTRUN_SPEC_VERSION);
	printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
	printf("yajl: %d.%d.%d\n", y / 10000, y / 100 % 100, y % 100);
	printf("libcap: %s (built against)\n", AGENTRUN_LIBCAP_BUILD_VERSION);
	printf("libmnl: %s (built against)\n", AGENTRUN_LIBMNL_BUILD_VERSION);
	if (criu_built_in())
		printf("libcriu: %s (built against)\n", criu_library_version());
	else
		printf("libcriu: %s\n", criu_library_version());
	printf("criu: %s\n", criu);
}

enum {
	G_ROOT = 256,
	G_LOG,
	G_LOG_FORMAT,
	G_DEBUG,
	G_SYSTEMD,
	G_CGMANAGER,
	G_ROOTLESS,
	G_CRIU
};

/* The default --root, runc's rule: /run/agentrun for root;
 * $XDG_RUNTIME_DIR/agentrun for a user, also in a user namespace it made
 * (rootless podman runs us as uid 0 there), unless USER=root. A plain user
 * without XDG_RUNTIME_DIR gets /run/user/UID/agentrun when that directory
 * is its own (runc would take /run/runc, which it cannot write); failing
 * that NULL, and why in no_root_why. */
static char no_root_why[512];
static bool root_in_xdg; /* the default is $XDG_RUNTIME_DIR/agentrun */

static const char *default_root(void)
{
	static char buf[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	bool user = geteuid() != 0;
	if (!user && xdg && *xdg) {
		const char *name = getenv("USER");
		user = fs_in_child_userns() && !(name && !strcmp(name, "root"));
	}
	if (!user)
		return "/run/agentrun";
	if (xdg && *xdg) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s/agentrun", xdg) < sizeof(buf)) {
			root_in_xdg = true;
			return buf;
		}
		snprintf(no_root_why, sizeof(no_root_why),
			 "no state directory: XDG_RUNTIME_DIR is too long; give --root");
		return NULL;
	}
	char run_user[64];
	snprintf(run_user, sizeof(run_user), "/run/user/%u", (unsigned)geteuid());
	struct stat st;
	if (stat(run_user, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    access(run_user, W_OK | X_OK) == 0) {
		snprintf(buf, sizeof(buf), "%s/agentrun", run_user);
		return buf;
	}
	snprintf(no_root_why, sizeof(no_root_why),
		 "no state directory for uid %u: XDG_RUNTIME_DIR is not set and %s is not a "
		 "directory of yours; set XDG_RUNTIME_DIR or give --root",
		 (unsigned)geteuid(), run_user);
	return NULL;
}

/* Does this command need the state directory (not spec, features, help)? */
static bool needs_root(const char *name, int argc, char **argv)
{
	if (!strcmp(name, "spec") || !strcmp(name, "features"))
		return false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "-help"))
			return false;
	}
	return true;
}

extern char **environ;

#define SEALED_ENV "_AGENTRUN_SEALED_EXE"
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Is our executable a sealed memfd (nobody can write to it)? */
static bool exe_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	int seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

/* How much of the executable exe (size bytes) execve and the dynamic
 * loader read: the end of the furthest program header's file contents (the
 * loadable segments, the interpreter name, the notes, the program header
 * table itself). What follows (debug info, symbol and section tables) is
 * not needed to run: the sealed copy leaves it out (its size is all
 * the copy costs). Anything unexpected: the whole file. */
static off_t exec_extent(int exe, off_t size)
{
	Elf64_Ehdr eh;
	if (pread(exe, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64 ||
	    eh.e_phoff > (uint64_t)size)
		return size;
	Elf64_Phdr ph[64];
	size_t len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(exe, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		return size;
	uint64_t end = eh.e_phoff + len;
	if (end < sizeof(eh))
		end = sizeof(eh);
	for (size_t i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_offset > (uint64_t)size ||
		    ph[i].p_filesz > (uint64_t)size - ph[i].p_offset)
			return size;
		if (ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	}
	return (off_t)end;
}

/* Commands that enter a container run from a sealed memfd copy of
 * agentrun, as runc and crun do: a process of the container that reaches
 * us through /proc/PID/exe (ptrace, or a race on a dumpable moment) finds
 * a copy nobody can write, never the host binary (CVE-2019-5736). Done
 * once: the copy finds itself sealed. */
static int reexec_sealed(char **argv, struct error *err)
{
	bool marked = getenv(SEALED_ENV) != NULL;
	unsetenv(SEALED_ENV); /* not passed on to hooks, CRIU or the container */
	if (exe_sealed())
		return 0;
	if (marked)
		return error_set(err, 0, "re-exec from a sealed copy of agentrun: not sealed");
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return error_errno(err, "open /proc/self/exe");
	int mfd = memfd_create("agentrun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		close(exe);
		return error_errno(err, "memfd_create");
	}
	struct stat st;
	int r = fstat(exe, &st);
	off_t size = r == 0 ? exec_extent(exe, st.st_size) : 0;
	for (off_t done = 0; r == 0 && done < size;) {
		ssize_t n = sendfile(mfd, exe, NULL, (size_t)(size - done));
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			r = -1;
			break;
		}
		done += n;
	}
	close(exe);
	if (r < 0) {
		close(mfd);
		return error_errno(err, "copy agentrun to a memfd");
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) {
		close(mfd);
		return error_errno(err, "seal the memfd copy of agentrun");
	}
	setenv(SEALED_ENV, "1", 1);
	fexecve(mfd, argv, environ);
	int saved = errno;
	close(mfd);
	unsetenv(SEALED_ENV);
	errno = saved;
	return error_errno(err, "re-exec from a sealed copy of agentrun");
}

/* Does this command enter (or make) a container? */
static bool enters_container(const char *name)
{
	static const char *const cmds[] = {"create", "run", "exec", "restore"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	/* Never with privileges its caller does not have (a setuid or setgid
	 * install, file capabilities: the kernel sets AT_SECURE): root in
	 * our user namespace writes any id map and opens any path, so a plain
	 * user could map host root into a container, and it would trust the
	 * caller's environment and config.json. A plain user runs agentrun as
	 * itself; newuidmap/newgidmap are the only setuid helpers. */
	if (getauxval(AT_SECURE)) {
		fprintf(stderr, "agentrun must not run setuid, setgid or with file capabilities: "
				"run it as yourself (a plain user's subordinate ids come through "
				"newuidmap/newgidmap)\n");
		return 1;
	}
	struct global_opts g = {.root = default_root(), .log_format = "text"};
	static const struct option opts[] = {
		{"root", required_argument, NULL, G_ROOT},
		{"log", required_argument, NULL, G_LOG},
		{"log-format", required_argument, NULL, G_LOG_FORMAT},
		{"debug", no_argument, NULL, G_DEBUG},
		{"systemd-cgroup", no_argument, NULL, G_SYSTEMD},
		{"cgroup-manager", required_argument, NULL, G_CGMANAGER},
		{"rootless", required_argument, NULL, G_ROOTLESS},
		{"criu", required_argument, NULL, G_CRIU},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	struct error err = {0};
	const char *bad = NULL;
	bool version = false;
	opterr = 0;
	for (;;) {
		int c = getopt_long_only(argc, argv, "+:hv", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case G_ROOT:
			g.root = optarg;
			root_in_xdg = false;
			break;
		case G_LOG:
			g.log_path = optarg;
			break;
		case G_LOG_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				bad = "--log-format: must be text or json";
			g.log_format = optarg;
			break;
		case G_DEBUG:
			g.debug = true;
			break;
		case G_SYSTEMD:
			g.systemd_cgroup = true;
			break;
		case G_CGMANAGER:
			if (!strcmp(optarg, "systemd"))
				g.systemd_cgroup = true;
			else if (!strcmp(optarg, "disabled"))
				cgroup_force_mode("disabled", NULL);
			else if (strcmp(optarg, "cgroupfs"))
				bad = "--cgroup-manager: must be cgroupfs, systemd or disabled";
			break;
		case G_CRIU:
			setenv("AGENTRUN_CRIU", optarg, 1);
			break;
		case G_ROOTLESS:
			break;
		case 'h':
			print_usage();
			return 0;
		case 'v':
			version = true; /* after the other flags: --criu */
			break;
		case ':':
			fprintf(stderr, "flag needs an argument: %s\n", argv[optind - 1]);
			return 1;
		default:
			fprintf(stderr, "flag provided but not defined: %s\n", argv[optind - 1]);
			return 1;
		}
	}
	if (version) {
		print_version();
		return 0;
	}
	if (log_init(g.log_path, !strcmp(g.log_format, "json"), g.debug) < 0) {
		fprintf(stderr, "open log file %s: %m\n", g.log_path);
		return 1;
	}
	if (bad) {
		log_error("%s", bad);
		return 1;
	}
	const char *cgmode = getenv("AGENTRUN_CGROUP_MODE");
	if (cgmode && !cgroup_disabled() && cgroup_force_mode(cgmode, &err) < 0) {
		log_error("%s", err.msg); /* the message names the variable and values */
		return 1;
	}
	if (optind >= argc) {
		print_usage();
		return 0;
	}
	const char *name = argv[optind];
	if (!strcmp(name, "help")) {
		print_usage();
		return 0;
	}
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, name) != 0)
			continue;
		if (!g.root && needs_root(name, argc - optind, argv + optind)) {
			log_error("%s", no_root_why);
			return 1;
		}
		/* as runc: the sticky bit keeps a session's clean-up of
		 * $XDG_RUNTIME_DIR off the state directory (XDG base directory
		 * spec); a failure shows where the directory is used */
		if (root_in_xdg && (mkdir(g.root, 0700) == 0 || errno == EEXIST))
			(void)!chmod(g.root, 01700);
		if (enters_container(name) && reexec_sealed(argv, &err) < 0) {
			log_error("%s", err.msg);
			return 1;
		}
		int r = c->run(c, &g, argc - optind, argv + optind, &err);
		if (r < 0) {
			log_error("%s", err.msg[0] ? err.msg : "unknown error");
			return cli_failure_status;
		}
		return r;
	}
	log_error("No help topic for '%s'", name);
	return 1;
}
