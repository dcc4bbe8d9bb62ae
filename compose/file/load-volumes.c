/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>.volumes, services.<s>.tmpfs and the top-level volumes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "compose/file/load.h"
#include "compose/file/units.h"

static bool is_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* Permission bits are octal whatever the YAML says: `mode: 1777` means
 * 01777, as chmod reads it. */
static bool parse_mode(const char *s, uint32_t *out)
{
	char *end;

	if (!strncmp(s, "0o", 2))
		s += 2;
	if (!*s || strspn(s, "01234567") != strlen(s))
		return false;
	unsigned long m = strtoul(s, &end, 8);
	if (m > 07777)
		return false;
	*out = (uint32_t)m;
	return true;
}

/* Docker's mode words after the second `:`. */
static int short_mode(struct nc_loader *ld, const struct nc_yt_node *key,
		      const struct nc_yt_node *it, const char *mode, struct nc_mount *mt)
{
	static const char *const known[] = { "ro",	 "rw",	      "z",	 "Z",	   "nocopy",
					     "consistent", "cached", "delegated", "private", "rprivate",
					     "shared",	   "rshared", "slave",	 "rslave" };
	char buf[128];

	if (strlen(mode) >= sizeof(buf))
		return nc_ld_fail_key(ld, key, it->mark, "`%s`: the mode is too long", it->text);
	strcpy(buf, mode);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < NC_ELEMENTSOF(known) && strcmp(known[i], w); i++)
			;
		if (i == NC_ELEMENTSOF(known))
			return nc_ld_fail_key(ld, key, it->mark,
					      "`%s`: `%s` is not a mount mode (ro, rw, z, Z, nocopy, a propagation)",
					      it->text, w);
		if (!strcmp(w, "ro"))
			mt->read_only = true;
		if (!strcmp(w, "nocopy"))
			mt->nocopy = true;
	}
	return 0;
}

/* "TARGET", "SOURCE:TARGET" or "SOURCE:TARGET:MODE"; a source that looks
 * like a path is a bind mount, anything else a named volume. */
static int short_volume(struct nc_loader *ld, const struct nc_yt_node *key,
			const struct nc_yt_node *it, struct nc_mount *mt)
{
	const char *t = it->text;
	const char *c1 = strchr(t, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	int r;

	if (!c1) {
		mt->type = NC_MOUNT_VOLUME;
		mt->target = nc_arena_strdup(ld->a, t);
	} else {
		mt->source = nc_arena_strndup(ld->a, t, (size_t)(c1 - t));
		mt->target = c2 ? nc_arena_strndup(ld->a, c1 + 1, (size_t)(c2 - c1 - 1))
				: nc_arena_strdup(ld->a, c1 + 1);
		if (!mt->source)
			return nc_ld_oom(ld);
		if (!*mt->source)
			return nc_ld_fail_key(ld, key, it->mark, "`%s`: the source before `:` is empty", t);
		mt->type = is_path(mt->source) ? NC_MOUNT_BIND : NC_MOUNT_VOLUME;
		mt->create_host_path = mt->type == NC_MOUNT_BIND;
		if (c2 && (r = short_mode(ld, key, it, c2 + 1, mt)) < 0)
			return r;
	}
	if (!mt->target)
		return nc_ld_oom(ld);
	return 0;
}

static int lv_type(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		   void *obj)
{
	static const char *const types[] = { "bind", "volume", "tmpfs", "image" };
	struct nc_mount *mt = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	for (size_t i = 0; i < NC_ELEMENTSOF(types); i++)
		if (!strcmp(s, types[i])) {
			mt->type = (enum nc_mount_type)(NC_MOUNT_BIND + (int)i);
			return 0;
		}
	return nc_ld_fail_key(ld, k, v->mark, "`%s` is not bind, volume, tmpfs or image", s);
}

static int lv_source(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	struct nc_mount *mt = obj;
	int r;

	if ((r = nc_ld_string(ld, k, v, &mt->source)) < 0)
		return r;
	if (!*mt->source)
		return nc_ld_fail_key(ld, k, v->mark, "the source is empty");
	return 0;
}

static int lv_target(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	struct nc_mount *mt = obj;
	return nc_ld_string(ld, k, v, &mt->target);
}

static int lv_read_only(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_mount *mt = obj;
	return nc_ld_bool(ld, k, v, &mt->read_only);
}

static int lv_size(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		   void *obj)
{
	struct nc_mount *mt = obj;
	return nc_ld_bytes(ld, k, v, &mt->size);
}

static int lv_mode(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		   void *obj)
{
	struct nc_mount *mt = obj;

	if (v->kind != NC_YT_SCALAR || (v->type != NC_YT_INT && v->type != NC_YT_STR))
		return nc_ld_type(ld, k, v, "octal permission bits such as 1777");
	if (!parse_mode(v->text, &mt->mode))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not octal permission bits such as 1777",
				      v->text);
	return 0;
}

