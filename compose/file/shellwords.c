/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/shellwords.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum nc_shellwords_error nc_shellwords_split(struct nc_arena *a, const char *s,
					     const char ***words, size_t *n, size_t *where)
{
	size_t len = strlen(s);
	/* A word is never longer than the input, and there are at most
	 * len / 2 + 1 words. */
	_cleanup_free_ char *buf = malloc(len + 1);
	const char **v = nc_arena_calloc(a, len / 2 + 2, sizeof(*v));
	size_t nw = 0;

	*words = NULL;
	*n = 0;
	*where = 0;
	if (!buf || !v)
		return NC_SHELLWORDS_NOMEM;
	for (size_t i = 0; i < len;) {
		size_t bl = 0;
		bool word = false;

		while (i < len && blank(s[i]))
			i++;
		while (i < len && !blank(s[i])) {
			char c = s[i];
			/* Backslash-newline is a line continuation, not part of a
			 * word (POSIX shell). */
			if (c == '\\' && i + 1 < len && s[i + 1] == '\n') {
				i += 2;
				continue;
			}
			word = true;
			if (c == '\'') {
				const char *end = strchr(s + i + 1, '\'');
				if (!end) {
					*where = i;
					return NC_SHELLWORDS_UNBALANCED_SINGLE;
				}
				size_t l = (size_t)(end - (s + i + 1));
				memcpy(buf + bl, s + i + 1, l);
				bl += l;
				i += l + 2;
			} else if (c == '"') {
				size_t open = i++;
				while (i < len && s[i] != '"') {
					if (s[i] == '\\' && i + 1 < len && strchr("\\\"$`\n", s[i + 1])) {
						if (s[i + 1] != '\n')
							buf[bl++] = s[i + 1];
						i += 2;
					} else {
						buf[bl++] = s[i++];
					}
				}
				if (i >= len) {
					*where = open;
					return NC_SHELLWORDS_UNBALANCED_DOUBLE;
				}
				i++;
			} else if (c == '\\') {
				if (i + 1 >= len) {
					*where = i;
					return NC_SHELLWORDS_TRAILING_BACKSLASH;
				}
				buf[bl++] = s[i + 1];
				i += 2;
			} else {
				buf[bl++] = c;
				i++;
			}
		}
		if (!word)
			continue;
		if (!(v[nw++] = nc_arena_strndup(a, buf, bl)))
			return NC_SHELLWORDS_NOMEM;
	}
	*words = v;
	*n = nw;
	return NC_SHELLWORDS_OK;
}

const char *nc_shellwords_strerror(enum nc_shellwords_error e)
{
	switch (e) {
	case NC_SHELLWORDS_OK:
		return "no error";
	case NC_SHELLWORDS_UNBALANCED_SINGLE:
		return "unbalanced single quote";
	case NC_SHELLWORDS_UNBALANCED_DOUBLE:
		return "unbalanced double quote";
	case NC_SHELLWORDS_TRAILING_BACKSLASH:
		return "a backslash at the end escapes nothing";
	case NC_SHELLWORDS_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}
