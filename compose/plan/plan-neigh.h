/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How many neighbour entries (ARP, IPv6 neighbour discovery) a lab makes
 * in the kernel's tables, which are shared by every namespace of the
 * machine. Pure: from the plan alone.
 */
#ifndef NC_COMPOSE_PLAN_NEIGH_H
#define NC_COMPOSE_PLAN_NEIGH_H

#include <stddef.h>

#include "compose/plan/plan.h"

/*
 * On a segment (a network, or a link) with n addressed interfaces of a
 * family, each container ends up resolving every other one (pingall does
 * exactly that, and each request also makes the asked one learn the
 * asker): n * (n - 1) entries. A gateway on the host adds 2 n: each
 * container resolves it, and the host resolves each container. Summed
 * over the segments, per family.
 */
void nc_plan_neigh_need(const struct nc_plan *p, size_t *v4, size_t *v6);

#endif
