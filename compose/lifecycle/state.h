/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A project's state directory (<root>/<project>/, root normally
 * /run/ncompose): the project lock, the journal, and one directory per
 * container with its generated files and its record.
 *
 * The journal is append-only: every kernel object is recorded in one
 * write(2) *before* it is created, so whatever instant `up` dies at, `down`
 * finds at least everything that may exist. A torn last line (a crash in
 * the middle of a write) is ignored. Per-container records are replaced
 * atomically (write a temporary file, rename).
 *
 * The lock is an flock(2) on the directory itself: it is released by the
 * kernel when its holder dies, so a killed `up` never blocks `down`.
 */
#ifndef NC_COMPOSE_STATE_H
#define NC_COMPOSE_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/lifecycle/record.h"

struct nc_state {
	char *root;    /* state root */
	char *project;
	char *dir;     /* root/project */
	int dirfd;     /* O_DIRECTORY, flock()ed */
	int journal_fd;
};

enum {
	NC_STATE_CREATE = 1 << 0, /* create the directory when missing */
	NC_STATE_READ = 1 << 1,   /* read only, without the lock (ps, exec): records
				     are replaced atomically, so readers need none */
};

/*
 * Opens and locks the project's state directory. Without NC_STATE_CREATE a
 * missing directory is ENOENT (not an error message: *out is NULL and 0 is
 * returned, so callers can treat "no state" as a normal case).
 * A lock held by another process is EBUSY with a message naming it.
 */
int nc_state_open(const char *root, const char *project, unsigned flags, struct nc_state **out,
		  nc_err *err);
void nc_state_close(struct nc_state *st);

/* Appends one record ("kind field...") to the journal in one write(2). */
int nc_state_journal(struct nc_state *st, nc_err *err, const char *kind, ...)
	__attribute__((sentinel));

/* Appends several prepared lines at once (one write(2)). */
int nc_state_journal_raw(struct nc_state *st, const char *lines, size_t len, nc_err *err);

/* Reads the journal; an absent journal gives no records. */
int nc_state_read_journal(struct nc_state *st, struct nc_records *out, nc_err *err);

/* Path of a container's directory (created when `create`). */
int nc_state_container_dir(struct nc_state *st, const char *service, bool create, char *out,
			   size_t size, nc_err *err);

/* Writes / reads a container's record file (atomically replaced). */
int nc_state_write_container(struct nc_state *st, const char *service, const char *text,
			     size_t len, nc_err *err);
int nc_state_read_container(struct nc_state *st, const char *service, struct nc_records *out,
			    nc_err *err);

/* Replaces the records of `kind` in a container's record with one record
 * (kind v1 [v2]) and rewrites the file atomically. */
int nc_state_container_set(struct nc_state *st, const char *service, const char *kind,
			   const char *v1, const char *v2, nc_err *err);

/* Reads any record file by path. */
int nc_records_read_file(const char *path, struct nc_records *out, nc_err *err);

/* Removes the whole directory (the lock goes with it; call last). */
int nc_state_remove(struct nc_state *st, nc_err *err);

/* Lists the projects that have a state directory under root. */
int nc_state_list_projects(const char *root, char ***names, nc_err *err);

#endif
