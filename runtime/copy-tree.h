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
 */
int rt_copy_tree_in_root(const char *root, const char *path, const char *dst, bool *copied, nc_err *err);

#endif
