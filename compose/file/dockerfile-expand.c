/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One Dockerfile word with its quotes removed and its variables
 * substituted, as Docker's builder does for FROM, COPY, ADD, ENV, LABEL,
 * ARG, EXPOSE, VOLUME, WORKDIR, USER and STOPSIGNAL (see dockerfile.h).
 * A recursive descent: the word of ${VAR:-word} is itself a word, read up
 * to its closing brace.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "common/strbuf.h"
#include "compose/file/dockerfile.h"

/* Nesting of ${a:-${b:-...}}: enough for people, a bound for attackers. */
#define MAX_DEPTH 32

struct lex {
	const char *s;
	char esc;
	const struct nc_df_kv *env;
	size_t n_env;
	const char *raw;
	nc_err *err;
	int depth;
};

static const char *lookup(const struct lex *l, const char *name, size_t n)
{
	for (size_t i = l->n_env; i-- > 0;)
		if (strlen(l->env[i].key) == n && strncmp(l->env[i].key, name, n) == 0)
			return l->env[i].value;
	return NULL;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int word(struct lex *l, char stop, struct nc_strbuf *out);

/* At the character after `$`. */
static int variable(struct lex *l, struct nc_strbuf *out)
{
	if (name_start(*l->s)) {
		const char *n = l->s;
		while (name_char(*l->s))
			l->s++;
		const char *v = lookup(l, n, (size_t)(l->s - n));
		if (v)
			nc_strbuf_append(out, v);
		return 0;
	}
	if (*l->s != '{') {
		nc_strbuf_putc(out, '$'); /* `$` before anything else is itself */
		return 0;
	}
	l->s++;
	const char *n = l->s;
	while (name_char(*l->s))
		l->s++;
	size_t nl = (size_t)(l->s - n);
	if (nl == 0)
		return nc_err_msg(l->err, EINVAL, "bad substitution in `%.80s`: ${ without a name", l->raw);
	const char *v = lookup(l, n, nl);
	if (*l->s == '}') {
		l->s++;
		if (v)
			nc_strbuf_append(out, v);
		return 0;
	}
	bool colon = *l->s == ':';
	if (colon)
		l->s++;
	char op = *l->s;
	if (op != '-' && op != '+' && op != '?')
		return nc_err_msg(l->err, EINVAL, "bad substitution in `%.80s`: ${%.*s%s%c...} (known: :- :+ :? - + ?)",
				  l->raw, (int)nl, n, colon ? ":" : "", op ? op : ' ');
	l->s++;
	if (++l->depth > MAX_DEPTH)
		return nc_err_msg(l->err, EINVAL, "bad substitution in `%.80s`: nested deeper than %d", l->raw,
				  MAX_DEPTH);
	struct nc_strbuf alt = NC_STRBUF_INIT;
	int r = word(l, '}', &alt);
	l->depth--;
	if (r == 0 && *l->s != '}')
		r = nc_err_msg(l->err, EINVAL, "bad substitution in `%.80s`: ${ without a closing }", l->raw);
	if (r < 0) {
		nc_strbuf_free(&alt);
		return r;
	}
	l->s++;
	bool set = v && (!colon || *v);
	const char *alt_s = alt.len ? nc_strbuf_str(&alt) : "";
	switch (op) {
	case '-':
		nc_strbuf_append(out, set ? v : alt_s);
		break;
	case '+':
		if (set)
			nc_strbuf_append(out, alt_s);
		break;
	case '?':
		if (!set) {
			r = nc_err_msg(l->err, EINVAL, "%.*s: %s", (int)nl, n,
				       *alt_s ? alt_s : "is not set");
			break;
		}
		nc_strbuf_append(out, v);
		break;
	}
	nc_strbuf_free(&alt);
	return r;
}

static int double_quoted(struct lex *l, struct nc_strbuf *out)
{
	for (;;) {
		char c = *l->s;
		if (!c)
			return nc_err_msg(l->err, EINVAL, "unterminated double quote in `%.80s`", l->raw);
		l->s++;
		if (c == '"')
			return 0;
		if (c == l->esc && (*l->s == '"' || *l->s == '$' || *l->s == l->esc)) {
			nc_strbuf_putc(out, *l->s++);
		} else if (c == '$') {
			int r = variable(l, out);
			if (r < 0)
				return r;
		} else {
			nc_strbuf_putc(out, c);
		}
	}
}

/* Up to `stop` ('\0' for the whole word, '}' inside ${...}). */
static int word(struct lex *l, char stop, struct nc_strbuf *out)
{
	int r;
	while (*l->s && *l->s != stop) {
		char c = *l->s++;
		if (c == '\'') {
			const char *end = strchr(l->s, '\'');
			if (!end)
				return nc_err_msg(l->err, EINVAL, "unterminated single quote in `%.80s`", l->raw);
			nc_strbuf_appendn(out, l->s, (size_t)(end - l->s));
			l->s = end + 1;
		} else if (c == '"') {
			if ((r = double_quoted(l, out)) < 0)
				return r;
		} else if (c == l->esc) {
			if (*l->s)
				nc_strbuf_putc(out, *l->s++);
			else
				nc_strbuf_putc(out, c); /* a lone escape at the end stays */
		} else if (c == '$') {
			if ((r = variable(l, out)) < 0)
				return r;
		} else {
			nc_strbuf_putc(out, c);
		}
	}
	return 0;
}

int nc_df_expand(struct nc_arena *a, const char *raw, char escape, const struct nc_df_kv *env,
		 size_t n_env, const char **out, nc_err *err)
{
	struct lex l = { raw, escape, env, n_env, raw, err, 0 };
	struct nc_strbuf b = NC_STRBUF_INIT;
	int r = word(&l, '\0', &b);
	if (r == 0 && !nc_strbuf_ok(&b))
		r = nc_err_errno(err, ENOMEM, "expand `%s`", raw);
	if (r == 0) {
		*out = nc_arena_strdup(a, b.len ? nc_strbuf_str(&b) : "");
		if (!*out)
			r = nc_err_errno(err, ENOMEM, "expand `%s`", raw);
	}
	nc_strbuf_free(&b);
	return r;
}
