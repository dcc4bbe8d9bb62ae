/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strbuf.h"

#define MAX_DEPTH NC_YT_MAX_DEPTH
/* Merging walks both trees where they share keys; aliases can make a small
 * file a huge tree, so the walk has a budget, as interpolation has. */
#define MAX_STEPS 1000000u

enum rule {
	R_DEFAULT,
	R_REPLACE,   /* command, entrypoint, healthcheck.test */
	R_KV,        /* environment & co.: by variable name */
	R_HOSTS,     /* extra_hosts: by host name */
	R_UNIQUE,    /* append; the same text replaces */
	R_LIST,      /* a string or a list; append unique (dns, env_file, tmpfs) */
	R_PORTS,
	R_MOUNTS,    /* volumes, devices: by target */
	R_FILEREFS,  /* secrets, configs: by target, else source */
	R_IPAM,      /* ipam.config: by subnet */
	R_BYNAME,    /* depends_on, a service's networks */
	R_BUILD,
	R_LOGGING,
	R_ULIMIT,
};

static const struct {
	const char *pattern; /* keys separated by '.', `*` any one key */
	enum rule rule;
} rules[] = {
	{ "services.*.command", R_REPLACE },
	{ "services.*.entrypoint", R_REPLACE },
	{ "services.*.healthcheck.test", R_REPLACE },
	{ "services.*.environment", R_KV },
	{ "services.*.labels", R_KV },
	{ "services.*.annotations", R_KV },
	{ "services.*.sysctls", R_KV },
	{ "services.*.build.args", R_KV },
	{ "services.*.build.labels", R_KV },
	{ "services.*.deploy.labels", R_KV },
	{ "networks.*.labels", R_KV },
	{ "volumes.*.labels", R_KV },
	{ "services.*.extra_hosts", R_HOSTS },
	{ "services.*.dns", R_LIST },
	{ "services.*.dns_opt", R_LIST },
	{ "services.*.dns_search", R_LIST },
	{ "services.*.env_file", R_LIST },
	{ "services.*.tmpfs", R_LIST },
	{ "services.*.expose", R_UNIQUE },
	{ "services.*.cap_add", R_UNIQUE },
	{ "services.*.cap_drop", R_UNIQUE },
	{ "services.*.links", R_UNIQUE },
	{ "services.*.profiles", R_UNIQUE },
	{ "services.*.group_add", R_UNIQUE },
	{ "services.*.security_opt", R_UNIQUE },
	{ "services.*.networks.*.aliases", R_UNIQUE },
	{ "services.*.ports", R_PORTS },
	{ "services.*.volumes", R_MOUNTS },
	{ "services.*.devices", R_MOUNTS },
	{ "services.*.secrets", R_FILEREFS },
	{ "services.*.configs", R_FILEREFS },
	{ "networks.*.ipam.config", R_IPAM },
	{ "services.*.depends_on", R_BYNAME },
	{ "services.*.networks", R_BYNAME },
	{ "services.*.build", R_BUILD },
	{ "services.*.logging", R_LOGGING },
	{ "services.*.ulimits.*", R_ULIMIT },
};

struct merger {
	struct nc_arena *a;
	nc_err *err;
	const char *path[MAX_DEPTH];
	unsigned steps;
};

static int oom(struct merger *m)
{
	return nc_err_errno(m->err, ENOMEM, "merge compose files");
}

static bool matches(const char *pattern, const char *const *path, size_t depth)
{
	size_t i = 0;

	for (const char *p = pattern; *p; i++) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (i >= depth)
			return false;
		if (!(len == 1 && *p == '*') && (strlen(path[i]) != len || strncmp(path[i], p, len)))
			return false;
		p += len + (dot ? 1 : 0);
	}
	return i == depth;
}

static enum rule rule_at(const struct merger *m, size_t depth)
{
	for (size_t i = 0; i < NC_ELEMENTSOF(rules); i++)
		if (matches(rules[i].pattern, m->path, depth))
			return rules[i].rule;
	return R_DEFAULT;
}

static bool is_null(const struct nc_yt_node *n)
{
	return n->kind == NC_YT_SCALAR && n->type == NC_YT_NULL && n->tag == NC_YT_TAG_NONE;
}

static struct nc_yt_node *new_node(struct merger *m, enum nc_yt_kind kind, struct nc_mark at)
{
	struct nc_yt_node *n = nc_arena_calloc(m->a, 1, sizeof(*n));
	if (n) {
		n->kind = kind;
		n->mark = at;
	}
	return n;
}

