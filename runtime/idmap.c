/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"
#include "runtime/syscalls.h"

static int write_map(pid_t pid, const char *which, uint32_t base, uint32_t size, nc_err *err)
{
	char path[64], line[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	int n = snprintf(line, sizeof(line), "0 %u %u\n", base, size);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	if (write(fd, line, (size_t)n) != n)
		return nc_err_errno(err, errno, "write `0 %u %u` to `%s`", base, size, path);
	return 0;
}

int rt_userns_write_maps(pid_t pid, uint32_t base, uint32_t size, nc_err *err)
{
	if (write_map(pid, "uid_map", base, size, err) < 0 || write_map(pid, "gid_map", base, size, err) < 0)
		return nc_err_prefix(err, "user namespace");
	return 0;
}

int rt_userns_fd(uint32_t base, uint32_t size, nc_err *err)
{
	int hold[2];

	if (pipe2(hold, O_CLOEXEC) < 0)
		return nc_err_errno(err, errno, "user namespace for an idmapping: pipe");
	pid_t child = rt_raw_clone(CLONE_NEWUSER, -1, NULL);
	if (child == 0) {
		/* Only here to own the namespace until the parent opened it. */
		char c;
		close(hold[1]);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	int e = errno;
	close(hold[0]);
	if (child < 0) {
		close(hold[1]);
		return nc_err_errno(err, e, "user namespace for an idmapping: clone");
	}
	char path[64];
	int fd = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
	if (rt_userns_write_maps(child, base, size, err) == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			nc_err_errno(err, errno, "open `%s`", path);
	}
	close(hold[1]);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	return fd < 0 ? nc_err_ret(err) : fd;
}

int rt_idmap_tree(const char *dir, int userns_fd, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_tree(AT_FDCWD, dir, RT_OPEN_TREE_CLONE | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "clone the mount of `%s`", dir);
	struct rt_mount_attr attr = { .attr_set = RT_MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	if (rt_mount_setattr(fd, "", AT_EMPTY_PATH, &attr) < 0)
		return nc_err_errno(err, errno, "idmap `%s`", dir);
	return TAKE_FD(fd);
}

int rt_idmap_supported(const char *dir, nc_err *err)
{
	_cleanup_close_ int ns = rt_userns_fd(UINT32_C(1) << 30, 1, err);
	if (ns < 0)
		return ns;
	nc_err e;
	_cleanup_close_ int fd = rt_idmap_tree(dir, ns, &e);
	if (fd >= 0)
		return 1;
	/* EINVAL: the filesystem does not allow it; ENOSYS, EPERM: the
	 * kernel or a security module does not. */
	if (e.errnum == EINVAL || e.errnum == ENOSYS || e.errnum == EPERM || e.errnum == EOPNOTSUPP)
		return 0;
	*err = e;
	return nc_err_ret(err);
}
