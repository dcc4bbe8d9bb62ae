/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pivot_root(".", ".") from O_PATH descriptors: no directory for the old
 * root is needed inside the new one. After the call the old root is
 * mounted on top of the new root at "/"; from a descriptor of the old root
 * it is made private (so the detach does not propagate) and detached with
 * everything below it. Same sequence as crun's do_pivot and as the
 * pivot_root(2) manual describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"
#include "runtime/rootfs.h"
#include "runtime/syscalls.h"

int rt_pivot_root(const char *root, nc_err *err)
{
	_cleanup_close_ int oldfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldfd < 0)
		return rt_cerr(err, errno, "open the old root");
	_cleanup_close_ int newfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newfd < 0)
		return rt_cerr(err, errno, "open `%s`", root);
	if (fchdir(newfd) < 0)
		return rt_cerr(err, errno, "enter `%s`", root);
	if (rt_pivot_root_syscall(".", ".") < 0)
		return rt_cerr(err, errno, "pivot_root to `%s`", root);
	if (fchdir(oldfd) < 0)
		return rt_cerr(err, errno, "enter the old root");
	if (mount(NULL, ".", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return rt_cerr(err, errno, "make the old root private");
	if (umount2(".", MNT_DETACH) < 0)
		return rt_cerr(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return rt_cerr(err, errno, "enter the new root");
	return 0;
}