static struct nc_yt_node *new_scalar(struct merger *m, const char *text, size_t len,
				     struct nc_mark at)
{
	struct nc_yt_node *n = new_node(m, NC_YT_SCALAR, at);
	if (n && !(n->text = nc_arena_strndup(m->a, text, len)))
		return NULL;
	if (n) {
		n->len = len;
		n->type = nc_yt_resolve_plain(n->text);
	}
	return n;
}

/* A growing mapping under construction. */
struct pairs {
	struct nc_yt_pair *v;
	size_t n, cap;
};

static int pairs_find(const struct pairs *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].key->text, key))
			return (int)i;
	return -1;
}

static int pairs_put(struct merger *m, struct pairs *p, struct nc_yt_node *key,
		     struct nc_yt_node *value)
{
	int i = pairs_find(p, key->text);
	if (i >= 0) {
		p->v[i].value = value;
		return 0;
	}
	struct nc_yt_pair *v = nc_arena_grow(m->a, p->v, sizeof(*v), &p->cap, p->n + 1);
	if (!v)
		return oom(m);
	p->v = v;
	p->v[p->n++] = (struct nc_yt_pair){ key, value };
	return 0;
}

static void pairs_del(struct pairs *p, const char *key)
{
	int i = pairs_find(p, key);
	if (i < 0)
		return;
	memmove(&p->v[i], &p->v[i + 1], (p->n - (size_t)i - 1) * sizeof(*p->v));
	p->n--;
}

static struct nc_yt_node *pairs_node(struct merger *m, struct pairs *p, struct nc_mark at)
{
	struct nc_yt_node *n = new_node(m, NC_YT_MAP, at);
	if (n) {
		n->pairs = p->v;
		n->n_pairs = p->n;
	}
	return n;
}

static int merge_value(struct merger *m, size_t depth, const struct nc_yt_node *base,
		       const struct nc_yt_node *over, struct nc_yt_node **out);

static int merge_maps(struct merger *m, size_t depth, const struct nc_yt_node *base,
		      const struct nc_yt_node *over, struct nc_yt_node **out)
{
	struct pairs p = { 0 };
	int r;

	for (size_t i = 0; i < base->n_pairs; i++)
		if ((r = pairs_put(m, &p, base->pairs[i].key, base->pairs[i].value)) < 0)
			return r;
	for (size_t i = 0; i < over->n_pairs; i++) {
		struct nc_yt_node *k = over->pairs[i].key, *v = over->pairs[i].value;
		int at = pairs_find(&p, k->text);
		if (v->tag == NC_YT_TAG_RESET) {
			pairs_del(&p, k->text);
			continue;
		}
		if (at >= 0) {
			if (depth >= MAX_DEPTH)
				return nc_err_msg(m->err, EINVAL, "%s:%u:%u: nesting deeper than %d levels",
						  k->mark.file ? k->mark.file : "<input>", k->mark.line,
						  k->mark.col, MAX_DEPTH);
			m->path[depth] = k->text;
			if ((r = merge_value(m, depth + 1, p.v[at].value, v, &v)) < 0)
				return r;
		}
		if ((r = pairs_put(m, &p, k, v)) < 0)
			return r;
	}
	if (!(*out = pairs_node(m, &p, over->mark)))
		return oom(m);
	return 0;
}

/* One list from a string or a list (dns: 1.1.1.1 and dns: [1.1.1.1]). */
static const struct nc_yt_node *const *items_of(const struct nc_yt_node *n, size_t *count,
						const struct nc_yt_node **one)
{
	if (n->kind == NC_YT_SEQ) {
		*count = n->n_items;
		return (const struct nc_yt_node *const *)n->items;
	}
	*count = 1;
	*one = n;
	return one;
}

/* The identity of a list entry under `rule`, written into buf; "" when it
 * has none (then it is appended). */
