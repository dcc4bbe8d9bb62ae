/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dockerfile -> instructions (see dockerfile.h). Three passes over one
 * arena copy of the buffer: parser directives at the top, physical lines
 * joined into instructions, and each instruction's arguments split the
 * way its keyword wants them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/file/dockerfile.h"
#include "compose/file/dockerfile-mount.h"

/* What each keyword accepts. Flags are a space-separated list; a flag
 * outside it is refused with the flags that are known. */
struct kw {
	const char *name;
	enum nc_df_kind kind;
	const char *flags;
};

static const struct kw keywords[] = {
	{ "FROM", NC_DF_FROM, "platform" },
	{ "RUN", NC_DF_RUN, "mount network security" },
	{ "COPY", NC_DF_COPY, "from chown chmod link" },
	{ "ADD", NC_DF_ADD, "chown chmod link" },
	{ "ENV", NC_DF_ENV, "" },
	{ "ARG", NC_DF_ARG, "" },
	{ "WORKDIR", NC_DF_WORKDIR, "" },
	{ "USER", NC_DF_USER, "" },
	{ "CMD", NC_DF_CMD, "" },
	{ "ENTRYPOINT", NC_DF_ENTRYPOINT, "" },
	{ "EXPOSE", NC_DF_EXPOSE, "" },
	{ "LABEL", NC_DF_LABEL, "" },
	{ "SHELL", NC_DF_SHELL, "" },
	{ "VOLUME", NC_DF_VOLUME, "" },
	{ "HEALTHCHECK", NC_DF_HEALTHCHECK, "interval timeout start-period start-interval retries" },
	{ "STOPSIGNAL", NC_DF_STOPSIGNAL, "" },
	{ "MAINTAINER", NC_DF_MAINTAINER, "" },
};

const char *nc_df_kind_name(enum nc_df_kind k)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].kind == k)
			return keywords[i].name;
	return "?";
}

struct parser {
	struct nc_dockerfile *df;
	const char *name;
	nc_err *err;
	unsigned line; /* of the instruction being read */
};

#define FAIL(p, ...) nc_err_msg((p)->err, EINVAL, __VA_ARGS__)

static int nomem(struct parser *p)
{
	return nc_err_errno(p->err, ENOMEM, "read %s", p->name);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
}

/* A JSON array of strings, or false (then the line is shell form, as
 * Docker falls back). */
static bool parse_json_array(struct parser *p, const char *s, const char ***out, size_t *n)
{
	struct nc_arena *a = &p->df->arena;
	const char **v = NULL;
	size_t cap = 0, count = 0;

	s = skip_blanks(s);
	if (*s++ != '[')
		return false;
	s = skip_blanks(s);
	if (*s == ']') {
		s = skip_blanks(s + 1);
		if (*s)
			return false;
		*out = NULL;
		*n = 0;
		return true;
	}
	for (;;) {
		struct nc_strbuf b = NC_STRBUF_INIT;
		s = skip_blanks(s);
		if (*s++ != '"')
			return false;
		while (*s && *s != '"') {
			unsigned char c = (unsigned char)*s++;
			if (c < 0x20) {
				nc_strbuf_free(&b);
				return false;
			}
			if (c != '\\') {
				nc_strbuf_putc(&b, (char)c);
				continue;
			}
			c = (unsigned char)*s++;
			switch (c) {
			case '"': case '\\': case '/': nc_strbuf_putc(&b, (char)c); break;
			case 'b': nc_strbuf_putc(&b, '\b'); break;
			case 'f': nc_strbuf_putc(&b, '\f'); break;
			case 'n': nc_strbuf_putc(&b, '\n'); break;
			case 'r': nc_strbuf_putc(&b, '\r'); break;
			case 't': nc_strbuf_putc(&b, '\t'); break;
			case 'u': {
				char hex[5] = { 0 };
				for (int i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)s[i])) {
						nc_strbuf_free(&b);
						return false;
					}
					hex[i] = s[i];
				}
				s += 4;
				unsigned long cp = strtoul(hex, NULL, 16);
				/* BMP only, no surrogates: enough for commands. */
				if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
					nc_strbuf_free(&b);
					return false;
				}
				if (cp < 0x80) {
					nc_strbuf_putc(&b, (char)cp);
				} else if (cp < 0x800) {
					nc_strbuf_putc(&b, (char)(0xc0 | (cp >> 6)));
					nc_strbuf_putc(&b, (char)(0x80 | (cp & 0x3f)));
				} else {
					nc_strbuf_putc(&b, (char)(0xe0 | (cp >> 12)));
					nc_strbuf_putc(&b, (char)(0x80 | ((cp >> 6) & 0x3f)));
					nc_strbuf_putc(&b, (char)(0x80 | (cp & 0x3f)));
				}
				break;
			}
			default:
				nc_strbuf_free(&b);
				return false;
			}
		}
		if (*s++ != '"' || !nc_strbuf_ok(&b)) {
			nc_strbuf_free(&b);
			return false;
		}
		const char **nv = nc_arena_grow(a, v, sizeof(*v), &cap, count + 1);
		char *str = nc_arena_strdup(a, b.len ? nc_strbuf_str(&b) : "");
		nc_strbuf_free(&b);
		if (!nv || !str)
			return false;
		v = nv;
		v[count++] = str;
		s = skip_blanks(s);
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s++ != ']')
			return false;
		if (*skip_blanks(s))
			return false;
		break;
	}
	*out = v;
	*n = count;
	return true;
}

