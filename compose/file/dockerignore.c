/* SPDX-License-Identifier: GPL-2.0-or-later */
/* .dockerignore patterns and their matching (see dockerignore.h). */
#include <errno.h>
#include <string.h>

#include "compose/file/dockerignore.h"

/* `[...]` at p (after the `[`): does c belong? *end gets the character
 * after `]`; false with *end NULL for a class that is not closed. */
static bool in_class(const char *p, char c, const char **end)
{
	bool neg = *p == '^' || *p == '!';
	bool hit = false;
	if (neg)
		p++;
	bool first = true;
	while (*p && (*p != ']' || first)) {
		first = false;
		char lo = *p++;
		if (lo == '\\' && *p)
			lo = *p++;
		char hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = *p++;
			if (hi == '\\' && *p)
				hi = *p++;
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	if (*p != ']') {
		*end = NULL;
		return false;
	}
	*end = p + 1;
	return hit != neg;
}

bool nc_di_glob(const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			while (*p == '*')
				p++;
			if (*p == '/') {
				/* `**` then `/`: zero or more whole directories. */
				p++;
				if (nc_di_glob(p, s))
					return true;
				for (const char *t = s; *t; t++)
					if (*t == '/' && nc_di_glob(p, t + 1))
						return true;
				return false;
			}
			for (const char *t = s;; t++) {
				if (nc_di_glob(p, t))
					return true;
				if (!*t)
					return false;
			}
		}
		switch (*p) {
		case '*':
			p++;
			for (const char *t = s;; t++) {
				if (nc_di_glob(p, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		case '?':
			if (!*s || *s == '/')
				return false;
			p++, s++;
			break;
		case '[': {
			const char *end;
			if (!*s || *s == '/' || !in_class(p + 1, *s, &end))
				return false;
			p = end, s++;
			break;
		}
		case '\\':
			if (p[1])
				p++;
			/* fallthrough */
		default:
			if (*p != *s)
				return false;
			p++, s++;
		}
	}
	return !*s;
}

/* filepath.Clean's effect on a relative pattern: no empty or `.`
 * components, `..` folded, no leading or trailing `/`. */
static char *clean(struct nc_arena *a, const char *s, size_t n)
{
	char *out = nc_arena_alloc(a, n + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && s[i] == '/')
			i++;
		size_t st = i;
		while (i < n && s[i] != '/')
			i++;
		size_t l = i - st;
		if (l == 0 || (l == 1 && s[st] == '.'))
			continue;
		if (l == 2 && s[st] == '.' && s[st + 1] == '.') {
			/* Pop one component when there is one that is not `..`. */
			size_t k = o;
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (o > 0 && !(o - k == 2 && out[k] == '.' && out[k + 1] == '.')) {
				o = k > 0 ? k - 1 : 0;
				continue;
			}
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, s + st, l);
		o += l;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return out;
}

int nc_dockerignore_parse(struct nc_dockerignore *di, const char *buf, size_t len, nc_err *err)
{
	*di = (struct nc_dockerignore){ .arena = NC_ARENA_INIT };
	const char *end = buf + len;
	for (const char *line = buf; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		const char *s = line;
		line = nl ? nl + 1 : end;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		while (le > s && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
			le--;
		if (s == le || *s == '#')
			continue;
		bool neg = *s == '!';
		if (neg) {
			s++;
			while (s < le && (*s == ' ' || *s == '\t'))
				s++;
			if (s == le)
				continue;
		}
		char *g = clean(&di->arena, s, (size_t)(le - s));
		struct nc_di_pattern *np = nc_arena_grow(&di->arena, di->p, sizeof(*np), &di->cap, di->n + 1);
		if (!g || !np)
			return nc_err_errno(err, ENOMEM, "read .dockerignore");
		di->p = np;
		di->p[di->n++] = (struct nc_di_pattern){ g, neg };
	}
	return 0;
}

void nc_dockerignore_free(struct nc_dockerignore *di)
{
	nc_arena_free(&di->arena);
	*di = (struct nc_dockerignore){ .arena = NC_ARENA_INIT };
}

/* The pattern matches the path or one of its parent directories. */
static bool matches(const char *glob, const char *path)
{
	if (nc_di_glob(glob, path))
		return true;
	size_t n = strlen(path);
	char buf[4096];
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, path, n + 1);
	for (size_t i = n; i-- > 0;) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (nc_di_glob(glob, buf))
			return true;
	}
	return false;
}

bool nc_dockerignore_excludes(const struct nc_dockerignore *di, const char *path)
{
	bool out = false;
	for (size_t i = 0; i < di->n; i++)
		if (di->p[i].negate == out && matches(di->p[i].glob, path))
			out = !di->p[i].negate;
	return out;
}
