/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plan as YAML, for `config`: under the top-level key `x-ncompose-plan`,
 * which the parser ignores (x- keys), so `config` output is still a valid
 * compose file. Shows what `up` would create: bridges, namespaces, host
 * interface names, MACs, assigned addresses and routes. */
#ifndef NC_COMPOSE_PLAN_EMIT_H
#define NC_COMPOSE_PLAN_EMIT_H

#include "common/strbuf.h"
#include "compose/plan/plan.h"

void nc_plan_emit_yaml(const struct nc_plan *p, struct nc_strbuf *out);

#endif
