/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Splits a command string into words the way Compose does for
 * `command: "..."` and `entrypoint: "..."`: shell quoting rules, but no
 * shell. Blanks (space, tab, newline) separate words; '...' keeps
 * everything literally; "..." keeps everything but lets a backslash escape
 * \ " $ ` and a newline; outside quotes a backslash escapes any character
 * and backslash-newline joins lines. Nothing is expanded: $VAR, globs, |,
 * ; and & are ordinary characters (interpolation happened before, on the
 * YAML value).
 */
#ifndef NC_COMPOSE_SHELLWORDS_H
#define NC_COMPOSE_SHELLWORDS_H

#include <stddef.h>

#include "common/arena.h"

enum nc_shellwords_error {
	NC_SHELLWORDS_OK = 0,
	NC_SHELLWORDS_UNBALANCED_SINGLE,
	NC_SHELLWORDS_UNBALANCED_DOUBLE,
	NC_SHELLWORDS_TRAILING_BACKSLASH,
	NC_SHELLWORDS_NOMEM,
};

/*
 * Words into an arena array (*words, *n). Returns 0 or the error, with
 * *where set to the byte offset of the opening quote or the backslash.
 */
enum nc_shellwords_error nc_shellwords_split(struct nc_arena *a, const char *s,
					     const char ***words, size_t *n, size_t *where);

/* "unbalanced double quote" etc. */
const char *nc_shellwords_strerror(enum nc_shellwords_error e);

#endif
