/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed readers and the schema-table driver shared by the loaders. */
#include "compose/file/load.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/hash.h"
#include "compose/file/shellwords.h"
#include "compose/file/units.h"

int nc_ld_fail(struct nc_loader *ld, struct nc_mark at, const char *fmt, ...)
{
	char msg[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nc_model_error(ld->m, at, ld->err, "%s", msg);
}

int nc_ld_oom(struct nc_loader *ld)
{
	return nc_err_errno(ld->err, ENOMEM, "load `%s`", ld->m->path);
}

int nc_ld_fail_key(struct nc_loader *ld, const struct nc_yt_node *key, struct nc_mark at,
		   const char *fmt, ...)
{
	char msg[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!key)
		return nc_ld_fail(ld, at, "%s", msg);
	if (!ld->where)
		return nc_ld_fail(ld, at, "`%s`: %s", key->text, msg);
	return nc_ld_fail(ld, at, "`%s` in %s: %s", key->text, ld->where, msg);
}

const char *nc_ld_what(const struct nc_yt_node *n)
{
	if (n->kind == NC_YT_MAP)
		return "a mapping";
	if (n->kind == NC_YT_SEQ)
		return "a list";
	switch (n->type) {
	case NC_YT_NULL:
		return "null";
	case NC_YT_BOOL:
		return "a boolean";
	case NC_YT_INT:
	case NC_YT_FLOAT:
		return "a number";
	case NC_YT_STR:
		break;
	}
	return "a string";
}

int nc_ld_type(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	       const char *expected)
{
	return nc_ld_fail_key(ld, key, val->mark, "expected %s, got %s", expected, nc_ld_what(val));
}

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "nmae" is one step from "name"), case-insensitive. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	unsigned char d[65][65]; /* distances never exceed 64 */

	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned cost = ca != cb;
			unsigned v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	return d[la][lb];
}

const char *nc_ld_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

static int unknown_key(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_ld_key *tab, size_t n_tab)
{
	_cleanup_free_ const char **names = calloc(n_tab ? n_tab : 1, sizeof(*names));
	char hint[160] = "";

	if (!names)
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n_tab; i++)
		names[i] = tab[i].name;
	const char *s = nc_ld_suggest(k->text, names, n_tab);
	if (s)
		snprintf(hint, sizeof(hint), " (did you mean `%s`?)", s);
	if (!ld->where)
		return nc_ld_fail(ld, k->mark, "unknown top-level key `%s`%s", k->text, hint);
	return nc_ld_fail(ld, k->mark, "unknown key `%s` in %s%s", k->text, ld->where, hint);
}

int nc_ld_map(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *map,
	      const struct nc_ld_key *tab, size_t n_tab, void *obj)
{
	if (map->kind != NC_YT_MAP && ld->where)
		return nc_ld_fail(ld, map->mark, "%s: expected a mapping, got %s", ld->where,
				  nc_ld_what(map));
	if (map->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, map, "a mapping");
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct nc_yt_node *k = map->pairs[i].key, *v = map->pairs[i].value;
		const struct nc_ld_key *e = NULL;
		int r;

		/* Extension fields, as in Compose: anything under x- is the
		 * user's (often an anchor holder for `<<`). */
		if (!strncmp(k->text, "x-", 2))
			continue;
		for (size_t j = 0; j < n_tab && !e; j++)
			if (!strcmp(tab[j].name, k->text))
				e = &tab[j];
		if (!e)
			return unknown_key(ld, k, tab, n_tab);
		if ((e->flags & NC_LD_UNSUPPORTED) || !e->fn) {
			if (!ld->where)
				return nc_ld_fail(ld, k->mark, "`%s` is not supported yet", k->text);
			return nc_ld_fail(ld, k->mark, "`%s` in %s is not supported yet", k->text,
					  ld->where);
		}
		if ((r = e->fn(ld, k, v, obj)) < 0)
			return r;
	}
	return 0;
}

int nc_ld_string(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		 const char **out)
{
	if (val->kind != NC_YT_SCALAR || val->type == NC_YT_NULL)
		return nc_ld_type(ld, key, val, "a string");
	if (!(*out = nc_arena_strdup(ld->a, val->text)))
		return nc_ld_oom(ld);
	return 0;
}

/* Compose reads y, yes, true, on / n, no, false, off, in any case, as
 * booleans where a boolean is expected (`init: yes`), while YAML's core
 * schema leaves them strings everywhere else. */
