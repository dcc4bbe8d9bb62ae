/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `top`: one line per process of a container, with the columns of
 * `docker compose top` (UID PID PPID C STIME TTY TIME CMD, as ps -ef),
 * read from /proc. The parsers and formatters are pure, for the unit
 * tests; nc_top_read reads the files.
 */
#ifndef NC_COMPOSE_TOP_H
#define NC_COMPOSE_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

struct nc_top_row {
	char uid[33];
	pid_t pid, ppid;
	unsigned cpu;     /* C: percent of its lifetime spent on a CPU */
	char stime[16];   /* HH:MM today, else MonDD, else the year */
	char tty[16];     /* "?" without one */
	char time[24];    /* [D-]HH:MM:SS of CPU */
	char cmd[4096];
};

/* What /proc/PID/stat says that top shows. */
struct nc_top_stat {
	pid_t ppid;
	int tty_nr;
	unsigned long long utime, stime, starttime; /* clock ticks */
	char comm[64];
};

/* Parses the text of /proc/PID/stat (comm may hold spaces and ')'). */
int nc_top_parse_stat(const char *text, struct nc_top_stat *out);

/* "Uid:\treal\teffective..." of /proc/PID/status: the effective uid. */
int nc_top_parse_uid(const char *status, uid_t *uid);

/* tty_nr (major/minor packed as the kernel does) as ps names it. */
void nc_top_tty(int tty_nr, char *buf, size_t size);

/* CPU seconds as ps's TIME: HH:MM:SS, with "D-" past a day. */
void nc_top_cputime(unsigned long long seconds, char *buf, size_t size);

/* A start time (unix) as ps's STIME, relative to `now` (local time). */
void nc_top_stime(long long start, long long now, char *buf, size_t size);

/* cmdline bytes (NUL-separated) as one line; empty: "[comm]". */
void nc_top_cmd(const char *cmdline, size_t len, const char *comm, char *buf, size_t size);

/* One row for `pid`, from /proc. ENOENT: it ended meanwhile. */
int nc_top_read(pid_t pid, struct nc_top_row *row, nc_err *err);

#endif
