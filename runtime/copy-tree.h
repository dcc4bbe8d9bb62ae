/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seeding a new volume from an image, as Docker does: the image's
 * directory at the mount target copied into the empty volume, owners,
 * modes, times and symlinks kept.
 */
#ifndef NC_RUNTIME_COPY_TREE_H
#define NC_RUNTIME_COPY_TREE_H

#include <stdbool.h>

#include "common/error.h"

/*
 * Copies the contents of `path` of the directory tree `root` (resolved in
 * it, as the container would: rt_open_in_root) into the directory `dst`.
 * *copied is false, and nothing happens, when `path` is missing or not a
 * directory in the image. Regular files, directories, symlinks and fifos
 * are copied; device nodes and sockets are skipped (the volume is nodev).
 *
 * The volume may be shared with a running, hostile container that swaps
 * entries while we copy: owner, mode and times are set on the descriptors
 * we created (fchown, fchmod, futimens), never through a name that could
 * have become a symlink to a host file; symlinks themselves only with
 * AT_SYMLINK_NOFOLLOW.
 */
int rt_copy_tree_in_root(const char *root, const char *path, const char *dst, bool *copied, nc_err *err);

/* For tests: before_meta runs after an entry of the volume was created
 * (and a file's data written) and before its owner, mode and times are
 * set: the window in which a container can swap the entry. */
struct rt_copy_hooks {
	void (*before_meta)(int dir_fd, const char *name, void *ctx);
	void *ctx;
};

int rt_copy_tree_in_root_hooked(const char *root, const char *path, const char *dst,
				const struct rt_copy_hooks *hooks, bool *copied, nc_err *err);

#endif
