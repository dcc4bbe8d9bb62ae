/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/child-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/syscalls.h"

int rt_cerr(nc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	if (errnum <= 0)
		errnum = EIO;
	err->errnum = errnum;
	const char *why = strerrordesc_np(errnum);
	size_t len = strnlen(err->msg, sizeof(err->msg));
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", why ? why : "unknown error");
	return -errnum;
}

pid_t rt_raw_clone(uint64_t flags, int cgroup_fd, bool *in_cgroup)
{
	if (in_cgroup)
		*in_cgroup = false;
	if (cgroup_fd >= 0) {
		struct rt_clone_args args = {
			.flags = flags | RT_CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
			.cgroup = (uint64_t)cgroup_fd,
		};
		long pid = syscall(__NR_clone3, &args, sizeof(args));
		if (pid >= 0) {
			if (in_cgroup)
				*in_cgroup = true;
			return (pid_t)pid;
		}
		/* Any failure falls back, as crun does: ENOSYS before 5.3,
		 * E2BIG or EINVAL before 5.7, EBUSY or EOPNOTSUPP when the
		 * cgroup cannot take processes; the attach that follows the
		 * plain clone then reports the precise reason. */
	}
#if defined(__s390__) || defined(__CRIS__)
	return (pid_t)syscall(SYS_clone, NULL, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL);
#else
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
#endif
}

static bool kept(int fd, const int *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

struct rt_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Before Linux 5.9: walk /proc/self/fd with getdents64 into a stack buffer
 * (opendir() would allocate). */
static void close_fds_slow(const int *keep, size_t n)
{
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		struct rlimit rl;
		int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
		for (int fd = 3; fd < max; fd++)
			if (!kept(fd, keep, n))
				close(fd);
		return;
	}
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		if (got <= 0)
			break;
		for (long off = 0; off < got;) {
			struct rt_dirent64 *d = (struct rt_dirent64 *)(buf + off);
			off += d->d_reclen;
			char *end;
			long fd = strtol(d->d_name, &end, 10);
			if (*end || end == d->d_name || fd < 3 || fd == dfd || kept((int)fd, keep, n))
				continue;
			close((int)fd);
		}
	}
	close(dfd);
}

void rt_close_fds_except(const int *keep, size_t n_keep)
{
	int sorted[32];
	size_t n = 0;

	for (size_t i = 0; i < n_keep; i++) {
		if (keep[i] < 3)
			continue;
		/* More than we sort here: keep them all the slow way rather
		 * than close one that must stay. */
		if (n == sizeof(sorted) / sizeof(sorted[0])) {
			close_fds_slow(keep, n_keep);
			return;
		}
		size_t j = n++;
		while (j > 0 && sorted[j - 1] > keep[i]) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = keep[i];
	}
	unsigned lo = 3;
	for (size_t i = 0; i < n; i++) {
		unsigned k = (unsigned)sorted[i];
		if (k > lo && rt_close_range(lo, k - 1) < 0) {
			close_fds_slow(keep, n_keep);
			return;
		}
		lo = k + 1;
	}
	if (rt_close_range(lo, ~0U) < 0)
		close_fds_slow(keep, n_keep);
}

void rt_signals_default(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* glibc refuses its two internal signals with EINVAL; fine. */
		sigaction(sig, &sa, NULL);
	}
}

void rt_signals_unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int rt_fd_above_stdio(int *fd, nc_err *err)
{
	if (*fd >= 3)
		return 0;
	int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return nc_err_errno(err, errno, "move descriptor %d above stdio", *fd);
	close(*fd);
	*fd = nfd;
	return 0;
}

int rt_status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

/* Fields 48 to 51 of /proc/self/stat: arg_start, arg_end, env_start,
 * env_end, the bounds of the strings that /proc/PID/cmdline and
 * /proc/PID/environ read from our memory. 0 when unreadable. */
static int mm_bounds(unsigned long out[4])
{
	char buf[2048];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name is in parentheses and may hold anything: count
	 * fields from the last ')', which ends field 2. */
	const char *p = strrchr(buf, ')');
	for (int field = 2; p && *p && field < 51;) {
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
		field++;
		if (field >= 48)
			out[field - 48] = strtoul(p, NULL, 10);
	}
	return 0;
}

void rt_set_cmdline(const char *name)
{
	unsigned long b[4] = { 0 };
	if (mm_bounds(b) < 0)
		return;
	unsigned long start = b[0], end = b[1];
	if (!start || end <= start)
		return;
	size_t len = end - start, k = strlen(name);
	memset((void *)start, 0, len);
	memcpy((void *)start, name, k < len ? k : len - 1);
}

void rt_clear_environ(void)
{
	unsigned long b[4] = { 0 };
	if (mm_bounds(b) < 0 || !b[2] || b[3] <= b[2])
		return;
	memset((void *)b[2], 0, b[3] - b[2]);
}

int rt_pty_peer(int m)
{
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return -1;
	return ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
}
