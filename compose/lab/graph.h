/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `graph`: the lab as a picture — containers, networks, their interface
 * names and addresses, the host's gateways and NAT. Pure: plan in, text out. */
#ifndef NC_COMPOSE_GRAPH_H
#define NC_COMPOSE_GRAPH_H

#include "common/strbuf.h"
#include "compose/plan/plan.h"

/* A tree for the terminal (UTF-8 box drawing when `unicode`). */
void nc_graph_ascii(const struct nc_plan *p, bool unicode, struct nc_strbuf *out);

/* Graphviz DOT: networks and containers are nodes, attachments are edges
 * labelled with interface and address. */
void nc_graph_dot(const struct nc_plan *p, struct nc_strbuf *out);

#endif
