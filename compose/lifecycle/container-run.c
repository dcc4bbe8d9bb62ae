/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command in a container, in a process group of its own (container-run.h). */
#include "compose/lifecycle/container-run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

static _Noreturn void run_child(nc_run_spec_fn fill, void *ctx, int out_fd)
{
	struct rt_exec_spec spec = { 0 };
	sigset_t none;
	nc_err e;
	int status = 1;

	setpgid(0, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	} else if (out_fd >= 0) {
		dup2(out_fd, STDOUT_FILENO);
	}
	/* The supervisor blocks what its signalfd reads; the command must
	 * not inherit that. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (fill(ctx, &spec) < 0 || rt_exec(&spec, &status, &e) < 0)
		_exit(127);
	_exit(status & 0xff);
}

int nc_run_spawn(const char *what, nc_run_spec_fn fill, void *ctx, int out_fd, pid_t *pid, nc_err *err)
{
	pid_t p = fork();
	if (p < 0)
		return nc_err_errno(err, errno, "%s: fork", what);
	if (p == 0)
		run_child(fill, ctx, out_fd);
	setpgid(p, p); /* both sides, so the group exists whoever runs first */
	*pid = p;
	return 0;
}

void nc_run_kill(pid_t pid)
{
	if (pid > 0)
		kill(-pid, SIGKILL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads fd to EOF into *buf (at most max bytes) before `deadline`. */
static int read_until(const char *what, int fd, uint64_t deadline, size_t max, char **buf, size_t *len,
		      nc_err *err)
{
	size_t cap = 0;

	for (;;) {
		uint64_t t = now_ms();
		if (t >= deadline)
			return nc_err_msg(err, ETIMEDOUT, "%s: still running at its deadline", what);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)(deadline - t));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return nc_err_errno(err, errno, "%s: wait for its output", what);
		if (r == 0)
			continue; /* the deadline, checked above */
		if (cap - *len < 4097 && cap < max + 1) {
			size_t ncap = cap ? cap * 2 : 16384;
			if (ncap > max + 1)
				ncap = max + 1;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return nc_err_errno(err, ENOMEM, "%s: keep its output", what);
			*buf = nb;
			cap = ncap;
		}
		/* Full: one byte more says whether there is more. */
		size_t room = cap - *len - 1;
		char more;
		ssize_t k = room ? read(fd, *buf + *len, room) : read(fd, &more, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return nc_err_errno(err, errno, "%s: read its output", what);
		if (k == 0)
			return 0;
		if (!room)
			return nc_err_msg(err, EFBIG, "%s: more than %zu bytes of output", what, max);
		*len += (size_t)k;
	}
}

int nc_run_capture(const char *what, nc_run_spec_fn fill, void *ctx, unsigned timeout_ms, size_t max, char **out,
		   int *status, nc_err *err)
{
	uint64_t deadline = now_ms() + timeout_ms;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int fds[2];
	pid_t pid;

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return nc_err_errno(err, errno, "%s: pipe", what);
	_cleanup_close_ int rd = fds[0];
	int r = nc_run_spawn(what, fill, ctx, fds[1], &pid, err);
	close(fds[1]);
	if (r < 0)
		return r;
	r = read_until(what, rd, deadline, max, &buf, &len, err);
	if (r < 0)
		nc_run_kill(pid);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (!buf && !(buf = malloc(1)))
		return nc_err_errno(err, ENOMEM, "%s: keep its output", what);
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}