/* Words split at unquoted blanks, kept as written (quotes and escapes in
 * place) for nc_df_expand(). */
static int split_words(struct parser *p, const char *s, const char ***out, size_t *n)
{
	struct nc_arena *a = &p->df->arena;
	char esc = p->df->escape;
	const char **v = NULL;
	size_t cap = 0, count = 0;

	for (;;) {
		s = skip_blanks(s);
		if (!*s)
			break;
		const char *start = s;
		char quote = 0;
		while (*s) {
			if (*s == esc && quote != '\'' && s[1]) {
				s += 2;
				continue;
			}
			if (quote) {
				if (*s == quote)
					quote = 0;
			} else if (*s == '\'' || *s == '"') {
				quote = *s;
			} else if (is_blank(*s)) {
				break;
			}
			s++;
		}
		const char **nv = nc_arena_grow(a, v, sizeof(*v), &cap, count + 1);
		char *w = nc_arena_strndup(a, start, (size_t)(s - start));
		if (!nv || !w)
			return nomem(p);
		v = nv;
		v[count++] = w;
	}
	*out = v;
	*n = count;
	return 0;
}

static int add_kv(struct parser *p, struct nc_df_instr *in, size_t *cap, const char *k, const char *v)
{
	struct nc_df_kv *nv = nc_arena_grow(&p->df->arena, in->kv, sizeof(*nv), cap, in->n_kv + 1);
	if (!nv)
		return nomem(p);
	in->kv = nv;
	in->kv[in->n_kv++] = (struct nc_df_kv){ k, v };
	return 0;
}

