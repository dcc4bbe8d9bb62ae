/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/dotenv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/file/interpolate.h"
#include "compose/file/yaml-tree.h"

struct parser {
	const char *path;
	const char *s;
	size_t len, i;
	nc_lookup_fn outer;
	void *outer_ctx;
	struct nc_dotenv *d;
	nc_err *err;
};

static int fail(struct parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct nc_mark place(const struct parser *p, size_t at)
{
	struct nc_mark m = { .line = 1, .col = 1 };

	for (size_t k = 0; k < at && k < p->len; k++) {
		if (p->s[k] == '\n') {
			m.line++;
			m.col = 1;
		} else {
			m.col++;
		}
	}
	return m;
}

static int fail(struct parser *p, size_t at, const char *fmt, ...)
{
	char raw[NC_ERR_MSG_MAX], msg[NC_ERR_MSG_MAX];
	struct nc_mark m = place(p, at);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	nc_text_oneline(msg, sizeof(msg), raw);
	return nc_err_msg(p->err, EINVAL, "%s:%u:%u: %s", p->path, m.line, m.col, msg);
}

const char *nc_dotenv_lookup(void *ctx, const char *name)
{
	const struct nc_dotenv *d = ctx;
	size_t at;

	return d && nc_strmap_get(&d->index, name, strlen(name), &at) ? d->vars[at].value : NULL;
}

/* While parsing: the environment first, then what the file set so far. */
static const char *chain_lookup(void *ctx, const char *name)
{
	struct parser *p = ctx;
	const char *v = p->outer ? p->outer(p->outer_ctx, name) : NULL;
	return v ? v : nc_dotenv_lookup(p->d, name);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* compose-go's names: letters (any script: bytes of UTF-8 sequences,
 * already checked valid), digits, `_`, `.`, `-`, `[` and `]` after the
 * first character. */
static bool key_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80 ||
	       (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '[' || c == ']'));
}

static int put(struct parser *p, const char *key, size_t klen, const char *value,
	       struct nc_mark mark)
{
	struct nc_dotenv *d = p->d;
	char *k = nc_arena_strndup(&d->arena, key, klen);
	char *v = nc_arena_strdup(&d->arena, value);

	size_t at = d->n;
	if (!k || !v)
		return nc_err_errno(p->err, ENOMEM, "read `%s`", p->path);
	int r = nc_strmap_put(&d->index, k, klen, &at);
	if (r < 0)
		return nc_err_errno(p->err, ENOMEM, "read `%s`", p->path);
	if (r > 0) {
		d->vars[at].value = v;
		d->vars[at].mark = mark;
		return 0;
	}
	struct nc_kv *nv = nc_arena_grow(&d->arena, d->vars, sizeof(*nv), &d->cap, d->n + 1);
	if (!nv)
		return nc_err_errno(p->err, ENOMEM, "read `%s`", p->path);
	d->vars = nv;
	d->vars[d->n++] = (struct nc_kv){ k, v, mark };
	return 0;
}

/* After a closing quote: only blanks and a comment may follow. */
static int rest_of_line(struct parser *p)
{
	while (p->i < p->len && blank(p->s[p->i]))
		p->i++;
	if (p->i < p->len && p->s[p->i] == '#')
		while (p->i < p->len && p->s[p->i] != '\n')
			p->i++;
	if (p->i < p->len && p->s[p->i] != '\n')
		return fail(p, p->i, "unexpected `%c` after the closing quote", p->s[p->i]);
	return 0;
}

/* The raw value, as text to interpolate (`$` from \$ doubled), or literal
 * for single quotes. */
static int read_value(struct parser *p, struct nc_strbuf *raw, bool *literal)
{
	const char *s = p->s;
	size_t start = p->i;

	*literal = false;
	if (p->i < p->len && s[p->i] == '\'') {
		const char *end = memchr(s + p->i + 1, '\'', p->len - p->i - 1);
		if (!end)
			return fail(p, start, "a single quote without its closing quote");
		nc_strbuf_appendn(raw, s + p->i + 1, (size_t)(end - (s + p->i + 1)));
		p->i = (size_t)(end - s) + 1;
		*literal = true;
		return rest_of_line(p);
	}
	if (p->i < p->len && s[p->i] == '"') {
		for (p->i++; p->i < p->len && s[p->i] != '"'; p->i++) {
			if (s[p->i] != '\\' || p->i + 1 >= p->len) {
				nc_strbuf_putc(raw, s[p->i]);
				continue;
			}
			char c = s[++p->i];
			switch (c) {
			case 'n':
				nc_strbuf_putc(raw, '\n');
				break;
			case 't':
				nc_strbuf_putc(raw, '\t');
				break;
			case 'r':
				nc_strbuf_putc(raw, '\r');
				break;
			case '$':
				nc_strbuf_append(raw, "$$");
				break;
			default:
				/* \" \\ and any other escaped character stand for
				 * themselves (compose-go). */
				nc_strbuf_putc(raw, c);
			}
		}
		if (p->i >= p->len)
			return fail(p, start, "a double quote without its closing quote");
		p->i++;
		return rest_of_line(p);
	}
	size_t end = p->i;
	while (end < p->len && s[end] != '\n') {
		/* " #" starts a comment; "a#b" is a value. */
		if (s[end] == '#' && (end == p->i || blank(s[end - 1])))
			break;
		end++;
	}
	size_t stop = end;
	while (stop > p->i && blank(s[stop - 1]))
		stop--;
	nc_strbuf_appendn(raw, s + p->i, stop - p->i);
	while (end < p->len && s[end] != '\n')
		end++;
	p->i = end;
	return 0;
}

