/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model as normalised YAML, for `ncompose config`: keys in a fixed
 * (alphabetical, as `docker compose config` prints them) order, lists in
 * file order, addresses in canonical form, sizes in bytes, command strings
 * split into words, the implicit `default` network and attachments shown.
 * The output parses back into the same model and so prints the same again.
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
