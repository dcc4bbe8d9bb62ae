/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NC_COMMON_FSUTIL_H
#define NC_COMMON_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/error.h"

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
int nc_pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mkdir -p with `mode` for each created component. */
int nc_mkdir_p(const char *path, mode_t mode, nc_err *err);

/* Reads a whole file into a NUL-terminated malloc'ed buffer. */
int nc_read_file(const char *path, char **out, size_t *len, nc_err *err);
int nc_read_fileat(int dirfd, const char *path, char **out, size_t *len, nc_err *err);

/* The largest file a user names that we read whole (compose file, .env,
 * env_file): far above any real one, far below what hurts. */
#define NC_USER_FILE_MAX ((size_t)64 << 20)

/* As nc_read_file, for a file a user names: a regular file of at most
 * `max` bytes. Anything else is refused before a byte is read: -EINVAL
 * for a FIFO, a device or a socket (opened O_NONBLOCK and O_NOCTTY, so a
 * FIFO without a writer cannot block the open, nor a terminal become
 * ours), -EFBIG past `max` (/dev/zero would fill the memory). */
int nc_read_file_bounded(const char *path, size_t max, char **out, size_t *len, nc_err *err);

/* All of buf to a blocking descriptor, through short writes and EINTR.
 * Returns 0, or -errno (-EIO for a write of nothing). */
int nc_write_all(int fd, const void *buf, size_t len);

/* Writes `len` bytes to path via a temporary file and rename(2), so readers
 * see the old or the new content, never a mix. */
int nc_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 nc_err *err);

/* rm -rf that stays on one filesystem and never follows symlinks. ENOENT is
 * success. */
int nc_rm_rf(const char *path, nc_err *err);
/* The same for `name` in the directory `dirfd`, nothing followed. */
int nc_rm_rf_at(int dirfd, const char *name, nc_err *err);

/* A descriptor for reading (or `flags`) of what the O_PATH descriptor
 * `pathfd` names, but only when it is a regular file: opening a device
 * node has effects (a watchdog reboots the host, a tape rewinds) and a
 * fifo blocks, so the type is checked on the O_PATH descriptor, which
 * opened nothing, and the same inode is then reopened through
 * /proc/self/fd. Returns the new descriptor (O_CLOEXEC), -EINVAL when not a
 * regular file (*st tells what it is), or -errno. `st` may be NULL. */
int nc_reopen_regular(int pathfd, int flags, struct stat *st);

/* The same for `name` in `dirfd`, a symlink not followed (-EINVAL). */
int nc_open_regular_at(int dirfd, const char *name, int flags, struct stat *st);

/* A directory of ours that other users must not enter (it holds files a
 * container made: setuid programs, device nodes): created with `mode` when
 * missing (its parents 0755), and when it exists with more permission bits
 * for group or others than `mode`, those are taken away (a tree made by
 * an older version was 0755). Never follows a symlink at `path` itself. */
int nc_private_dir(const char *path, mode_t mode, nc_err *err);

#endif
