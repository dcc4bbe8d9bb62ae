/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text format of state files: one record per line, fields separated by
 * one space, each field percent-encoded ('%', space, control characters and
 * non-ASCII bytes as %XX), so any name or environment value survives and a
 * line is always one record. A line without its final newline (a write cut
 * short by a crash) is ignored by the parser. Pure: no I/O.
 */
#ifndef NC_COMPOSE_RECORD_H
#define NC_COMPOSE_RECORD_H

#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"

struct nc_record {
	char **f; /* fields, decoded */
	size_t n;
};

struct nc_records {
	struct nc_record *v;
	size_t n;
};

/* Appends one encoded line ("a b%20c\n") to b. */
void nc_record_append(struct nc_strbuf *b, const char *const *fields, size_t n);

/* Parses every complete line of text. */
int nc_records_parse(const char *text, size_t len, struct nc_records *out, nc_err *err);
void nc_records_free(struct nc_records *r);

/* Field i of a record, or NULL when the record is shorter. */
static inline const char *nc_record_field(const struct nc_record *r, size_t i)
{
	return i < r->n ? r->f[i] : NULL;
}

#endif
