/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4/IPv6 addresses and prefixes as plain values, shared by compose/
 * (which parses and plans them) and netd/ (which puts them in the kernel).
 * Pure: no allocation, no I/O.
 */
#ifndef NC_COMMON_INET_H
#define NC_COMMON_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address; for AF_INET the first 4 bytes of `a` are used. */
struct nc_ip {
	uint8_t family; /* AF_INET, AF_INET6, or 0 when unset */
	uint8_t a[16];
};

/* An address with a prefix length: a subnet ("10.0.0.0/24") or an interface
 * address ("10.0.0.2/24"), depending on use. */
struct nc_prefix {
	struct nc_ip ip;
	uint8_t len;
};

#define NC_IP_STRLEN 46     /* INET6_ADDRSTRLEN */
#define NC_PREFIX_STRLEN 50 /* address + "/128" */

static inline size_t nc_ip_bytes(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static inline unsigned nc_ip_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* Parse "10.0.0.1" or "fd00::1". Returns 0, or -EINVAL. */
int nc_ip_parse(const char *s, struct nc_ip *out);

/* Parse "10.0.0.0/24" or "fd00::/64". A bare address gets the full length
 * only if `allow_bare`. Returns 0, or -EINVAL. */
int nc_prefix_parse(const char *s, bool allow_bare, struct nc_prefix *out);

/* Format into buf (NC_IP_STRLEN / NC_PREFIX_STRLEN bytes); returns buf. */
const char *nc_ip_str(const struct nc_ip *ip, char *buf);
const char *nc_prefix_str(const struct nc_prefix *p, char *buf);

bool nc_ip_equal(const struct nc_ip *x, const struct nc_ip *y);

/* True when `ip` lies inside `subnet` (same family, same leading bits). */
bool nc_prefix_contains(const struct nc_prefix *subnet, const struct nc_ip *ip);

/* True when the two subnets share at least one address. */
bool nc_prefix_overlaps(const struct nc_prefix *x, const struct nc_prefix *y);

/* The subnet with host bits cleared. */
struct nc_prefix nc_prefix_network(const struct nc_prefix *p);

/* True when host bits are all zero ("10.0.0.0/24", not "10.0.0.1/24"). */
bool nc_prefix_is_network(const struct nc_prefix *p);

/* subnet's network address + n (n counts from 0). Returns -ERANGE when the
 * result falls outside the subnet. */
int nc_prefix_nth(const struct nc_prefix *subnet, uint64_t n, struct nc_ip *out);

/* Index of `ip` inside `subnet` (inverse of nc_prefix_nth); only meaningful
 * when nc_prefix_contains() holds. Saturates at UINT64_MAX for huge v6 offsets. */
uint64_t nc_prefix_index(const struct nc_prefix *subnet, const struct nc_ip *ip);

/* Number of addresses in the subnet, saturating at UINT64_MAX. */
uint64_t nc_prefix_size(const struct nc_prefix *subnet);

/* The IPv4 broadcast address of the subnet is not usable by a host. */
bool nc_prefix_is_broadcast(const struct nc_prefix *subnet, const struct nc_ip *ip);

#endif
