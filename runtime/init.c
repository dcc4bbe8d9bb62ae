/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's init: reaper, signal forwarder and log writer.
 *
 * A PID-namespace init ignores every signal it has no handler for, except
 * SIGKILL and SIGSTOP from an ancestor namespace. Blocked signals are not
 * ignored but queued (kernel/signal.c sig_ignored()), so with everything
 * blocked a signalfd sees SIGTERM from the host and SIGCHLD alike, without
 * handlers or races, in the same poll() as the workload's output pipes.
 * When this process exits the kernel kills the rest of the namespace, which
 * is what we want once the workload is gone.
 *
 * A forked init never calls execve(), so it stays under the rules of
 * child-util.h for its whole life: the line buffers are on its stack.
 * (A borrowed one runs this as a program of its own: init-main.c.)
 */
#include "runtime/init.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/child-util.h"
#include "runtime/logfmt.h"

/* A line still without its newline after this long is logged as it is: a
 * prompt ("Password: ") should not wait for the next line to be seen. */
#define PARTIAL_FLUSH_MS 200

struct stream {
	int fd;
	enum rt_log_stream kind;
	size_t n;
	char line[RT_LOG_LINE_MAX];
};

struct logger {
	int log_fd;
	const int *old_fds;
	unsigned n_old;
	uint64_t max_size, size;
	struct stream s[2];
	char rec[RT_LOG_RECORD_MAX];
	char copy[8192];
};

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a full disk loses log lines, never the container */
		p += w;
		n -= (size_t)w;
	}
}

static void emit(struct logger *lg, struct stream *s)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	size_t n = rt_log_record(lg->rec, &now, s->kind, s->line, s->n);
	/* Bounded: a chatty container must not fill the disk (or /run). */
	if (lg->max_size && lg->size && lg->size + n > lg->max_size) {
		rt_log_rotate(lg->log_fd, lg->old_fds, lg->n_old, lg->copy, sizeof(lg->copy));
		lg->size = 0;
	}
	write_all(lg->log_fd, lg->rec, n);
	lg->size += n;
	s->n = 0;
}

/* Reads what is there (the pipes are non-blocking); false at EOF. */
static bool pump(struct logger *lg, struct stream *s)
{
	char buf[4096];

	for (;;) {
		ssize_t r = read(s->fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN;
		if (r == 0) {
			if (s->n)
				emit(lg, s);
			return false;
		}
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				emit(lg, s);
				continue;
			}
			s->line[s->n++] = buf[i];
			if (s->n == sizeof(s->line))
				emit(lg, s);
		}
	}
}

static void flush_partials(struct logger *lg)
{
	for (int i = 0; i < 2; i++)
		if (lg->s[i].n)
			emit(lg, &lg->s[i]);
}

static int reap(pid_t workload)
{
	int status, code = -1;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == workload)
			code = rt_status_code(status);
	return code;
}

void rt_init_run(pid_t workload, const struct rt_init_io *io)
{
	struct logger lg = { .log_fd = io->log_fd, .old_fds = io->old_fds, .n_old = io->n_old,
			     .max_size = io->max_size };
	sigset_t all;
	struct stat st;

	if (lg.log_fd >= 0 && fstat(lg.log_fd, &st) == 0)
		lg.size = (uint64_t)st.st_size; /* a restart appends */

	lg.s[0].fd = io->out_fd;
	lg.s[0].kind = RT_LOG_OUT;
	lg.s[1].fd = io->err_fd;
	lg.s[1].kind = RT_LOG_ERR;
	sigfillset(&all);
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		_exit(255);

	for (;;) {
		struct pollfd pfd[3] = { { .fd = sfd, .events = POLLIN },
					 { .fd = lg.s[0].fd, .events = POLLIN },
					 { .fd = lg.s[1].fd, .events = POLLIN } };
		int timeout = lg.s[0].n || lg.s[1].n ? PARTIAL_FLUSH_MS : -1;
		int r = poll(pfd, 3, timeout);
		if (r < 0 && errno != EINTR)
			_exit(255);
		if (r == 0)
			flush_partials(&lg);
		for (int i = 0; i < 2; i++)
			if (pfd[i + 1].revents && !pump(&lg, &lg.s[i]))
				lg.s[i].fd = -1; /* poll() skips negative fds */
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD) {
			int code = reap(workload);
			if (code < 0)
				continue;
			/* What the workload wrote before it ended is in the
			 * pipes; a daemon it left behind may hold them open,
			 * so take what is there and do not wait for EOF. */
			for (int i = 0; i < 2; i++)
				if (lg.s[i].fd >= 0)
					pump(&lg, &lg.s[i]);
			flush_partials(&lg);
			_exit(code);
		}
		if (workload > 0)
			kill(workload, sig);
		else if (sig == SIGTERM || sig == SIGINT)
			_exit(0);
	}
}
