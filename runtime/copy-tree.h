/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seeding a new volume from an image, as Docker does: the image's
 * directory at the mount target copied into the empty volume, owners,
 * modes, times and symlinks kept.
 */
#ifndef NC_RUNTIME_COPY_TREE_H
#define NC_RUNTIME_COPY_TREE_H

#include <stdbool.h>
#include <stddef.h>

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

/*
 * The same over an image's layers (uppermost first, as overlayfs takes
 * them): `path` of each layer merged bottom-up into `dst`, whiteouts and
 * opaque directories applied, so the volume gets what the container
 * would see at `path`.
 */
int rt_copy_layers_in_root(const char *const *layers, size_t n, const char *path, const char *dst, bool *copied,
			   nc_err *err);

/* For tests: before_meta runs after an entry of the volume was created
 * (and a file's data written) and before its owner, mode and times are
 * set: the window in which a container can swap the entry. */
struct rt_copy_hooks {
	void (*before_meta)(int dir_fd, const char *name, void *ctx);
	void *ctx;
};

int rt_copy_tree_in_root_hooked(const char *root, const char *path, const char *dst,
				const struct rt_copy_hooks *hooks, bool *copied, nc_err *err);

/*
 * `cp`: the entry `name` of the open directory `sdir` (a regular file, a
 * directory tree or a symlink, which is copied as a link) to `dname` in
 * the open directory `ddir`. Nothing is resolved by path on either side:
 * each entry is reached from its parent's descriptor, never following a
 * symlink, so a hostile tree on either side cannot redirect the copy.
 * What is at the destination is replaced (a directory is merged into).
 * Owner, mode and times are kept where we may set them; fifos, devices
 * and sockets inside a tree are skipped.
 */
int rt_copy_entry_at(int sdir, const char *name, int ddir, const char *dname, nc_err *err);

/* The same for every entry of `sdir`, into `ddir` (`cp SRC/. DEST`). */
int rt_copy_contents_at(int sdir, int ddir, nc_err *err);

#endif
