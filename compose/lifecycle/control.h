/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI <-> supervisor channel: a SOCK_SEQPACKET unix socket at
 * <state>/<project>/control. One request, one reply, each one datagram of
 * state records (compose/lifecycle/record.h): the first field of the first record is
 * the verb ("ping", "down", "stop", "start", "restart", "status"); the reply
 * starts with "ok" or "error <message>". Only root can connect (the state
 * directory is 0700).
 */
#ifndef NC_COMPOSE_CONTROL_H
#define NC_COMPOSE_CONTROL_H

#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "compose/lifecycle/record.h"

#define NC_CONTROL_NAME "control"
#define NC_CONTROL_MAX (256 * 1024) /* one datagram */

/* A second `up` (compose/lifecycle/reconcile.h). Request records:
 * "reconcile", "file PATH", "env K=V" (each), "option force-recreate |
 * no-recreate | no-deps | remove-orphans" (each), "service NAME" (each).
 * Reply: "ok", then "service NAME created|recreated|unchanged|skipped
 * WHY" and "removed NAME" records. */
#define NC_CONTROL_RECONCILE "reconcile"

/* Binds and listens on <dir>/control (a stale socket file is replaced). */
int nc_control_listen(const char *dir, int *fd, nc_err *err);

/* Sends `req` (encoded records) and waits up to timeout_ms for the reply.
 * ENOENT / ECONNREFUSED: no supervisor listens. */
int nc_control_call(const char *dir, const char *req, size_t len, unsigned timeout_ms,
		    struct nc_records *reply, nc_err *err);

/* Convenience: a request of one record made of the given fields. */
int nc_control_call_fields(const char *dir, unsigned timeout_ms, struct nc_records *reply,
			   nc_err *err, const char *verb, ...) __attribute__((sentinel));

/* Server side: reads one request from an accepted connection. */
int nc_control_recv(int conn, struct nc_records *req, nc_err *err);
int nc_control_send(int conn, const struct nc_strbuf *reply, nc_err *err);

#endif
