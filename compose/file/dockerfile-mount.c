/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RUN --mount options (dockerfile-mount.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/dockerfile-mount.h"

static const char *const type_names[] = {
	[NC_DF_MOUNT_BIND] = "bind",   [NC_DF_MOUNT_CACHE] = "cache", [NC_DF_MOUNT_TMPFS] = "tmpfs",
	[NC_DF_MOUNT_SECRET] = "secret", [NC_DF_MOUNT_SSH] = "ssh",
};

const char *nc_df_mount_type_name(enum nc_df_mount_type t)
{
	return type_names[t];
}

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* "true", "false" or nothing (a bare flag is true); -1 otherwise. */
static int boolean(const char *v)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -1;
}

static bool number(const char *v, int base, uint64_t max, uint64_t *out)
{
	char *end;
	if (!v || !*v || *v == '-')
		return false;
	errno = 0;
	unsigned long long n = strtoull(v, &end, base);
	if (errno || *end || n > max)
		return false;
	*out = n;
	return true;
}

/* tmpfs size: bytes, or with a k/m/g suffix (BuildKit takes units). */
static bool size_of(const char *v, uint64_t *out)
{
	char *end;
	if (!v || !*v || *v == '-')
		return false;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno)
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || n > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)n << shift;
	return true;
}

static int option(struct nc_df_mount *m, const char *k, const char *v, char *why, size_t size)
{
	int b;
	uint64_t n;
	if (!strcmp(k, "target") || !strcmp(k, "dst") || !strcmp(k, "destination")) {
		if (!v || !*v)
			return fail(why, size, "`%s` needs a path", k);
		m->target = v;
	} else if (!strcmp(k, "source") || !strcmp(k, "src")) {
		if (!v || !*v)
			return fail(why, size, "`%s` needs a path", k);
		m->source = v;
	} else if (!strcmp(k, "from")) {
		return fail(why, size, "`from=%s`: mounting a stage or an image is not supported by ncompose yet; COPY --from what the RUN needs",
			    v ? v : "");
	} else if (!strcmp(k, "id")) {
		m->id = v;
	} else if (!strcmp(k, "ro") || !strcmp(k, "readonly")) {
		if ((b = boolean(v)) < 0)
			return fail(why, size, "`%s=%s`: true or false", k, v);
		m->read_only = b;
	} else if (!strcmp(k, "rw") || !strcmp(k, "readwrite")) {
		if ((b = boolean(v)) < 0)
			return fail(why, size, "`%s=%s`: true or false", k, v);
		m->read_only = !b;
		m->rw = b;
	} else if (!strcmp(k, "required")) {
		if ((b = boolean(v)) < 0)
			return fail(why, size, "`required=%s`: true or false", v);
		m->required = b;
	} else if (!strcmp(k, "sharing")) {
		/* Builds run one step at a time here: every mode is the same. */
		if (!v || (strcmp(v, "shared") && strcmp(v, "private") && strcmp(v, "locked")))
			return fail(why, size, "`sharing=%s`: shared, private or locked", v ? v : "");
	} else if (!strcmp(k, "mode")) {
		if (!number(v, 8, 07777, &n))
			return fail(why, size, "`mode=%s`: octal permission bits", v ? v : "");
		m->mode = (uint32_t)n;
		m->has_mode = true;
	} else if (!strcmp(k, "uid") || !strcmp(k, "gid")) {
		if (!number(v, 10, UINT32_MAX - 1, &n))
			return fail(why, size, "`%s=%s`: a number", k, v ? v : "");
		*(k[0] == 'u' ? &m->uid : &m->gid) = (uint32_t)n;
	} else if (!strcmp(k, "size") || !strcmp(k, "tmpfs-size")) {
		if (!size_of(v, &n))
			return fail(why, size, "`%s=%s`: a size (bytes, or with k, m or g)", k, v ? v : "");
		m->size = n;
	} else if (!strcmp(k, "env")) {
		if (!v || !*v)
			return fail(why, size, "`env` needs a variable name");
		m->env = v;
	} else {
		return fail(why, size, "unknown option `%s`", k);
	}
	return 0;
}

int nc_df_mount_parse(struct nc_arena *a, const char *spec, struct nc_df_mount *m, char *why, size_t why_size)
{
	*m = (struct nc_df_mount){ .type = NC_DF_MOUNT_BIND };
	char *copy = nc_arena_strdup(a, spec);
	if (!copy)
		return fail(why, why_size, "out of memory");
	/* The type first: which options mean what depends on it. */
	for (char *s = copy; s && *s;) {
		char *comma = strchr(s, ',');
		size_t l = comma ? (size_t)(comma - s) : strlen(s);
		if (l > 5 && !strncmp(s, "type=", 5)) {
			const char *t = s + 5;
			size_t tl = l - 5, i;
			for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
				if (strlen(type_names[i]) == tl && !strncmp(type_names[i], t, tl))
					break;
			if (i == sizeof(type_names) / sizeof(type_names[0]))
				return fail(why, why_size, "unknown type `%.*s` (bind, cache, tmpfs, secret or ssh)",
					    (int)tl, t);
			m->type = (enum nc_df_mount_type)i;
		}
		s = comma ? comma + 1 : NULL;
	}
	for (char *s = copy; s;) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		if (*s && strncmp(s, "type=", 5)) {
			char *eq = strchr(s, '=');
			if (eq)
				*eq = '\0';
			if (option(m, s, eq ? eq + 1 : NULL, why, why_size) < 0)
				return -1;
		}
		s = comma ? comma + 1 : NULL;
	}
	switch (m->type) {
	case NC_DF_MOUNT_BIND:
		m->read_only = !m->rw; /* BuildKit's binds are read-only unless rw */
		if (!m->source)
			m->source = ".";
		/* fall through */
	case NC_DF_MOUNT_CACHE:
	case NC_DF_MOUNT_TMPFS:
		if (!m->target)
			return fail(why, why_size, "type=%s needs target=PATH", type_names[m->type]);
		break;
	case NC_DF_MOUNT_SECRET:
	case NC_DF_MOUNT_SSH:
		break;
	}
	return 0;
}
