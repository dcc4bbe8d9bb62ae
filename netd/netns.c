/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named network namespaces, made the way `ip netns add` makes them, so
 * iproute2 and nsenter see ours and we see theirs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

/*
 * The directory is made a shared mount point, as iproute2 does
 * (ip/ipnetns.c): a namespace bind-mounted there then shows up in mount
 * namespaces cloned from ours later. Serialised with flock on the
 * directory, so two ncompose (or an `ip netns add`) do not both stack a
 * bind mount on it.
 */
static int prepare_dir(struct netd *nd, const char *dir, nc_err *err)
{
	if (!strcmp(nd->netns_dir, dir))
		return 0;
	if (nc_mkdir_p(dir, 0755, err) < 0)
		return nc_err_ret(err);
	_cleanup_close_ int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return nc_err_errno(err, errno, "open `%s`", dir);
	/* Released when `lock` closes. */
	if (flock(lock, LOCK_EX) < 0)
		return nc_err_errno(err, errno, "lock `%s`", dir);
	bool made = false;
	while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet. Make it one, once. */
		if (errno != EINVAL || made)
			return nc_err_errno(err, errno, "make `%s` a shared mount", dir);
		if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
			return nc_err_errno(err, errno, "bind `%s` onto itself", dir);
		made = true;
	}
	if (strlen(dir) < sizeof(nd->netns_dir))
		snprintf(nd->netns_dir, sizeof(nd->netns_dir), "%s", dir);
	return 0;
}

struct born {
	const char *path;
	const char *label;
	int nsfd;
};

/* Runs inside the new namespace: pin it, then `lo` up with its label. */
static int pin_and_label(void *data, nc_err *err)
{
	struct born *b = data;
	struct nc_nl nl;
	int r;

	if (mount("/proc/thread-self/ns/net", b->path, "none", MS_BIND, NULL) < 0)
		return nc_err_errno(err, errno, "bind network namespace onto `%s`", b->path);
	b->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (b->nsfd < 0)
		return nc_err_errno(err, errno, "open the new network namespace");

	/* Set while the namespace has no interface but lo: interfaces
	 * created or moved in later inherit `default` (addrconf copies it
	 * when it registers them), and the kernel reads accept_ra and
	 * accept_dad per interface, never from `all`.
	 *  - No duplicate address detection: every IPv6 address, link-local
	 *    ones included, is usable the moment the container starts.
	 *  - No router advertisements: any container on a bridge could
	 *    otherwise hand its neighbours a default route (or a prefix)
	 *    through itself, even on an IPv4-only network (Docker's
	 *    CVE-2020-13401). A lab that teaches SLAAC sets
	 *    net.ipv6.conf.<iface>.accept_ra=1 in `sysctls:`. */
	static const char *const off[] = { "net/ipv6/conf/default/accept_dad",
					   "net/ipv6/conf/all/accept_dad",
					   "net/ipv6/conf/default/accept_ra",
					   "net/ipv6/conf/all/accept_ra" };
	for (size_t i = 0; i < NC_ELEMENTSOF(off); i++) {
		_cleanup_close_ int fd = -1;
		/* Absent when IPv6 is disabled on the host: nothing to do. */
		if ((r = netd_sysctl_open(off[i], &fd, err)) == -ENOENT)
			continue;
		if (r < 0 || (r = netd_sysctl_write(fd, off[i], "0", err)) < 0)
			return r;
	}

	/* `lo` up and labelled in one exchange. */
	if ((r = nc_nl_open(&nl, err)) < 0)
		return r;
	netd_msg_up(&nl, "lo");
	if (b->label)
		netd_msg_alias(&nl, "lo", b->label);
	r = nc_nl_flush(&nl, NULL, err);
	nc_nl_close(&nl);
	return r;
}

int netd_netns_create(struct netd *nd, const char *dir, const char *name, const char *label,
		      int *nsfd_out, nc_err *err)
{
	char path[4096];
	int r;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return nc_err_msg(err, EINVAL, "invalid network namespace name `%s`", name);
	if (nc_pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "network namespace `%s`", name);
	if ((r = prepare_dir(nd, dir, err)) < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return nc_err_errno(err, errno, "create network namespace `%s`", path);
	close(fd);

	struct born b = { .path = path, .label = label, .nsfd = -1 };
	r = netd_in_new_netns(pin_and_label, &b, err);
	if (r < 0) {
		if (b.nsfd >= 0)
			close(b.nsfd);
		umount2(path, MNT_DETACH);
		unlink(path);
		return nc_err_prefix(err, "network namespace `%s`", name);
	}
	if (nsfd_out)
		*nsfd_out = b.nsfd;
	else
		close(b.nsfd);
	return 0;
}

int netd_netns_open(const char *dir, const char *name, int *nsfd_out, nc_err *err)
{
	char path[4096];

	if (nc_pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "network namespace `%s`", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "open network namespace `%s`", path);
	*nsfd_out = fd;
	return 0;
}

int netd_netns_delete(const char *dir, const char *name, nc_err *err)
{
	char path[4096];

	if (nc_pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "network namespace `%s`", name);
	/* Not mounted (a creation cut short) is fine: unlink it anyway. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return nc_err_errno(err, errno, "unmount network namespace `%s`", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return nc_err_errno(err, errno, "remove `%s`", path);
	return 0;
}

struct label_query {
	char *buf;
	size_t size;
};

static int label_cb(const struct nlmsghdr *nlh, void *data)
{
	struct label_query *q = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_IFALIAS)
			snprintf(q->buf, q->size, "%s", mnl_attr_get_str(a));
	}
	return 0;
}

static int read_label(void *data, nc_err *err)
{
	struct nc_nl nl;
	int r;

	if ((r = nc_nl_open(&nl, err)) < 0)
		return r;
	netd_msg_getlink(&nl, "lo");
	r = nc_nl_flush_cb(&nl, NULL, label_cb, data, err);
	nc_nl_close(&nl);
	return r;
}

int netd_netns_label(struct netd *nd, int nsfd, char *buf, size_t size, nc_err *err)
{
	struct label_query q = { buf, size };

	(void)nd; /* the socket must be born inside; the session's is not */
	buf[0] = '\0';
	return netd_in_netns(nsfd, read_label, &q, err);
}
