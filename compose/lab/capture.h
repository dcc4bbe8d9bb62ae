/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `capture`: a packet socket opened inside a container's network
 * namespace (through netd), bound to one of its interfaces. Nothing runs
 * in the container; the CLI writes what it reads as pcap.
 */
#ifndef NC_COMPOSE_CAPTURE_H
#define NC_COMPOSE_CAPTURE_H

#include "common/error.h"

/* *out: an AF_PACKET socket (ETH_P_ALL, SO_TIMESTAMP on) bound to `iface`
 * of the running `service` of `project`; the caller closes it. */
int nc_capture_open(const char *project, const char *service, const char *iface, int *out,
		    nc_err *err);

#endif
