/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following the containers' log files: each new line printed with the
 * service's name in front (coloured on a terminal), the record's stamp
 * and stream taken off (or the stamp shown, with `timestamps`). Event-driven: the
 * caller polls nc_follow_fd() (inotify) and calls nc_follow_drain().
 */
#ifndef NC_COMPOSE_FOLLOW_H
#define NC_COMPOSE_FOLLOW_H

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"

struct nc_follow;

struct nc_follow_opts {
	bool timestamps; /* each line's time (the record's, runtime/logfmt.h) */
	bool no_prefix;  /* no "service |" column */
	long tail;       /* start at the last `tail` lines of each log; < 0: all */
};

/* services: NULL-terminated; logs: their log files, same order. */
int nc_follow_open(const char *const *services, const char *const *logs, FILE *out,
		   const struct nc_follow_opts *opts, struct nc_follow **f, nc_err *err);
int nc_follow_fd(const struct nc_follow *f);
void nc_follow_drain(struct nc_follow *f);
void nc_follow_close(struct nc_follow *f);

#endif