static int yaml11_bool(const char *s)
{
	static const char *const yes[] = { "y", "yes", "true", "on" };
	static const char *const no[] = { "n", "no", "false", "off" };

	for (size_t i = 0; i < NC_ELEMENTSOF(yes); i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

int nc_ld_bool(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	       bool *out)
{
	/* A quoted "true" is accepted too: after ${VAR} interpolation a
	 * boolean often arrives as a string. */
	int b = val->kind == NC_YT_SCALAR && (val->type == NC_YT_BOOL || val->type == NC_YT_STR)
			? yaml11_bool(val->text)
			: -1;
	if (b < 0)
		return nc_ld_type(ld, key, val, "true or false");
	*out = b;
	return 0;
}

int nc_ld_parse_int(const struct nc_yt_node *val, int64_t *out)
{
	const char *s = val->text;
	int base = 10;

	if (val->kind != NC_YT_SCALAR)
		return -EINVAL;
	if (val->type == NC_YT_STR) {
		const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
		if (!*p || strspn(p, "0123456789") != strlen(p))
			return -EINVAL;
	} else if (val->type != NC_YT_INT) {
		return -EINVAL;
	} else if (!strncmp(s, "0x", 2)) {
		base = 16;
		s += 2;
	} else if (!strncmp(s, "0o", 2)) {
		base = 8;
		s += 2;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end || end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

int nc_ld_int(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	      int64_t min, int64_t max, int64_t *out)
{
	int64_t v;
	int r = nc_ld_parse_int(val, &v);

	if (r == -EINVAL && val->kind == NC_YT_SCALAR && val->type == NC_YT_FLOAT)
		return nc_ld_fail_key(ld, key, val->mark, "expected an integer, got %s", val->text);
	if (r == -EINVAL)
		return nc_ld_type(ld, key, val, "an integer");
	if (r < 0 || v < min || v > max)
		return nc_ld_fail_key(ld, key, val->mark, "%s is out of range (%" PRId64 "..%" PRId64 ")",
				      val->text, min, max);
	*out = v;
	return 0;
}

int nc_ld_strlist(struct nc_loader *ld, const struct nc_yt_node *key,
		  const struct nc_yt_node *val, const char ***out, size_t *n,
		  struct nc_mark **marks)
{
	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of strings");
	const char **v = nc_arena_calloc(ld->a, val->n_items + 1, sizeof(*v));
	struct nc_mark *mk = marks ? nc_arena_calloc(ld->a, val->n_items + 1, sizeof(*mk)) : NULL;
	if (!v || (marks && !mk))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		int r;
		if (it->kind != NC_YT_SCALAR || it->type == NC_YT_NULL)
			return nc_ld_type(ld, key, it, "a string in the list");
		if ((r = nc_ld_string(ld, key, it, &v[i])) < 0)
			return r;
		if (mk)
			mk[i] = it->mark;
	}
	*out = v;
	*n = val->n_items;
	if (marks)
		*marks = mk;
	return 0;
}

/* A later entry with the same key replaces the earlier one, in its place;
 * `seen` maps each key to its index in v. */
static int kv_put(struct nc_loader *ld, struct nc_strmap *seen, struct nc_kv *v, size_t *n, const char *k,
		  size_t klen, const char *value, struct nc_mark mark)
{
	const char *key = nc_arena_strndup(ld->a, k, klen);
	const char *val = value ? nc_arena_strdup(ld->a, value) : NULL;
	size_t at = *n;

	if (!key || (value && !val))
		return nc_ld_oom(ld);
	int r = nc_strmap_put(seen, key, klen, &at);
	if (r < 0)
		return nc_ld_oom(ld);
	if (r > 0) {
		v[at].value = val;
		v[at].mark = mark;
		return 0;
	}
	v[(*n)++] = (struct nc_kv){ key, val, mark };
	return 0;
}

static void strmap_freep(struct nc_strmap *m)
{
	nc_strmap_free(m);
}

int nc_ld_kvs(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	      bool need_value, struct nc_kv **out, size_t *n)
{
	const char *expected = need_value ? "a mapping or a list of KEY=VALUE strings"
					  : "a mapping or a list of KEY=VALUE or KEY strings";
	size_t cnt = val->kind == NC_YT_MAP ? val->n_pairs : val->n_items;
	_cleanup_(strmap_freep) struct nc_strmap seen = NC_STRMAP_INIT;
	struct nc_kv *v;
	int r;

	if (val->kind == NC_YT_SCALAR)
		return nc_ld_type(ld, key, val, expected);
	if (!(v = nc_arena_calloc(ld->a, cnt ? cnt : 1, sizeof(*v))))
		return nc_ld_oom(ld);
	*n = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (val->kind == NC_YT_MAP) {
			const struct nc_yt_node *k = val->pairs[i].key, *x = val->pairs[i].value;
			if (x->kind != NC_YT_SCALAR)
				return nc_ld_fail_key(ld, key, x->mark,
						      "the value of `%s` must be a string, a number or a boolean, not %s",
						      k->text, nc_ld_what(x));
			if (!*k->text)
				return nc_ld_fail_key(ld, key, k->mark, "an empty name is not allowed");
			if (x->type == NC_YT_NULL && need_value)
				return nc_ld_fail_key(ld, key, x->mark, "`%s` needs a value", k->text);
			r = kv_put(ld, &seen, v, n, k->text, strlen(k->text),
				   x->type == NC_YT_NULL ? NULL : x->text, k->mark);
		} else {
			const struct nc_yt_node *it = val->items[i];
			if (it->kind != NC_YT_SCALAR || it->type == NC_YT_NULL)
				return nc_ld_type(ld, key, it, need_value ? "a KEY=VALUE string" : "a KEY=VALUE or KEY string");
			const char *eq = strchr(it->text, '=');
			size_t klen = eq ? (size_t)(eq - it->text) : strlen(it->text);
			if (klen == 0)
				return nc_ld_fail_key(ld, key, it->mark, "`%s` has no name before `=`",
						      it->text);
			if (!eq && need_value)
				return nc_ld_fail_key(ld, key, it->mark, "`%s` needs a value: KEY=VALUE",
						      it->text);
			r = kv_put(ld, &seen, v, n, it->text, klen, eq ? eq + 1 : NULL, it->mark);
		}
		if (r < 0)
			return r;
	}
	*out = v;
	return 0;
}

static bool name_char(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(extra, c));
}

bool nc_ld_valid_name(const char *s)
{
	if (!name_char(*s, ""))
		return false;
	for (s++; *s; s++)
		if (!name_char(*s, "_.-"))
			return false;
	return true;
}

bool nc_ld_valid_project(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

bool nc_ld_valid_hostname(const char *s)
{
	/* sethostname(2) takes at most 64 bytes (__NEW_UTS_LEN). */
	if (!*s || strlen(s) > 64)
		return false;
	for (const char *label = s;;) {
		size_t l = strcspn(label, ".");
		if (l == 0 || l > 63 || label[0] == '-' || label[l - 1] == '-')
			return false;
		for (size_t i = 0; i < l; i++)
			if (!name_char(label[i], "-"))
				return false;
		if (!label[l])
			return true;
		label += l + 1;
	}
}

const char *nc_ld_ifname_problem(const char *s)
{
	/* The kernel's dev_valid_name(): shorter than IFNAMSIZ (16), not "."
	 * or "..", no '/', ':' or white space. Control characters are legal
	 * there but never what a user meant. */
	if (!*s)
		return "it is empty";
	if (strlen(s) > 15)
		return "it is longer than 15 characters (the kernel's IFNAMSIZ)";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "`.` and `..` are not interface names";
	/* Every network namespace has these: lo always, the others as soon as
	 * their tunnel module is loaded (its fallback device). */
	static const char *const taken[] = { "lo", "sit0", "tunl0", "gre0", "gretap0", "erspan0", "ip_vti0",
					     "ip6tnl0", "ip6gre0", "ip6_vti0" };
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (!strcmp(s, taken[i]))
			return i == 0 ? "every network namespace has its loopback device `lo`; pick another name"
				      : "the kernel makes a device of that name in every network namespace once its "
					"tunnel module is loaded; pick another name";
	for (const char *p = s; *p; p++) {
		if (*p == '/')
			return "it contains `/`";
		if (*p == ':')
			return "it contains `:`";
		if (isspace((unsigned char)*p))
			return "it contains white space";
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "it contains a control character";
	}
	return NULL;
}

/* A command or entrypoint: a string split into words like Compose does
 * (shell quoting, no shell), or a list of scalars taken as they are. */
int nc_ld_words(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		const char ***words, size_t *n)
{
	if (v->kind == NC_YT_SCALAR && v->type != NC_YT_NULL) {
		size_t at;
		enum nc_shellwords_error e = nc_shellwords_split(ld->a, v->text, words, n, &at);
		if (e == NC_SHELLWORDS_NOMEM)
			return nc_ld_oom(ld);
		if (e != NC_SHELLWORDS_OK)
			return nc_ld_fail_key(ld, k, v->mark, "%s (at character %zu of the string)",
					      nc_shellwords_strerror(e), at + 1);
		return 0;
	}
	if (v->kind != NC_YT_SEQ)
		return nc_ld_type(ld, k, v, "a string or a list of strings");
	return nc_ld_strlist(ld, k, v, words, n, NULL);
}

int nc_ld_duration(struct nc_loader *ld, const struct nc_yt_node *key,
		   const struct nc_yt_node *val, int64_t *out)
{
	int r;

	if (val->kind != NC_YT_SCALAR || val->type == NC_YT_NULL)
		return nc_ld_type(ld, key, val, "a duration such as 10s or 1m30s");
	if ((r = nc_parse_duration(val->text, out)) == -ERANGE)
		return nc_ld_fail_key(ld, key, val->mark, "`%s` is out of range", val->text);
	if (r < 0)
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not a duration: numbers with units ns, us, ms, s, m, h, such as 10s or 1m30s",
				      val->text);
	return 0;
}

int nc_ld_entry_name(struct nc_loader *ld, const struct nc_yt_node *k, const char *what, const char **name)
{
	/* Compose: only top-level `x-` keys are extensions; under services:,
	 * networks:, volumes:, secrets: and configs: `x-web` is a name. */
	if (!nc_ld_valid_name(k->text))
		return nc_ld_fail(ld, k->mark,
				  "%s name `%s` is not valid: use letters, digits, `_`, `.` and `-`, starting with a letter or digit",
				  what, k->text);
	if (!(*name = nc_arena_strdup(ld->a, k->text)))
		return nc_ld_oom(ld);
	return 0;
}
