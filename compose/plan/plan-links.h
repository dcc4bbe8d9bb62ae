/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NC_COMPOSE_PLAN_LINKS_H
#define NC_COMPOSE_PLAN_LINKS_H

#include "compose/plan/plan.h"

/* Plans the file's links: (after the containers, before addresses). */
int nc_plan_links(struct nc_plan *p, nc_err *err);

/* Plans published ports (after addresses): each port, per family, to the
 * container's address on a network the host reaches. */
int nc_plan_ports(struct nc_plan *p, nc_err *err);

#endif