static void identity(enum rule rule, const struct nc_yt_node *e, struct nc_strbuf *buf)
{
	nc_strbuf_reset(buf);
	if (e->kind == NC_YT_SCALAR) {
		const char *t = e->text;
		if (rule == R_MOUNTS) {
			/* SOURCE:TARGET[:MODE], or TARGET alone. */
			const char *c1 = strchr(t, ':');
			if (c1) {
				const char *c2 = strchr(c1 + 1, ':');
				nc_strbuf_printf(buf, "%.*s", (int)(c2 ? c2 - c1 - 1 : (long)strlen(c1 + 1)), c1 + 1);
			} else {
				nc_strbuf_printf(buf, "%s", t);
			}
		} else if (rule == R_FILEREFS) {
			nc_strbuf_printf(buf, "source:%s", t);
		} else {
			nc_strbuf_printf(buf, "%s", t);
		}
		return;
	}
	if (e->kind != NC_YT_MAP)
		return;
	const struct nc_yt_node *v;
	switch (rule) {
	case R_MOUNTS:
		if ((v = nc_yt_get(e, "target")) && v->kind == NC_YT_SCALAR)
			nc_strbuf_printf(buf, "%s", v->text);
		break;
	case R_FILEREFS:
		if ((v = nc_yt_get(e, "target")) && v->kind == NC_YT_SCALAR)
			nc_strbuf_printf(buf, "target:%s", v->text);
		else if ((v = nc_yt_get(e, "source")) && v->kind == NC_YT_SCALAR)
			nc_strbuf_printf(buf, "source:%s", v->text);
		break;
	case R_IPAM:
		if ((v = nc_yt_get(e, "subnet")) && v->kind == NC_YT_SCALAR)
			nc_strbuf_printf(buf, "%s", v->text);
		break;
	case R_LIST:
		if ((v = nc_yt_get(e, "path")) && v->kind == NC_YT_SCALAR)
			nc_strbuf_printf(buf, "%s", v->text);
		break;
	case R_PORTS: {
		static const char *const keys[] = { "host_ip", "published", "target", "protocol", "mode" };
		for (size_t i = 0; i < NC_ELEMENTSOF(keys); i++) {
			v = nc_yt_get(e, keys[i]);
			nc_strbuf_printf(buf, "%s%s", i ? "|" : "",
					 v && v->kind == NC_YT_SCALAR ? v->text : "");
		}
		break;
	}
	default:
		break;
	}
}

/* Appends the later list to the earlier; an entry whose identity an
 * earlier entry has replaces that one where it stands. */
static int merge_lists(struct merger *m, enum rule rule, const struct nc_yt_node *base,
		       const struct nc_yt_node *over, struct nc_yt_node **out)
{
	size_t nb, no;
	const struct nc_yt_node *b1, *o1;
	const struct nc_yt_node *const *bi = items_of(base, &nb, &b1), *const *oi = items_of(over, &no, &o1);
	struct nc_yt_node **v = nc_arena_calloc(m->a, nb + no + 1, sizeof(*v));
	_cleanup_free_ const char **ids = calloc(nb + no + 1, sizeof(*ids));
	struct nc_strbuf buf = NC_STRBUF_INIT;
	size_t n = 0;
	int r = 0;

	if (!v || !ids)
		return oom(m);
	for (size_t i = 0; i < nb + no && r == 0; i++) {
		const struct nc_yt_node *e = i < nb ? bi[i] : oi[i - nb];
		size_t at = n;
		identity(rule, e, &buf);
		if (!nc_strbuf_ok(&buf)) {
			r = oom(m);
			break;
		}
		if (rule != R_DEFAULT && buf.len)
			for (size_t k = 0; k < n; k++)
				if (ids[k] && !strcmp(ids[k], nc_strbuf_str(&buf)))
					at = k;
		if (at == n) {
			if (rule != R_DEFAULT && buf.len &&
			    !(ids[n] = nc_arena_strdup(m->a, nc_strbuf_str(&buf))))
				r = oom(m);
			n++;
		}
		v[at] = (struct nc_yt_node *)e;
	}
	nc_strbuf_free(&buf);
	if (r < 0)
		return r;
	if (!(*out = new_node(m, NC_YT_SEQ, over->mark)))
		return oom(m);
	(*out)->items = v;
	(*out)->n_items = n;
	return 0;
}

/*
 * environment and the like as a mapping: a list's `KEY=VALUE` is KEY:
 * "VALUE", a bare `KEY` is KEY: null (for extra_hosts, `HOST:IP` or
 * `HOST=IP`). A mapping is taken as it is.
 */
