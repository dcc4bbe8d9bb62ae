/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's root filesystem as a table of mount steps: built in the
 * parent (where allocation is fine), walked in the child (where it is
 * not). Every step names its object in the error it may produce.
 */
#ifndef NC_RUNTIME_ROOTFS_H
#define NC_RUNTIME_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/arena.h"
#include "common/error.h"
#include "runtime/runtime.h"

enum rt_mnt_kind {
	RT_MNT_PRIVATE,     /* host `target` and everything below: propagation private */
	RT_MNT_RBIND,       /* host `source` bound recursively onto host `target` (the root) */
	RT_MNT_DETACH,      /* `target` and everything below it detached (not a mount: fine) */
	RT_MNT_READONLY,    /* the root and every mount below it made read-only */
	RT_MNT_FS,          /* a new `fstype` filesystem at `target` */
	RT_MNT_DEVICE,      /* host device `source` bound onto a new empty file `target` */
	RT_MNT_SYMLINK,     /* `target` -> `source` */
	RT_MNT_MKDIR,       /* directory `target` with `mode` */
	RT_MNT_BIND_FILE,   /* host file `source` over `target`, created when missing */
	RT_MNT_MASK_SOURCE, /* the empty read-only file that masks bind: `target` */
	RT_MNT_MASK,        /* `target` hidden: empty ro tmpfs (dir) or empty ro file */
	RT_MNT_RDONLY,      /* `target` bound onto itself read-only */
	RT_MNT_MASK_DONE,   /* the mask source unlinked (the binds keep it alive) */
	RT_MNT_ROOT_FS,     /* a new `fstype` filesystem on host `target`, the root: the
			     * overlay of an image, or the tmpfs of a rebuilt host root */
	RT_MNT_ENSURE,      /* `target` created when missing: a directory when `mode` is
			     * S_IFDIR, else an empty file (a mount point) */
	RT_MNT_BIND_TREE,   /* host `source` bound recursively onto `target` (MS_RDONLY
			     * in flags: read-only, submounts included) */
	RT_MNT_LOOP,        /* ext4 on the loop device `source` at `target` (spawn.c
			     * attaches the device and puts its path here) */
};

/* The steps whose target is a host path: they make the root. */
static inline bool rt_mnt_kind_is_host(enum rt_mnt_kind k)
{
	return k == RT_MNT_PRIVATE || k == RT_MNT_RBIND || k == RT_MNT_ROOT_FS;
}

struct rt_mnt {
	enum rt_mnt_kind kind;
	const char *source;
	/* For RT_MNT_PRIVATE and RT_MNT_RBIND a host path; else a path
	 * inside the root, resolved with rt_open_in_root(). */
	const char *target;
	const char *where;   /* the host path for messages: root + target */
	const char *fstype;
	unsigned long flags; /* MS_* */
	const char *data;
	mode_t mode;
};

struct rt_rootfs_plan {
	const char *root; /* absolute, no trailing slash */
	/* Appended to the data of the tmpfs the workload writes to (/run,
	 * tmpfs volumes): ",uid=N,gid=N" under a user namespace, else "". */
	const char *tmpfs_owner;
	bool privileged; /* device nodes allowed on what the container writes */
	uint64_t shm_size; /* bytes; 0: the default */
	/* Idmapped image layers (mount descriptors, spawn.c) attached at
	 * these host paths just before the overlay that names them. */
	const int *attach_fds;
	const char *const *attach_dirs;
	size_t n_attach;
	/* A filesystem image root (spec lower_image): the loop device, mounted
	 * read-only on lower_loop_dir just before the overlay; NULL: none. */
	const char *lower_loop_dev, *lower_loop_dir;
	/* The overlay's lower layers are named relative to this directory,
	 * the child's working directory for the mount; NULL: absolute. */
	const char *lower_cwd;
	struct rt_mnt *ops;
	size_t n_ops, cap;
};

/* Builds the steps for `spec` (host root or image, read-only, private
 * /dev /proc /sys /tmp /run, files, volumes, masks). Strings live in
 * `arena`. */
int rt_rootfs_plan_build(const struct rt_container_spec *spec, struct nc_arena *arena,
			 struct rt_rootfs_plan *plan, nc_err *err);

/* Appends one step (devices.c and rootfs.c); copies its strings into `arena`. */
int rt_rootfs_add(struct rt_rootfs_plan *plan, struct nc_arena *arena, enum rt_mnt_kind kind,
		  const char *source, const char *target, const char *fstype, unsigned long flags,
		  const char *data, mode_t mode, nc_err *err);

/* Mount points that do not exist yet, made before the root turns
 * read-only (mountpoints.c): in an image they are created in its writable
 * layer; in the host's root, which is never written, the nearest existing
 * directory is rebuilt on a tmpfs (its entries bound back in) so the new
 * entry can be made there. `dir`: a directory, else an empty file. */
int rt_mountpoint_plan(struct rt_rootfs_plan *plan, struct nc_arena *arena, bool host_root,
		       const char *target, bool dir, nc_err *err);

/* Helpers of the above, exposed for rootfs.c and the tests. */
bool rt_path_under(const char *path, const char *dir);
bool rt_path_is_fresh(const char *path); /* under /proc /dev /run /tmp /sys */
int rt_mount_target_check(const char *target, nc_err *err);
/* 0: `target` exists on the host (or a symlink on the way takes over);
 * 1: missing, *anc the deepest existing directory; -errno otherwise. */
int rt_host_missing_ancestor(const char *target, char *anc, size_t size);
/* The entries of the host's `dir` recreated under the same path in the
 * root (mount points bound back, symlinks copied). */
int rt_shadow_entries(struct rt_rootfs_plan *plan, struct nc_arena *arena, const char *dir, nc_err *err);

/* The steps of one rt_mount (after the fresh /tmp and /run, so targets
 * there are created on those). */
int rt_volume_plan(struct rt_rootfs_plan *plan, struct nc_arena *arena, const struct rt_mount *m,
		   nc_err *err);

/* The /dev steps. */
int rt_devices_plan(struct rt_rootfs_plan *plan, struct nc_arena *arena, nc_err *err);

/* Child side: walks the steps in order (mounts.c). */
int rt_rootfs_apply(const struct rt_rootfs_plan *plan, nc_err *err);

/* Child side: makes `root` the process's root with pivot_root(".", ".")
 * and detaches the old one (pivot.c). */
int rt_pivot_root(const char *root, nc_err *err);

/* The read-only pass without mount_setattr (before Linux 5.12): remount
 * every mount at or below `root` listed in /proc/self/mountinfo. Mounts
 * hidden under others cannot be reached by path and stay as they are.
 * Exposed for the tests. */
int rt_readonly_tree_fallback(const char *root, nc_err *err);

#endif
