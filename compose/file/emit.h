/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model as normalised YAML, for `ncompose config`, in a fixed order:
 * the keys of a service, a network, a volume or an attachment
 * alphabetical (as `docker compose config` prints them); the top level as
 * Compose writes it (name, services, networks, volumes, secrets, configs),
 * then the lab's links and checks; a `links:` entry as endpoints,
 * addresses, mtu, then its shaping. Names the file chooses (services,
 * networks, volumes, environment variables, ulimits, depends_on) and lists
 * stay in file order. Addresses in canonical form, sizes in bytes, command
 * strings split into words, the implicit `default` network and
 * attachments shown. The output parses back into the same model and so
 * prints the same again.
 */
#ifndef NC_COMPOSE_EMIT_H
#define NC_COMPOSE_EMIT_H

#include "common/error.h"
#include "common/strbuf.h"
#include "compose/file/model.h"

/* Appends to `out`; fails only when out of memory. */
int nc_model_emit_yaml(const struct nc_model *m, struct nc_strbuf *out, nc_err *err);

/* One scalar, plain when that reads back as the same string, else double
 * quoted with escapes. */
void nc_emit_scalar(struct nc_strbuf *out, const char *s);

#endif
