/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quantities written in compose files, parsed the way Docker parses them,
 * so a file means the same here as under `docker compose`. Pure functions:
 * they return 0 or -EINVAL / -ERANGE and never allocate.
 */
#ifndef NC_COMPOSE_UNITS_H
#define NC_COMPOSE_UNITS_H

#include <stdint.h>

/*
 * A byte size as docker/go-units RAMInBytes reads it: `<number>[ ][unit]`,
 * the number may have a fraction ("1.5g"), the unit is `b` or one of
 * k m g t p in either case, optionally followed by `i` and/or `b` ("kb",
 * "KiB", "k"), and every unit is a power of 1024. The result is truncated
 * to whole bytes. -ERANGE when it does not fit in int64.
 */
int nc_parse_bytes(const char *s, int64_t *out);

/* A decimal number > 0 ("0.5", "2", "+0.5"), as `cpus` takes it: the
 * one reader of services.<s>.cpus and deploy.resources.*.cpus. A leading
 * '+' is allowed, as Go's strconv.ParseFloat (Compose's reader) allows. */
int nc_parse_cpus(const char *s, double *out);

/*
 * A duration as Go's time.ParseDuration reads it (Compose's format for
 * healthcheck intervals and stop_grace_period): a sequence of decimal
 * numbers with units ns, us (or µs), ms, s, m, h: "1m30s", "1.5s", "500ms".
 * A bare "0" is allowed. Nanoseconds into *out; no sign.
 */
int nc_parse_duration(const char *s, int64_t *out);

/*
 * A rate as tc writes it: a number with a unit bit, kbit, mbit, gbit, tbit
 * (decimal: 1kbit = 1000 bit/s), kibit, mibit, gibit, tibit (binary), or
 * bps, kbps, mbps, gbps, tbps (bytes per second, so 1kbps = 8000 bit/s).
 * A bare number is bits per second. Case-insensitive. Bits per second into
 * *out.
 */
int nc_parse_rate(const char *s, uint64_t *out);

/* A percentage "0.5%", "10 %" or a bare number, 0..100 inclusive. */
int nc_parse_percent(const char *s, double *out);

#endif
