/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A socket that belongs to another network namespace: created there (a
 * socket keeps the namespace it was born in), used from here. For ICMP
 * probes, packet captures and TCP/UDP checks from inside a container
 * without running anything in it. */
#include <errno.h>
#include <sys/socket.h>

#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

struct sock_args {
	int domain, type, protocol;
	int fd;
};

static int make_socket(void *data, nc_err *err)
{
	struct sock_args *a = data;
	a->fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);
	if (a->fd < 0)
		return nc_err_errno(err, errno, "create socket (domain %d, type %d)", a->domain, a->type);
	return 0;
}

int netd_ns_socket(struct netd *nd, int nsfd, int domain, int type, int protocol, int *fd,
		   nc_err *err)
{
	struct sock_args a = { domain, type, protocol, -1 };
	int r;

	(void)nd;
	r = netd_in_netns(nsfd, make_socket, &a, err);

	if (r < 0)
		return r;
	*fd = a.fd;
	return 0;
}
