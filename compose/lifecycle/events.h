/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The project's events (`ncompose events`): what happened to its
 * containers, one JSON object a line, in <state>/<project>/events. The
 * supervisor is the only writer (it owns the containers' lives), so lines
 * never interleave and rotation needs no lock: once the file holds
 * NC_EVENTS_MAX bytes it becomes events.1 (the older events.1 goes) and a
 * new file starts. Readers follow the file from its end, notice the
 * rotation by the inode changing under the name, and stop once the state
 * directory is removed (`down`).
 */
#ifndef NC_COMPOSE_EVENTS_H
#define NC_COMPOSE_EVENTS_H

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"
#include "common/strbuf.h"

#define NC_EVENTS_FILE "events"
#define NC_EVENTS_MAX (1024 * 1024)

/* One event as a JSON line (with its newline) in `b`: time (RFC 3339 UTC
 * with microseconds), type "container", action, project, service, and
 * `attrs` (key, value, key, value..., NULL-terminated; may be NULL) as the
 * "attributes" object. Pure. */
void nc_event_format(struct nc_strbuf *b, long long sec, long usec, const char *project,
		     const char *service, const char *action, const char *const *attrs);

/* The JSON line as Compose's text form ("TIME container ACTION
 * PROJECT-SERVICE (key=value, ...)"), without newline. Returns false for
 * a line that is not an event. */
bool nc_event_text(const char *line, struct nc_strbuf *out);

/* The line's service, copied into buf; false when it has none. */
bool nc_event_service(const char *line, char *buf, size_t size);

/* Appends one event now to <dir>/events, rotating first when it is full. */
int nc_event_append(const char *dir, const char *project, const char *service, const char *action,
		    const char *const *attrs, nc_err *err);

/*
 * Follows <dir>/events from its current end: each new line whose service
 * is one of `services` (NULL: all) is written to `out`, as JSON when
 * `json`, else as text. Returns 0 once the directory is gone (the project
 * went down), an error if reading fails.
 */
int nc_events_follow(const char *dir, const char *const *services, bool json, FILE *out,
		     nc_err *err);

#endif
