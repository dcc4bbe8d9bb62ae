/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks that load but cannot mean what they say, for `config` to warn
 * about (they are not refused: the file is the author's, and `test` would
 * only report them as failing):
 *  - `via` naming the check's own source or its target (a path never
 *    crosses its ends as a router);
 *  - `via` with `hops: 1` (one hop is the same network: no router between);
 *  - `via` when the source is on the target's network or link (the path is
 *    direct, no router is crossed);
 *  - `not_reach` from a service to itself (it always answers itself).
 */
#ifndef NC_COMPOSE_CHECKS_LINT_H
#define NC_COMPOSE_CHECKS_LINT_H

#include <stddef.h>

#include "common/strbuf.h"
#include "compose/plan/plan.h"

/* Appends one "FILE:LINE:COL: warning: ..." line per problem; returns how many. */
size_t nc_checks_lint(const struct nc_plan *p, struct nc_strbuf *out);

#endif
