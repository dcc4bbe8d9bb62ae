/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/oneoff.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int nc_oneoff_name(const char *service, const char *id, char *out, size_t size)
{
	int n = snprintf(out, size, "%s-run-%s", service, id);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool nc_oneoff_of(const char *name, const char *service)
{
	size_t n = strlen(service);

	if (strncmp(name, service, n) || strncmp(name + n, "-run-", 5) || !name[n + 5])
		return false;
	for (const char *p = name + n + 5; *p; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	return true;
}

static size_t strv_len(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* A copy of `v` in the model's arena (the strings are copied too). */
static const char **strv_copy(struct nc_arena *a, const char *const *v, size_t n)
{
	const char **c = nc_arena_calloc(a, n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = nc_arena_strdup(a, v[i])))
			return NULL;
	return c;
}

/* -e K=V replaces the service's K, or adds it. */
static int set_env(struct nc_model *m, struct nc_service *s, const char *kv, nc_err *err)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	if (!klen)
		return nc_err_msg(err, EINVAL, "environment `%s`: no variable name before `=`", kv);
	char *key = nc_arena_strndup(&m->arena, kv, klen);
	char *value = eq ? nc_arena_strdup(&m->arena, eq + 1) : NULL;
	if (!key || (eq && !value))
		return nc_err_errno(err, ENOMEM, "environment `%s`", kv);
	/* A new array: the service's own is shared with the copy. */
	struct nc_kv *e = nc_arena_calloc(&m->arena, s->n_environment + 1, sizeof(*e));
	if (!e)
		return nc_err_errno(err, ENOMEM, "environment `%s`", kv);
	if (s->n_environment)
		memcpy(e, s->environment, s->n_environment * sizeof(*e));
	s->environment = e;
	for (size_t i = 0; i < s->n_environment; i++)
		if (!strcmp(e[i].key, key)) {
			e[i].value = value;
			return 0;
		}
	e[s->n_environment].key = key;
	e[s->n_environment].value = value;
	s->n_environment++;
	return 0;
}

/* The service's networks without what belongs to its own container. */
static int own_attachments(struct nc_model *m, struct nc_service *s, nc_err *err)
{
	if (!s->n_networks)
		return 0;
	struct nc_attach *a = nc_arena_calloc(&m->arena, s->n_networks, sizeof(*a));
	if (!a)
		return nc_err_errno(err, ENOMEM, "one-off of `%s`", s->name);
	memcpy(a, s->networks, s->n_networks * sizeof(*a));
	for (size_t i = 0; i < s->n_networks; i++) {
		memset(&a[i].ipv4_address, 0, sizeof(a[i].ipv4_address));
		memset(&a[i].ipv6_address, 0, sizeof(a[i].ipv6_address));
		a[i].mac_address = NULL;
		a[i].aliases = NULL;
		a[i].n_aliases = 0;
	}
	s->networks = a;
	return 0;
}

int nc_model_add_oneoff(struct nc_model *m, const char *service, const char *id,
			const struct nc_oneoff *o, const struct nc_service **out, nc_err *err)
{
	char name[256];
	const struct nc_service *orig = nc_model_service(m, service);

	if (!orig)
		return nc_err_msg(err, ENOENT, "no service `%s` in the file", service);
	if (!*id)
		return nc_err_msg(err, EINVAL, "one-off of `%s`: empty id", service);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p))
			return nc_err_msg(err, EINVAL, "one-off of `%s`: id `%s` is not letters and digits",
					  service, id);
	if (nc_oneoff_name(service, id, name, sizeof(name)) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "one-off of `%s`: name too long", service);
	if (nc_model_service(m, name))
		return nc_err_msg(err, EEXIST, "one-off `%s`: a service of that name exists", name);
	if (o->working_dir && o->working_dir[0] != '/')
		return nc_err_msg(err, EINVAL, "working directory `%s` is not absolute", o->working_dir);

	struct nc_service *v = nc_arena_calloc(&m->arena, m->n_services + 1, sizeof(*v));
	if (!v)
		return nc_err_errno(err, ENOMEM, "one-off of `%s`", service);
	memcpy(v, m->services, m->n_services * sizeof(*v));
	struct nc_service *s = &v[m->n_services];
	*s = *orig;
	if (!(s->name = nc_arena_strdup(&m->arena, name)))
		return nc_err_errno(err, ENOMEM, "one-off of `%s`", service);
	if (strv_len(o->command)) {
		s->n_command = strv_len(o->command);
		if (!(s->command = strv_copy(&m->arena, o->command, s->n_command)))
			return nc_err_errno(err, ENOMEM, "one-off of `%s`", service);
		s->has_command = true;
	}
	if (o->entrypoint) {
		s->n_entrypoint = strv_len(o->entrypoint);
		if (!(s->entrypoint = strv_copy(&m->arena, o->entrypoint, s->n_entrypoint)))
			return nc_err_errno(err, ENOMEM, "one-off of `%s`", service);
		s->has_entrypoint = true;
	}
	if (o->working_dir && !(s->working_dir = nc_arena_strdup(&m->arena, o->working_dir)))
		return nc_err_errno(err, ENOMEM, "one-off of `%s`", service);
	if (o->user && !(s->user = nc_arena_strdup(&m->arena, o->user)))
		return nc_err_errno(err, ENOMEM, "one-off of `%s`", service);
	int r;
	for (const char *const *e = o->env; e && *e; e++)
		if ((r = set_env(m, s, *e, err)) < 0)
			return r;
	if ((r = own_attachments(m, s, err)) < 0)
		return r;
	s->ports = NULL;
	s->n_ports = 0;
	s->container_name = NULL;
	s->profiles = NULL;
	s->n_profiles = 0;
	s->restart = NC_RESTART_NO;
	m->services = v;
	m->n_services++;
	*out = s;
	return 0;
}
