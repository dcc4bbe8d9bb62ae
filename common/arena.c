/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nc_arena_chunk {
	struct nc_arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define CHUNK_MIN (16 * 1024)

void *nc_arena_alloc(struct nc_arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	size_t need = (size + align - 1) & ~(align - 1);
	struct nc_arena_chunk *c = a->head;

	if (need < size)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t sz = need > CHUNK_MIN ? need : CHUNK_MIN;
		c = malloc(sizeof(*c) + sz);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = sz;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

void *nc_arena_calloc(struct nc_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return nc_arena_alloc(a, n * size);
}

char *nc_arena_strndup(struct nc_arena *a, const char *s, size_t n)
{
	char *p = nc_arena_alloc(a, n + 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *nc_arena_strdup(struct nc_arena *a, const char *s)
{
	return nc_arena_strndup(a, s, strlen(s));
}

char *nc_arena_printf(struct nc_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = n < 0 ? NULL : nc_arena_alloc(a, (size_t)n + 1);
	if (p)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void *nc_arena_grow(struct nc_arena *a, void *arr, size_t elem, size_t *cap, size_t need)
{
	if (need <= *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 4;
	while (ncap < need)
		ncap *= 2;
	void *n = nc_arena_calloc(a, ncap, elem);
	if (!n)
		return NULL;
	if (arr)
		memcpy(n, arr, *cap * elem);
	*cap = ncap;
	return n;
}

void nc_arena_free(struct nc_arena *a)
{
	struct nc_arena_chunk *c = a->head;
	while (c) {
		struct nc_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}
