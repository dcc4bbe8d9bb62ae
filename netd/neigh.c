/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's neighbour tables (ARP and IPv6 neighbour discovery): how
 * many entries they hold and where garbage collection starts. One table
 * per family serves every network namespace of the machine, and its
 * limits (gc_thresh1/2/3) are the initial namespace's alone: read here
 * over rtnetlink (RTM_GETNEIGHTBL answers in any namespace), written
 * through /proc/sys, where the kernel shows them in the initial namespace
 * only (and RTM_SETNEIGHTBL refuses them elsewhere).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"

int netd_neigh_parse_table(const struct nlmsghdr *nlh, int family, struct netd_neigh_limits *out)
{
	const struct ndtmsg *m = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	bool any = false;

	if (nlh->nlmsg_type != RTM_NEWNEIGHTBL || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) ||
	    m->ndtm_family != family)
		return -EINVAL;
	/* The table's own message carries the thresholds; the kernel sends
	 * one more per device with its parameters only. */
	mnl_attr_for_each(a, nlh, sizeof(*m))
	{
		switch (mnl_attr_get_type(a)) {
		case NDTA_THRESH1:
		case NDTA_THRESH2:
		case NDTA_THRESH3:
			if (mnl_attr_get_payload_len(a) < sizeof(uint32_t))
				return -EINVAL;
			out->thresh[mnl_attr_get_type(a) - NDTA_THRESH1] = mnl_attr_get_u32(a);
			any = true;
			break;
		case NDTA_CONFIG:
			if (mnl_attr_get_payload_len(a) < sizeof(struct ndt_config))
				return -EINVAL;
			out->entries = ((const struct ndt_config *)mnl_attr_get_payload(a))->ndtc_entries;
			break;
		}
	}
	return any ? 0 : -ENOENT;
}

struct table_found {
	int family;
	struct netd_neigh_limits *out;
	bool found;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_found *t = data;

	if (netd_neigh_parse_table(nlh, t->family, t->out) == 0)
		t->found = true;
	return 0;
}

int netd_neigh_limits(struct netd *nd, int family, struct netd_neigh_limits *out, nc_err *err)
{
	struct table_found t = { family, out, false };
	const char *name = family == AF_INET ? "IPv4" : "IPv6";

	memset(out, 0, sizeof(*out));
	struct nlmsghdr *nlh = nc_nl_msg(&nd->nl, RTM_GETNEIGHTBL, NLM_F_DUMP, sizeof(struct ndtmsg),
					 "read the %s neighbour table's limits", name);
	((struct ndtmsg *)mnl_nlmsg_get_payload(nlh))->ndtm_family = (uint8_t)family;
	int r = nc_nl_dump(&nd->nl, table_cb, &t, err);
	if (r < 0)
		return r;
	if (!t.found)
		return nc_err_msg(err, ENOENT, "the kernel lists no %s neighbour table", name);
	return 0;
}

static int write_one(const char *path, uint32_t value, nc_err *err)
{
	char v[16];
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	int n = snprintf(v, sizeof(v), "%u", value);
	ssize_t w = write(fd, v, (size_t)n);
	if (w < 0)
		return nc_err_errno(err, errno, "write %s to `%s`", v, path);
	if (w != n)
		return nc_err_errno(err, EIO, "write %s to `%s` (short write)", v, path);
	return 0;
}

int netd_neigh_set_limits(const char *sysctl_root, int family, const uint32_t thresh[3], nc_err *err)
{
	int r;

	/* Highest first: raising, the three never stand out of order. */
	for (int i = 2; i >= 0; i--) {
		char path[256];
		snprintf(path, sizeof(path), "%s/net/%s/neigh/default/gc_thresh%d", sysctl_root,
			 family == AF_INET ? "ipv4" : "ipv6", i + 1);
		if ((r = write_one(path, thresh[i], err)) < 0)
			return r;
	}
	return 0;
}
