/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bump allocator: the parsed model and the plan are built once and freed
 * at once, so everything in them comes from one arena with one release path
 * (nc_arena_free) instead of a free() per string.
 */
#ifndef NC_COMMON_ARENA_H
#define NC_COMMON_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct nc_arena_chunk;

struct nc_arena {
	struct nc_arena_chunk *head;
};

#define NC_ARENA_INIT { NULL }

/* All allocators return NULL only when malloc fails; memory is zeroed. */
void *nc_arena_alloc(struct nc_arena *a, size_t size);
void *nc_arena_calloc(struct nc_arena *a, size_t n, size_t size);
char *nc_arena_strdup(struct nc_arena *a, const char *s);
char *nc_arena_strndup(struct nc_arena *a, const char *s, size_t n);
char *nc_arena_printf(struct nc_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Grows an arena array of `*cap` elements to hold at least `need`; the old
 * block stays in the arena (freed with it). Returns the (possibly new)
 * array, or NULL when out of memory. */
void *nc_arena_grow(struct nc_arena *a, void *arr, size_t elem, size_t *cap, size_t need);

void nc_arena_free(struct nc_arena *a);

#endif
