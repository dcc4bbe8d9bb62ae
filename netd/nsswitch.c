/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netd/nsswitch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "common/cleanup.h"

static int save(int *home, nc_err *err)
{
	*home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*home < 0)
		return nc_err_errno(err, errno, "open `/proc/thread-self/ns/net`");
	return 0;
}

/* Back where the thread was. The result of fn is kept unless the way back
 * fails: then the thread is stranded in another namespace and every later
 * call would act on the wrong one, which matters more. */
static int go_home(int home, int r, nc_err *err)
{
	if (setns(home, CLONE_NEWNET) < 0)
		return nc_err_errno(err, errno,
				    "return to the original network namespace (this thread is stranded in another one)");
	return r;
}

int netd_in_netns(int nsfd, netd_ns_fn fn, void *data, nc_err *err)
{
	_cleanup_close_ int home = -1;
	int r;

	if ((r = save(&home, err)) < 0)
		return r;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return nc_err_errno(err, errno, "enter network namespace (fd %d)", nsfd);
	r = fn(data, err);
	return go_home(home, r, err);
}

int netd_in_new_netns(netd_ns_fn fn, void *data, nc_err *err)
{
	_cleanup_close_ int home = -1;
	int r;

	if ((r = save(&home, err)) < 0)
		return r;
	if (unshare(CLONE_NEWNET) < 0)
		return nc_err_errno(err, errno, "create network namespace");
	r = fn(data, err);
	return go_home(home, r, err);
}
