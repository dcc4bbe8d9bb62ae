/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A YAML document as a small tree of scalars, sequences and mappings, each
 * node with the place it was written (1-based line and column).
 *
 * Built from libyaml's event stream so that the loader can say
 * FILE:LINE:COL for every value. Aliases point at the anchored node (the
 * tree is a DAG, never copied, so an alias bomb costs nothing); merge keys
 * (`<<: *x`, `<<: [*x, *y]`) are resolved while building, as YAML 1.1
 * defines them and Compose files use them. Everything lives in one arena.
 */
#ifndef NC_COMPOSE_YAML_TREE_H
#define NC_COMPOSE_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "compose/file/model.h"

enum nc_yt_kind {
	NC_YT_SCALAR,
	NC_YT_SEQ,
	NC_YT_MAP,
};

/* What a scalar means, resolved with the YAML 1.2 core schema: a plain
 * `123` is a number, `"123"` a string; `null`, `~` and an empty plain
 * scalar are null; only true/false (any case form the schema names) are
 * booleans, so `yes` and `on` stay strings as in Compose. */
enum nc_yt_type {
	NC_YT_NULL,
	NC_YT_BOOL,
	NC_YT_INT,
	NC_YT_FLOAT,
	NC_YT_STR,
};

struct nc_yt_pair;

/* Compose's merge tags on a value of a later file (merge.h). */
enum nc_yt_tag {
	NC_YT_TAG_NONE,
	NC_YT_TAG_RESET,    /* !reset: drop what earlier files set */
	NC_YT_TAG_OVERRIDE, /* !override: replace instead of merging */
};

struct nc_yt_node {
	enum nc_yt_kind kind;
	struct nc_mark mark;
	/* Scalars: NUL-terminated text (no embedded NUL) and its meaning.
	 * `quoted` is true for any non-plain style and for an explicit !!str. */
	const char *text;
	size_t len;
	enum nc_yt_type type;
	bool quoted;
	enum nc_yt_tag tag;
	/* Sequences. */
	struct nc_yt_node **items;
	size_t n_items;
	/* Mappings, in file order, merge keys already applied. */
	struct nc_yt_pair *pairs;
	size_t n_pairs;
	/* Scratch for tree walks over a DAG (interpolation visits a shared
	 * node once). */
	unsigned visit;
};

struct nc_yt_pair {
	struct nc_yt_node *key; /* always a scalar */
	struct nc_yt_node *value;
};

#define NC_YT_MAX_DEPTH 128

/*
 * Parses one YAML document. `*root` is NULL for an empty stream. On error
 * returns < 0 with "PATH:LINE:COL: message" in err. Nodes are allocated in
 * `arena`, which the caller frees; every mark's `file` is `path`, which
 * must outlive the marks kept from the tree.
 */
int nc_yt_parse(struct nc_arena *arena, const char *path, const char *text, size_t len,
		struct nc_yt_node **root, nc_err *err);

/* Resolves a plain scalar's type (also used to decide whether emitted text
 * needs quotes). */
enum nc_yt_type nc_yt_resolve_plain(const char *s);

/* One UTF-8 sequence at p (NUL-terminated text): its length and code point
 * in *cp, or 0 when the bytes there are not valid UTF-8. */
size_t nc_utf8_decode(const unsigned char *p, uint32_t *cp);

/* True when len bytes are valid UTF-8 without NUL. */
bool nc_utf8_valid(const char *s, size_t len);

/*
 * `src` with its control characters written as escapes (\n, \t, \r,
 * \xNN), truncated to fit `size` bytes: every message quotes values from
 * the file, and a message is one line (the CLI prints it as is, tests and
 * editors parse FILE:LINE:COL from it).
 */
void nc_text_oneline(char *dst, size_t size, const char *src);

/* The value of `key` in a mapping, or NULL. */
const struct nc_yt_node *nc_yt_get(const struct nc_yt_node *map, const char *key);

#endif
