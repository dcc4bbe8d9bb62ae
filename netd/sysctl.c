/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctls of a network namespace, through /proc/sys. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

int netd_sysctl_path(const char *key, char *out, size_t size)
{
	size_t n = strlen(key);

	if (n == 0 || n + sizeof("/proc/sys/") > size)
		return -EINVAL;
	/* sysctl(8)'s rule: with a '/' the key is a path; else dots separate
	 * (and an interface name with a dot must be written with slashes). */
	bool slashes = strchr(key, '/') != NULL;
	char *o = out + snprintf(out, size, "/proc/sys/");
	const char *part = key;
	for (const char *p = key;; p++) {
		char c = *p;
		bool sep = c == '/' || (!slashes && c == '.') || c == '\0';
		if (sep) {
			size_t pl = (size_t)(p - part);
			if (pl == 0 || (pl == 1 && part[0] == '.') ||
			    (pl == 2 && part[0] == '.' && part[1] == '.'))
				return -EINVAL;
			if (c == '\0')
				break;
			part = p + 1;
		}
		*o++ = sep ? '/' : c;
	}
	*o = '\0';
	return 0;
}

int netd_sysctl_open(const char *key, int *fd, nc_err *err)
{
	char path[512];

	if (netd_sysctl_path(key, path, sizeof(path)) < 0)
		return nc_err_msg(err, EINVAL, "invalid sysctl name `%s`", key);
	*fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		return nc_err_errno(err, errno, "open sysctl `%s` (%s)", key, path);
	return 0;
}

int netd_sysctl_write(int fd, const char *key, const char *value, nc_err *err)
{
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);

	if (w < 0)
		return nc_err_errno(err, errno, "set sysctl `%s` to `%s`", key, value);
	if ((size_t)w != n)
		return nc_err_errno(err, EIO, "set sysctl `%s` to `%s` (short write)", key, value);
	return 0;
}

struct ns_open {
	const char *key;
	int fd;
};

static int open_inside(void *data, nc_err *err)
{
	struct ns_open *o = data;
	return netd_sysctl_open(o->key, &o->fd, err);
}

int netd_sysctl_set(struct netd *nd, const char *key, const char *value, nc_err *err)
{
	struct ns_open o = { key, -1 };
	int r;

	/* The session's namespace, which need not be the calling thread's
	 * right now; /proc/sys/net resolves it at open time. */
	if ((r = netd_in_netns(nd->nsfd, open_inside, &o, err)) < 0)
		return r;
	r = netd_sysctl_write(o.fd, key, value, err);
	close(o.fd);
	return r;
}

int netd_ns_sysctl_set(struct netd_ns *ns, const char *key, const char *value, nc_err *err)
{
	struct ns_open o = { key, -1 };
	char path[512];
	int r;

	/* Only net.* belongs to the network namespace; anything else would
	 * change the host for everyone. */
	if (strncmp(key, "net.", 4) && strncmp(key, "net/", 4))
		return nc_err_msg(err, EPERM,
				  "sysctl `%s` is not namespaced by the network namespace; only net.* is",
				  key);
	if (netd_sysctl_path(key, path, sizeof(path)) < 0)
		return nc_err_msg(err, EINVAL, "invalid sysctl name `%s`", key);
	/* /proc/sys/net resolves the namespace at open time (the sysctl root
	 * looks up current->nsproxy->net_ns), so open inside, write outside. */
	if ((r = netd_in_netns(ns->nsfd, open_inside, &o, err)) < 0)
		return r;
	r = netd_sysctl_write(o.fd, key, value, err);
	close(o.fd);
	return r;
}
