/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Child side: walks the root filesystem plan. Targets inside the root are
 * resolved with rt_open_in_root() and mounted through /proc/self/fd/N
 * (the host's /proc is still there until the pivot), so a symlink in the
 * tree can never redirect a mount outside the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"
#include "runtime/loop.h"
#include "runtime/resolve.h"
#include "runtime/rootfs.h"
#include "runtime/syscalls.h"

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

struct mnt_ctx {
	const struct rt_rootfs_plan *plan;
	int rootfd;
	int maskfd;
};

struct fdpath {
	char s[32];
};

static struct fdpath fdpath(int fd)
{
	struct fdpath p;
	snprintf(p.s, sizeof(p.s), "/proc/self/fd/%d", fd);
	return p;
}

/* O_PATH descriptor of the parent directory of `target` and its last
 * component. */
static int open_parent(struct mnt_ctx *c, const struct rt_mnt *op, const char **base, nc_err *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(op->target, '/');

	if (!slash || !slash[1])
		return rt_cerr(err, EINVAL, "`%s`: no file name", op->where);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - op->target), op->target);
	*base = slash + 1;
	int fd = rt_open_in_root(c->rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, err);
	return fd < 0 ? nc_err_prefix(err, "`%s`", op->where) : fd;
}

static int remount_ro(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	/* Reopen: the earlier descriptor points under the new mount, and a
	 * remount through it would hit the mount below. */
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH, err);
	if (fd < 0)
		return nc_err_prefix(err, "make `%s` read-only", op->where);
	if (mount(NULL, fdpath(fd).s, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | NOSUID_NODEV_NOEXEC, NULL) < 0)
		return rt_cerr(err, errno, "make `%s` read-only", op->where);
	return 0;
}

static int do_private(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	(void)c;
	if (mount(NULL, op->target, NULL, op->flags, NULL) < 0)
		return rt_cerr(err, errno, "make `%s` private", op->where);
	return 0;
}

static int do_rbind(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	if (mount(op->source, op->target, NULL, op->flags, NULL) < 0)
		return rt_cerr(err, errno, "bind `%s` on `%s`", op->source, op->where);
	c->rootfd = open(op->target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return rt_cerr(err, errno, "open `%s`", op->where);
	return 0;
}

static int do_detach(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH | O_NOFOLLOW, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return nc_err_prefix(err, "detach `%s`", op->where);
	/* EINVAL: a plain directory of the host root, not a mount. */
	if (umount2(fdpath(fd).s, MNT_DETACH) < 0 && errno != EINVAL)
		return rt_cerr(err, errno, "detach `%s`", op->where);
	return 0;
}

static int do_readonly(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	struct rt_mount_attr attr = { .attr_set = RT_MOUNT_ATTR_RDONLY };

	if (rt_mount_setattr(c->rootfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return rt_cerr(err, errno, "make `%s` read-only", op->where);
	return rt_readonly_tree_fallback(c->plan->root, err);
}

static int do_fs(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH | O_DIRECTORY, err);
	if (fd < 0)
		return nc_err_prefix(err, "mount %s on `%s`", op->fstype, op->where);
	if (mount(op->source, fdpath(fd).s, op->fstype, op->flags, op->data) < 0)
		return rt_cerr(err, errno, "mount %s on `%s`", op->fstype, op->where);
	return 0;
}

static int do_bind_file(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_or_create_in_root(c->rootfd, op->target, false, err);
	if (fd < 0)
		return nc_err_prefix(err, "bind `%s` on `%s`", op->source, op->where);
	if (mount(op->source, fdpath(fd).s, NULL, MS_BIND, NULL) < 0)
		return rt_cerr(err, errno, "bind `%s` on `%s`", op->source, op->where);
	return 0;
}

static int do_symlink(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	const char *base;
	_cleanup_close_ int pfd = open_parent(c, op, &base, err);
	if (pfd < 0)
		return pfd;
	if (symlinkat(op->source, pfd, base) < 0)
		return rt_cerr(err, errno, "create symlink `%s` -> `%s`", op->where, op->source);
	return 0;
}

static int do_mkdir(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	const char *base;
	_cleanup_close_ int pfd = open_parent(c, op, &base, err);
	if (pfd < 0)
		return pfd;
	if (mkdirat(pfd, base, op->mode) < 0 && errno != EEXIST)
		return rt_cerr(err, errno, "create directory `%s`", op->where);
	return 0;
}

static int do_mask_source(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	const char *base;
	_cleanup_close_ int pfd = open_parent(c, op, &base, err);
	if (pfd < 0)
		return pfd;
	int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, op->mode);
	if (fd < 0)
		return rt_cerr(err, errno, "create `%s`", op->where);
	close(fd);
	c->maskfd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (c->maskfd < 0)
		return rt_cerr(err, errno, "open `%s`", op->where);
	return 0;
}

static int do_mask(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	struct stat st;
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return nc_err_prefix(err, "mask `%s`", op->where);
	if (fstat(fd, &st) < 0)
		return rt_cerr(err, errno, "mask `%s`", op->where);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fdpath(fd).s, "tmpfs", MS_RDONLY | NOSUID_NODEV_NOEXEC, "mode=755") < 0)
			return rt_cerr(err, errno, "mask `%s`", op->where);
		return 0;
	}
	if (mount(fdpath(c->maskfd).s, fdpath(fd).s, NULL, MS_BIND, NULL) < 0)
		return rt_cerr(err, errno, "mask `%s`", op->where);
	return remount_ro(c, op, err);
}

