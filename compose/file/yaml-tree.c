/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/yaml-tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/cleanup.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	struct nc_yt_node *node;
	struct nc_yt_node **items; /* mappings: key, value, key, value, ... */
	size_t n, cap;
	char *anchor;
};

struct anchor {
	const char *name;
	struct nc_yt_node *node;
};

struct builder {
	struct nc_arena *a;
	const char *path;
	nc_err *err;
	struct frame *stack;
	size_t depth, cap;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	struct nc_yt_node *root;
	unsigned documents;
};

static int fail_at(struct builder *b, struct nc_mark m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct builder *b, struct nc_mark m, const char *fmt, ...)
{
	char msg[NC_ERR_MSG_MAX], line[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nc_text_oneline(line, sizeof(line), msg);
	return nc_err_msg(b->err, EINVAL, "%s:%u:%u: %s", b->path, m.line, m.col, line);
}

static int oom(struct builder *b)
{
	return nc_err_errno(b->err, ENOMEM, "parse `%s`", b->path);
}

static struct nc_mark mark_of(yaml_mark_t m)
{
	return (struct nc_mark){ .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1 };
}

static bool all_digits(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_float(const char *s)
{
	const char *p = s;
	bool digits = false;

	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return true;
	if (p == s && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") || !strcmp(p, ".NAN")))
		return true;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

enum nc_yt_type nc_yt_resolve_plain(const char *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE" };

	for (size_t i = 0; i < NC_ELEMENTSOF(nulls); i++)
		if (!strcmp(s, nulls[i]))
			return NC_YT_NULL;
	for (size_t i = 0; i < NC_ELEMENTSOF(bools); i++)
		if (!strcmp(s, bools[i]))
			return NC_YT_BOOL;
	const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
	if (all_digits(p, "0123456789"))
		return NC_YT_INT;
	if (p == s && !strncmp(s, "0x", 2) && all_digits(s + 2, "0123456789abcdefABCDEF"))
		return NC_YT_INT;
	if (p == s && !strncmp(s, "0o", 2) && all_digits(s + 2, "01234567"))
		return NC_YT_INT;
	if (is_float(s))
		return NC_YT_FLOAT;
	return NC_YT_STR;
}

static const char *tag_name(const char *tag)
{
	return !strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) ? tag + strlen(TAG_PREFIX) : NULL;
}

/* Applies an explicit tag to a scalar: `!!str` (and the non-specific `!`)
 * make a string; `!!int` & co. must agree with the text. */
/* Compose's own tags, on any kind of node: recorded for the merge. */
static bool merge_tag(struct nc_yt_node *n, const char *tag)
{
	if (!strcmp(tag, "!reset"))
		n->tag = NC_YT_TAG_RESET;
	else if (!strcmp(tag, "!override"))
		n->tag = NC_YT_TAG_OVERRIDE;
	else
		return false;
	return true;
}

static int scalar_tag(struct builder *b, struct nc_yt_node *n, const char *tag)
{
	const char *t = tag_name(tag);

	if (merge_tag(n, tag))
		return 0;

	if (!strcmp(tag, "!") || (t && !strcmp(t, "str"))) {
		n->type = NC_YT_STR;
		n->quoted = true;
		return 0;
	}
	static const struct {
		const char *name;
		enum nc_yt_type type;
	} known[] = { { "null", NC_YT_NULL }, { "bool", NC_YT_BOOL }, { "int", NC_YT_INT },
		      { "float", NC_YT_FLOAT } };
	for (size_t i = 0; t && i < NC_ELEMENTSOF(known); i++) {
		if (strcmp(t, known[i].name))
			continue;
		enum nc_yt_type r = nc_yt_resolve_plain(n->text);
		if (r == NC_YT_INT && known[i].type == NC_YT_FLOAT)
			r = NC_YT_FLOAT;
		if (r != known[i].type)
			return fail_at(b, n->mark, "`%s` is not a valid `!!%s`", n->text, t);
		n->type = r;
		n->quoted = false;
		return 0;
	}
	return fail_at(b, n->mark, "YAML tag `%s` is not supported", t ? t : tag);
}

static int collection_tag(struct builder *b, struct nc_yt_node *n, const yaml_char_t *tag,
			  const char *want)
{
	const char *t;

	if (!tag || ((t = tag_name((const char *)tag)) && !strcmp(t, want)) ||
	    merge_tag(n, (const char *)tag))
		return 0;
	return fail_at(b, n->mark, "YAML tag `%s` is not supported", (const char *)tag);
}

static struct nc_yt_node *new_node(struct builder *b, enum nc_yt_kind kind, yaml_mark_t m)
{
	struct nc_yt_node *n = nc_arena_alloc(b->a, sizeof(*n));
	if (n) {
		n->kind = kind;
		n->mark = mark_of(m);
		n->mark.file = b->path;
	}
	return n;
}

static int add_anchor(struct builder *b, const char *name, struct nc_yt_node *n)
{
	struct anchor *v = nc_arena_grow(b->a, b->anchors, sizeof(*v), &b->cap_anchors,
					 b->n_anchors + 1);
	if (!v)
		return oom(b);
	b->anchors = v;
	v[b->n_anchors].name = nc_arena_strdup(b->a, name);
	if (!v[b->n_anchors].name)
		return oom(b);
	v[b->n_anchors++].node = n;
	return 0;
}

/* The latest definition wins: YAML lets an anchor be redefined. */
static struct nc_yt_node *find_anchor(struct builder *b, const char *name)
{
	for (size_t i = b->n_anchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return b->anchors[i].node;
	return NULL;
}

static int add_child(struct builder *b, struct nc_yt_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->node->kind == NC_YT_MAP && f->n % 2 == 0 && n->kind != NC_YT_SCALAR)
		return fail_at(b, n->mark, "a mapping key must be a plain value, not %s",
			       n->kind == NC_YT_MAP ? "a mapping" : "a list");
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		struct nc_yt_node **v = realloc(f->items, ncap * sizeof(*v));
		if (!v)
			return oom(b);
		f->items = v;
		f->cap = ncap;
	}
	f->items[f->n++] = n;
	return 0;
}

static int push(struct builder *b, struct nc_yt_node *n, const yaml_char_t *anchor)
{
	/* Tree walks (interpolation) recurse; a compose file is a few levels
	 * deep, so a bound costs nothing and keeps hostile input off the
	 * stack's limit. */
	if (b->depth >= NC_YT_MAX_DEPTH)
		return fail_at(b, n->mark, "nesting deeper than %d levels", NC_YT_MAX_DEPTH);
	if (b->depth == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		struct frame *v = realloc(b->stack, ncap * sizeof(*v));
		if (!v)
			return oom(b);
		b->stack = v;
		b->cap = ncap;
	}
	struct frame *f = &b->stack[b->depth];
	memset(f, 0, sizeof(*f));
	f->node = n;
	if (anchor && !(f->anchor = strdup((const char *)anchor)))
		return oom(b);
	b->depth++;
	return 0;
}

static int cmp_pair_key(const void *x, const void *y)
{
	const struct nc_yt_pair *const *p = x, *const *q = y;
	int c = strcmp((*p)->key->text, (*q)->key->text);
	if (c)
		return c;
	/* Ties in file order, so the later one is reported. */
	return ((*p)->key->mark.line != (*q)->key->mark.line)
		       ? ((*p)->key->mark.line < (*q)->key->mark.line ? -1 : 1)
		       : ((*p)->key->mark.col < (*q)->key->mark.col ? -1 : 1);
}

static bool is_merge_key(const struct nc_yt_node *k)
{
	return !k->quoted && !strcmp(k->text, "<<");
}

static int check_duplicates(struct builder *b, struct nc_yt_pair *pairs, size_t n)
{
	_cleanup_free_ struct nc_yt_pair **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return oom(b);
	for (size_t i = 0; i < n; i++)
		v[i] = &pairs[i];
	qsort(v, n, sizeof(*v), cmp_pair_key);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1]->key->text, v[i]->key->text))
			return fail_at(b, v[i]->key->mark, "duplicate key `%s` (first at line %u)",
				       v[i]->key->text, v[i - 1]->key->mark.line);
	return 0;
}

