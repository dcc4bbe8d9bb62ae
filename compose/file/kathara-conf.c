/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lab.conf and lab.dep of a Kathará lab: text in, devices out. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/kathara.h"

#define OOM(err) nc_err_errno(err, ENOMEM, "read the Kathará lab")

void nc_kat_lab_free(struct nc_kat_lab *lab)
{
	nc_arena_free(&lab->arena);
	memset(lab, 0, sizeof(*lab));
}

static int warn(struct nc_kat_lab *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct nc_kat_lab *lab, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	const char **w = nc_arena_grow(&lab->arena, lab->warnings, sizeof(*w), &lab->cap_warnings,
				       lab->n_warnings + 1);
	if (!w)
		return -ENOMEM;
	lab->warnings = w;
	if (!(w[lab->n_warnings] = nc_arena_strdup(&lab->arena, buf)))
		return -ENOMEM;
	lab->n_warnings++;
	return 0;
}

/* Kathará's device names: lower case letters, digits, `_` (and `-`, which
 * some labs use). */
static bool device_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == '-';
}

bool nc_kat_device_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!device_char(*c))
			return false;
	return true;
}

struct nc_kat_device *nc_kat_device(struct nc_kat_lab *lab, const char *name, size_t len, unsigned line)
{
	for (size_t i = 0; i < lab->n_devices; i++)
		if (strlen(lab->devices[i].name) == len && !strncmp(lab->devices[i].name, name, len))
			return &lab->devices[i];
	struct nc_kat_device *d = nc_arena_grow(&lab->arena, lab->devices, sizeof(*d), &lab->cap_devices,
						lab->n_devices + 1);
	if (!d)
		return NULL;
	lab->devices = d;
	d = &lab->devices[lab->n_devices];
	memset(d, 0, sizeof(*d));
	if (!(d->name = nc_arena_strndup(&lab->arena, name, len)))
		return NULL;
	d->line = line;
	lab->n_devices++;
	return d;
}

/* A value: "text", 'text' or a bare word; quotes are dropped. Text after
 * the closing quote other than a comment is an error. */
static int unquote(struct nc_kat_lab *lab, const char *path, unsigned line, const char *v, size_t len,
		   const char **out, nc_err *err)
{
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len && (v[0] == '"' || v[0] == '\'')) {
		const char *end = memchr(v + 1, v[0], len - 1);
		if (!end)
			return nc_err_msg(err, EINVAL, "%s:%u: unterminated %c quote; close it on the same line", path,
					  line, v[0]);
		const char *rest = end + 1;
		while (rest < v + len && isspace((unsigned char)*rest))
			rest++;
		if (rest < v + len && *rest != '#')
			return nc_err_msg(err, EINVAL, "%s:%u: text after the closing quote: `%.*s`", path, line,
					  (int)(v + len - rest), rest);
		*out = nc_arena_strndup(&lab->arena, v + 1, (size_t)(end - v - 1));
	} else {
		/* A bare word ends at a comment. */
		const char *hash = memchr(v, '#', len);
		if (hash)
			len = (size_t)(hash - v);
		while (len && isspace((unsigned char)v[len - 1]))
			len--;
		*out = nc_arena_strndup(&lab->arena, v, len);
	}
	return *out ? 0 : OOM(err);
}

