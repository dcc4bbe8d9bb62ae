/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * .dockerignore, with Docker's rules: one pattern a line, `#` comments,
 * blanks trimmed, `!` re-includes, each pattern cleaned (`./a//b/` is
 * `a/b`, a leading `/` dropped) and matched against the path relative to
 * the build context with `*` and `?` (never across `/`), `[a-z]`, `\`
 * escapes and `**` (any number of directories). A pattern that matches a
 * directory excludes what is under it. The last pattern that matches a
 * path decides.
 */
#ifndef NC_COMPOSE_DOCKERIGNORE_H
#define NC_COMPOSE_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/error.h"

struct nc_di_pattern {
	const char *glob;
	bool negate;
};

struct nc_dockerignore {
	struct nc_arena arena;
	struct nc_di_pattern *p;
	size_t n, cap;
};

int nc_dockerignore_parse(struct nc_dockerignore *di, const char *buf, size_t len, nc_err *err);
void nc_dockerignore_free(struct nc_dockerignore *di);

/* Is `path` ("dir/file", relative to the context) left out of the build? */
bool nc_dockerignore_excludes(const struct nc_dockerignore *di, const char *path);

/* One glob against one whole path, as above (exposed for the tests). */
bool nc_di_glob(const char *pattern, const char *path);

#endif
