/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The caller's side of an exec without a terminal: its stdin, stdout and
 * stderr copied to and from the command's pipes, as `docker exec` does, so
 * that the command holds none of the caller's descriptors (a file the
 * caller redirected into, its terminal).
 *
 * One poll() loop, no thread. Input to the command goes through a small
 * buffer written without blocking: a command that does not read its stdin
 * while it writes a lot must not stop us from draining its output.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/runtime.h"
#include "runtime/syscalls.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* The caller's descriptor may be non-blocking (a terminal shared with a
 * program that set O_NONBLOCK); wait for room then. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* What the command wrote so far on *from, to `to` (-1: dropped); *from is
 * closed at its EOF, or when `to` takes no more (the command then gets
 * EPIPE or SIGPIPE, as in a pipeline). */
static void drain(int *from, int to)
{
	char buf[16384];

	while (*from >= 0) {
		ssize_t r = read(*from, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0 || (to >= 0 && write_all(to, buf, (size_t)r) < 0))
			close_fd(from);
	}
}

struct input {
	int from;    /* the caller's; -1 once at EOF */
	char buf[4096];
	size_t off, len;
};

static void read_input(struct input *in)
{
	ssize_t r = read(in->from, in->buf, sizeof(in->buf));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		in->from = -1;
		return;
	}
	in->off = 0;
	in->len = (size_t)r;
}

static void write_input(struct input *in, int *to)
{
	ssize_t w = write(*to, in->buf + in->off, in->len - in->off);
	if (w < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (w < 0) {
		/* The command closed its stdin: what is left has no reader. */
		in->from = -1;
		in->len = in->off = 0;
		close_fd(to);
		return;
	}
	in->off += (size_t)w;
	if (in->off == in->len)
		in->off = in->len = 0;
}

static int nonblock(int fd, nc_err *err)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return nc_err_errno(err, errno, "exec: make the command's pipe non-blocking");
	return 0;
}

static void forward_signal(const struct rt_exec_proc *proc, int sig)
{
	if (proc->pidfd >= 0)
		rt_pidfd_send_signal(proc->pidfd, sig);
	else if (proc->pid > 0)
		kill(proc->pid, sig);
}

static int loop(struct rt_exec_proc *proc, struct input *in, int out, int err_fd, int sfd)
{
	for (;;) {
		/* Our stdin pipe closes once the caller's input ended and all
		 * of it went in: the command's EOF. */
		if (in->from < 0 && in->len == 0)
			close_fd(&proc->in_fd);
		if (proc->pidfd < 0 && proc->out_fd < 0 && proc->err_fd < 0)
			return 0;
		struct pollfd pfd[6] = {
			{ .fd = in->len == 0 && proc->in_fd >= 0 ? in->from : -1, .events = POLLIN },
			{ .fd = in->len > 0 ? proc->in_fd : -1, .events = POLLOUT },
			{ .fd = proc->out_fd, .events = POLLIN },
			{ .fd = proc->err_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = proc->pidfd, .events = POLLIN },
		};
		if (poll(pfd, 6, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents & POLLNVAL)
			in->from = -1;
		else if (pfd[0].revents)
			read_input(in);
		if (pfd[1].revents)
			write_input(in, &proc->in_fd);
		if (pfd[2].revents)
			drain(&proc->out_fd, out);
		if (pfd[3].revents)
			drain(&proc->err_fd, err_fd);
		if (pfd[4].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				forward_signal(proc, (int)si.ssi_signo);
		}
		/* The command ended (its helper did, after it): what it wrote
		 * is in the pipes now. A daemon it left may keep them open,
		 * so take that much and stop. */
		if (pfd[5].revents) {
			drain(&proc->out_fd, out);
			drain(&proc->err_fd, err_fd);
			return 0;
		}
	}
}

int rt_exec_relay(struct rt_exec_proc *proc, int in_fd, int out, int err_fd, bool forward, nc_err *err)
{
	struct input in = { .from = in_fd };
	sigset_t held, old, pending;

	if (proc->in_fd < 0 && proc->out_fd < 0 && proc->err_fd < 0)
		return 0;
	int *ours[] = { &proc->in_fd, &proc->out_fd, &proc->err_fd };
	for (size_t i = 0; i < 3; i++)
		if (*ours[i] >= 0 && nonblock(*ours[i], err) < 0)
			return nc_err_ret(err);
	/* A write to a closed pipe is EPIPE for us, not the end of the
	 * caller; a SIGPIPE that was not pending before is ours and goes. */
	sigemptyset(&held);
	sigaddset(&held, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	bool pipe_pending = sigismember(&pending, SIGPIPE);
	sigset_t fwd;
	sigemptyset(&fwd);
	if (forward)
		for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
			sigaddset(&fwd, forwarded[i]);
			sigaddset(&held, forwarded[i]);
		}
	sigprocmask(SIG_BLOCK, &held, &old);
	_cleanup_close_ int sfd = forward ? signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
	int r = forward && sfd < 0 ? -errno : loop(proc, &in, out, err_fd, sfd);
	/* Signals that came after the command's end: ours no more either. */
	struct signalfd_siginfo si;
	while (sfd >= 0 && read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	if (!pipe_pending) {
		sigset_t only;
		sigemptyset(&only);
		sigaddset(&only, SIGPIPE);
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&only, NULL, &zero) == SIGPIPE)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close_fd(&proc->in_fd);
	if (r < 0)
		return nc_err_errno(err, -r, "exec: relay the command's stdio");
	return 0;
}
