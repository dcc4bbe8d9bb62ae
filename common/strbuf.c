/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct nc_strbuf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t ncap = b->cap ? b->cap * 2 : 256;
	while (ncap < b->len + extra + 1)
		ncap *= 2;
	char *n = realloc(b->s, ncap);
	if (!n) {
		b->oom = true;
		return false;
	}
	b->s = n;
	b->cap = ncap;
	return true;
}

void nc_strbuf_appendn(struct nc_strbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void nc_strbuf_append(struct nc_strbuf *b, const char *s)
{
	nc_strbuf_appendn(b, s, strlen(s));
}

void nc_strbuf_putc(struct nc_strbuf *b, char c)
{
	nc_strbuf_appendn(b, &c, 1);
}

void nc_strbuf_printf(struct nc_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *nc_strbuf_str(const struct nc_strbuf *b)
{
	return b->s ? b->s : "";
}

char *nc_strbuf_take(struct nc_strbuf *b)
{
	char *s = b->s;
	if (!s && !b->oom)
		s = calloc(1, 1);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
	return s;
}

void nc_strbuf_reset(struct nc_strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void nc_strbuf_free(struct nc_strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}
