/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published ports against the host's own sockets. A published port is a
 * DNAT of the host's addresses, so it silently takes the traffic of a host
 * service on the same port: `up` refuses it instead, naming the socket and
 * the process that holds it.
 */
#ifndef NC_COMPOSE_HOST_PORTS_H
#define NC_COMPOSE_HOST_PORTS_H

#include <stdbool.h>

#include "compose/plan/plan.h"
#include "netd/netd.h"

/* Whether socket `s` receives traffic that publishing `pp` would take:
 * same protocol and port, and addresses that meet in the family `pp` is
 * published for. A wildcard (0.0.0.0, [::]) meets every address of its
 * family; a dual-stack [::] (no IPV6_V6ONLY) meets IPv4 too; a v4-mapped
 * ::ffff:a.b.c.d meets a.b.c.d. A socket on [::1] meets nothing: the
 * host's connections to [::1] are never DNATed. Pure. */
bool nc_port_meets_socket(const struct nc_plan_port *pp, const struct netd_host_socket *s);

/* The first published port of the plan that one of the n sockets holds,
 * or -1. Pure. */
ssize_t nc_port_first_held(const struct nc_plan *p, const struct netd_host_socket *socks,
			   size_t n, size_t *sock);

/* Asks the kernel for the host's listening sockets (in the namespace of
 * `nd`) and refuses the first published port one of them holds:
 * "FILE:LINE:COL: port 8080/tcp is in use on this host: process 42 (nginx)
 * listens on 0.0.0.0:8080; ..." with *held set. The process is looked for
 * under proc_root ("/proc"). */
int nc_host_ports_check(const struct nc_plan *p, struct netd *nd, const char *proc_root,
			bool *held, nc_err *err);

#endif
