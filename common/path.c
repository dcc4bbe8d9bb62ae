/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/path.h"

struct out {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n >= o->size - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* Appends the components of `s` to o but "." and empty ones, each after a
 * '/' but the first (an absolute path's '/' is written already); `first`
 * says whether none was written yet. */
static void components(struct out *o, const char *s, bool *first)
{
	while (*s) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n && !(n == 1 && s[0] == '.')) {
			if (!*first)
				put(o, "/", 1);
			put(o, s, n);
			*first = false;
		}
		s += n;
	}
}

/* Whether the first component of `s` is "." ("." or "./..."). */
static bool leading_dot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || s[1] == '/');
}

int nc_path_join(char *buf, size_t size, const char *dir, const char *name)
{
	struct out o = { buf, size, 0, false };
	bool first = true;

	if (!size)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	if (!name)
		name = "";
	if (!dir || !*dir || name[0] == '/')
		dir = "";
	const char *start = *dir ? dir : name;
	bool absolute = start[0] == '/';
	if (absolute)
		put(&o, "/", 1);
	/* The "./" comes back below, once it is known what follows it. */
	size_t mark = o.len;
	components(&o, dir, &first);
	components(&o, name, &first);
	if (!o.overflow && !absolute && leading_dot(start)) {
		if (o.len == mark) {
			put(&o, ".", 1);
		} else if (strncmp(buf, "..", 2) || (buf[2] != '\0' && buf[2] != '/')) {
			/* "./" in front of what was written: shift it. */
			if (o.len + 2 >= size) {
				o.overflow = true;
			} else {
				memmove(buf + 2, buf, o.len + 1);
				memcpy(buf, "./", 2);
				o.len += 2;
			}
		}
	} else if (!o.overflow && o.len == mark && !absolute) {
		put(&o, ".", 1);
	}
	if (o.overflow) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}
