/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image config blob, read with the project's JSON reader. The blob
 * came from an archive or a registry: every field is checked for its type
 * and its size before it is used.
 */
#include "runtime/image-config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/json-parse.h"

/* A JSON list of strings; NULL for a missing field or null. */
static int str_list(const struct nc_jv *cfg, const char *key, struct nc_arena *a, const char *const **out,
		    nc_err *err)
{
	const struct nc_jv *v = nc_jv_get(cfg, key);
	*out = NULL;
	if (!v || v->kind == NC_JV_NULL)
		return 0;
	/* Docker accepts a lone string for Entrypoint and Cmd in its API;
	 * a config written by hand may carry it. */
	if (v->kind == NC_JV_STRING) {
		const char **l = nc_arena_calloc(a, 2, sizeof(*l));
		if (!l)
			return nc_err_errno(err, ENOMEM, "config.%s", key);
		l[0] = v->s;
		*out = l;
		return 0;
	}
	if (v->kind != NC_JV_ARRAY)
		return nc_err_msg(err, EINVAL, "config.%s: not a list of strings", key);
	if (v->n > RT_IMAGE_CONFIG_MAX_ITEMS)
		return nc_err_msg(err, E2BIG, "config.%s: %zu entries (at most %u)", key, v->n,
				  RT_IMAGE_CONFIG_MAX_ITEMS);
	const char **l = nc_arena_calloc(a, v->n + 1, sizeof(*l));
	if (!l)
		return nc_err_errno(err, ENOMEM, "config.%s", key);
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i]->kind != NC_JV_STRING)
			return nc_err_msg(err, EINVAL, "config.%s[%zu]: not a string", key, i);
		l[i] = v->items[i]->s;
	}
	*out = l;
	return 0;
}

/* The keys of a JSON object ({"80/tcp": {}}), or KEY=VALUE of its string
 * values (labels). */
static int key_list(const struct nc_jv *cfg, const char *key, bool with_values, struct nc_arena *a,
		    const char *const **out, nc_err *err)
{
	const struct nc_jv *v = nc_jv_get(cfg, key);
	*out = NULL;
	if (!v || v->kind == NC_JV_NULL)
		return 0;
	if (v->kind != NC_JV_OBJECT)
		return nc_err_msg(err, EINVAL, "config.%s: not an object", key);
	if (v->n > RT_IMAGE_CONFIG_MAX_ITEMS)
		return nc_err_msg(err, E2BIG, "config.%s: %zu entries (at most %u)", key, v->n,
				  RT_IMAGE_CONFIG_MAX_ITEMS);
	const char **l = nc_arena_calloc(a, v->n + 1, sizeof(*l));
	if (!l)
		return nc_err_errno(err, ENOMEM, "config.%s", key);
	for (size_t i = 0; i < v->n; i++) {
		if (!v->keys[i][0])
			return nc_err_msg(err, EINVAL, "config.%s: an empty key", key);
		if (!with_values) {
			l[i] = v->keys[i];
			continue;
		}
		if (v->items[i]->kind != NC_JV_STRING)
			return nc_err_msg(err, EINVAL, "config.%s.%s: not a string", key, v->keys[i]);
		if (!(l[i] = nc_arena_printf(a, "%s=%s", v->keys[i], v->items[i]->s)))
			return nc_err_errno(err, ENOMEM, "config.%s", key);
	}
	*out = l;
	return 0;
}

static int str_field(const struct nc_jv *obj, const char *where, const char *key, const char **out, nc_err *err)
{
	const struct nc_jv *v = nc_jv_get(obj, key);
	*out = NULL;
	if (!v || v->kind == NC_JV_NULL)
		return 0;
	if (v->kind != NC_JV_STRING)
		return nc_err_msg(err, EINVAL, "%s.%s: not a string", where, key);
	*out = v->s;
	return 0;
}

/* A whole number in [0, max]; Go writes durations as nanoseconds. */
static int num_field(const struct nc_jv *obj, const char *key, int64_t max, int64_t *out, nc_err *err)
{
	const struct nc_jv *v = nc_jv_get(obj, key);
	*out = 0;
	if (!v || v->kind == NC_JV_NULL)
		return 0;
	if (v->kind != NC_JV_NUMBER)
		return nc_err_msg(err, EINVAL, "config.Healthcheck.%s: not a number", key);
	char *end;
	errno = 0;
	long long n = strtoll(v->s, &end, 10);
	if (errno || *end || n < 0 || n > max)
		return nc_err_msg(err, ERANGE, "config.Healthcheck.%s: `%s` is not a whole number from 0 to %lld",
				  key, v->s, (long long)max);
	*out = n;
	return 0;
}