static int parse_line(struct parser *p)
{
	const char *s = p->s;
	int r;

	while (p->i < p->len && blank(s[p->i]))
		p->i++;
	if (p->i >= p->len || s[p->i] == '\n' || s[p->i] == '#') {
		while (p->i < p->len && s[p->i] != '\n')
			p->i++;
		return 0;
	}
	/* `text` need not end in NUL: compare within the buffer only. */
	if (p->len - p->i > 6 && !memcmp(s + p->i, "export", 6) && blank(s[p->i + 6])) {
		p->i += 6;
		while (p->i < p->len && blank(s[p->i]))
			p->i++;
	}
	size_t kstart = p->i;
	while (p->i < p->len && key_char(s[p->i], p->i == kstart))
		p->i++;
	size_t klen = p->i - kstart;
	if (!klen)
		return fail(p, kstart, "expected a variable name (letters, digits, `_`, `.`, `-`)");
	while (p->i < p->len && blank(s[p->i]))
		p->i++;
	/* `KEY` alone: its value comes from the environment, and it is left
	 * out when the environment has none (Compose). */
	if (p->i >= p->len || s[p->i] == '\n') {
		_cleanup_free_ char *name = strndup(s + kstart, klen);
		if (!name)
			return nc_err_errno(p->err, ENOMEM, "read `%s`", p->path);
		const char *v = p->outer ? p->outer(p->outer_ctx, name) : NULL;
		return v ? put(p, s + kstart, klen, v, place(p, kstart)) : 0;
	}
	/* `KEY: value`, the YAML-like form, is read as `KEY=value`. */
	if (s[p->i] != '=' && s[p->i] != ':')
		return fail(p, p->i, "expected `=` after `%.*s`", (int)klen, s + kstart);
	p->i++;
	while (p->i < p->len && blank(s[p->i]))
		p->i++;

	struct nc_strbuf raw = NC_STRBUF_INIT, val = NC_STRBUF_INIT;
	bool literal;
	size_t vstart = p->i;
	if ((r = read_value(p, &raw, &literal)) >= 0) {
		if (literal)
			nc_strbuf_appendn(&val, nc_strbuf_str(&raw), raw.len);
		else if ((r = nc_interpolate(nc_strbuf_str(&raw), chain_lookup, p, &val, p->err)) < 0 &&
			 r != -ENOMEM) {
			char reason[NC_ERR_MSG_MAX];
			memcpy(reason, p->err->msg, sizeof(reason));
			r = fail(p, vstart, "%s", reason);
		}
	}
	if (r >= 0) {
		if (!nc_strbuf_ok(&raw) || !nc_strbuf_ok(&val))
			r = nc_err_errno(p->err, ENOMEM, "read `%s`", p->path);
		else if (!nc_utf8_valid(nc_strbuf_str(&val), val.len))
			r = fail(p, vstart, "the value is not valid UTF-8 text");
		else
			r = put(p, s + kstart, klen, nc_strbuf_str(&val), place(p, kstart));
	}
	nc_strbuf_free(&raw);
	nc_strbuf_free(&val);
	return r;
}

int nc_dotenv_parse(const char *path, const char *text, size_t len, nc_lookup_fn outer,
		    void *outer_ctx, struct nc_dotenv *out, nc_err *err)
{
	struct parser p = { .path = path, .s = text, .len = len, .outer = outer,
			    .outer_ctx = outer_ctx, .d = out, .err = err };
	int r;

	*out = (struct nc_dotenv)NC_DOTENV_INIT;
	if (!nc_utf8_valid(text, len))
		return nc_err_msg(err, EINVAL, "%s: not UTF-8 text", path);
	/* A UTF-8 byte order mark (editors on Windows write one) is not part
	 * of the first name. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		p.s += 3;
		p.len -= 3;
	}
	while (p.i < p.len) {
		if ((r = parse_line(&p)) < 0) {
			nc_dotenv_free(out);
			return r;
		}
		if (p.i < p.len && p.s[p.i] == '\n')
			p.i++;
	}
	return 0;
}

int nc_dotenv_load(const char *path, bool missing_ok, nc_lookup_fn outer, void *outer_ctx,
		   struct nc_dotenv *out, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*out = (struct nc_dotenv)NC_DOTENV_INIT;
	if ((r = nc_read_file_bounded(path, NC_USER_FILE_MAX, &text, &len, err)) < 0)
		return (r == -ENOENT && missing_ok) ? 0 : r;
	return nc_dotenv_parse(path, text, len, outer, outer_ctx, out, err);
}

void nc_dotenv_free(struct nc_dotenv *d)
{
	nc_arena_free(&d->arena);
	nc_strmap_free(&d->index);
	*d = (struct nc_dotenv)NC_DOTENV_INIT;
}
