/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "netd/netd-internal.h"

int netd_open(struct netd **out, nc_err *err)
{
	struct netd *nd = calloc(1, sizeof(*nd));
	int r;

	if (!nd)
		return nc_err_errno(err, ENOMEM, "open network session");
	nd->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nd->nsfd < 0) {
		r = nc_err_errno(err, errno, "open `/proc/thread-self/ns/net`");
		free(nd);
		return r;
	}
	if ((r = nc_nl_open(&nd->nl, err)) < 0) {
		close(nd->nsfd);
		free(nd);
		return r;
	}
	*out = nd;
	return 0;
}

void netd_close(struct netd *nd)
{
	if (!nd)
		return;
	nc_nl_close(&nd->nl);
	close(nd->nsfd);
	free(nd);
}
