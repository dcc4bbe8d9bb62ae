/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool needs_escape(unsigned char c)
{
	return c <= ' ' || c == '%' || c >= 0x7f;
}

void nc_record_append(struct nc_strbuf *b, const char *const *fields, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		if (i)
			nc_strbuf_putc(b, ' ');
		const char *s = fields[i] ? fields[i] : "";
		if (!*s) {
			nc_strbuf_append(b, "%-"); /* an empty field stays a field */
			continue;
		}
		for (; *s; s++) {
			unsigned char c = (unsigned char)*s;
			if (needs_escape(c)) {
				char e[3] = { '%', hex[c >> 4], hex[c & 15] };
				nc_strbuf_appendn(b, e, 3);
			} else {
				nc_strbuf_putc(b, (char)c);
			}
		}
	}
	nc_strbuf_putc(b, '\n');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	if (n == 2 && s[0] == '%' && s[1] == '-') {
		*out = '\0';
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 &&
		    (l = hexval(s[i + 2])) >= 0) {
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int parse_line(const char *s, size_t len, struct nc_record *r)
{
	size_t cap = 0;

	r->f = NULL;
	r->n = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && s[j] != ' ')
			j++;
		if (r->n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **f = realloc(r->f, ncap * sizeof(*f));
			if (!f)
				return -ENOMEM;
			r->f = f;
			cap = ncap;
		}
		if (!(r->f[r->n] = decode(s + i, j - i)))
			return -ENOMEM;
		r->n++;
		r->f[r->n] = NULL;
		i = j + 1;
	}
	return 0;
}

static void record_free(struct nc_record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
}

void nc_records_free(struct nc_records *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		record_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

int nc_records_parse(const char *text, size_t len, struct nc_records *out, nc_err *err)
{
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl)
			break; /* torn last line */
		size_t l = (size_t)(nl - (text + i));
		if (l > 0) {
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct nc_record *v = realloc(out->v, ncap * sizeof(*v));
				if (!v)
					goto oom;
				out->v = v;
				cap = ncap;
			}
			int r = parse_line(text + i, l, &out->v[out->n]);
			out->n++;
			if (r < 0)
				goto oom;
		}
		i += l + 1;
	}
	return 0;
oom:
	nc_records_free(out);
	return nc_err_errno(err, ENOMEM, "parse state records");
}
