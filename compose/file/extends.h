/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `extends:` as Compose resolves it, on one file's tree before the files
 * are merged: a service extends another of the same file
 * (`extends: base`, `extends: {service: base}`) or of another file
 * (`extends: {file: common.yaml, service: base}`, the path relative to
 * the extending file). The base is merged under the service with the
 * rules of a later file (merge.h); the relative paths of a base from
 * another file (build, env_file, bind sources, image: ./dir) are that
 * file's directory's. Chains are followed; a cycle is an error.
 */
#ifndef NC_COMPOSE_EXTENDS_H
#define NC_COMPOSE_EXTENDS_H

#include "common/arena.h"
#include "common/error.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"

/* `path`: the file of `root` (messages, and other files' base). Other
 * files are interpolated with `lookup`. */
int nc_yt_resolve_extends(struct nc_arena *a, struct nc_yt_node *root, const char *path,
			  nc_lookup_fn lookup, void *ctx, nc_err *err);

/* A service's relative paths made DIR/path (a new node when any is). */
int nc_yt_rebase_service(struct nc_arena *a, struct nc_yt_node **svc, const char *dir, nc_err *err);

#endif
