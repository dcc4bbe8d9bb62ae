/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a COPY or ADD source names in a build context, walked without ever
 * leaving it: the file, the directory's tree, or what a pattern (`*`, `?`,
 * `[...]`, never across `/`) matches; entries .dockerignore leaves out are
 * skipped; symlinks inside the tree are entries, not followed. The source
 * itself is resolved beneath the context (openat2 RESOLVE_BENEATH, or
 * before Linux 5.6 a walk one component at a time: runtime/resolve.h),
 * so a `..` or a symlink that leaves the context fails with EXDEV.
 *
 * The digest covers, in name order, each entry's path below the source,
 * type, mode bits, and the bytes of a file or the target of a symlink:
 * the part of a COPY's cache key that says "the same content" (owners and
 * times are left out, as Docker's build cache leaves them out).
 */
#ifndef NC_COMPOSE_BUILD_CONTEXT_H
#define NC_COMPOSE_BUILD_CONTEXT_H

#include <stddef.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/sha256.h"
#include "compose/file/dockerignore.h"

/* Bounds of one walk against a hostile context. */
#define NC_CTX_MAX_DEPTH 128
#define NC_CTX_MAX_ENTRIES 1000000u

/* `src` is relative to the context (already cleaned of `..`). *n_matched
 * counts the sources a pattern matched (1 for a plain path). -ENOENT when
 * nothing matches, -EXDEV when the source leaves the context. */
int nc_ctx_digest(int ctx_fd, const struct nc_dockerignore *ignore, const char *src,
		  char hex[NC_SHA256_HEX_LEN], size_t *n_matched, nc_err *err);

/* The same walk, `visit` called for each entry it takes in (after
 * .dockerignore), parents before children: `pathfd` an O_PATH descriptor
 * on it (symlinks not followed), `match` the source it belongs to (its
 * path in the context, "" for the context itself), `below` its path
 * below that source ("" for the source itself). A visit that fails stops
 * the walk with its error. */
typedef int (*nc_ctx_visit)(void *vctx, int pathfd, const struct stat *st, const char *match, const char *below,
			    nc_err *err);
int nc_ctx_walk(int ctx_fd, const struct nc_dockerignore *ignore, const char *src, nc_ctx_visit visit, void *vctx,
		char hex[NC_SHA256_HEX_LEN], size_t *n_matched, nc_err *err);

#endif
