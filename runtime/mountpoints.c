/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mount points and volumes in the plan (parent side).
 *
 * Docker creates a missing mount point in the container's writable layer.
 * An image root has one (the overlay's upper directory). The host's root
 * is never written: there the nearest existing directory is rebuilt on a
 * small tmpfs ("shadowed"), each of its entries bound back from the host
 * (submounts included) or copied when a symlink, and the missing path is
 * created on that tmpfs. The host sees nothing; the container sees the
 * directory as it was plus the mount point. A shadowed "/" replaces the
 * recursive bind of the host root altogether (rootfs.c).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/rootfs.h"

#define ADD(kind, src, tgt, fs, fl, data, mode)                                            \
	do {                                                                                \
		if (rt_rootfs_add(plan, arena, kind, src, tgt, fs, fl, data, mode, err) < 0) \
			return nc_err_ret(err);                                             \
	} while (0)

/* Mounted fresh in every container, writable: targets below them are
 * created when the volume is mounted, after them. */
static const char *const fresh[] = { "/proc", "/dev", "/run", "/tmp", "/sys" };

bool rt_path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1)
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

bool rt_path_is_fresh(const char *path)
{
	for (size_t i = 0; i < sizeof(fresh) / sizeof(fresh[0]); i++)
		if (rt_path_under(path, fresh[i]))
			return true;
	return false;
}

int rt_mount_target_check(const char *target, nc_err *err)
{
	if (!target || target[0] != '/')
		return nc_err_msg(err, EINVAL, "mount target `%s` is not an absolute path", target ? target : "");
	if (strlen(target) >= PATH_MAX - 64)
		return nc_err_msg(err, ENAMETOOLONG, "mount target `%.64s...` is too long", target);
	for (const char *p = target; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && p[0] == '.'))
			return nc_err_msg(err, EINVAL, "mount target `%s` has a `.` or `..` component", target);
		p += n;
	}
	if (!strcmp(target, "/"))
		return nc_err_msg(err, EINVAL, "a volume cannot be mounted on `/`");
	return 0;
}

int rt_host_missing_ancestor(const char *target, char *anc, size_t size)
{
	char cur[PATH_MAX];
	struct stat st;
	size_t len = 0;

	snprintf(anc, size, "/");
	for (const char *p = target;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return 0; /* it exists */
		size_t n = strcspn(p, "/");
		if (len + 1 + n >= sizeof(cur))
			return -ENAMETOOLONG;
		cur[len++] = '/';
		memcpy(cur + len, p, n);
		len += n;
		cur[len] = '\0';
		p += n;
		if (lstat(cur, &st) < 0) {
			if (errno != ENOENT)
				return -errno;
			return 1;
		}
		/* A symlink is followed inside the container's root when the
		 * volume is mounted; nothing to make here. */
		if (S_ISLNK(st.st_mode))
			return 0;
		if (!S_ISDIR(st.st_mode))
			return *p ? -ENOTDIR : 0;
		snprintf(anc, size, "%s", cur);
	}
}

static bool already_shadowed(const struct rt_rootfs_plan *plan, const char *dir)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct rt_mnt *op = &plan->ops[i];
		if ((op->kind == RT_MNT_FS || op->kind == RT_MNT_ROOT_FS) && op->source &&
		    !strcmp(op->source, "ncompose-shadow") &&
		    !strcmp(op->kind == RT_MNT_ROOT_FS ? "/" : op->target, dir))
			return true;
	}
	return false;
}