static int as_mapping(struct merger *m, enum rule rule, const struct nc_yt_node *n,
		      struct nc_yt_node **out)
{
	if (n->kind == NC_YT_MAP || n->kind != NC_YT_SEQ) {
		*out = (struct nc_yt_node *)n;
		return 0;
	}
	struct pairs p = { 0 };
	for (size_t i = 0; i < n->n_items; i++) {
		const struct nc_yt_node *e = n->items[i];
		if (e->kind != NC_YT_SCALAR) {
			/* Not ours to judge here: the loader says what is wrong. */
			*out = (struct nc_yt_node *)n;
			return 0;
		}
		const char *sep = strchr(e->text, '=');
		if (rule == R_HOSTS && !sep)
			sep = strchr(e->text, ':');
		size_t klen = sep ? (size_t)(sep - e->text) : e->len;
		struct nc_yt_node *k = new_scalar(m, e->text, klen, e->mark);
		struct nc_yt_node *v = sep ? new_scalar(m, sep + 1, e->len - klen - 1, e->mark)
					   : new_scalar(m, "", 0, e->mark);
		if (!k || !v)
			return oom(m);
		k->type = NC_YT_STR;
		if (sep) {
			v->type = NC_YT_STR;
			v->quoted = true;
		}
		int r = pairs_put(m, &p, k, v);
		if (r < 0)
			return r;
	}
	if (!(*out = pairs_node(m, &p, n->mark)))
		return oom(m);
	return 0;
}

/* depends_on: [a] is a: {condition: service_started}; networks: [a] is
 * a: null. */
static int names_as_mapping(struct merger *m, size_t depth, const struct nc_yt_node *n,
			    struct nc_yt_node **out)
{
	bool depends = !strcmp(m->path[depth - 1], "depends_on");

	if (n->kind != NC_YT_SEQ) {
		*out = (struct nc_yt_node *)n;
		return 0;
	}
	struct pairs p = { 0 };
	for (size_t i = 0; i < n->n_items; i++) {
		const struct nc_yt_node *e = n->items[i];
		struct nc_yt_node *v;
		if (e->kind != NC_YT_SCALAR) {
			*out = (struct nc_yt_node *)n;
			return 0;
		}
		if (depends) {
			struct pairs c = { 0 };
			struct nc_yt_node *ck = new_scalar(m, "condition", 9, e->mark);
			struct nc_yt_node *cv = new_scalar(m, "service_started", 15, e->mark);
			if (!ck || !cv || pairs_put(m, &c, ck, cv) < 0 || !(v = pairs_node(m, &c, e->mark)))
				return oom(m);
		} else if (!(v = new_scalar(m, "", 0, e->mark))) {
			return oom(m);
		}
		int r = pairs_put(m, &p, (struct nc_yt_node *)e, v);
		if (r < 0)
			return r;
	}
	if (!(*out = pairs_node(m, &p, n->mark)))
		return oom(m);
	return 0;
}