static int lv_create_host_path(struct nc_loader *ld, const struct nc_yt_node *k,
			       const struct nc_yt_node *v, void *obj)
{
	struct nc_mount *mt = obj;
	return nc_ld_bool(ld, k, v, &mt->create_host_path);
}

static const struct nc_ld_key bind_keys[] = {
	{ "create_host_path", lv_create_host_path, 0 },
	{ "propagation", NULL, NC_LD_UNSUPPORTED },
	{ "selinux", NULL, NC_LD_UNSUPPORTED },
};
static const struct nc_ld_key tmpfs_keys[] = {
	{ "mode", lv_mode, 0 },
	{ "size", lv_size, 0 },
};
/* Lab addition: the size of a file-backed image created when missing. */
static const struct nc_ld_key image_keys[] = {
	{ "size", lv_size, 0 },
};
static int lv_nocopy(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_mount *mt = obj;
	return nc_ld_bool(ld, k, v, &mt->nocopy);
}

static const struct nc_ld_key volume_opt_keys[] = {
	{ "nocopy", lv_nocopy, 0 },
	{ "subpath", NULL, NC_LD_UNSUPPORTED },
};

static int sub_map(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		   void *obj, const struct nc_ld_key *tab, size_t n)
{
	const char *outer = ld->where;
	int r;

	if (!(ld->where = nc_arena_printf(ld->a, "`%s` of %s", k->text, outer)))
		return nc_ld_oom(ld);
	r = nc_ld_map(ld, k, v, tab, n, obj);
	ld->where = outer;
	return r;
}

static int lv_bind(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		   void *obj)
{
	return sub_map(ld, k, v, obj, bind_keys, NC_ELEMENTSOF(bind_keys));
}

static int lv_tmpfs(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	return sub_map(ld, k, v, obj, tmpfs_keys, NC_ELEMENTSOF(tmpfs_keys));
}

static int lv_image(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	return sub_map(ld, k, v, obj, image_keys, NC_ELEMENTSOF(image_keys));
}

static int lv_volume(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	return sub_map(ld, k, v, obj, volume_opt_keys, NC_ELEMENTSOF(volume_opt_keys));
}

static const struct nc_ld_key long_volume_keys[] = {
	{ "bind", lv_bind, 0 },		{ "consistency", NULL, NC_LD_UNSUPPORTED },
	{ "image", lv_image, 0 },	{ "read_only", lv_read_only, 0 },
	{ "source", lv_source, 0 },	{ "target", lv_target, 0 },
	{ "tmpfs", lv_tmpfs, 0 },	{ "type", lv_type, 0 },
	{ "volume", lv_volume, 0 },
};

