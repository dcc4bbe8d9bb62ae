/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ${VAR} interpolation as Compose does it, on scalar values after YAML
 * parsing (so a value cannot inject YAML structure):
 *   $$              a literal $
 *   $VAR  ${VAR}    the value, or empty when unset
 *   ${VAR:-word}    word when VAR is unset or empty;  ${VAR-word}: only when unset
 *   ${VAR:?msg}     an error when VAR is unset or empty; ${VAR?msg}: only when unset
 *   ${VAR:+word}    word when VAR is set and not empty; ${VAR+word}: when set
 * `word` and `msg` are interpolated themselves (${A:-${B}}). Any other use
 * of `$` is an error, as in Compose: write $$ for a dollar sign.
 */
#ifndef NC_COMPOSE_INTERPOLATE_H
#define NC_COMPOSE_INTERPOLATE_H

#include <stdio.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"

/* Expands `s` onto `out`. On error returns -EINVAL with the reason (no
 * place) in err. */
int nc_interpolate(const char *s, nc_lookup_fn lookup, void *ctx, struct nc_strbuf *out,
		   nc_err *err);

/* Interpolates every scalar value of the tree (not mapping keys) in place,
 * each shared node once. A plain scalar's type is resolved again from the
 * new text (`cpus: ${CPUS}` becomes a number); a quoted one stays a string.
 * An empty result is an empty string (never null). A variable read
 * without a default (`$X`, `${X}`) that is not set gives one line on
 * `warn` per name, as Compose warns (NULL: silent).
 * Errors as "PATH:LINE:COL: reason" at the scalar. */
int nc_interpolate_tree(struct nc_arena *a, struct nc_yt_node *root, const char *path,
			nc_lookup_fn lookup, void *ctx, FILE *warn, nc_err *err);

/* A lookup over a NULL-terminated "NAME=value" vector (an envp); ctx is
 * the vector (char *const *). */
const char *nc_lookup_envp(void *ctx, const char *name);

#endif