static int add_iface(struct nc_kat_lab *lab, struct nc_kat_device *d, const char *path, unsigned line,
		     unsigned index, const char *value, nc_err *err)
{
	for (size_t i = 0; i < d->n_ifaces; i++)
		if (d->ifaces[i].index == index)
			return nc_err_msg(err, EINVAL, "%s:%u: %s[%u] is given twice (line %u); one collision domain per interface",
					  path, line, d->name, index, d->ifaces[i].line);
	struct nc_kat_iface *f = nc_arena_grow(&lab->arena, d->ifaces, sizeof(*f), &d->cap_ifaces,
					       d->n_ifaces + 1);
	if (!f)
		return OOM(err);
	d->ifaces = f;
	f = &d->ifaces[d->n_ifaces];
	memset(f, 0, sizeof(*f));
	f->index = index;
	f->line = line;
	/* "CD/MAC" gives the interface's MAC address too. */
	const char *slash = strchr(value, '/');
	if (!(f->cd = slash ? nc_arena_strndup(&lab->arena, value, (size_t)(slash - value)) : value))
		return OOM(err);
	f->mac = slash ? slash + 1 : NULL;
	if (!*f->cd)
		return nc_err_msg(err, EINVAL, "%s:%u: %s[%u] names no collision domain", path, line, d->name, index);
	for (const char *c = f->cd; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			return nc_err_msg(err, EINVAL,
					  "%s:%u: collision domain `%s`: use letters, digits, `_`, `-` and `.`",
					  path, line, f->cd);
	d->n_ifaces++;
	return 0;
}

static int add_opt(struct nc_kat_lab *lab, struct nc_kat_device *d, const char *key, const char *value,
		   unsigned line)
{
	struct nc_kat_kv *o = nc_arena_grow(&lab->arena, d->opts, sizeof(*o), &d->cap_opts, d->n_opts + 1);
	if (!o)
		return -ENOMEM;
	d->opts = o;
	d->opts[d->n_opts++] = (struct nc_kat_kv){ key, value, line };
	return 0;
}

static bool truthy(const char *v)
{
	return !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes");
}

bool nc_kat_shell_ok(const char *v)
{
	if (v[0] != '/')
		return false;
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/._-", *c))
			return false;
	return true;
}

/* The keys translated into the compose file (kathara-emit.c); others
 * are kept and warned about. */
static const char *const known_opts[] = { "exec", "sysctl", "env", "port", "mem", "cpus", "num_terms", "shell" };

static int device_line(struct nc_kat_lab *lab, const char *path, unsigned line, const char *l,
		       size_t name_len, const char *arg, size_t arg_len, const char *value, nc_err *err)
{
	struct nc_kat_device *d = nc_kat_device(lab, l, name_len, line);
	const char *key;

	if (!d || !(key = nc_arena_strndup(&lab->arena, arg, arg_len)))
		return OOM(err);
	if (isdigit((unsigned char)key[0])) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(key, &end, 10);
		if (*end || errno || n > 1000)
			return nc_err_msg(err, EINVAL, "%s:%u: `%s[%s]`: an interface number is 0 to 1000", path,
					  line, d->name, key);
		return add_iface(lab, d, path, line, (unsigned)n, value, err);
	}
	if (!strcmp(key, "image")) {
		d->image = *value ? value : NULL;
		return 0;
	}
	if (!strcmp(key, "ipv6")) {
		d->ipv6 = truthy(value);
		d->ipv6_off = !d->ipv6;
		return 0;
	}
	if (!strcmp(key, "bridged")) {
		d->bridged = truthy(value);
		return 0;
	}
	bool known = false;
	for (size_t i = 0; i < sizeof(known_opts) / sizeof(known_opts[0]); i++)
		known |= !strcmp(key, known_opts[i]);
	int w = 0;
	if (!known)
		w = warn(lab, "%s:%u: `%s[%s]` is not translated; ignored", path, line, d->name, key);
	else if (!strcmp(key, "num_terms"))
		w = warn(lab, "%s:%u: `%s[num_terms]`: no terminal opens here; `ncompose exec %s bash` is one; ignored",
			 path, line, d->name, d->name);
	else if (!strcmp(key, "shell") && !nc_kat_shell_ok(value))
		w = warn(lab, "%s:%u: `%s[shell]`: `%s` is not an absolute path of a shell; the startup runs with bash",
			 path, line, d->name, value);
	if (w < 0)
		return OOM(err);
	return add_opt(lab, d, key, value, line) < 0 ? OOM(err) : 0;
}

