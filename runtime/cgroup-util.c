/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File access shared by the cgroup v1 and v2 operations. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/cgroup-internal.h"
#include "runtime/syscalls.h"

int64_t rt_cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rt_cg_open(const struct rt_cg_hier *h, const char *path, int *dfd, char *where,
	       size_t where_len, nc_err *err)
{
	int n = snprintf(where, where_len, "%s%s%s", h->dir, *path ? "/" : "", path);
	if (n < 0 || (size_t)n >= where_len)
		return nc_err_errno(err, ENAMETOOLONG, "cgroup `%s/%s`", h->dir, path);
	int fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "open cgroup `%s`", where);
	*dfd = fd;
	return 0;
}

int rt_cg_write(int dfd, const char *where, const char *file, const char *value, nc_err *err)
{
	_cleanup_close_ int fd = openat(dfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nc_err_errno(err, errno, "write `%s` to `%s/%s`", value, where, file);
	size_t len = strlen(value);
	ssize_t w;
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return nc_err_errno(err, errno, "write `%s` to `%s/%s`", value, where, file);
	if ((size_t)w != len)
		return nc_err_errno(err, EIO, "write `%s` to `%s/%s`: short write", value, where, file);
	return 0;
}

int rt_cg_read(int dfd, const char *where, const char *file, char **out, nc_err *err)
{
	int r = nc_read_fileat(dfd, file, out, NULL, err);
	if (r < 0)
		return nc_err_errno(err, -r, "read `%s/%s`", where, file);
	return 0;
}

int rt_cg_read_opt(int dfd, const char *where, const char *file, char **out, nc_err *err)
{
	*out = NULL;
	int r = nc_read_fileat(dfd, file, out, NULL, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return nc_err_errno(err, -r, "read `%s/%s`", where, file);
	return 0;
}

bool rt_cg_has(int dfd, const char *file)
{
	return faccessat(dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A cgroup's own files are the same in all its siblings (v2: those whose
 * parent enabled the controller), so a few are enough to look at. */
#define CHILDREN_PROBED 64

bool rt_cg_child_has(int hdfd, const char *const *files)
{
	int fd = openat(hdfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	bool found = false;
	unsigned seen = 0;
	for (struct dirent *de; !found && seen < CHILDREN_PROBED && (de = readdir(d));) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		_cleanup_close_ int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (cfd < 0)
			continue;
		seen++;
		for (const char *const *f = files; *f && !found; f++)
			found = rt_cg_has(cfd, *f);
	}
	closedir(d);
	return found;
}

int rt_cg_read_pids(int dfd, const char *where, pid_t **pids, size_t *n, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r = rt_cg_read(dfd, where, "cgroup.procs", &text, err);
	if (r < 0)
		return r;
	r = rt_cg_parse_pids(text, pids, n, err);
	if (r < 0)
		return nc_err_prefix(err, "`%s/cgroup.procs`", where);
	return 0;
}

int rt_cg_mkdir_open(int parent, const char *name, const char *where, nc_err *err)
{
	if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "create cgroup `%s`", where);
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nc_err_errno(err, errno, "open cgroup `%s`", where);
	return fd;
}

size_t rt_cg_kill_pids(const pid_t *pids, size_t n)
{
	size_t killed = 0;

	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], SIGKILL) == 0)
			killed++;
	return killed;
}

int rt_cg_wait_procs_empty(int dfd, const char *where, int timeout_ms, nc_err *err)
{
	int64_t deadline = rt_cg_now_ms() + timeout_ms;
	pid_t last = 0;

	for (;;) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r = rt_cg_read_pids(dfd, where, &pids, &n, err);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		int64_t left = deadline - rt_cg_now_ms();
		if (left <= 0)
			return nc_err_msg(err, ETIMEDOUT, "cgroup `%s` still has %zu process(es), pid %d first, after %d ms",
					  where, n, (int)pids[0], timeout_ms);
		/* The same pid again after its pidfd said "exited": the kernel
		 * has not dropped it from the list yet; back off a little
		 * instead of spinning. */
		if (pids[0] == last) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		last = pids[0];
		_cleanup_close_ int pfd = rt_pidfd_open(pids[0]);
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			(void)poll(&p, 1, left > 100 ? 100 : (int)left);
		} else if (errno != ESRCH) {
			/* No pidfd (before 5.3): nothing to wait on but time. */
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* The same files and syntax on v1 and v2. On v2 an empty cpuset inherits
 * its parent's effective set; v1's inheritance is set up when the
 * directory is made (cgroup-v1.c). */
int rt_cg_set_cpuset(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	if (lim->cpuset_mems && rt_cg_write(dfd, where, "cpuset.mems", lim->cpuset_mems, err) < 0)
		return nc_err_ret(err);
	if (lim->cpuset_cpus && rt_cg_write(dfd, where, "cpuset.cpus", lim->cpuset_cpus, err) < 0)
		return nc_err_ret(err);
	return 0;
}

int rt_cg_set_pids(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRId64, lim->pids_max);
	return rt_cg_write(dfd, where, "pids.max", v, err);
}
