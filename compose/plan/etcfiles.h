/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files a container sees at /etc/hosts, /etc/hostname and
 * /etc/resolv.conf. Pure: text in, text out.
 */
#ifndef NC_COMPOSE_ETCFILES_H
#define NC_COMPOSE_ETCFILES_H

#include "common/strbuf.h"
#include "compose/plan/plan.h"

/* /etc/hosts as container `self` sees it: every container of the project
 * by service name (and hostname and aliases), at the address of a network
 * the two share, else at its first address, so names resolve to addresses
 * that are reachable without a router whenever that is possible. */
void nc_etc_hosts(const struct nc_plan *p, const struct nc_plan_container *self,
		  struct nc_strbuf *out);

/* Whether nc_etc_hosts gives `a` and `b` the same text, so `up` renders
 * it once for both instead of once per container (N containers on one
 * network would otherwise cost N files of N lines each to render). True
 * when the two are on the same set of networks and links (the others'
 * addresses are chosen by that set) and neither has what only its own
 * file shows: legacy links' aliases, extra_hosts, or aliases on its own
 * first address (its own line carries none, the others' do). May say
 * false for twins; never true for files that differ. */
bool nc_etc_hosts_same(const struct nc_plan_container *a, const struct nc_plan_container *b);

/* False when `c`'s hosts file shows something of its own, so no other
 * container can share its text (nc_etc_hosts_same is then false unless
 * a == b). */
bool nc_etc_hosts_shareable(const struct nc_plan_container *c);

void nc_etc_hostname(const struct nc_plan_container *self, struct nc_strbuf *out);

/* The host's resolv.conf minus loopback nameservers (127.0.0.0/8, ::1),
 * which point at the host's own stub resolver and cannot be reached from a
 * container's network namespace — Docker filters them the same way. */
void nc_etc_resolv(const char *host_resolv, struct nc_strbuf *out);

/* The container's resolv.conf: its `dns:` servers when it has some (with
 * the host's search and options lines), else as nc_etc_resolv. */
void nc_etc_resolv_for(const struct nc_plan_container *c, const char *host_resolv,
		       struct nc_strbuf *out);

#endif
