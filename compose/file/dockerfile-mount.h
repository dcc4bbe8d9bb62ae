/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RUN --mount=... as BuildKit spells it: comma-separated key=value
 * options (a bare `ro`, `rw` or `required` means true). ncompose builds
 * three types: `cache` (a directory kept between builds, named by `id`
 * or else by the target), `bind` (a file or directory of the build
 * context, read-only unless rw) and `tmpfs`. `secret` and `ssh` are parsed so that
 * an optional one (BuildKit's default) lets the RUN go on without it.
 */
#ifndef NC_COMPOSE_DOCKERFILE_MOUNT_H
#define NC_COMPOSE_DOCKERFILE_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

enum nc_df_mount_type {
	NC_DF_MOUNT_BIND,
	NC_DF_MOUNT_CACHE,
	NC_DF_MOUNT_TMPFS,
	NC_DF_MOUNT_SECRET,
	NC_DF_MOUNT_SSH,
};

struct nc_df_mount {
	enum nc_df_mount_type type;
	const char *target;   /* as written (relative: below WORKDIR); NULL when not given */
	const char *source;   /* bind: path in the context, "." when not given */
	const char *id;       /* cache: its name, NULL: the target */
	bool read_only;       /* cache: ro; bind: unless rw */
	bool rw;              /* bind: writes allowed, to a copy gone with the RUN */
	bool required;        /* secret, ssh: fail when it is missing */
	bool has_mode;
	uint32_t mode;        /* cache: of the directory when it is made (0755) */
	uint32_t uid, gid;    /* cache: its owner when made (0:0) */
	uint64_t size;        /* tmpfs: bytes, 0: the kernel's default */
	const char *env;      /* secret: also (or, without target, only) this variable */
};

/* Parses the value of one --mount. On error returns -1 with `why` (the
 * option and what is wrong, for "Dockerfile:LINE: RUN --mount: WHY"). */
int nc_df_mount_parse(struct nc_arena *a, const char *spec, struct nc_df_mount *m, char *why, size_t why_size);

const char *nc_df_mount_type_name(enum nc_df_mount_type t);

#endif
