/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cp` between the host and a running container. The container is not
 * trusted: its paths are resolved inside its root (openat2
 * RESOLVE_IN_ROOT, runtime/resolve.h) from a descriptor of its root taken
 * through /proc/PID/root, and the copy walks descriptors, never following
 * a symlink by name (runtime/copy-tree.h). A link such as /tmp/x ->
 * /etc/shadow names the container's own /etc/shadow, never the host's.
 */
#ifndef NC_COMPOSE_COPY_H
#define NC_COMPOSE_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/lifecycle/info.h"

/* A path cut for copying: `dir` to open, then `name` in it; `contents`
 * when the path names a directory's contents ("d/.", "/"), and then
 * `name` is NULL. Trailing slashes are dropped. Pure. */
struct nc_copy_path {
	char dir[4096];
	char name[256];
	bool contents;
};
int nc_copy_path_split(const char *path, struct nc_copy_path *out, nc_err *err);

/* cp SERVICE:SRC DEST and cp SRC SERVICE:DEST, as docker cp: an existing
 * directory DEST receives SRC under its own name, otherwise DEST is the
 * new name (its parent must exist). The container must be running. */
int nc_copy_from(struct rt_cgroups *cg, const struct nc_container_info *ci, const char *src,
		 const char *dest, nc_err *err);
int nc_copy_to(struct rt_cgroups *cg, const struct nc_container_info *ci, const char *src,
	       const char *dest, nc_err *err);

#endif
