/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of netd/ share; not part of the API. */
#ifndef NC_NETD_INTERNAL_H
#define NC_NETD_INTERNAL_H

#include <net/if.h>

#include "netd/msg.h"
#include "netd/netd.h"
#include "netd/nl.h"

struct netd {
	struct nc_nl nl; /* bound to the namespace netd_open() was called in */
	int nsfd;        /* that namespace: sysctls and nftables act there */
	/* The directory last made ready for named namespaces (a shared mount
	 * point); "" when none yet. */
	char netns_dir[256];
};

/* Interface indexes a netd_ns has looked up: addresses and routes name a
 * link by index, and a container's handful of calls all use the same one
 * or two links. A link renamed or deleted behind the session's back is
 * not noticed; the kernel then answers ENODEV. */
#define NETD_NS_INDEXES 4

struct netd_ns {
	struct nc_nl nl; /* bound to the namespace */
	int nsfd;        /* our own dup */
	bool batching;   /* netd_ns_batch() .. netd_ns_commit() */
	struct {
		char name[IF_NAMESIZE];
		int index;
	} idx[NETD_NS_INDEXES];
	unsigned idx_next;
};

/* ifindex of `name` over `nl` (sends what is queued, then the lookup);
 * -ENODEV with a message naming it when missing. */
int netd_ifindex(struct nc_nl *nl, const char *name, int *index, nc_err *err);

/* Runs `text` through libnftables in the session's namespace (one
 * transaction). *output (if not NULL) gets a malloc'ed copy of what it
 * printed. Errors: "<what>: <first line of libnftables' message>". */
int netd_nft_run(struct netd *nd, const char *text, char **output, const char *what, nc_err *err);

/* Opens /proc/sys/<key> for writing in the current namespace. */
int netd_sysctl_open(const char *key, int *fd, nc_err *err);
int netd_sysctl_write(int fd, const char *key, const char *value, nc_err *err);

/* "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward"; a key with '/'
 * is a path already. Returns -EINVAL for keys that could leave /proc/sys
 * ("..", empty parts) or do not fit. */
int netd_sysctl_path(const char *key, char *out, size_t size);

#endif
