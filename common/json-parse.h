/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small JSON reader for the metadata of image archives (docker save's
 * manifest.json, an OCI layout's index.json and manifests): the whole
 * document as a tree in one arena. Strings are unescaped (\uXXXX to UTF-8,
 * surrogate pairs joined); numbers are kept as their text. Depth is
 * capped, so a hostile file cannot exhaust the stack.
 */
#ifndef NC_COMMON_JSON_PARSE_H
#define NC_COMMON_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/error.h"

enum nc_jv_kind { NC_JV_NULL, NC_JV_BOOL, NC_JV_NUMBER, NC_JV_STRING, NC_JV_ARRAY, NC_JV_OBJECT };

struct nc_jv {
	enum nc_jv_kind kind;
	bool b;
	const char *s;            /* STRING: the text; NUMBER: as written */
	size_t n;                 /* ARRAY, OBJECT: how many */
	struct nc_jv **items;     /* ARRAY */
	const char **keys;        /* OBJECT: keys[i] names items[i] */
};

/* Parses `text` (NUL-terminated) into a tree allocated from `arena`.
 * Errors say where: "line 3, column 7: expected `:`". */
int nc_json_parse(const char *text, struct nc_arena *arena, struct nc_jv **out, nc_err *err);

/* obj[key] when obj is an object that has it, else NULL. */
const struct nc_jv *nc_jv_get(const struct nc_jv *obj, const char *key);
/* The string at obj[key], or NULL when missing or not a string. */
const char *nc_jv_str(const struct nc_jv *obj, const char *key);

#endif
