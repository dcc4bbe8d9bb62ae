/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `.env` file beside a compose file (and env_file: files), read the
 * way Compose reads them:
 *   # a comment
 *   NAME=value            unquoted: trimmed, " #..." starts a comment
 *   export NAME=value     `export ` is allowed and ignored
 *   NAME='literal $x'     single quotes: nothing is interpreted
 *   NAME="a\nb ${OTHER}"  double quotes: \n \t \r escapes, any other \X is X
 *                         (\$ a literal $), may span lines
 *   NAME=                 empty
 *   NAME: value           as NAME=value
 *   NAME                  alone: its value from `outer`, left out when unset
 * A UTF-8 byte order mark at the start is skipped; CRLF ends a line.
 * Unquoted and double-quoted values are interpolated (${VAR} as in
 * interpolate.h) from the outer lookup first, then from names defined
 * earlier in the file; a later definition of a name replaces the earlier.
 */
#ifndef NC_COMPOSE_DOTENV_H
#define NC_COMPOSE_DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/hash.h"
#include "compose/file/model.h"

struct nc_dotenv {
	struct nc_arena arena;
	struct nc_kv *vars; /* file order; mark is the name's place in the file */
	size_t n, cap;
	struct nc_strmap index; /* name -> its place in vars */
};

#define NC_DOTENV_INIT { NC_ARENA_INIT, NULL, 0, 0, NC_STRMAP_INIT }

/* Parses `len` bytes; `path` names the file in messages
 * ("PATH:LINE:COL: reason"). `outer` may be NULL. On error *out is left
 * empty. */
int nc_dotenv_parse(const char *path, const char *text, size_t len, nc_lookup_fn outer,
		    void *outer_ctx, struct nc_dotenv *out, nc_err *err);

/* Reads and parses a file; a missing file is an empty result when
 * `missing_ok`. */
int nc_dotenv_load(const char *path, bool missing_ok, nc_lookup_fn outer, void *outer_ctx,
		   struct nc_dotenv *out, nc_err *err);

/* nc_lookup_fn over a parsed file; ctx is the struct nc_dotenv. */
const char *nc_dotenv_lookup(void *ctx, const char *name);

void nc_dotenv_free(struct nc_dotenv *d);

#endif