/* ENV and LABEL: `KEY=VALUE ...`, or the old `KEY rest of the line`. */
static int parse_name_values(struct parser *p, struct nc_df_instr *in, const char *what)
{
	const char **w;
	size_t n, cap = 0;
	int r = split_words(p, in->text, &w, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return FAIL(p, "%s:%u: %s needs at least one NAME=VALUE", p->name, p->line, what);
	if (!strchr(w[0], '=')) {
		const char *rest = in->text + strlen(w[0]);
		rest = skip_blanks(rest);
		if (!*rest)
			return FAIL(p, "%s:%u: %s %s has no value; write %s=VALUE", p->name, p->line, what,
				    w[0], w[0]);
		return add_kv(p, in, &cap, w[0], rest);
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(w[i], '=');
		if (!eq)
			return FAIL(p, "%s:%u: %s `%s` has no `=`; write NAME=VALUE (quote values with blanks)",
				    p->name, p->line, what, w[i]);
		if (eq == w[i])
			return FAIL(p, "%s:%u: %s `%s` has an empty name", p->name, p->line, what, w[i]);
		char *k = nc_arena_strndup(&p->df->arena, w[i], (size_t)(eq - w[i]));
		if (!k)
			return nomem(p);
		r = add_kv(p, in, &cap, k, eq + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool valid_arg_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static int parse_arg(struct parser *p, struct nc_df_instr *in)
{
	const char **w;
	size_t n, cap = 0;
	int r = split_words(p, in->text, &w, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return FAIL(p, "%s:%u: ARG needs a NAME or NAME=DEFAULT", p->name, p->line);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(w[i], '=');
		size_t kl = eq ? (size_t)(eq - w[i]) : strlen(w[i]);
		if (!valid_arg_name(w[i], kl))
			return FAIL(p, "%s:%u: ARG `%s` is not a valid name", p->name, p->line, w[i]);
		char *k = nc_arena_strndup(&p->df->arena, w[i], kl);
		if (!k)
			return nomem(p);
		r = add_kv(p, in, &cap, k, eq ? eq + 1 : NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* `<<EOF`, `<<-EOF`, `<<"EOF"` in RUN, COPY or ADD: BuildKit's heredocs,
 * which ncompose does not build. */
static bool has_heredoc(const char *s)
{
	for (const char *h = strstr(s, "<<"); h; h = strstr(h + 2, "<<")) {
		const char *t = h + 2;
		if (*t == '-')
			t++;
		if (*t == '"' || *t == '\'')
			t++;
		if (isalpha((unsigned char)*t) || *t == '_')
			return true;
	}
	return false;
}

static bool flag_known(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *s = list; *s;) {
		const char *e = strchr(s, ' ');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == n && strncmp(s, name, n) == 0)
			return true;
		s += l;
		while (*s == ' ')
			s++;
	}
	return false;
}

/* RUN's flags, checked where the line is known. */
static int run_flag(struct parser *p, const char *name, const char *value)
{
	if (!strcmp(name, "mount")) {
		struct nc_df_mount m;
		char why[256];
		if (nc_df_mount_parse(&p->df->arena, value, &m, why, sizeof(why)) < 0)
			return FAIL(p, "%s:%u: RUN --mount=%s: %s", p->name, p->line, value, why);
		return 0;
	}
	if (!strcmp(name, "network")) {
		if (strcmp(value, "default") && strcmp(value, "none") && strcmp(value, "host"))
			return FAIL(p, "%s:%u: RUN --network=%s: default, none or host", p->name, p->line, value);
		return 0;
	}
	/* --security: the sandbox is all ncompose runs. */
	if (!strcmp(value, "sandbox"))
		return 0;
	if (!strcmp(value, "insecure"))
		return FAIL(p, "%s:%u: RUN --security=insecure is not supported by ncompose: RUN steps always run confined",
			    p->name, p->line);
	return FAIL(p, "%s:%u: RUN --security=%s: sandbox or insecure", p->name, p->line, value);
}

/* `--name=value` words before the arguments. */
static int parse_flags(struct parser *p, struct nc_df_instr *in, const struct kw *k, char **rest)
{
	size_t cap = 0;
	int r;
	char *s = *rest;

	while (s[0] == '-' && s[1] == '-') {
		char *end = s;
		while (*end && !is_blank(*end))
			end++;
		char *word = nc_arena_strndup(&p->df->arena, s + 2, (size_t)(end - s - 2));
		if (!word)
			return nomem(p);
		char *eq = strchr(word, '=');
		const char *value = "";
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		}
		if (!flag_known(k->flags, word)) {
			if (*k->flags)
				return FAIL(p, "%s:%u: unknown flag --%s for %s (known: %s)", p->name, p->line,
					    word, nc_df_kind_name(k->kind), k->flags);
			return FAIL(p, "%s:%u: unknown flag --%s: %s takes no flags", p->name, p->line, word,
				    nc_df_kind_name(k->kind));
		}
		bool many = k->kind == NC_DF_RUN && !strcmp(word, "mount");
		if (!many && nc_df_flag(in, word))
			return FAIL(p, "%s:%u: flag --%s given twice", p->name, p->line, word);
		if (k->kind == NC_DF_RUN && (r = run_flag(p, word, value)) < 0)
			return r;
		struct nc_df_flag *nf = nc_arena_grow(&p->df->arena, in->flags, sizeof(*nf), &cap,
						      in->n_flags + 1);
		if (!nf)
			return nomem(p);
		in->flags = nf;
		in->flags[in->n_flags++] = (struct nc_df_flag){ word, value };
		s = (char *)skip_blanks(end);
	}
	*rest = s;
	return 0;
}

/* RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD: exec form or one shell string. */
static int command_form(struct parser *p, struct nc_df_instr *in, const char *s)
{
	if (parse_json_array(p, s, &in->args, &in->n_args)) {
		in->exec_form = true;
		return 0;
	}
	in->args = nc_arena_calloc(&p->df->arena, 1, sizeof(*in->args));
	if (!in->args)
		return nomem(p);
	in->args[0] = s;
	in->n_args = 1;
	return 0;
}

static bool valid_stage_name(const char *s)
{
	if (!islower((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return false;
	return true;
}

static int parse_from(struct parser *p, struct nc_df_instr *in)
{
	int r = split_words(p, in->text, &in->args, &in->n_args);
	if (r < 0)
		return r;
	if (in->n_args == 3 && strcasecmp(in->args[1], "as") == 0) {
		char *name = nc_arena_strdup(&p->df->arena, in->args[2]);
		if (!name)
			return nomem(p);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!valid_stage_name(name))
			return FAIL(p, "%s:%u: stage name `%s` must start with a letter and hold only letters, digits, `-`, `_` and `.`",
				    p->name, p->line, in->args[2]);
		for (size_t i = 0; i < p->df->n_ins; i++)
			if (p->df->ins[i].kind == NC_DF_FROM && p->df->ins[i].stage_name &&
			    strcmp(p->df->ins[i].stage_name, name) == 0)
				return FAIL(p, "%s:%u: stage name `%s` is already used on line %u", p->name,
					    p->line, name, p->df->ins[i].line);
		in->stage_name = name;
		in->n_args = 1;
	} else if (in->n_args != 1) {
		return FAIL(p, "%s:%u: FROM takes an image and an optional `AS name`", p->name, p->line);
	}
	return 0;
}

static int parse_healthcheck(struct parser *p, struct nc_df_instr *in)
{
	const char *s = in->text;
	if (strcasecmp(s, "none") == 0) {
		if (in->n_flags)
			return FAIL(p, "%s:%u: HEALTHCHECK NONE takes no flags", p->name, p->line);
		in->healthcheck_none = true;
		return 0;
	}
	if (strncasecmp(s, "cmd", 3) != 0 || (s[3] && !is_blank(s[3])))
		return FAIL(p, "%s:%u: HEALTHCHECK takes `NONE` or `CMD command`", p->name, p->line);
	s = skip_blanks(s + 3);
	if (!*s)
		return FAIL(p, "%s:%u: HEALTHCHECK CMD needs a command", p->name, p->line);
	return command_form(p, in, s);
}

/* Whole rest of the line as one word (WORKDIR /a b is the path "/a b"). */
static int one_value(struct parser *p, struct nc_df_instr *in)
{
	in->args = nc_arena_calloc(&p->df->arena, 1, sizeof(*in->args));
	if (!in->args)
		return nomem(p);
	in->args[0] = in->text;
	in->n_args = 1;
	return 0;
}

static int parse_args(struct parser *p, struct nc_df_instr *in)
{
	const char *what = nc_df_kind_name(in->kind);
	bool empty = !*in->text;
	int r;

	if (empty && in->kind != NC_DF_CMD && in->kind != NC_DF_ENTRYPOINT)
		return FAIL(p, "%s:%u: %s needs arguments", p->name, p->line, what);
	if ((in->kind == NC_DF_RUN || in->kind == NC_DF_COPY || in->kind == NC_DF_ADD) &&
	    has_heredoc(in->text))
		return FAIL(p, "%s:%u: heredocs (<<EOF) are not supported by ncompose; put the text in a file of the build context and COPY it, or use printf in RUN",
			    p->name, p->line);

	switch (in->kind) {
	case NC_DF_FROM:
		return parse_from(p, in);
	case NC_DF_RUN:
	case NC_DF_CMD:
	case NC_DF_ENTRYPOINT:
		if (empty)
			return FAIL(p, "%s:%u: %s needs a command", p->name, p->line, what);
		return command_form(p, in, in->text);
	case NC_DF_SHELL:
		if (!parse_json_array(p, in->text, &in->args, &in->n_args) || in->n_args == 0)
			return FAIL(p, "%s:%u: SHELL takes a JSON array, as SHELL [\"/bin/sh\", \"-c\"]",
				    p->name, p->line);
		in->exec_form = true;
		return 0;
	case NC_DF_COPY:
	case NC_DF_ADD:
		if (parse_json_array(p, in->text, &in->args, &in->n_args))
			in->exec_form = true;
		else if ((r = split_words(p, in->text, &in->args, &in->n_args)) < 0)
			return r;
		if (in->n_args < 2)
			return FAIL(p, "%s:%u: %s needs a source and a destination", p->name, p->line, what);
		return 0;
	case NC_DF_VOLUME:
		if (parse_json_array(p, in->text, &in->args, &in->n_args))
			in->exec_form = true;
		else if ((r = split_words(p, in->text, &in->args, &in->n_args)) < 0)
			return r;
		if (in->n_args == 0)
			return FAIL(p, "%s:%u: VOLUME needs a path", p->name, p->line);
		return 0;
	case NC_DF_EXPOSE:
		return split_words(p, in->text, &in->args, &in->n_args);
	case NC_DF_STOPSIGNAL:
		if ((r = split_words(p, in->text, &in->args, &in->n_args)) < 0)
			return r;
		if (in->n_args != 1)
			return FAIL(p, "%s:%u: STOPSIGNAL takes one signal", p->name, p->line);
		return 0;
	case NC_DF_WORKDIR:
	case NC_DF_USER:
		return one_value(p, in);
	case NC_DF_ENV:
	case NC_DF_LABEL:
		return parse_name_values(p, in, what);
	case NC_DF_ARG:
		return parse_arg(p, in);
	case NC_DF_MAINTAINER: {
		size_t cap = 0;
		return add_kv(p, in, &cap, "maintainer", in->text);
	}
	case NC_DF_HEALTHCHECK:
		return parse_healthcheck(p, in);
	}
	return 0;
}

static int instruction(struct parser *p, char *s)
{
	struct nc_dockerfile *df = p->df;
	/* The arguments point into this copy; the line buffer is reused. */
	s = nc_arena_strdup(&df->arena, skip_blanks(s));
	if (!s)
		return nomem(p);
	rtrim(s);
	char *kw_end = s;
	while (*kw_end && !is_blank(*kw_end))
		kw_end++;
	size_t kl = (size_t)(kw_end - s);
	const struct kw *k = NULL;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == kl && strncasecmp(keywords[i].name, s, kl) == 0)
			k = &keywords[i];
	if (!k) {
		/* Keep hostile input short in the message. */
		int shown = kl > 40 ? 40 : (int)kl;
		if (kl == 7 && strncasecmp(s, "onbuild", 7) == 0)
			return FAIL(p, "%s:%u: ONBUILD is not supported by ncompose; run the steps in the image that needs them",
				    p->name, p->line);
		return FAIL(p, "%s:%u: unknown instruction \"%.*s%s\"", p->name, p->line, shown, s,
			    kl > 40 ? "..." : "");
	}
	if (df->n_ins >= NC_DF_MAX_INSTRUCTIONS)
		return FAIL(p, "%s:%u: more than %u instructions", p->name, p->line, NC_DF_MAX_INSTRUCTIONS);
	if (df->n_stages == 0 && k->kind != NC_DF_FROM && k->kind != NC_DF_ARG)
		return FAIL(p, "%s:%u: %s comes before the first FROM; only ARG may", p->name, p->line,
			    nc_df_kind_name(k->kind));

	struct nc_df_instr *ni = nc_arena_grow(&df->arena, df->ins, sizeof(*ni), &df->cap_ins, df->n_ins + 1);
	if (!ni)
		return nomem(p);
	df->ins = ni;
	struct nc_df_instr in = { .kind = k->kind, .line = p->line };
	char *rest = (char *)skip_blanks(kw_end);
	int r = parse_flags(p, &in, k, &rest);
	if (r < 0)
		return r;
	in.text = rest;
	r = parse_args(p, &in);
	if (r < 0)
		return r;
	if (in.kind == NC_DF_FROM)
		df->n_stages++;
	df->ins[df->n_ins++] = in;
	return 0;
}

/* `# key=value` at the very top; false when the line is not one (then
 * the directives are over). */
static int directive(struct parser *p, const char *line, bool *was)
{
	*was = false;
	const char *s = skip_blanks(line);
	if (*s != '#')
		return 0;
	s = skip_blanks(s + 1);
	const char *k = s;
	while (isalpha((unsigned char)*s))
		s++;
	size_t kl = (size_t)(s - k);
	s = skip_blanks(s);
	if (kl == 0 || *s != '=')
		return 0;
	s = skip_blanks(s + 1);
	char *v = nc_arena_strdup(&p->df->arena, s);
	if (!v)
		return nomem(p);
	rtrim(v);
	if (kl == 6 && strncasecmp(k, "escape", 6) == 0) {
		if (strcmp(v, "\\") != 0 && strcmp(v, "`") != 0)
			return FAIL(p, "%s:%u: escape directive `%s` is neither \\ nor `", p->name, p->line, v);
		p->df->escape = v[0];
	} else if (kl == 6 && strncasecmp(k, "syntax", 6) == 0) {
		p->df->syntax = v;
	} else {
		return 0; /* an unknown directive is a comment, and ends them */
	}
	*was = true;
	return 0;
}

int nc_dockerfile_parse(struct nc_dockerfile *df, const char *name, const char *buf, size_t len,
			nc_err *err)
{
	*df = (struct nc_dockerfile){ .arena = NC_ARENA_INIT, .escape = '\\' };
	struct parser p = { df, name, err, 0 };

	if (len > NC_DF_MAX_BYTES)
		return FAIL(&p, "%s: larger than %u bytes", name, NC_DF_MAX_BYTES);
	if (memchr(buf, '\0', len))
		return FAIL(&p, "%s: holds a NUL byte; is it a text file?", name);
	char *text = nc_arena_strndup(&df->arena, buf, len);
	if (!text)
		return nomem(&p);

	bool directives = true;
	struct nc_strbuf cur = NC_STRBUF_INIT;
	bool open = false; /* an instruction continues on the next line */
	unsigned lineno = 0, first = 0;
	int r = 0;
	char *save = text;

	while (save && r == 0) {
		char *line = save;
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (!nl && !*line)
			break;
		lineno++;
		p.line = lineno;
		if (directives) {
			bool was;
			r = directive(&p, line, &was);
			if (r < 0 || was)
				continue;
			directives = false;
		}
		const char *t = skip_blanks(line);
		if (*t == '#' || !*t)
			continue; /* comments and blank lines, inside an instruction too */
		rtrim(line);
		size_t n = strlen(line);
		bool cont = n > 0 && line[n - 1] == df->escape;
		if (cont)
			line[--n] = '\0';
		if (!open) {
			nc_strbuf_reset(&cur);
			first = lineno; /* errors name an instruction's first line */
		}
		nc_strbuf_append(&cur, line);
		open = cont;
		if (cont)
			continue;
		p.line = first;
		if (!nc_strbuf_ok(&cur)) {
			r = nomem(&p);
			break;
		}
		r = instruction(&p, cur.len ? cur.s : (char *)"");
	}
	if (r == 0 && open && cur.len) {
		p.line = first;
		if (!nc_strbuf_ok(&cur))
			r = nomem(&p);
		else
			r = instruction(&p, cur.s);
	}
	nc_strbuf_free(&cur);
	if (r < 0)
		return r;
	if (df->n_stages == 0)
		return FAIL(&p, "%s: no FROM instruction; a Dockerfile starts with FROM IMAGE (or FROM scratch)",
			    name);
	return 0;
}

int nc_dockerfile_load(struct nc_dockerfile *df, const char *path, const char *name, nc_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	*df = (struct nc_dockerfile){ .arena = NC_ARENA_INIT, .escape = '\\' };
	int r = nc_read_file_bounded(path, NC_DF_MAX_BYTES, &buf, &len, err);
	if (r < 0)
		return r;
	return nc_dockerfile_parse(df, name, buf, len, err);
}

void nc_dockerfile_free(struct nc_dockerfile *df)
{
	nc_arena_free(&df->arena);
	*df = (struct nc_dockerfile){ .arena = NC_ARENA_INIT };
}

const char *nc_df_flag(const struct nc_df_instr *in, const char *name)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (strcmp(in->flags[i].name, name) == 0)
			return in->flags[i].value;
	return NULL;
}

long nc_df_stage_from(const struct nc_dockerfile *df, const char *name_or_index)
{
	char *end;
	errno = 0;
	unsigned long want = strtoul(name_or_index, &end, 10);
	bool numeric = *name_or_index && !*end && errno == 0;
	unsigned long stage = 0;
	for (size_t i = 0; i < df->n_ins; i++) {
		if (df->ins[i].kind != NC_DF_FROM)
			continue;
		if (numeric ? stage == want
			    : df->ins[i].stage_name && strcasecmp(df->ins[i].stage_name, name_or_index) == 0)
			return (long)i;
		stage++;
	}
	return -1;
}