struct cand {
	struct nc_yt_pair pair;
	size_t order;
	bool explicit_key, keep;
};

static int cmp_cand(const void *x, const void *y)
{
	const struct cand *const *p = x, *const *q = y;
	int c = strcmp((*p)->pair.key->text, (*q)->pair.key->text);
	if (c)
		return c;
	if ((*p)->explicit_key != (*q)->explicit_key)
		return (*p)->explicit_key ? -1 : 1;
	return (*p)->order < (*q)->order ? -1 : 1;
}

static int merge_sources(struct builder *b, const struct nc_yt_node *v,
			 const struct nc_yt_node ***out, size_t *n)
{
	if (v->kind == NC_YT_MAP) {
		*out = nc_arena_alloc(b->a, sizeof(**out));
		if (!*out)
			return oom(b);
		(*out)[0] = v;
		*n = 1;
		return 0;
	}
	if (v->kind != NC_YT_SEQ)
		return fail_at(b, v->mark, "the merge key `<<` takes a mapping or a list of mappings");
	*out = nc_arena_calloc(b->a, v->n_items ? v->n_items : 1, sizeof(**out));
	if (!*out)
		return oom(b);
	for (size_t i = 0; i < v->n_items; i++) {
		if (v->items[i]->kind != NC_YT_MAP)
			return fail_at(b, v->items[i]->mark,
				       "the merge key `<<` takes a mapping or a list of mappings");
		(*out)[i] = v->items[i];
	}
	*n = v->n_items;
	return 0;
}

