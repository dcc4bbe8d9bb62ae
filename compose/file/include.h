/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Top-level `include:` as Compose reads it, on one file's tree before the
 * files are merged. Each entry is a path (or a list of paths, merged), or
 * {path, project_directory, env_file}: the included files are read,
 * interpolated with their env_file (else their project directory's .env)
 * after the including project's variables, their own include and extends
 * resolved, their services' relative paths made their project
 * directory's; then their services, networks, volumes, secrets and
 * configs are added to the including file. A name both define is an
 * error naming both places.
 */
#ifndef NC_COMPOSE_INCLUDE_H
#define NC_COMPOSE_INCLUDE_H

#include "common/arena.h"
#include "common/error.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"

int nc_yt_resolve_include(struct nc_arena *a, struct nc_yt_node *root, const char *path,
			  nc_lookup_fn lookup, void *ctx, nc_err *err);

#endif