/* What each type needs, and type-specific options under the right type. */
static int check_long(struct nc_loader *ld, const struct nc_yt_node *key,
		      const struct nc_yt_node *it, const struct nc_mount *mt)
{
	static const char *const sub[] = { "bind", "volume", "tmpfs", "image" };

	if (!mt->type)
		return nc_ld_fail_key(ld, key, it->mark, "an entry has no `type` (bind, volume, tmpfs or image)");
	if (!mt->target)
		return nc_ld_fail_key(ld, key, it->mark, "an entry has no `target`");
	if ((mt->type == NC_MOUNT_BIND || mt->type == NC_MOUNT_IMAGE) && !mt->source)
		return nc_ld_fail_key(ld, key, it->mark, "%s mount needs a `source`",
				      mt->type == NC_MOUNT_BIND ? "a bind" : "an image");
	if (mt->type == NC_MOUNT_TMPFS && mt->source)
		return nc_ld_fail_key(ld, key, it->mark, "a tmpfs mount takes no `source`");
	for (size_t i = 0; i < NC_ELEMENTSOF(sub); i++) {
		const struct nc_yt_node *opt = nc_yt_get(it, sub[i]);
		if (opt && (int)i != (int)mt->type - 1)
			return nc_ld_fail_key(ld, key, opt->mark, "`%s` options on a %s mount", sub[i],
					      sub[mt->type - 1]);
	}
	return 0;
}