static int merge_value(struct merger *m, size_t depth, const struct nc_yt_node *base,
		       const struct nc_yt_node *over, struct nc_yt_node **out)
{
	enum rule rule = rule_at(m, depth);
	struct nc_yt_node *b2, *o2;
	int r;

	*out = (struct nc_yt_node *)over;
	if (++m->steps > MAX_STEPS)
		return nc_err_msg(m->err, EINVAL,
				  "merging the compose files takes more than %u steps (aliases that expand too much?)",
				  MAX_STEPS);
	if (over->tag == NC_YT_TAG_OVERRIDE || rule == R_REPLACE)
		return 0;
	/* `web:` with nothing under it in a later file changes nothing:
	 * removing is what !reset is for. */
	if (is_null(over) && base->kind == NC_YT_MAP)
		return (*out = (struct nc_yt_node *)base), 0;

	switch (rule) {
	case R_KV:
	case R_HOSTS:
		if ((r = as_mapping(m, rule, base, &b2)) < 0 || (r = as_mapping(m, rule, over, &o2)) < 0)
			return r;
		if (b2->kind == NC_YT_MAP && o2->kind == NC_YT_MAP)
			return merge_maps(m, depth, b2, o2, out);
		return 0;
	case R_LIST:
		if (base->kind == NC_YT_MAP || over->kind == NC_YT_MAP)
			return 0;
		return merge_lists(m, rule, base, over, out);
	case R_UNIQUE:
	case R_PORTS:
	case R_MOUNTS:
	case R_FILEREFS:
	case R_IPAM:
		if (base->kind == NC_YT_SEQ && over->kind == NC_YT_SEQ)
			return merge_lists(m, rule, base, over, out);
		return 0;
	case R_BYNAME:
		if (base->kind == NC_YT_SEQ && over->kind == NC_YT_SEQ)
			return merge_lists(m, R_UNIQUE, base, over, out);
		if ((r = names_as_mapping(m, depth, base, &b2)) < 0 ||
		    (r = names_as_mapping(m, depth, over, &o2)) < 0)
			return r;
		if (b2->kind == NC_YT_MAP && o2->kind == NC_YT_MAP)
			return merge_maps(m, depth, b2, o2, out);
		return 0;
	case R_BUILD:
		if (base->kind == NC_YT_SCALAR || over->kind == NC_YT_SCALAR) {
			struct pairs pb = { 0 }, po = { 0 };
			const struct nc_yt_node *src[2] = { base, over };
			struct pairs *dst[2] = { &pb, &po };
			struct nc_yt_node *res[2];
			for (size_t i = 0; i < 2; i++) {
				if (src[i]->kind != NC_YT_SCALAR) {
					res[i] = (struct nc_yt_node *)src[i];
					continue;
				}
				struct nc_yt_node *k = new_scalar(m, "context", 7, src[i]->mark);
				if (!k || (r = pairs_put(m, dst[i], k, (struct nc_yt_node *)src[i])) < 0 ||
				    !(res[i] = pairs_node(m, dst[i], src[i]->mark)))
					return oom(m);
			}
			if (res[0]->kind == NC_YT_MAP && res[1]->kind == NC_YT_MAP)
				return merge_maps(m, depth, res[0], res[1], out);
			return 0;
		}
		break;
	case R_LOGGING: {
		const struct nc_yt_node *db = nc_yt_get(base, "driver"), *dov = nc_yt_get(over, "driver");
		if (db && dov && db->kind == NC_YT_SCALAR && dov->kind == NC_YT_SCALAR &&
		    strcmp(db->text, dov->text))
			return 0;
		break;
	}
	case R_ULIMIT:
	case R_REPLACE:
	case R_DEFAULT:
		break;
	}
	if (base->kind == NC_YT_MAP && over->kind == NC_YT_MAP)
		return merge_maps(m, depth, base, over, out);
	if (base->kind == NC_YT_SEQ && over->kind == NC_YT_SEQ)
		return merge_lists(m, R_DEFAULT, base, over, out);
	return 0;
}

int nc_yt_merge(struct nc_arena *a, const struct nc_yt_node *base, const struct nc_yt_node *over,
		struct nc_yt_node **out, nc_err *err)
{
	struct merger m = { .a = a, .err = err };

	*out = NULL;
	if (!base || is_null(base))
		return (*out = (struct nc_yt_node *)over), 0;
	if (!over || is_null(over))
		return (*out = (struct nc_yt_node *)base), 0;
	if (base->kind != NC_YT_MAP || over->kind != NC_YT_MAP) {
		*out = (struct nc_yt_node *)over;
		return 0; /* the loader says what the top level should be */
	}
	return merge_maps(&m, 0, base, over, out);
}

int nc_yt_merge_service(struct nc_arena *a, const struct nc_yt_node *base,
			const struct nc_yt_node *over, struct nc_yt_node **out, nc_err *err)
{
	struct merger m = { .a = a, .err = err };

	m.path[0] = "services";
	m.path[1] = "*";
	return merge_value(&m, 2, base, over, out);
}

/* A generation for the walk: far above what interpolation's walks leave. */
#define STRIP_GEN 0x40000000u

static void strip(struct nc_yt_node *n)
{
	if (n->visit == STRIP_GEN)
		return;
	n->visit = STRIP_GEN;
	n->tag = NC_YT_TAG_NONE;
	if (n->kind == NC_YT_SEQ) {
		size_t k = 0;
		for (size_t i = 0; i < n->n_items; i++)
			if (n->items[i]->tag != NC_YT_TAG_RESET) {
				strip(n->items[i]);
				n->items[k++] = n->items[i];
			}
		n->n_items = k;
	} else if (n->kind == NC_YT_MAP) {
		size_t k = 0;
		for (size_t i = 0; i < n->n_pairs; i++)
			if (n->pairs[i].value->tag != NC_YT_TAG_RESET) {
				strip(n->pairs[i].value);
				n->pairs[k++] = n->pairs[i];
			}
		n->n_pairs = k;
	}
}

void nc_yt_strip_tags(struct nc_yt_node *root)
{
	if (root)
		strip(root);
}