static int do_rdonly(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return nc_err_prefix(err, "make `%s` read-only", op->where);
	struct fdpath p = fdpath(fd);
	if (mount(p.s, p.s, NULL, MS_BIND | MS_REC, NULL) < 0)
		return rt_cerr(err, errno, "bind `%s` on itself", op->where);
	return remount_ro(c, op, err);
}

static int do_mask_done(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	const char *base;
	_cleanup_close_ int pfd = open_parent(c, op, &base, err);
	if (pfd < 0)
		return pfd;
	if (unlinkat(pfd, base, 0) < 0)
		return rt_cerr(err, errno, "remove `%s`", op->where);
	return 0;
}

static int open_root(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	c->rootfd = open(op->target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return rt_cerr(err, errno, "open `%s`", op->where);
	return 0;
}

static int do_root_fs(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	/* In our mount namespace only: the host never sees them. */
	for (size_t i = 0; i < c->plan->n_attach; i++)
		if (rt_move_mount(c->plan->attach_fds[i], "", AT_FDCWD, c->plan->attach_dirs[i],
				  RT_MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return rt_cerr(err, errno, "attach the idmapped layer at `%s`", c->plan->attach_dirs[i]);
	/* The same options as `type: image` volumes (nosuid, nodev), read-only. */
	if (c->plan->lower_loop_dev && rt_loop_mount(c->plan->lower_loop_dev, c->plan->lower_loop_dir, true, err) < 0)
		return nc_err_ret(err);
	if (c->plan->lower_cwd && chdir(c->plan->lower_cwd) < 0)
		return rt_cerr(err, errno, "enter the image's layers `%s`", c->plan->lower_cwd);
	if (mount(op->source, op->target, op->fstype, op->flags, op->data) < 0)
		return rt_cerr(err, errno, "mount the root (%s) on `%s`", op->fstype, op->where);
	return open_root(c, op, err);
}

static int do_ensure(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_or_create_in_root(c->rootfd, op->target, S_ISDIR(op->mode), err);
	if (fd < 0)
		return nc_err_prefix(err, "mount point `%s`", op->where);
	return 0;
}

/* Read-only and/or nodev (op->flags MS_RDONLY, MS_NODEV) all the way
 * down: a recursive bind carries the source's submounts, which a plain
 * MS_REMOUNT would leave as they were. */
static int attrs_below(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	unsigned long ms = op->flags & (MS_RDONLY | MS_NODEV);
	if (!ms)
		return 0;
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH, err);
	if (fd < 0)
		return nc_err_prefix(err, "restrict the mount `%s`", op->where);
	struct rt_mount_attr attr = {
		.attr_set = (ms & MS_RDONLY ? RT_MOUNT_ATTR_RDONLY : 0) | (ms & MS_NODEV ? RT_MOUNT_ATTR_NODEV : 0),
	};
	if (rt_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return rt_cerr(err, errno, "restrict the mount `%s`", op->where);
	if (mount(NULL, fdpath(fd).s, NULL, MS_BIND | MS_REMOUNT | ms, NULL) < 0)
		return rt_cerr(err, errno, "restrict the mount `%s`", op->where);
	return 0;
}

static int do_bind_tree(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH, err);
	if (fd < 0)
		return nc_err_prefix(err, "bind `%s` on `%s`", op->source, op->where);
	if (mount(op->source, fdpath(fd).s, NULL, MS_BIND | MS_REC, NULL) < 0)
		return rt_cerr(err, errno, "bind `%s` on `%s`", op->source, op->where);
	return attrs_below(c, op, err);
}

static int do_loop(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err)
{
	_cleanup_close_ int fd = rt_open_in_root(c->rootfd, op->target, O_PATH | O_DIRECTORY, err);
	if (fd < 0)
		return nc_err_prefix(err, "mount `%s` on `%s`", op->source, op->where);
	if (mount(op->source, fdpath(fd).s, "ext4", op->flags, NULL) < 0)
		return rt_cerr(err, errno, "mount `%s` (ext4) on `%s`", op->source, op->where);
	return 0;
}

typedef int (*mnt_fn)(struct mnt_ctx *c, const struct rt_mnt *op, nc_err *err);

static const mnt_fn steps[] = {
	[RT_MNT_PRIVATE] = do_private,
	[RT_MNT_RBIND] = do_rbind,
	[RT_MNT_DETACH] = do_detach,
	[RT_MNT_READONLY] = do_readonly,
	[RT_MNT_FS] = do_fs,
	[RT_MNT_DEVICE] = do_bind_file,
	[RT_MNT_SYMLINK] = do_symlink,
	[RT_MNT_MKDIR] = do_mkdir,
	[RT_MNT_BIND_FILE] = do_bind_file,
	[RT_MNT_MASK_SOURCE] = do_mask_source,
	[RT_MNT_MASK] = do_mask,
	[RT_MNT_RDONLY] = do_rdonly,
	[RT_MNT_MASK_DONE] = do_mask_done,
	[RT_MNT_ROOT_FS] = do_root_fs,
	[RT_MNT_ENSURE] = do_ensure,
	[RT_MNT_BIND_TREE] = do_bind_tree,
	[RT_MNT_LOOP] = do_loop,
};

int rt_rootfs_apply(const struct rt_rootfs_plan *plan, nc_err *err)
{
	struct mnt_ctx c = { .plan = plan, .rootfd = -1, .maskfd = -1 };
	int r = 0;

	for (size_t i = 0; i < plan->n_ops && r == 0; i++) {
		const struct rt_mnt *op = &plan->ops[i];
		if (!rt_mnt_kind_is_host(op->kind) && c.rootfd < 0)
			r = rt_cerr(err, EINVAL, "`%s`: the root is not bound yet", op->where);
		else
			r = steps[op->kind](&c, op, err);
	}
	if (c.rootfd >= 0)
		close(c.rootfd);
	if (c.maskfd >= 0)
		close(c.maskfd);
	return r;
}

/* ---- read-only without mount_setattr ---------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static unsigned long opts_flags(const char *opts)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} known[] = {
		{ "nosuid", MS_NOSUID }, { "nodev", MS_NODEV }, { "noexec", MS_NOEXEC },
		{ "noatime", MS_NOATIME }, { "nodiratime", MS_NODIRATIME }, { "relatime", MS_RELATIME },
	};
	unsigned long flags = 0;
	for (const char *p = opts; *p;) {
		const char *e = strchrnul(p, ',');
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == (size_t)(e - p) && !strncmp(p, known[i].name, (size_t)(e - p)))
				flags |= known[i].flag;
		p = *e ? e + 1 : e;
	}
	return flags;
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw" */
static int remount_line(char *line, const char *root, size_t root_len, nc_err *err)
{
	char *field[6];
	char *p = line;
	for (int i = 0; i < 6; i++) {
		while (*p == ' ')
			p++;
		field[i] = p;
		p = strchrnul(p, ' ');
		if (*p)
			*p++ = '\0';
	}
	char *mp = field[4];
	unescape(mp);
	if (strncmp(mp, root, root_len) || (mp[root_len] != '\0' && mp[root_len] != '/'))
		return 0;
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | opts_flags(field[5]);
	if (mount(NULL, mp, NULL, flags, NULL) < 0)
		return rt_cerr(err, errno, "make `%s` read-only", mp);
	return 0;
}

int rt_readonly_tree_fallback(const char *root, nc_err *err)
{
	char buf[16384];
	size_t len = 0, root_len = strlen(root);
	_cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return rt_cerr(err, errno, "open /proc/self/mountinfo");
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rt_cerr(err, errno, "read /proc/self/mountinfo");
		}
		len += (size_t)n;
		buf[len] = '\0';
		char *line = buf;
		for (char *nl; (nl = strchr(line, '\n'));) {
			*nl = '\0';
			if (remount_line(line, root, root_len, err) < 0)
				return nc_err_ret(err);
			line = nl + 1;
		}
		size_t rest = len - (size_t)(line - buf);
		if (n == 0) {
			if (rest && remount_line(line, root, root_len, err) < 0)
				return nc_err_ret(err);
			return 0;
		}
		if (rest == sizeof(buf) - 1)
			return rt_cerr(err, E2BIG, "a line of /proc/self/mountinfo longer than %zu bytes", rest);
		memmove(buf, line, rest);
		len = rest;
	}
}
