/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/cli/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			poll(&pfd, 1, -1);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void copy_winsize(int master)
{
	struct winsize ws;

	for (int fd = 0; fd < 3; fd++)
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
			ioctl(master, TIOCSWINSZ, &ws);
			return;
		}
}

/* Everything the command wrote; false once the terminal is gone (EIO:
 * every peer closed) or stdout is. */
static bool drain_master(int master)
{
	char buf[16384];

	for (;;) {
		ssize_t r = read(master, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return true;
		if (r <= 0)
			return false;
		if (write_all(STDOUT_FILENO, buf, (size_t)r) < 0)
			return false;
	}
}

static void send_eof(int master)
{
	struct termios t;
	char eof = 4; /* ^D */

	if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF])
		eof = (char)t.c_cc[VEOF];
	write_all(master, &eof, 1);
}

struct saved_tty {
	bool raw;
	struct termios t;
};

static void restore_tty(struct saved_tty *s)
{
	if (s->raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &s->t);
}

int cli_tty_relay(int master, int pidfd, nc_err *err)
{
	_cleanup_(restore_tty) struct saved_tty saved = { 0 };
	sigset_t winch, old;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved.t) == 0) {
		struct termios raw = saved.t;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) < 0)
			return nc_err_errno(err, errno, "exec: put the terminal in raw mode");
		saved.raw = true;
	}
	copy_winsize(master);
	if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
		return nc_err_errno(err, errno, "exec: make the terminal non-blocking");
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, &old);
	_cleanup_close_ int sfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);

	bool in_open = true;
	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = master, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents) {
			char buf[4096];
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r > 0) {
				write_all(master, buf, (size_t)r);
			} else if (r == 0 || errno != EINTR) {
				in_open = false;
				if (!saved.raw)
					send_eof(master);
			}
		}
		if (pfd[1].revents && !drain_master(master))
			break;
		if (pfd[2].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			copy_winsize(master);
		}
		/* The command ended; a daemon it left may hold the terminal
		 * open, so take what is written and stop. */
		if (pfd[3].revents) {
			drain_master(master);
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
