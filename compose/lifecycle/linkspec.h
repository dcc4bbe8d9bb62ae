/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `ncompose link` is told on its command line, read without I/O:
 * SERVICE:IFACE, and the shaping options (--delay/--jitter in
 * milliseconds or as a duration, --loss as a percentage, --rate in tc's
 * units), so unit tests can check them.
 */
#ifndef NC_COMPOSE_LINKSPEC_H
#define NC_COMPOSE_LINKSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "netd/netd.h"

#define NC_LINK_SERVICE_MAX 128

struct nc_link_target {
	char service[NC_LINK_SERVICE_MAX];
	char ifname[IF_NAMESIZE];
};

/* "r1:eth1" -> service r1, interface eth1. Both parts must be present; the
 * interface must be a valid interface name. -EINVAL with a message. */
int nc_link_target_parse(const char *s, struct nc_link_target *out, nc_err *err);

/* A delay or jitter: a bare number is milliseconds ("100", "0.5"), or a
 * duration with its unit ("20ms", "1s", "500us"). At most 1 hour.
 * Microseconds into *us. */
int nc_link_parse_ms(const char *opt, const char *s, uint32_t *us, nc_err *err);

/* A loss percentage ("1", "0.5%"), 0..100. */
int nc_link_parse_loss(const char *s, double *pct, nc_err *err);

/* A rate as tc writes it ("10mbit", "1gbit", "125kbps"); a bare number is
 * bits per second. */
int nc_link_parse_rate(const char *s, uint64_t *bps, nc_err *err);

/* One line describing a shape: "rate 10mbit delay 100ms jitter 5ms loss 1%",
 * "-" when nothing is shaped. */
void nc_link_shape_str(const struct netd_shape *s, char *buf, size_t size);

/* True when the shape does anything (a rate, delay, jitter or loss). */
bool nc_link_shaped(const struct netd_shape *s);

/* RFC 2863 operstate name as `ip link` prints it ("UP", "LOWERLAYERDOWN"). */
const char *nc_link_operstate_name(uint8_t operstate);

#endif
