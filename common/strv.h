/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NULL-terminated lists of strings, as the command line gives them
 * (`up SERVICE...`, `check --set S...`).
 */
#ifndef NC_COMMON_STRV_H
#define NC_COMMON_STRV_H

#include <stdbool.h>

/* Whether `s` is in v (NULL: an empty list). */
bool nc_strv_contains(const char *const *v, const char *s);

/* A selection by name: NULL selects every name, a list only those in it. */
static inline bool nc_strv_selects(const char *const *names, const char *name)
{
	return !names || nc_strv_contains(names, name);
}

#endif
