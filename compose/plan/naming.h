/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names and labels of every kernel object a project creates.
 *
 * Interface names must fit IFNAMSIZ-1 (15) characters and must never collide
 * across projects. A readable name ("nc-lab-r1-0") is used when it fits and
 * is unambiguous: the project and object names contain no '-', so the
 * dashes split the name back into its parts. Otherwise the name is "nc"
 * followed by 12 hex digits of a SipHash of (kind, project, object): it
 * has no '-', so it can never equal a readable name, and two hashed names
 * collide with probability 2^-48. Readable bridge names have two dashes and
 * readable veth names three, so the two kinds cannot collide either.
 *
 * Every object also carries a label (interface alias, nft comment, cgroup
 * path, netns name) starting with "ncompose:<project>/" so that `down` can
 * find leftovers without a state file. Project names never contain '/', so
 * the prefix is unambiguous.
 */
#ifndef NC_COMPOSE_NAMING_H
#define NC_COMPOSE_NAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define NC_IFNAME_MAX 16 /* IFNAMSIZ, with the NUL */
#define NC_LABEL_MAX 256  /* IFALIASZ */

/* Compose's project name rules: lower case letters, digits, '-' and '_',
 * starting with a letter or digit. */
bool nc_project_name_valid(const char *name);

/* Compose's normalisation of a name taken from a file or directory: lower
 * case, characters outside [a-z0-9_-] dropped. Returns false when nothing
 * valid remains. */
bool nc_project_name_normalise(const char *in, char *out, size_t size);

/* Host end of the veth of attachment `index` of `service`. */
void nc_name_veth(const char *project, const char *service, unsigned index,
		  char out[NC_IFNAME_MAX]);

/* Bridge of `network`. */
void nc_name_bridge(const char *project, const char *network, char out[NC_IFNAME_MAX]);

/* The named network namespace of a service: "<project>-<service>". */
int nc_name_netns(const char *project, const char *service, char *out, size_t size, nc_err *err);

/* nftables table of the project (family inet): "nc_<project>". */
void nc_name_table(const char *project, char *out, size_t size);

/* cgroup of a service, relative to the hierarchy root. */
int nc_name_cgroup(const char *project, const char *service, char *out, size_t size, nc_err *err);
/* cgroup of the project (parent of its services') and of ncompose itself. */
#define NC_CGROUP_TOP "ncompose"
int nc_name_cgroup_project(const char *project, char *out, size_t size, nc_err *err);

/* Labels. The prefix is what `down` matches. */
int nc_label_prefix(const char *project, char *out, size_t size);
int nc_label_network(const char *project, const char *network, char *out, size_t size);
int nc_label_service(const char *project, const char *service, char *out, size_t size);
int nc_label_iface(const char *project, const char *service, const char *ifname, char *out,
		   size_t size);

/* Link group for bulk deletion: a non-zero 32-bit value derived from the
 * project name, in [2^30, 2^31): above the range people use by hand,
 * below what iproute2 can parse. `salt` > 0 picks the
 * next candidate when the first is taken by something else. */
uint32_t nc_link_group(const char *project, unsigned salt);

/* Deterministic, locally administered unicast MAC for an interface. */
void nc_mac_for(const char *project, const char *service, const char *ifname, uint8_t mac[6]);

/* Valid Linux interface name: 1..15 chars, not "." or "..", no '/', ':' or
 * whitespace. */
bool nc_ifname_valid(const char *name);

#endif