static int health(const struct nc_jv *cfg, struct nc_arena *a, struct rt_image_health *h, nc_err *err)
{
	const struct nc_jv *v = nc_jv_get(cfg, "Healthcheck");
	int64_t retries;
	if (!v || v->kind == NC_JV_NULL)
		return 0;
	if (v->kind != NC_JV_OBJECT)
		return nc_err_msg(err, EINVAL, "config.Healthcheck: not an object");
	h->present = true;
	if (str_list(v, "Test", a, &h->test, err) < 0)
		return nc_err_prefix(err, "config.Healthcheck");
	if (num_field(v, "Interval", INT64_MAX, &h->interval_ns, err) < 0 ||
	    num_field(v, "Timeout", INT64_MAX, &h->timeout_ns, err) < 0 ||
	    num_field(v, "StartPeriod", INT64_MAX, &h->start_period_ns, err) < 0 ||
	    num_field(v, "Retries", INT_MAX, &retries, err) < 0)
		return nc_err_ret(err);
	h->retries = (int)retries;
	return 0;
}

int rt_image_config_parse(const char *text, struct nc_arena *a, struct rt_image_config *out, nc_err *err)
{
	struct nc_jv *doc;

	memset(out, 0, sizeof(*out));
	if (strlen(text) > RT_IMAGE_CONFIG_MAX_BYTES)
		return nc_err_msg(err, E2BIG, "image config: larger than %u bytes", RT_IMAGE_CONFIG_MAX_BYTES);
	if (nc_json_parse(text, a, &doc, err) < 0)
		return nc_err_prefix(err, "image config");
	if (doc->kind != NC_JV_OBJECT)
		return nc_err_msg(err, EINVAL, "image config: not a JSON object");
	const struct nc_jv *cfg = nc_jv_get(doc, "config");
	if (!cfg || cfg->kind == NC_JV_NULL)
		return 0;
	if (cfg->kind != NC_JV_OBJECT)
		return nc_err_msg(err, EINVAL, "image config: `config` is not an object");
	if (str_list(cfg, "Entrypoint", a, &out->entrypoint, err) < 0 ||
	    str_list(cfg, "Cmd", a, &out->cmd, err) < 0 || str_list(cfg, "Env", a, &out->env, err) < 0 ||
	    str_field(cfg, "config", "WorkingDir", &out->working_dir, err) < 0 ||
	    str_field(cfg, "config", "User", &out->user, err) < 0 ||
	    str_field(cfg, "config", "StopSignal", &out->stop_signal, err) < 0 ||
	    key_list(cfg, "Volumes", false, a, &out->volumes, err) < 0 ||
	    key_list(cfg, "ExposedPorts", false, a, &out->exposed, err) < 0 ||
	    key_list(cfg, "Labels", true, a, &out->labels, err) < 0 || health(cfg, a, &out->health, err) < 0)
		return nc_err_prefix(err, "image config");
	for (size_t i = 0; out->env && out->env[i]; i++) {
		const char *eq = strchr(out->env[i], '=');
		if (!eq || eq == out->env[i])
			return nc_err_msg(err, EINVAL, "image config: config.Env[%zu]: `%.64s` is not KEY=VALUE", i,
					  out->env[i]);
	}
	/* An absolute directory only: the runtime would refuse another. */
	if (out->working_dir && out->working_dir[0] && out->working_dir[0] != '/')
		return nc_err_msg(err, EINVAL, "image config: config.WorkingDir `%.256s` is not an absolute path",
				  out->working_dir);
	return 0;
}

int rt_image_config_path(const char *rootfs_dir, char *buf, size_t size)
{
	return nc_pathf(buf, size, "%s.config.json", rootfs_dir);
}

int rt_image_config_load(const char *rootfs_dir, struct nc_arena *a, struct rt_image_config *out, bool *found,
			 nc_err *err)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (rt_image_config_path(rootfs_dir, path, sizeof(path)) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image config of `%s`", rootfs_dir);
	int r = nc_read_file_bounded(path, RT_IMAGE_CONFIG_MAX_BYTES, &text, &len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (strlen(text) != len)
		return nc_err_msg(err, EINVAL, "`%s`: a NUL byte in the image config", path);
	if (rt_image_config_parse(text, a, out, err) < 0)
		return nc_err_prefix(err, "`%s`", path);
	*found = true;
	return 0;
}
