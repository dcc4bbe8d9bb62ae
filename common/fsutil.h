/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NC_COMMON_FSUTIL_H
#define NC_COMMON_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
int nc_pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mkdir -p with `mode` for each created component. */
int nc_mkdir_p(const char *path, mode_t mode, nc_err *err);

/* Reads a whole file into a NUL-terminated malloc'ed buffer. */
int nc_read_file(const char *path, char **out, size_t *len, nc_err *err);
int nc_read_fileat(int dirfd, const char *path, char **out, size_t *len, nc_err *err);

/* Writes `len` bytes to path via a temporary file and rename(2), so readers
 * see the old or the new content, never a mix. */
int nc_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 nc_err *err);

/* rm -rf that stays on one filesystem and never follows symlinks. ENOENT is
 * success. */
int nc_rm_rf(const char *path, nc_err *err);
/* The same for `name` in the directory `dirfd`, nothing followed. */
int nc_rm_rf_at(int dirfd, const char *name, nc_err *err);

#endif