NC_LD_READER(nc_svc_volumes)
{
	struct nc_service *s = obj;
	int r;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of mounts");
	if (!(s->volumes = nc_arena_calloc(ld->a, val->n_items ? val->n_items : 1, sizeof(*s->volumes))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		struct nc_mount *mt = &s->volumes[i];
		mt->mark = it->mark;
		if (it->kind == NC_YT_MAP) {
			const char *outer = ld->where;
			mt->create_host_path = true;
			if (!(ld->where = nc_arena_printf(ld->a, "a `volumes` entry of service `%s`", s->name)))
				return nc_ld_oom(ld);
			r = nc_ld_map(ld, key, it, long_volume_keys, NC_ELEMENTSOF(long_volume_keys), mt);
			ld->where = outer;
			if (r < 0 || (r = check_long(ld, key, it, mt)) < 0)
				return r;
		} else if (it->kind == NC_YT_SCALAR && it->type == NC_YT_STR) {
			if ((r = short_volume(ld, key, it, mt)) < 0)
				return r;
		} else {
			return nc_ld_type(ld, key, it, "a mount such as ./data:/data or a mapping");
		}
		if (mt->target[0] != '/')
			return nc_ld_fail_key(ld, key, it->mark, "the target `%s` is not an absolute path",
					      mt->target);
	}
	s->n_volumes = val->n_items;
	return 0;
}

/* "/run" or "/run:size=64m,mode=1777,noexec". */
static int tmpfs_entry(struct nc_loader *ld, const struct nc_yt_node *key,
		       const struct nc_yt_node *it, struct nc_mount *mt)
{
	static const char *const flags[] = { "ro", "rw", "exec", "noexec", "suid", "nosuid",
					     "dev", "nodev", "atime", "noatime", "relatime" };
	const char *colon = strchr(it->text, ':');
	struct nc_strbuf rest = NC_STRBUF_INIT;
	int r = 0;

	mt->type = NC_MOUNT_TMPFS;
	mt->mark = it->mark;
	mt->target = colon ? nc_arena_strndup(ld->a, it->text, (size_t)(colon - it->text))
			   : nc_arena_strdup(ld->a, it->text);
	if (!mt->target)
		return nc_ld_oom(ld);
	if (mt->target[0] != '/')
		return nc_ld_fail_key(ld, key, it->mark, "the target `%s` is not an absolute path",
				      mt->target);
	char *opts = colon ? strdup(colon + 1) : NULL;
	if (colon && !opts)
		return nc_ld_oom(ld);
	for (char *save = NULL, *w = opts ? strtok_r(opts, ",", &save) : NULL; w && r >= 0;
	     w = strtok_r(NULL, ",", &save)) {
		bool flag = false;
		for (size_t i = 0; i < NC_ELEMENTSOF(flags); i++)
			flag |= !strcmp(w, flags[i]);
		if (!strncmp(w, "size=", 5)) {
			if (nc_parse_bytes(w + 5, &mt->size) < 0)
				r = nc_ld_fail_key(ld, key, it->mark, "`%s` is not a size", w + 5);
		} else if (!strncmp(w, "mode=", 5)) {
			if (!parse_mode(w + 5, &mt->mode))
				r = nc_ld_fail_key(ld, key, it->mark, "`%s` is not octal permission bits",
						   w + 5);
		} else if (flag || !strncmp(w, "uid=", 4) || !strncmp(w, "gid=", 4) ||
			   !strncmp(w, "nr_inodes=", 10)) {
			if (!strcmp(w, "ro"))
				mt->read_only = true;
			nc_strbuf_printf(&rest, "%s%s", rest.len ? "," : "", w);
		} else {
			r = nc_ld_fail_key(ld, key, it->mark, "`%s` is not a tmpfs option", w);
		}
	}
	free(opts);
	if (r >= 0 && rest.len && !(mt->options = nc_arena_strdup(ld->a, rest.s)))
		r = nc_ld_oom(ld);
	if (r >= 0 && !nc_strbuf_ok(&rest))
		r = nc_ld_oom(ld);
	nc_strbuf_free(&rest);
	return r;
}

NC_LD_READER(nc_svc_tmpfs)
{
	struct nc_service *s = obj;
	bool one = val->kind == NC_YT_SCALAR;
	size_t n = one ? 1 : val->n_items;
	int r;

	if (val->kind == NC_YT_MAP || (one && val->type != NC_YT_STR))
		return nc_ld_type(ld, key, val, "a path or a list of paths");
	if (!(s->tmpfs = nc_arena_calloc(ld->a, n ? n : 1, sizeof(*s->tmpfs))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		const struct nc_yt_node *it = one ? val : val->items[i];
		if (it->kind != NC_YT_SCALAR || it->type != NC_YT_STR)
			return nc_ld_type(ld, key, it, "a path such as /run or /run:size=64m");
		if ((r = tmpfs_entry(ld, key, it, &s->tmpfs[i])) < 0)
			return r;
	}
	s->n_tmpfs = n;
	return 0;
}

static int vol_driver(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	const char *d;
	int r;

	(void)obj;
	if ((r = nc_ld_string(ld, k, v, &d)) < 0)
		return r;
	if (strcmp(d, "local"))
		return nc_ld_fail_key(ld, k, v->mark, "driver `%s` is not supported; only `local`", d);
	return 0;
}

static int vol_external(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_volume *vol = obj;
	return nc_ld_bool(ld, k, v, &vol->external);
}

static int vol_labels(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_volume *vol = obj;
	return nc_ld_kvs(ld, k, v, false, &vol->labels, &vol->n_labels);
}

static const struct nc_ld_key volume_keys[] = {
	{ "driver", vol_driver, 0 },	      { "driver_opts", NULL, NC_LD_UNSUPPORTED },
	{ "external", vol_external, 0 },      { "labels", vol_labels, 0 },
	{ "name", NULL, NC_LD_UNSUPPORTED },
};

int nc_load_volumes(struct nc_loader *ld, const struct nc_yt_node *key,
		    const struct nc_yt_node *val)
{
	struct nc_model *m = ld->m;
	int r;

	if (val->kind == NC_YT_SCALAR && val->type == NC_YT_NULL)
		return 0;
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a mapping of volume names");
	if (!(m->volumes = nc_arena_calloc(ld->a, val->n_pairs ? val->n_pairs : 1, sizeof(*m->volumes))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_pairs; i++) {
		const struct nc_yt_node *k = val->pairs[i].key, *v = val->pairs[i].value;
		struct nc_volume *vol = &m->volumes[m->n_volumes];

		int rn = nc_ld_entry_name(ld, k, "volume", &vol->name);
		if (rn > 0)
			continue;
		if (rn < 0)
			return rn;
		vol->mark = k->mark;
		if (!(v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL)) {
			const char *outer = ld->where;
			if (!(ld->where = nc_arena_printf(ld->a, "volume `%s`", vol->name)))
				return nc_ld_oom(ld);
			r = nc_ld_map(ld, k, v, volume_keys, NC_ELEMENTSOF(volume_keys), vol);
			ld->where = outer;
			if (r < 0)
				return r;
		}
		m->n_volumes++;
	}
	return 0;
}
