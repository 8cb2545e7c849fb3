/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Egress only through a proxy of the host (run.agentrun.net.proxy).
 *
 * The container has a network namespace of its own with only lo. The
 * container init, still the runtime's code, binds 127.0.0.1:PORT there
 * once lo is up and passes the listening socket to agentrun (it keeps no
 * copy); agentrun then forks the forwarder: a process of the
 * host's namespaces and credentials, never in the container's pid, user or
 * mount namespace, that accepts on that socket and connects each
 * connection to the host's unix socket by its path. The container cannot
 * name it (another pid namespace), cannot ptrace it (not dumpable, so
 * ptrace needs CAP_SYS_PTRACE of the host), and reaches the host only
 * through the bytes it relays. It holds no capabilities, has
 * no_new_privs, and exits when the container init does (it polls a pidfd
 * of init); delete kills it by its recorded pid and start time and waits
 * for it to be gone. */
#include "runtime/egress.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define EGRESS_PID_FILE "egress.pid"
#define EGRESS_MAX_CONN 256
#define EGRESS_BUF 16384

static const char ann_err[] = "config.json: .annotations[\"" EGRESS_ANNOTATION "\"]";

int egress_config(const struct spec *spec, bool check_socket, struct egress_cfg *c,
		  struct error *err)
{
	c->socket = spec_map_get(&spec->annotations, EGRESS_ANNOTATION);
	c->port = EGRESS_DEFAULT_PORT;
	const char *port = spec_map_get(&spec->annotations, EGRESS_PORT_ANNOTATION);
	if (!c->socket) {
		if (port)
			return error_set(err, 0,
					 "config.json: .annotations[\"" EGRESS_PORT_ANNOTATION
					 "\"]: needs " EGRESS_ANNOTATION);
		return 0;
	}
	if (c->socket[0] != '/')
		return error_set(err, 0, "%s: \"%s\" is not an absolute path", ann_err, c->socket);
	if (strlen(c->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return error_set(err, 0, "%s: path too long for a unix socket", ann_err);
	if (port) {
		char *end = NULL;
		errno = 0;
		unsigned long v = strtoul(port, &end, 10);
		if (errno || end == port || *end || port[0] < '0' || port[0] > '9' || v < 1 ||
		    v > 65535)
			return error_set(err, 0,
					 "config.json: .annotations[\"" EGRESS_PORT_ANNOTATION
					 "\"]: \"%s\" is not a port (1-65535)",
					 port);
		c->port = (unsigned int)v;
	}
	/* fail closed: only a namespace we make has nothing but lo */
	const struct spec_namespace *ns = spec_namespace_find(spec, "network");
	if (!ns || (ns->path && *ns->path))
		return error_set(err, 0,
				 "%s: needs a network namespace of the container's own "
				 "(.linux.namespaces: {\"type\": \"network\"} without a path)",
				 ann_err);
	if (spec->linux_.n_net_devices)
		return error_set(err, 0,
				 "%s: .linux.netDevices would give the container another way "
				 "out",
				 ann_err);
	if (check_socket) {
		struct stat st;
		if (stat(c->socket, &st) < 0)
			return error_errno(err, "%s: %s", ann_err, c->socket);
		if (!S_ISSOCK(st.st_mode))
			return error_set(err, 0, "%s: %s is not a unix socket", ann_err, c->socket);
	}
	return 0;
}

/* Set NAME=value in p->env, replacing an entry of that name. */
static int set_env(struct spec_process *p, const char *name, const char *value)
{
	char *entry = NULL;
	if (asprintf(&entry, "%s=%s", name, value) < 0)
		return -1;
	size_t len = strlen(name);
	for (size_t i = 0; i < p->n_env; i++) {
		if (!strncmp(p->env[i], name, len) && p->env[i][len] == '=') {
			free(p->env[i]);
			p->env[i] = entry;
			return 0;
		}
	}
	char **env = realloc(p->env, (p->n_env + 2) * sizeof(char *));
	if (!env) {
		free(entry);
		return -1;
	}
	p->env = env;
	env[p->n_env++] = entry;
	env[p->n_env] = NULL;
	return 0;
}

int egress_add_env(struct spec_process *p, const struct egress_cfg *c, struct error *err)
{
	if (!c->socket)
		return 0;
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", c->port);
	static const char *const proxies[] = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
					      "https_proxy"};
	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		if (set_env(p, proxies[i], url) < 0)
			return error_set(err, ENOMEM, "proxy environment");
	if (set_env(p, "NO_PROXY", "localhost,127.0.0.1") < 0 ||
	    set_env(p, "no_proxy", "localhost,127.0.0.1") < 0)
		return error_set(err, ENOMEM, "proxy environment");
	return 0;
}

/* A listening socket on 127.0.0.1:port in the current network namespace. */
static int listen_loopback(unsigned int port, struct error *err)
{
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_errno(err, "egress proxy: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return error_errno(err, "egress proxy: bind 127.0.0.1:%u in the container", port);
	if (listen(fd, 128) < 0)
		return error_errno(err, "egress proxy: listen");
	int r = fd;
	fd = -1;
	return r;
}

int egress_listen_in_init(const struct spec *spec, int sync_fd, struct error *err)
{
	struct egress_cfg c;
	if (egress_config(spec, false, &c, err) < 0)
		return -1;
	if (!c.socket)
		return 0;
	_cleanup_close_ int fd = listen_loopback(c.port, err);
	if (fd < 0)
		return -1;
	if (sync_send_fd(sync_fd, SYNC_EGRESS_FD, fd) < 0)
		return error_errno(err, "egress proxy: pass the socket to agentrun");
	return 0;
}

int egress_listen_in_netns(pid_t pid, unsigned int port, struct error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	_cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return error_errno(err, "egress proxy: open network namespace of %d", pid);
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return error_errno(err, "egress proxy: open the runtime's network namespace");
	if (setns(target, CLONE_NEWNET) < 0)
		return error_errno(err, "egress proxy: enter network namespace of %d", pid);
	int fd = listen_loopback(port, err);
	/* a runtime left in the container's netns is the worse failure */
	if (setns(self, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		return error_errno(err, "egress proxy: return to the runtime's network namespace");
	}
	return fd;
}

/* ------------------------------------------------------------ forwarder */

struct pipe_buf {
	char data[EGRESS_BUF];
	size_t len, off;
	bool eof;  /* the reading side saw EOF */
	bool shut; /* the writing side was shut down after it */
};

struct conn {
	int fd[2];	      /* [0] the container's TCP connection, [1] the host socket */
	struct pipe_buf b[2]; /* b[i]: read from fd[i], written to fd[1 - i] */
};

static void conn_close(struct conn **slot)
{
	struct conn *c = *slot;
	close(c->fd[0]);
	close(c->fd[1]);
	free(c);
	*slot = NULL;
}

static int connect_host(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Move what can be moved; false when the connection is over. */
static bool conn_step(struct conn *c, const short *rev)
{
	for (int i = 0; i < 2; i++) {
		struct pipe_buf *b = &c->b[i];
		int in = c->fd[i], out = c->fd[1 - i];
		if ((rev[i] & (POLLIN | POLLHUP | POLLERR)) && !b->eof && b->len == 0) {
			ssize_t n = read(in, b->data, sizeof(b->data));
			if (n > 0) {
				b->len = (size_t)n;
				b->off = 0;
			} else if (n == 0) {
				b->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return false;
			}
		}
		if (b->len) {
			ssize_t n = send(out, b->data + b->off, b->len, MSG_NOSIGNAL);
			if (n > 0) {
				b->off += (size_t)n;
				b->len -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return false;
			}
		}
		if (b->eof && !b->len && !b->shut) {
			shutdown(out, SHUT_WR);
			b->shut = true;
		}
	}
	return !(c->b[0].shut && c->b[1].shut);
}

static void drop_privileges(void)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};
	syscall(SYS_capset, &h, d);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* fds 3 (the listening socket), 4 (a pidfd of init) and 5 (the host's
 * socket, opened O_PATH at create: connecting through /proc/self/fd/5
 * reaches that very socket, whatever its path names later); never
 * returns. */
__attribute__((noreturn)) static void forwarder_main(void)
{
	enum {
		LFD = 3,
		PIDFD = 4
	};
	static struct conn *conns[EGRESS_MAX_CONN];
	static struct pollfd pfd[2 + 2 * EGRESS_MAX_CONN];
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		size_t n = 0, active = 0;
		pfd[n++] = (struct pollfd){.fd = PIDFD, .events = POLLIN};
		for (size_t i = 0; i < EGRESS_MAX_CONN; i++) {
			struct conn *c = conns[i];
			if (!c)
				continue;
			active++;
			for (int k = 0; k < 2; k++) {
				short ev = 0;
				if (!c->b[k].eof && !c->b[k].len)
					ev |= POLLIN;
				if (c->b[1 - k].len)
					ev |= POLLOUT;
				pfd[n++] = (struct pollfd){.fd = c->fd[k], .events = ev};
			}
		}
		/* full: new connections wait in the backlog */
		pfd[n++] = (struct pollfd){.fd = active < EGRESS_MAX_CONN ? LFD : -1,
					   .events = POLLIN};
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[0].revents)
			_exit(0); /* the container init is gone */
		size_t k = 1;
		for (size_t i = 0; i < EGRESS_MAX_CONN; i++) {
			if (!conns[i])
				continue;
			short rev[2] = {pfd[k].revents, pfd[k + 1].revents};
			k += 2;
			if (!conn_step(conns[i], rev))
				conn_close(&conns[i]);
		}
		if (!(pfd[n - 1].revents & POLLIN))
			continue;
		int cfd = accept4(LFD, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		int hfd = connect_host("/proc/self/fd/5");
		size_t slot = 0;
		while (slot < EGRESS_MAX_CONN && conns[slot])
			slot++;
		struct conn *c = hfd >= 0 && slot < EGRESS_MAX_CONN ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			/* the proxy is not there: the client sees the connection close */
			close(cfd);
			if (hfd >= 0)
				close(hfd);
			continue;
		}
		c->fd[0] = cfd;
		c->fd[1] = hfd;
		conns[slot] = c;
	}
}

/* Fork the forwarder (detached from us: its parent exits at once); its pid
 * and start time go to the state dir. */
static int spawn_forwarder(int sockfd, int lfd, int pidfd, int state_dirfd, struct error *err)
{
	_cleanup_close_pair_ int p[2] = {-1, -1};
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(err, "egress proxy: pipe");
	pid_t mid = fork();
	if (mid < 0)
		return error_errno(err, "egress proxy: fork");
	if (mid == 0) {
		pid_t fwd = fork();
		if (fwd == 0) {
			/* stdio on /dev/null (or, where it cannot be opened, a pipe
			 * nobody reads); only the listening socket, the pidfd and
			 * the host socket's O_PATH fd stay, at 3, 4 and 5 */
			int null_fd[2] = {-1, -1};
			null_fd[0] = null_fd[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null_fd[0] < 0 && pipe2(null_fd, O_CLOEXEC) < 0)
				_exit(1);
			int l2 = fcntl(lfd, F_DUPFD_CLOEXEC, 6),
			    p2 = fcntl(pidfd, F_DUPFD_CLOEXEC, 6),
			    s2 = fcntl(sockfd, F_DUPFD_CLOEXEC, 6);
			if (l2 < 0 || p2 < 0 || s2 < 0 || dup2(null_fd[0], 0) < 0 ||
			    dup2(null_fd[1], 1) < 0 || dup2(null_fd[1], 2) < 0 || dup2(l2, 3) < 0 ||
			    dup2(p2, 4) < 0 || dup2(s2, 5) < 0)
				_exit(1);
			syscall(SYS_close_range, 6, ~0U, 0);
			setsid();
			if (chdir("/") < 0)
				_exit(1);
			prctl(PR_SET_NAME, "agentrun-egress", 0, 0, 0);
			drop_privileges();
			forwarder_main();
		}
		if (fwd > 0)
			(void)!write(p[1], &fwd, sizeof(fwd));
		_exit(fwd > 0 ? 0 : 1);
	}
	close(p[1]);
	p[1] = -1;
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	pid_t fwd = -1;
	if (read(p[0], &fwd, sizeof(fwd)) != sizeof(fwd) || fwd <= 0)
		return error_set(err, 0, "egress proxy: the forwarder did not start");
	char rec[64];
	int len = snprintf(rec, sizeof(rec), "%d %llu\n", fwd, state_process_start_time(fwd));
	if (fs_write_file_atomic(state_dirfd, EGRESS_PID_FILE, rec, (size_t)len, err) < 0) {
		kill(fwd, SIGKILL);
		return -1;
	}
	return 0;
}

int egress_start(const struct egress_cfg *c, pid_t init_pid, int lfd, int state_dirfd,
		 struct error *err)
{
	if (!c->socket)
		return 0;
	if (lfd < 0)
		return error_set(err, 0,
				 "egress proxy: the container init made no listening socket");
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, init_pid, 0);
	if (pidfd < 0)
		return error_errno(err, "egress proxy: pidfd of the container init");
	/* the socket as it is now: a path swapped later (a symlink to another
	 * socket of the host) does not move the forwarder */
	_cleanup_close_ int sockfd = open(c->socket, O_PATH | O_CLOEXEC);
	struct stat st;
	if (sockfd < 0 || fstat(sockfd, &st) < 0)
		return error_errno(err, "%s: %s", ann_err, c->socket);
	if (!S_ISSOCK(st.st_mode))
		return error_set(err, 0, "%s: %s is not a unix socket", ann_err, c->socket);
	return spawn_forwarder(sockfd, lfd, pidfd, state_dirfd, err);
}

void egress_stop(int state_dirfd)
{
	_cleanup_free_ char *rec = NULL;
	size_t len;
	struct error e;
	if (fs_read_fileat(state_dirfd, EGRESS_PID_FILE, &rec, &len, &e) < 0)
		return;
	int pid = 0;
	unsigned long long start = 0;
	if (sscanf(rec, "%d %llu", &pid, &start) != 2 || pid <= 0)
		return;
	/* the pidfd first, then the start time: it names that process */
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || state_process_start_time(pid) != start)
		return;
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	while (poll(&p, 1, 10000) < 0 && errno == EINTR)
		;
	unlinkat(state_dirfd, EGRESS_PID_FILE, 0);
}
