/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* /dev/console is the pty, as the spec asks: a clone of the peer we hold
 * (never a /dev/pts path, which the container could swap), put on a
 * regular file we made, resolved inside the root (CVE-2025-52565). */
static int bind_dev_console(int slave, struct error *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return error_errno(err, "open /");
	_cleanup_close_ int dev = fs_mkpath_in_root(root, "/dev", true, 0755, err);
	if (dev < 0)
		return error_prefix(err, "make /dev/console");
	struct stat st;
	/* a symlink or a node of the image is not ours to mount on */
	bool make = fstatat(dev, "console", &st, AT_SYMLINK_NOFOLLOW) < 0;
	if (!make && !S_ISREG(st.st_mode)) {
		if (unlinkat(dev, "console", 0) < 0)
			return error_errno(err, "remove the image's /dev/console");
		make = true;
	}
	if (make) {
		int fd = openat(dev, "console",
				O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return error_errno(err, "create /dev/console");
		close(fd);
	}
	_cleanup_close_ int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 || fstat(target, &st) < 0)
		return error_errno(err, "open /dev/console");
	if (!S_ISREG(st.st_mode))
		return error_set(err, 0, "/dev/console is not a regular file");
	_cleanup_close_ int tree = open_tree(slave, "",
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return error_errno(err, "clone the pty for /dev/console");
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return error_errno(err, "mount the pty on /dev/console");
	return 0;
}

/* The container's /dev/ptmx: the symlink to pts/ptmx or a 5:2 node,
 * resolved inside the root and never through a magic link (the container
 * can plant /dev/ptmx -> /proc/self/fd/N, which at `exec` would reopen an
 * fd agentrun's caller passed in, before those are closed); nonblocking
 * (a FIFO there must not hang us); and checked to be the pty multiplexer. */
static int open_ptmx(struct error *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return error_errno(err, "open /");
	struct open_how how = {
		.flags = O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, root, "dev/ptmx", &how, sizeof(how));
	if (fd < 0 && errno == ELOOP)
		return error_set(err, 0,
				 "open /dev/ptmx in the container: it leads through a /proc magic "
				 "link; refused");
	if (fd < 0)
		return error_errno(err, "open /dev/ptmx in the container");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat /dev/ptmx in the container");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
		return error_set(err, 0,
				 "/dev/ptmx in the container is not the pty multiplexer (5:2)");
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return error_errno(err, "open /dev/ptmx in the container");
	return take_fd(&fd);
}

int terminal_setup(const struct spec_process *p, bool bind_console, struct error *err)
{
	_cleanup_close_ int master = open_ptmx(err);
	if (master < 0)
		return -1;
	if (unlockpt(master) < 0)
		return error_errno(err, "unlock pty");
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return error_errno(err, "open pty peer");
	struct statfs sf;
	if (fstatfs(slave, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC)
		return error_set(err, 0,
				 "the pty of /dev/ptmx in the container is not on a devpts");
	if (fchown(slave, p->user.uid, (gid_t)-1) < 0 && errno != EPERM && errno != EINVAL)
		return error_errno(err, "chown pty to %u", p->user.uid);
	if (p->console_size.present) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_size.height,
				     .ws_col = (unsigned short)p->console_size.width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return error_errno(err, "set console size");
	}
	if (bind_console && bind_dev_console(slave, err) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return error_errno(err, "dup pty to fd %d", fd);
	if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		return error_errno(err, "make the pty the controlling terminal");
	return take_fd(&master);
}

int terminal_send(const char *socket_path, int master, struct error *err)
{
	_cleanup_close_ int sock = sock_connect_unix(socket_path, "console socket", err);
	if (sock < 0)
		return -1;
	static const char name[] = "/dev/ptmx";
	if (sock_send_fd(sock, name, sizeof(name) - 1, master) < 0)
		return error_errno(err, "send the pty to console socket %s", socket_path);
	return 0;
}

static int copy_some(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += w;
	}
	return 0;
}

void terminal_relay(int master)
{
	struct termios saved;
	bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	/* SIGWINCH through a signalfd: follow the window size */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	bool in_open = true;
	for (;;) {
		struct pollfd p[3] = {{.fd = master, .events = POLLIN},
				      {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			if (copy_some(master, STDOUT_FILENO) < 0)
				break;
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			break; /* the last holder of the peer is gone */
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			if (copy_some(STDIN_FILENO, master) < 0) {
				in_open = false;
				/* stdin closed: pass EOF as the terminal would */
				if (!raw)
					(void)!write(master, "\x04", 1);
			}
		}
		if (sfd >= 0 && (p[2].revents & POLLIN)) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			struct winsize ws;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}