/*
 * Merge keys (YAML 1.1 "merge" type): the keys of the merged mappings are
 * inserted where `<<` stands, unless the mapping has them itself; among
 * several merged mappings the first one wins. Order matters to us: a
 * service's networks are numbered in file order.
 */
static int apply_merges(struct builder *b, struct nc_yt_node *map)
{
	size_t total = 0;
	bool any = false;
	int r;

	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct nc_yt_pair *p = &map->pairs[i];
		if (!is_merge_key(p->key)) {
			total++;
			continue;
		}
		const struct nc_yt_node **src;
		size_t ns;
		if ((r = merge_sources(b, p->value, &src, &ns)) < 0)
			return r;
		for (size_t k = 0; k < ns; k++)
			total += src[k]->n_pairs;
		any = true;
	}
	if (!any)
		return 0;

	_cleanup_free_ struct cand *c = calloc(total ? total : 1, sizeof(*c));
	_cleanup_free_ struct cand **sorted = calloc(total ? total : 1, sizeof(*sorted));
	size_t n = 0;
	if (!c || !sorted)
		return oom(b);
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct nc_yt_pair *p = &map->pairs[i];
		if (!is_merge_key(p->key)) {
			c[n] = (struct cand){ *p, n, true, false };
			n++;
			continue;
		}
		const struct nc_yt_node **src;
		size_t ns;
		if ((r = merge_sources(b, p->value, &src, &ns)) < 0)
			return r;
		for (size_t k = 0; k < ns; k++)
			for (size_t j = 0; j < src[k]->n_pairs; j++) {
				c[n] = (struct cand){ src[k]->pairs[j], n, false, false };
				n++;
			}
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = &c[i];
	qsort(sorted, n, sizeof(*sorted), cmp_cand);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(sorted[i - 1]->pair.key->text, sorted[i]->pair.key->text)) {
			sorted[i]->keep = true;
			kept++;
		}

	struct nc_yt_pair *pairs = nc_arena_calloc(b->a, kept ? kept : 1, sizeof(*pairs));
	if (!pairs)
		return oom(b);
	map->n_pairs = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].keep)
			pairs[map->n_pairs++] = c[i].pair;
	map->pairs = pairs;
	return 0;
}

static int finish_collection(struct builder *b, struct frame *f)
{
	struct nc_yt_node *n = f->node;
	int r;

	if (n->kind == NC_YT_SEQ) {
		n->items = nc_arena_calloc(b->a, f->n ? f->n : 1, sizeof(*n->items));
		if (!n->items)
			return oom(b);
		if (f->n)
			memcpy(n->items, f->items, f->n * sizeof(*n->items));
		n->n_items = f->n;
		return 0;
	}
	n->n_pairs = f->n / 2;
	n->pairs = nc_arena_calloc(b->a, n->n_pairs ? n->n_pairs : 1, sizeof(*n->pairs));
	if (!n->pairs)
		return oom(b);
	for (size_t i = 0; i < n->n_pairs; i++) {
		n->pairs[i].key = f->items[2 * i];
		n->pairs[i].value = f->items[2 * i + 1];
	}
	if ((r = check_duplicates(b, n->pairs, n->n_pairs)) < 0)
		return r;
	return apply_merges(b, n);
}

static int pop(struct builder *b)
{
	struct frame *f = &b->stack[b->depth - 1];
	int r = finish_collection(b, f);

	if (r >= 0 && f->anchor)
		r = add_anchor(b, f->anchor, f->node);
	free(f->items);
	free(f->anchor);
	b->depth--;
	if (r < 0)
		return r;
	return add_child(b, f->node);
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct nc_yt_node *n = new_node(b, NC_YT_SCALAR, ev->start_mark);
	int r;

	if (!n)
		return oom(b);
	if (memchr(v, '\0', len))
		return fail_at(b, n->mark, "a NUL character is not allowed in a value");
	if (!(n->text = nc_arena_strndup(b->a, v, len)))
		return oom(b);
	n->len = len;
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	n->type = n->quoted ? NC_YT_STR : nc_yt_resolve_plain(n->text);
	/* libyaml reports implicit tags as NULL or "!" for quoted scalars. */
	const char *tag = (const char *)ev->data.scalar.tag;
	if (tag && !(n->quoted && ev->data.scalar.quoted_implicit && !strcmp(tag, "!")) &&
	    (r = scalar_tag(b, n, tag)) < 0)
		return r;
	if (ev->data.scalar.anchor &&
	    (r = add_anchor(b, (const char *)ev->data.scalar.anchor, n)) < 0)
		return r;
	return add_child(b, n);
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	struct nc_yt_node *n;
	int r;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->documents > 0)
			return fail_at(b, mark_of(ev->start_mark),
				       "a second YAML document: a compose file holds exactly one");
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		b->documents++;
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_ALIAS_EVENT:
		n = find_anchor(b, (const char *)ev->data.alias.anchor);
		if (!n)
			return fail_at(b, mark_of(ev->start_mark),
				       "alias `*%s` refers to an undefined anchor",
				       (const char *)ev->data.alias.anchor);
		return add_child(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		const yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
		if (!(n = new_node(b, seq ? NC_YT_SEQ : NC_YT_MAP, ev->start_mark)))
			return oom(b);
		if ((r = collection_tag(b, n, tag, seq ? "seq" : "map")) < 0)
			return r;
		return push(b, n, seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor);
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(b);
	default:
		return 0;
	}
}

