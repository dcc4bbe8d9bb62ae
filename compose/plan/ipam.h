/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address planning: subnets for networks that do not name one, gateways,
 * and an address for every attachment that has none.
 *
 * Deterministic: the same file on the same host gets the same addresses.
 * Static addresses are reserved first; automatic ones are then handed out
 * in file order (services, then their networks), lowest free address
 * first, never the network address, the IPv4 broadcast, the gateway or a
 * static address.
 */
#ifndef NC_COMPOSE_IPAM_H
#define NC_COMPOSE_IPAM_H

#include "compose/plan/plan.h"

/* Picks subnet, range and gateway of every network of the plan. */
int nc_ipam_plan_networks(struct nc_plan *p, const struct nc_plan_host *host, nc_err *err);

/* Assigns addr4/addr6 of every interface (static ones checked, the rest
 * allocated). */
int nc_ipam_plan_addresses(struct nc_plan *p, nc_err *err);

#endif
