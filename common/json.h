/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal JSON writer for output that scripts read (`ps --format json`,
 * `inspect`). It tracks commas and nesting; strings are escaped per
 * RFC 8259 (control characters as \u00XX; other bytes pass through).
 */
#ifndef NC_COMMON_JSON_H
#define NC_COMMON_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

#define NC_JSON_DEPTH 32

struct nc_json {
	struct nc_strbuf *out;
	int depth;
	bool first[NC_JSON_DEPTH];
	bool after_key;
};

void nc_json_init(struct nc_json *j, struct nc_strbuf *out);
void nc_json_object_begin(struct nc_json *j);
void nc_json_object_end(struct nc_json *j);
void nc_json_array_begin(struct nc_json *j);
void nc_json_array_end(struct nc_json *j);
void nc_json_key(struct nc_json *j, const char *key);
void nc_json_string(struct nc_json *j, const char *s); /* NULL -> null */
void nc_json_int(struct nc_json *j, int64_t v);
void nc_json_bool(struct nc_json *j, bool v);
void nc_json_null(struct nc_json *j);

/* key + value shorthands */
void nc_json_kv_string(struct nc_json *j, const char *key, const char *s);
void nc_json_kv_int(struct nc_json *j, const char *key, int64_t v);
void nc_json_kv_bool(struct nc_json *j, const char *key, bool v);

#endif
