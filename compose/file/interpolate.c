/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/interpolate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

/* ${A:-${B:-${C}}} nests; a bound keeps the recursion off the stack's
 * limits for hostile input. */
#define MAX_NESTING 32

static bool name_start(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static int expand(const char *s, size_t len, nc_lookup_fn lookup, void *ctx,
		  struct nc_strbuf *out, unsigned depth, nc_err *err);

/* The end of "${...}" starting at s (pointing at '$'), counting nested
 * "${" so that defaults may hold their own; 0 when unterminated. */
static size_t braced_len(const char *s, size_t len)
{
	unsigned depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '$' && i + 1 < len && s[i + 1] == '$') {
			i++;
			continue;
		}
		if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
			depth++;
			i++;
			continue;
		}
		if (s[i] == '}' && --depth == 0)
			return i + 1;
	}
	return 0;
}

static int braced(const char *in, size_t len, nc_lookup_fn lookup, void *ctx,
		  struct nc_strbuf *out, unsigned depth, nc_err *err)
{
	size_t n = 0;

	while (n < len && name_char(in[n]))
		n++;
	if (n == 0 || !name_start(in[0]))
		return nc_err_msg(err, EINVAL, "invalid interpolation `${%.*s}`: expected a variable name",
				  (int)len, in);
	_cleanup_free_ char *name = strndup(in, n);
	if (!name)
		return nc_err_errno(err, ENOMEM, "interpolate");
	const char *v = lookup ? lookup(ctx, name) : NULL;
	const char *op = in + n, *word = NULL;
	size_t wlen = 0;
	bool colon = false;

	if (n < len) {
		colon = *op == ':';
		const char *kind = op + colon;
		if ((size_t)(kind - in) >= len || !strchr("-?+", *kind))
			return nc_err_msg(err, EINVAL,
					  "invalid interpolation `${%.*s}`: after the name comes `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`",
					  (int)len, in);
		word = kind + 1;
		wlen = len - (size_t)(word - in);
		op = kind;
	}
	bool empty = !v || !*v;
	bool unset = !v;
	bool missing = colon ? empty : unset;

	if (!word) {
		nc_strbuf_append(out, v ? v : "");
		return 0;
	}
	switch (*op) {
	case '-':
		if (missing)
			return expand(word, wlen, lookup, ctx, out, depth + 1, err);
		nc_strbuf_append(out, v);
		return 0;
	case '+':
		if (!missing)
			return expand(word, wlen, lookup, ctx, out, depth + 1, err);
		return 0;
	default: /* '?' */
		if (!missing) {
			nc_strbuf_append(out, v);
			return 0;
		}
		struct nc_strbuf msg = NC_STRBUF_INIT;
		int r = expand(word, wlen, lookup, ctx, &msg, depth + 1, err);
		if (r >= 0)
			r = nc_err_msg(err, EINVAL, "required variable `%s` is missing a value%s%s", name,
				       msg.len ? ": " : "", nc_strbuf_str(&msg));
		nc_strbuf_free(&msg);
		return r;
	}
}

static int expand(const char *s, size_t len, nc_lookup_fn lookup, void *ctx,
		  struct nc_strbuf *out, unsigned depth, nc_err *err)
{
	if (depth > MAX_NESTING)
		return nc_err_msg(err, EINVAL, "interpolation nested more than %d levels deep",
				  MAX_NESTING);
	for (size_t i = 0; i < len;) {
		const char *d = memchr(s + i, '$', len - i);
		size_t lit = d ? (size_t)(d - (s + i)) : len - i;
		nc_strbuf_appendn(out, s + i, lit);
		i += lit;
		if (i >= len)
			break;
		char next = i + 1 < len ? s[i + 1] : '\0';
		if (next == '$') {
			nc_strbuf_putc(out, '$');
			i += 2;
		} else if (name_start(next)) {
			size_t n = 1;
			while (i + 1 + n < len && name_char(s[i + 1 + n]))
				n++;
			_cleanup_free_ char *name = strndup(s + i + 1, n);
			if (!name)
				return nc_err_errno(err, ENOMEM, "interpolate");
			const char *v = lookup ? lookup(ctx, name) : NULL;
			nc_strbuf_append(out, v ? v : "");
			i += 1 + n;
		} else if (next == '{') {
			size_t bl = braced_len(s + i, len - i);
			int r;
			if (!bl)
				return nc_err_msg(err, EINVAL, "`${` without its closing `}`");
			if ((r = braced(s + i + 2, bl - 3, lookup, ctx, out, depth, err)) < 0)
				return r;
			i += bl;
		} else {
			return nc_err_msg(err, EINVAL,
					  "`$` must be followed by a name, `{` or `$`; write `$$` for a literal `$`");
		}
	}
	return 0;
}

int nc_interpolate(const char *s, nc_lookup_fn lookup, void *ctx, struct nc_strbuf *out,
		   nc_err *err)
{
	int r = expand(s, strlen(s), lookup, ctx, out, 0, err);
	if (r >= 0 && !nc_strbuf_ok(out))
		return nc_err_errno(err, ENOMEM, "interpolate");
	return r;
}

struct walk {
	struct nc_arena *a;
	const char *path;
	nc_lookup_fn lookup;
	void *ctx;
	nc_err *err;
	unsigned gen;
};

static int walk_node(struct walk *w, struct nc_yt_node *n)
{
	int r;

	/* Aliases share nodes: each is expanded once. */
	if (n->visit == w->gen)
		return 0;
	n->visit = w->gen;
	if (n->kind == NC_YT_SEQ) {
		for (size_t i = 0; i < n->n_items; i++)
			if ((r = walk_node(w, n->items[i])) < 0)
				return r;
		return 0;
	}
	if (n->kind == NC_YT_MAP) {
		for (size_t i = 0; i < n->n_pairs; i++)
			if ((r = walk_node(w, n->pairs[i].value)) < 0)
				return r;
		return 0;
	}
	if (!strchr(n->text, '$'))
		return 0;
	struct nc_strbuf b = NC_STRBUF_INIT;
	r = nc_interpolate(n->text, w->lookup, w->ctx, &b, w->err);
	if (r >= 0) {
		char *t = nc_arena_strndup(w->a, nc_strbuf_str(&b), b.len);
		/* Values from the environment are bytes; the model is text
		 * (and printed back as YAML). */
		if (!t || !nc_utf8_valid(nc_strbuf_str(&b), b.len))
			r = t ? nc_err_msg(w->err, EINVAL, "the value after interpolation is not valid UTF-8 text")
			      : nc_err_errno(w->err, ENOMEM, "interpolate");
		else {
			n->text = t;
			n->len = b.len;
			if (!n->quoted)
				n->type = nc_yt_resolve_plain(t);
		}
	}
	nc_strbuf_free(&b);
	if (r < 0 && r != -ENOMEM) {
		char msg[NC_ERR_MSG_MAX];
		nc_text_oneline(msg, sizeof(msg), w->err->msg);
		return nc_err_msg(w->err, EINVAL, "%s:%u:%u: %s", w->path, n->mark.line, n->mark.col, msg);
	}
	return r;
}

int nc_interpolate_tree(struct nc_arena *a, struct nc_yt_node *root, const char *path,
			nc_lookup_fn lookup, void *ctx, nc_err *err)
{
	struct walk w = { a, path, lookup, ctx, err, 0 };

	if (!root)
		return 0;
	/* A generation different from every node's current mark. */
	w.gen = root->visit + 1;
	return walk_node(&w, root);
}

const char *nc_lookup_envp(void *ctx, const char *name)
{
	char *const *envp = ctx;
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}
