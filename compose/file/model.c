/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/yaml-tree.h"

void nc_model_free(struct nc_model *m)
{
	if (!m)
		return;
	nc_arena_free(&m->arena);
	free(m);
}

const struct nc_network *nc_model_network(const struct nc_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_networks; i++)
		if (!strcmp(m->networks[i].name, name))
			return &m->networks[i];
	return NULL;
}

void nc_check_what(const struct nc_check *c, char *buf, size_t size)
{
	if (c->set)
		snprintf(buf, size, "check %zu of set `%s`", c->index, c->set);
	else
		snprintf(buf, size, "check %zu", c->index);
}

const struct nc_service *nc_model_service(const struct nc_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_services; i++)
		if (!strcmp(m->services[i].name, name))
			return &m->services[i];
	return NULL;
}

const struct nc_file_obj *nc_model_file_obj(const struct nc_model *m, bool secret, const char *name)
{
	const struct nc_file_obj *v = secret ? m->secrets : m->configs;
	size_t n = secret ? m->n_secrets : m->n_configs;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

int nc_model_error(const struct nc_model *m, struct nc_mark mark, nc_err *err,
		   const char *fmt, ...)
{
	/* Formatted aside first: callers pass err->msg itself as an argument
	 * to re-anchor an earlier message at a place in the file. */
	char raw[NC_ERR_MSG_MAX], msg[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	nc_text_oneline(msg, sizeof(msg), raw);
	const char *path = mark.file ? mark.file : m && m->path ? m->path : "<input>";
	/* A synthesised element (the implicit `default` network) has no place. */
	if (mark.line == 0)
		return nc_err_msg(err, EINVAL, "%s: %s", path, msg);
	return nc_err_msg(err, EINVAL, "%s:%u:%u: %s", path, mark.line, mark.col, msg);
}