static const char *join(struct nc_arena *arena, const char *dir, const char *name)
{
	return nc_arena_printf(arena, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
}

int rt_shadow_entries(struct rt_rootfs_plan *plan, struct nc_arena *arena, const char *dir, nc_err *err)
{
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	bool root = !strcmp(dir, "/");

	if (!d)
		return nc_err_errno(err, errno, "read the host's `%s` to add a mount point to it", dir);
	for (struct dirent *e; (errno = 0, e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		const char *path = join(arena, dir, e->d_name);
		if (!path)
			return nc_err_errno(err, ENOMEM, "plan the root filesystem");
		struct stat st;
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue; /* gone meanwhile */
			return nc_err_errno(err, errno, "stat `%s`", path);
		}
		if (root && rt_path_is_fresh(path)) {
			ADD(RT_MNT_ENSURE, NULL, path, NULL, 0, NULL, S_IFDIR);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			char to[PATH_MAX];
			ssize_t n = readlink(path, to, sizeof(to) - 1);
			if (n < 0)
				return nc_err_errno(err, errno, "read the symlink `%s`", path);
			to[n] = '\0';
			const char *copy = nc_arena_strdup(arena, to);
			if (!copy)
				return nc_err_errno(err, ENOMEM, "plan the root filesystem");
			ADD(RT_MNT_SYMLINK, copy, path, NULL, 0, NULL, 0);
			continue;
		}
		ADD(RT_MNT_ENSURE, NULL, path, NULL, 0, NULL, S_ISDIR(st.st_mode) ? S_IFDIR : S_IFREG);
		ADD(RT_MNT_BIND_TREE, path, path, NULL, 0, NULL, 0);
	}
	if (errno)
		return nc_err_errno(err, errno, "read the host's `%s`", dir);
	return 0;
}

int rt_mountpoint_plan(struct rt_rootfs_plan *plan, struct nc_arena *arena, bool host_root,
		       const char *target, bool dir, nc_err *err)
{
	if (rt_path_is_fresh(target))
		return 0;
	mode_t kind = dir ? S_IFDIR : S_IFREG;
	if (!host_root) {
		ADD(RT_MNT_ENSURE, NULL, target, NULL, 0, NULL, kind);
		return 0;
	}
	char anc[PATH_MAX];
	int r = rt_host_missing_ancestor(target, anc, sizeof(anc));
	if (r == 0)
		return 0;
	if (r < 0)
		return nc_err_errno(err, -r, "mount target `%s` on the host's root", target);
	/* rootfs.c shadows "/" itself, before anything else. */
	if (!already_shadowed(plan, anc)) {
		struct stat st;
		if (stat(anc, &st) < 0)
			return nc_err_errno(err, errno, "stat `%s`", anc);
		const char *data = nc_arena_printf(arena, "mode=%o,size=1m", (unsigned)(st.st_mode & 07777));
		if (!data)
			return nc_err_errno(err, ENOMEM, "plan the root filesystem");
		ADD(RT_MNT_FS, "ncompose-shadow", anc, "tmpfs", MS_NOSUID | MS_NODEV, data, 0);
		if (rt_shadow_entries(plan, arena, anc, err) < 0)
			return nc_err_ret(err);
	}
	ADD(RT_MNT_ENSURE, NULL, target, NULL, 0, NULL, kind);
	return 0;
}

int rt_volume_plan(struct rt_rootfs_plan *plan, struct nc_arena *arena, const struct rt_mount *m,
		   nc_err *err)
{
	bool dir = true, device = false;

	if (m->type == RT_MOUNT_BIND) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			return nc_err_errno(err, errno, "volume `%s`", m->source);
		dir = S_ISDIR(st.st_mode);
		device = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || rt_path_under(m->source, "/dev");
	}
	/* Made already (rt_mountpoint_plan) unless it is on a fresh
	 * filesystem, which exists only from here on. */
	ADD(RT_MNT_ENSURE, NULL, m->target, NULL, 0, NULL, dir ? S_IFDIR : S_IFREG);
	switch (m->type) {
	case RT_MOUNT_BIND: {
		/* nodev (see devices.c) unless the file asks for a device
		 * itself, e.g. /dev/net/tun for a VPN lab. */
		unsigned long fl = (m->read_only ? MS_RDONLY : 0) | (plan->privileged || device ? 0 : MS_NODEV);
		ADD(RT_MNT_BIND_TREE, m->source, m->target, NULL, fl, NULL, 0);
		return 0;
	}
	case RT_MOUNT_TMPFS: {
		unsigned long fl = MS_NOSUID | MS_NODEV | (m->exec ? 0 : MS_NOEXEC) | (m->read_only ? MS_RDONLY : 0) |
				   (m->flags & (MS_NOATIME | MS_RELATIME));
		/* The user namespace's owner last: it wins over a uid= of the
		 * file, which names a host id there. */
		const char *owner = plan->tmpfs_owner ? plan->tmpfs_owner : "";
		const char *more = m->data ? m->data : "";
		const char *data = m->size ? nc_arena_printf(arena, "mode=%o,size=%llu%s%s", m->mode ? m->mode : 01777,
							     (unsigned long long)m->size, more, owner)
					   : nc_arena_printf(arena, "mode=%o%s%s", m->mode ? m->mode : 01777, more, owner);
		if (!data)
			return nc_err_errno(err, ENOMEM, "plan the root filesystem");
		ADD(RT_MNT_FS, "tmpfs", m->target, "tmpfs", fl, data, 0);
		return 0;
	}
	case RT_MOUNT_LOOP:
		ADD(RT_MNT_LOOP, m->source, m->target, NULL, MS_NOSUID | MS_NODEV | (m->read_only ? MS_RDONLY : 0),
		    NULL, 0);
		return 0;
	}
	return nc_err_msg(err, EINVAL, "volume `%s`: unknown type %d", m->target, (int)m->type);
}
