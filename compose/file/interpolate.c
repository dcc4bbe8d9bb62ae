/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/interpolate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hash.h"

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

/* What one expansion needs: where names are looked up, and who hears of
 * a name that is used without a default and is not set (NULL: nobody). */
struct interp {
	nc_lookup_fn lookup;
	void *ctx;
	void (*unset)(void *unset_ctx, const char *name);
	void *unset_ctx;
	nc_err *err;
};

static int expand(const struct interp *in, const char *s, size_t len, struct nc_strbuf *out,
		  unsigned depth);

/* The value of `name`; an unset name read without a default is reported
 * (Compose warns about it and uses an empty string). */
static const char *value_of(const struct interp *in, const char *name, bool plain)
{
	const char *v = in->lookup ? in->lookup(in->ctx, name) : NULL;
	if (!v && plain && in->unset)
		in->unset(in->unset_ctx, name);
	return v;
}

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

static int braced(const struct interp *ip, const char *in, size_t len, struct nc_strbuf *out,
		  unsigned depth)
{
	nc_err *err = ip->err;
	size_t n = 0;

	while (n < len && name_char(in[n]))
		n++;
	if (n == 0 || !name_start(in[0]))
		return nc_err_msg(err, EINVAL, "invalid interpolation `${%.*s}`: expected a variable name",
				  (int)len, in);
	_cleanup_free_ char *name = strndup(in, n);
	if (!name)
		return nc_err_errno(err, ENOMEM, "interpolate");
	const char *v = value_of(ip, name, n == len);
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
			return expand(ip, word, wlen, out, depth + 1);
		nc_strbuf_append(out, v);
		return 0;
	case '+':
		if (!missing)
			return expand(ip, word, wlen, out, depth + 1);
		return 0;
	default: /* '?' */
		if (!missing) {
			nc_strbuf_append(out, v);
			return 0;
		}
		struct nc_strbuf msg = NC_STRBUF_INIT;
		int r = expand(ip, word, wlen, &msg, depth + 1);
		if (r >= 0)
			r = nc_err_msg(err, EINVAL, "required variable `%s` is missing a value%s%s", name,
				       msg.len ? ": " : "", nc_strbuf_str(&msg));
		nc_strbuf_free(&msg);
		return r;
	}
}

static int expand(const struct interp *ip, const char *s, size_t len, struct nc_strbuf *out,
		  unsigned depth)
{
	nc_err *err = ip->err;

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
			const char *v = value_of(ip, name, true);
			nc_strbuf_append(out, v ? v : "");
			i += 1 + n;
		} else if (next == '{') {
			size_t bl = braced_len(s + i, len - i);
			int r;
			if (!bl)
				return nc_err_msg(err, EINVAL, "`${` without its closing `}`");
			if ((r = braced(ip, s + i + 2, bl - 3, out, depth)) < 0)
				return r;
			i += bl;
		} else {
			return nc_err_msg(err, EINVAL,
					  "`$` must be followed by a name, `{` or `$`; write `$$` for a literal `$`");
		}
	}
	return 0;
}

static int interpolate(const struct interp *ip, const char *s, struct nc_strbuf *out)
{
	int r = expand(ip, s, strlen(s), out, 0);
	nc_err *err = ip->err;
	if (r >= 0 && !nc_strbuf_ok(out))
		return nc_err_errno(err, ENOMEM, "interpolate");
	return r;
}

int nc_interpolate(const char *s, nc_lookup_fn lookup, void *ctx, struct nc_strbuf *out,
		   nc_err *err)
{
	struct interp ip = { lookup, ctx, NULL, NULL, err };
	return interpolate(&ip, s, out);
}

struct walk {
	struct nc_arena *a;
	const char *path;
	struct interp ip;
	nc_err *err;
	unsigned gen;
	FILE *warn;
	struct nc_strmap warned; /* names already warned about */
};

/* One warning per name, in Compose's words. */
static void warn_unset(void *ctx, const char *name)
{
	struct walk *w = ctx;
	size_t at = 0;
	char *k = nc_arena_strdup(w->a, name);

	if (!k || nc_strmap_put(&w->warned, k, strlen(k), &at) != 0)
		return; /* seen before (or out of memory: one warning less) */
	fprintf(w->warn, "warning: The \"%s\" variable is not set. Defaulting to a blank string.\n", name);
}

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
	r = interpolate(&w->ip, n->text, &b);
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
			/* An empty result is an empty string, never null
			 * (Compose: `image: ${TAG}` with TAG unset is ""). */
			if (!n->quoted)
				n->type = b.len ? nc_yt_resolve_plain(t) : NC_YT_STR;
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
			nc_lookup_fn lookup, void *ctx, FILE *warn, nc_err *err)
{
	struct walk w = { .a = a, .path = path, .ip = { lookup, ctx, NULL, NULL, err }, .err = err,
			  .warn = warn, .warned = NC_STRMAP_INIT };
	int r;

	if (!root)
		return 0;
	if (warn) {
		w.ip.unset = warn_unset;
		w.ip.unset_ctx = &w;
	}
	/* A generation different from every node's current mark. */
	w.gen = root->visit + 1;
	r = walk_node(&w, root);
	nc_strmap_free(&w.warned);
	return r;
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