static int conf_line(struct nc_kat_lab *lab, const char *path, unsigned line, const char *l, size_t len,
		     nc_err *err)
{
	const char *eq = memchr(l, '=', len);
	const char *value;
	int r;

	if (!eq)
		return nc_err_msg(err, EINVAL, "%s:%u: expected DEVICE[N]=DOMAIN, DEVICE[KEY]=VALUE or LAB_KEY=VALUE, got `%.*s`",
				  path, line, (int)len, l);
	size_t klen = (size_t)(eq - l);
	while (klen && isspace((unsigned char)l[klen - 1]))
		klen--;
	const char *v = eq + 1;
	while (v < l + len && isspace((unsigned char)*v))
		v++;
	if ((r = unquote(lab, path, line, v, (size_t)(l + len - v), &value, err)) < 0)
		return r;

	const char *br = memchr(l, '[', klen);
	if (!br) {
		/* Metadata: LAB_NAME, LAB_DESCRIPTION, LAB_VERSION, ... */
		const char *key = nc_arena_strndup(&lab->arena, l, klen);
		if (!key)
			return OOM(err);
		for (const char *c = key; *c; c++)
			if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_')
				return nc_err_msg(err, EINVAL, "%s:%u: `%s` is neither DEVICE[KEY] nor a LAB_ key", path,
						  line, key);
		if (strncmp(key, "LAB_", 4) && warn(lab, "%s:%u: `%s` is not a Kathará key; ignored", path, line, key) < 0)
			return OOM(err);
		struct nc_kat_kv *m = nc_arena_grow(&lab->arena, lab->meta, sizeof(*m), &lab->cap_meta, lab->n_meta + 1);
		if (!m)
			return OOM(err);
		lab->meta = m;
		lab->meta[lab->n_meta++] = (struct nc_kat_kv){ key, value, line };
		return 0;
	}
	size_t name_len = (size_t)(br - l);
	if (!name_len || l[klen - 1] != ']' || klen - name_len < 3)
		return nc_err_msg(err, EINVAL, "%s:%u: `%.*s`: expected DEVICE[KEY]", path, line, (int)klen, l);
	for (size_t i = 0; i < name_len; i++)
		if (!device_char(l[i]))
			return nc_err_msg(err, EINVAL,
					  "%s:%u: device name `%.*s`: use lower case letters, digits, `_` and `-`",
					  path, line, (int)name_len, l);
	const char *arg = br + 1;
	size_t arg_len = klen - name_len - 2;
	for (size_t i = 0; i < arg_len; i++)
		if (!isalnum((unsigned char)arg[i]) && arg[i] != '_')
			return nc_err_msg(err, EINVAL, "%s:%u: `%.*s`: the key in [] is a number or a word", path,
					  line, (int)klen, l);
	return device_line(lab, path, line, l, name_len, arg, arg_len, value, err);
}

static int cmp_iface(const void *a, const void *b)
{
	const struct nc_kat_iface *x = a, *y = b;
	return (x->index > y->index) - (x->index < y->index);
}

int nc_kat_parse_conf(struct nc_kat_lab *lab, const char *path, const char *text, size_t len, nc_err *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int r;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line++;
		const char *l = p;
		size_t n = (size_t)(e - p);
		p = nl ? nl + 1 : end;
		while (n && isspace((unsigned char)*l))
			l++, n--;
		while (n && isspace((unsigned char)l[n - 1]))
			n--;
		if (!n || *l == '#')
			continue;
		if ((r = conf_line(lab, path, line, l, n, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < lab->n_devices; i++)
		if (lab->devices[i].n_ifaces > 1)
			qsort(lab->devices[i].ifaces, lab->devices[i].n_ifaces, sizeof(struct nc_kat_iface), cmp_iface);
	return 0;
}

int nc_kat_parse_dep(struct nc_kat_lab *lab, const char *path, const char *text, size_t len, nc_err *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *l = p;
		line++;
		p = nl ? nl + 1 : end;
		const char *hash = memchr(l, '#', (size_t)(e - l));
		if (hash)
			e = hash;
		while (l < e && isspace((unsigned char)*l))
			l++;
		if (l == e)
			continue;
		const char *colon = memchr(l, ':', (size_t)(e - l));
		if (!colon)
			return nc_err_msg(err, EINVAL, "%s:%u: expected `DEVICE: DEVICE...`", path, line);
		size_t nl_ = (size_t)(colon - l);
		while (nl_ && isspace((unsigned char)l[nl_ - 1]))
			nl_--;
		struct nc_kat_device *d = NULL;
		for (size_t i = 0; i < lab->n_devices && !d; i++)
			if (strlen(lab->devices[i].name) == nl_ && !strncmp(lab->devices[i].name, l, nl_))
				d = &lab->devices[i];
		if (!d)
			return nc_err_msg(err, EINVAL, "%s:%u: `%.*s` is no device of lab.conf", path, line, (int)nl_, l);
		for (const char *w = colon + 1; w < e;) {
			while (w < e && isspace((unsigned char)*w))
				w++;
			const char *we = w;
			while (we < e && !isspace((unsigned char)*we))
				we++;
			if (we == w)
				break;
			const char *dep = NULL;
			for (size_t i = 0; i < lab->n_devices && !dep; i++)
				if (strlen(lab->devices[i].name) == (size_t)(we - w) &&
				    !strncmp(lab->devices[i].name, w, (size_t)(we - w)))
					dep = lab->devices[i].name;
			if (!dep)
				return nc_err_msg(err, EINVAL, "%s:%u: `%.*s` is no device of lab.conf", path, line,
						  (int)(we - w), w);
			const char **v = nc_arena_grow(&lab->arena, d->deps, sizeof(*v), &d->cap_deps, d->n_deps + 1);
			if (!v)
				return OOM(err);
			d->deps = v;
			d->deps[d->n_deps++] = dep;
			w = we;
		}
	}
	return 0;
}
