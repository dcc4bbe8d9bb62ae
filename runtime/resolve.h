/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths inside a root filesystem that the container may have shaped:
 * every symlink and ".." is resolved as if `rootfd` were "/", so a link
 * such as /etc/resolv.conf -> ../../../../run/x cannot leave the root.
 * Child-safe (no allocation); failures return -errno with err naming the
 * path.
 */
#ifndef NC_RUNTIME_RESOLVE_H
#define NC_RUNTIME_RESOLVE_H

#include <stdbool.h>

#include "common/error.h"

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), Linux 5.6; before
 * that, rt_open_in_root_walk(). `flags` are open flags (O_PATH, ...);
 * O_CLOEXEC is added. Returns the descriptor. */
int rt_open_in_root(int rootfd, const char *path, int flags, nc_err *err);

/* The same by walking one component at a time with O_NOFOLLOW and
 * expanding symlinks ourselves. Not immune to a concurrent rename, which
 * openat2 is; used only where openat2 is missing (and by the tests). */
int rt_open_in_root_walk(int rootfd, const char *path, int flags, nc_err *err);

/* Beneath a directory instead of inside a root (a build context):
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), and before Linux 5.6
 * rt_open_beneath_walk(). An absolute path, an absolute symlink, or a
 * ".." (given or in a symlink's target) that would climb above `dirfd`
 * fails with -EXDEV instead of being re-rooted. */
int rt_open_beneath(int dirfd, const char *path, int flags, nc_err *err);
int rt_open_beneath_walk(int dirfd, const char *path, int flags, nc_err *err);

/* An O_PATH descriptor of `path` inside the root, creating what is
 * missing: parent directories, then an empty file (or a directory when
 * `dir`). A dangling symlink on the way is followed and its target created,
 * so /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf gets its
 * target in the container's private /run. Creation on a read-only mount
 * fails with EROFS, which is the right answer for a link into the host. */
int rt_open_or_create_in_root(int rootfd, const char *path, bool dir, nc_err *err);

#endif
