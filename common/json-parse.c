/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/json-parse.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/strbuf.h"

#define MAX_DEPTH 64

struct parser {
	const char *p, *start;
	struct nc_arena *arena;
	nc_err *err;
	int depth;
};

static int fail(struct parser *ps, const char *what)
{
	unsigned line = 1, col = 1;
	for (const char *c = ps->start; c < ps->p; c++) {
		if (*c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return nc_err_msg(ps->err, EINVAL, "line %u, column %u: %s", line, col, what);
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static struct nc_jv *new_value(struct parser *ps, enum nc_jv_kind kind)
{
	struct nc_jv *v = nc_arena_calloc(ps->arena, 1, sizeof(*v));
	if (v)
		v->kind = kind;
	return v;
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct nc_strbuf *b, uint32_t cp)
{
	if (cp < 0x80) {
		nc_strbuf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		nc_strbuf_putc(b, (char)(0xc0 | (cp >> 6)));
		nc_strbuf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		nc_strbuf_putc(b, (char)(0xe0 | (cp >> 12)));
		nc_strbuf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		nc_strbuf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		nc_strbuf_putc(b, (char)(0xf0 | (cp >> 18)));
		nc_strbuf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		nc_strbuf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		nc_strbuf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* At the opening quote. */
static int parse_string(struct parser *ps, const char **out)
{
	struct nc_strbuf b = NC_STRBUF_INIT;
	int r = 0;

	ps->p++;
	while (r == 0 && *ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		if (!c) {
			r = fail(ps, "unterminated string");
		} else if (c < 0x20) {
			r = fail(ps, "a control character in a string");
		} else if (c != '\\') {
			nc_strbuf_putc(&b, (char)c);
			ps->p++;
		} else {
			char e = ps->p[1];
			const char *simple = strchr("\"\\/bfnrt", e);
			if (e && simple) {
				static const char repl[] = "\"\\/\b\f\n\r\t";
				nc_strbuf_putc(&b, repl[simple - "\"\\/bfnrt"]);
				ps->p += 2;
			} else if (e == 'u') {
				uint32_t cp, lo;
				if (hex4(ps->p + 2, &cp) < 0) {
					r = fail(ps, "a bad \\u escape");
					break;
				}
				ps->p += 6;
				if (cp >= 0xd800 && cp < 0xdc00 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
				    hex4(ps->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					ps->p += 6;
				}
				put_utf8(&b, cp);
			} else {
				r = fail(ps, "a bad escape in a string");
			}
		}
	}
	if (r == 0) {
		ps->p++;
		if (!nc_strbuf_ok(&b) || !(*out = nc_arena_strdup(ps->arena, nc_strbuf_str(&b))))
			r = nc_err_errno(ps->err, ENOMEM, "read JSON");
	}
	nc_strbuf_free(&b);
	return r;
}

static int parse_value(struct parser *ps, struct nc_jv **out);

/* Arrays and objects: items (and keys) gathered in a growing arena
 * vector. */
static int parse_container(struct parser *ps, bool object, struct nc_jv **out)
{
	struct nc_jv *v = new_value(ps, object ? NC_JV_OBJECT : NC_JV_ARRAY);
	size_t cap = 0;
	char close = object ? '}' : ']';

	if (!v)
		return nc_err_errno(ps->err, ENOMEM, "read JSON");
	if (++ps->depth > MAX_DEPTH)
		return fail(ps, "nested too deeply");
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		*out = v;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		struct nc_jv *item;
		int r;
		skip_ws(ps);
		if (object) {
			if (*ps->p != '"')
				return fail(ps, "expected a key in quotes");
			if ((r = parse_string(ps, &key)) < 0)
				return r;
			skip_ws(ps);
			if (*ps->p != ':')
				return fail(ps, "expected `:`");
			ps->p++;
		}
		if ((r = parse_value(ps, &item)) < 0)
			return r;
		if (v->n == cap) {
			size_t c2 = cap;
			struct nc_jv **items = nc_arena_grow(ps->arena, v->items, sizeof(*items), &c2, v->n + 1);
			const char **keys = object ? nc_arena_grow(ps->arena, v->keys, sizeof(*keys), &cap, v->n + 1)
						   : NULL;
			if (!items || (object && !keys))
				return nc_err_errno(ps->err, ENOMEM, "read JSON");
			v->items = items;
			v->keys = keys;
			cap = c2;
		}
		v->items[v->n] = item;
		if (object)
			v->keys[v->n] = key;
		v->n++;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			*out = v;
			return 0;
		}
		return fail(ps, object ? "expected `,` or `}`" : "expected `,` or `]`");
	}
}

static int parse_literal(struct parser *ps, const char *word, enum nc_jv_kind kind, bool b,
			 struct nc_jv **out)
{
	size_t n = strlen(word);
	if (strncmp(ps->p, word, n))
		return fail(ps, "expected a value");
	ps->p += n;
	if (!(*out = new_value(ps, kind)))
		return nc_err_errno(ps->err, ENOMEM, "read JSON");
	(*out)->b = b;
	return 0;
}

static int parse_number(struct parser *ps, struct nc_jv **out)
{
	const char *s = ps->p;
	if (*ps->p == '-')
		ps->p++;
	if (*ps->p < '0' || *ps->p > '9')
		return fail(ps, "expected a value");
	while ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' ||
	       *ps->p == '+' || *ps->p == '-')
		ps->p++;
	if (!(*out = new_value(ps, NC_JV_NUMBER)) ||
	    !((*out)->s = nc_arena_strndup(ps->arena, s, (size_t)(ps->p - s))))
		return nc_err_errno(ps->err, ENOMEM, "read JSON");
	return 0;
}

static int parse_value(struct parser *ps, struct nc_jv **out)
{
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true, out);
	case '[':
		return parse_container(ps, false, out);
	case '"':
		if (!(*out = new_value(ps, NC_JV_STRING)))
			return nc_err_errno(ps->err, ENOMEM, "read JSON");
		return parse_string(ps, &(*out)->s);
	case 't':
		return parse_literal(ps, "true", NC_JV_BOOL, true, out);
	case 'f':
		return parse_literal(ps, "false", NC_JV_BOOL, false, out);
	case 'n':
		return parse_literal(ps, "null", NC_JV_NULL, false, out);
	default:
		return parse_number(ps, out);
	}
}

int nc_json_parse(const char *text, struct nc_arena *arena, struct nc_jv **out, nc_err *err)
{
	struct parser ps = { .p = text, .start = text, .arena = arena, .err = err };
	int r = parse_value(&ps, out);
	if (r < 0)
		return r;
	skip_ws(&ps);
	if (*ps.p)
		return fail(&ps, "text after the value");
	return 0;
}

const struct nc_jv *nc_jv_get(const struct nc_jv *obj, const char *key)
{
	if (!obj || obj->kind != NC_JV_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

const char *nc_jv_str(const struct nc_jv *obj, const char *key)
{
	const struct nc_jv *v = nc_jv_get(obj, key);
	return v && v->kind == NC_JV_STRING ? v->s : NULL;
}