/* The byte at a libyaml mark. Its `index` and `column` count characters,
 * not bytes (scanner.c's SKIP), so walk the text: lines end at \n, \r\n
 * or a lone \r as libyaml counts them; a character is a lead byte and its
 * continuation bytes. -1 past the end. */
static int byte_at(const char *text, size_t len, yaml_mark_t m)
{
	size_t i = 0;

	for (size_t line = 0; line < m.line && i < len; i++)
		if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n')))
			line++;
	for (size_t col = 0; col < m.column && i < len; col++)
		for (i++; i < len && ((unsigned char)text[i] & 0xc0) == 0x80; i++)
			;
	return i < len ? (unsigned char)text[i] : -1;
}

static int syntax_error(struct builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
	struct nc_mark at = mark_of(p->problem_mark);
	const char *problem = p->problem ? p->problem : "malformed YAML";
	const char *hint = "";
	char ctx[256] = "";

	if (p->error == YAML_MEMORY_ERROR)
		return oom(b);
	/* A tab where indentation is expected is the classic mistake; libyaml
	 * only says that the character cannot start a token. */
	if (byte_at(text, len, p->problem_mark) == '\t')
		hint = "; YAML does not allow tabs for indentation";
	if (p->context)
		snprintf(ctx, sizeof(ctx), " (%s at line %u, column %u)", p->context,
			 (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
	return fail_at(b, at, "malformed YAML: %s%s%s", problem, ctx, hint);
}

static void builder_release(struct builder *b)
{
	for (size_t i = 0; i < b->depth; i++) {
		free(b->stack[i].items);
		free(b->stack[i].anchor);
	}
	free(b->stack);
}

int nc_yt_parse(struct nc_arena *arena, const char *path, const char *text, size_t len,
		struct nc_yt_node **root, nc_err *err)
{
	struct builder b = { .a = arena, .path = path, .err = err };
	yaml_parser_t parser;
	int r = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return nc_err_errno(err, ENOMEM, "parse `%s`", path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (bool done = false; !done && r >= 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			r = syntax_error(&b, &parser, text, len);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	builder_release(&b);
	if (r < 0)
		return r;
	*root = b.root;
	return 0;
}

/* The length of the UTF-8 sequence a lead byte starts, 0 for a byte that
 * cannot lead one. */
static size_t utf8_len(unsigned char lead)
{
	return lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3
			       : (lead & 0xf8) == 0xf0 ? 4 : 0;
}

/* One UTF-8 sequence at p: its code point and length, or length 0 when
 * the bytes are not valid UTF-8. */
size_t nc_utf8_decode(const unsigned char *p, uint32_t *cp)
{
	size_t n = utf8_len(p[0]);
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };

	if (!n)
		return 0;
	*cp = n == 1 ? p[0] : p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

bool nc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t c;

	while (p < end) {
		/* The length first: `s` need not be NUL-terminated, and decoding
		 * reads every byte the lead byte announces. */
		size_t want = utf8_len(*p);
		if (!*p || !want || want > (size_t)(end - p) || nc_utf8_decode(p, &c) != want)
			return false;
		p += want;
	}
	return true;
}

void nc_text_oneline(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	if (!size)
		return;
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		char esc[5];
		unsigned char c = *p;
		if (c == '\n' || c == '\t' || c == '\r')
			snprintf(esc, sizeof(esc), "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
		else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			snprintf(esc, sizeof(esc), "%c", c);
		size_t l = strlen(esc);
		if (n + l >= size)
			break;
		memcpy(dst + n, esc, l);
		n += l;
	}
	dst[n] = '\0';
}

const struct nc_yt_node *nc_yt_get(const struct nc_yt_node *map, const char *key)
{
	if (!map || map->kind != NC_YT_MAP)
		return NULL;
	for (size_t i = 0; i < map->n_pairs; i++)
		if (!strcmp(map->pairs[i].key->text, key))
			return map->pairs[i].value;
	return NULL;
}
