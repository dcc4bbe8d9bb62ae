/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Planning of a container's root filesystem and mounts: image, read_only,
 * privileged, domainname, volumes, tmpfs. */
#include "compose/plan/plan-container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/image-ref.h"
#include "common/strbuf.h"
#include "compose/file/interpolate.h"
#include "compose/plan/fsimage.h"
#include "runtime/image.h"

#define OOM(err) nc_err_errno(err, ENOMEM, "plan the lab")

static const char *host_home(const struct nc_plan_host *host)
{
	for (const char *const *e = host ? host->host_env : NULL; e && *e; e++)
		if (!strncmp(*e, "HOME=", 5))
			return *e + 5;
	return NULL;
}

/* A path of the file, made absolute: relative to the compose file's
 * directory, `~` the caller's home (as Compose). */
static const char *file_path(struct nc_plan *p, const struct nc_plan_host *host, const char *path)
{
	if (path[0] == '/')
		return nc_arena_strdup(&p->arena, path);
	if (path[0] == '~' && (path[1] == '/' || !path[1])) {
		const char *home = host_home(host);
		return nc_arena_printf(&p->arena, "%s%s", home ? home : "/root", path + 1);
	}
	const char *file = p->model->path ? p->model->path : "./x";
	const char *slash = strrchr(file, '/');
	/* The project directory when the files were merged (--project-directory). */
	_cleanup_free_ char *dir = p->model->dir ? strdup(p->model->dir)
				   : slash ? strndup(file, (size_t)(slash - file)) : strdup(".");
	if (!dir)
		return NULL;
	_cleanup_free_ char *real = realpath(dir[0] ? dir : "/", NULL);
	const char *base = real ? real : dir;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return nc_arena_printf(&p->arena, "%s/%s", strcmp(base, "/") ? base : "", path);
}

const char *nc_plan_file_path(struct nc_plan *p, const struct nc_plan_host *host, const char *path)
{
	return file_path(p, host, path);
}

/* Compose's rule: a path starts with `/`, `./`, `../` or `~/` (or is `.`,
 * `..`, `~`); anything else is an image name, even when a file or a
 * directory of that name happens to exist beside the compose file. */
static bool looks_like_path(const char *s)
{
	return s[0] == '/' || !strncmp(s, "./", 2) || !strncmp(s, "../", 3) || !strncmp(s, "~/", 2) ||
	       !strcmp(s, "~") || !strcmp(s, ".") || !strcmp(s, "..");
}

/* A regular file is a filesystem image when it starts as ext4 does,
 * else a tarball: by content, as a file's name promises nothing. */
static int probe_ext4(const char *path, bool *is_fs)
{
	unsigned char head[NC_EXT4_PROBE_SIZE];

	*is_fs = false;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return -1;
	*is_fs = nc_fsimage_is_ext4(head, (size_t)n);
	return 0;
}

static int plan_image(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
		      struct nc_plan_container *pc, nc_err *err)
{
	/* A build without `image:` is tagged PROJECT-SERVICE, Compose's name,
	 * and run from the store like a pulled image (compose/lifecycle/build.h). */
	char built[NC_IMAGE_REF_STRLEN];
	const char *image = s->image;
	if (!image && s->build.present) {
		snprintf(built, sizeof(built), "%s-%s", p->model->project, s->name);
		image = built;
	}
	if (!image)
		return 0;
	if (!looks_like_path(image)) {
		struct nc_image_ref ref;
		char canon[NC_IMAGE_REF_STRLEN];
		nc_err e;
		if (nc_image_ref_parse(image, &ref, &e) < 0)
			return nc_model_error(p->model, s->image_mark, err, "service `%s`: %s", s->name, e.msg);
		if (!(pc->image = nc_arena_strdup(&p->arena, nc_image_ref_str(&ref, canon))))
			return OOM(err);
		pc->image_is_registry = true;
		pc->platform = s->platform;
		pc->pull_policy = s->pull_policy ? s->pull_policy : "missing";
		return 0;
	}
	const char *path = file_path(p, host, s->image);
	if (!path)
		return OOM(err);
	struct stat st;
	if (stat(path, &st) < 0)
		return nc_model_error(p->model, s->image_mark, err, "service `%s`: image `%s` (%s): %s", s->name,
				      s->image, path, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return nc_model_error(p->model, s->image_mark, err,
				      "service `%s`: image `%s` is neither a directory nor a tarball", s->name, s->image);
	pc->image = path;
	if (S_ISREG(st.st_mode) && probe_ext4(path, &pc->image_is_fs) < 0)
		return nc_model_error(p->model, s->image_mark, err, "service `%s`: image `%s` (%s): %s", s->name,
				      s->image, path, strerror(errno));
	pc->image_is_tar = S_ISREG(st.st_mode) && !pc->image_is_fs;
	pc->image_is_oci_dir = S_ISDIR(st.st_mode) && rt_image_is_oci_dir(path);
	return 0;
}

static const struct nc_volume *named_volume(const struct nc_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_volumes; i++)
		if (!strcmp(m->volumes[i].name, name))
			return &m->volumes[i];
	return NULL;
}

/* tmpfs options beyond size and mode (the loader checked their names):
 * Docker mounts noexec unless told; uid=, gid= and nr_inodes= go to the
 * kernel as they are; the atime words become mount flags. suid and dev
 * are refused: every filesystem a container writes to is nosuid and nodev
 * (docs/decisions.md). */
static int tmpfs_options(struct nc_plan *p, const struct nc_service *s, const struct nc_mount *m,
			 struct nc_plan_mount *pm, nc_err *err)
{
	struct nc_strbuf data = NC_STRBUF_INIT;
	int r = 0;

	for (const char *o = m->options; o && *o && r == 0;) {
		size_t n = strcspn(o, ",");
		if (n == 4 && !strncmp(o, "exec", 4))
			pm->exec = true;
		else if (n == 6 && !strncmp(o, "noexec", 6))
			pm->exec = false;
		else if (n == 7 && !strncmp(o, "noatime", 7))
			pm->flags |= MS_NOATIME;
		else if (n == 8 && !strncmp(o, "relatime", 8))
			pm->flags |= MS_RELATIME;
		else if ((n == 4 && !strncmp(o, "suid", 4)) || (n == 3 && !strncmp(o, "dev", 3)))
			r = nc_model_error(p->model, m->mark, err,
					   "service `%s`: tmpfs `%s`: `%.*s` is refused: a container's tmpfs is always nosuid and nodev",
					   s->name, m->target, (int)n, o);
		else if (!strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4) || !strncmp(o, "nr_inodes=", 10))
			nc_strbuf_printf(&data, ",%.*s", (int)n, o);
		o += n + (o[n] == ',');
	}
	if (r == 0 && data.len && !(pm->data = nc_arena_strdup(&p->arena, data.s)))
		r = OOM(err);
	if (r == 0 && !nc_strbuf_ok(&data))
		r = OOM(err);
	nc_strbuf_free(&data);
	return r;
}

static int plan_mount(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
		      const struct nc_mount *m, struct nc_plan_mount *pm, nc_err *err)
{
	struct stat st;

	pm->target = m->target;
	pm->read_only = m->read_only;
	pm->nocopy = m->nocopy;
	switch (m->type) {
	case NC_MOUNT_BIND:
		pm->type = RT_MOUNT_BIND;
		pm->create = m->create_host_path;
		if (!(pm->source = file_path(p, host, m->source)))
			return OOM(err);
		if (!pm->create && stat(pm->source, &st) < 0)
			return nc_model_error(p->model, m->mark, err,
					      "service `%s`: bind source `%s` (%s): %s; create it, or let Compose's short syntax create it",
					      s->name, m->source, pm->source, strerror(errno));
		return 0;
	case NC_MOUNT_VOLUME: {
		pm->type = RT_MOUNT_BIND;
		pm->is_volume = true;
		pm->volume = m->source;
		const struct nc_volume *v = m->source ? named_volume(p->model, m->source) : NULL;
		pm->external = v && v->external;
		return 0;
	}
	case NC_MOUNT_TMPFS:
		pm->type = RT_MOUNT_TMPFS;
		pm->size = m->size > 0 ? (uint64_t)m->size : 0;
		pm->mode = m->mode;
		return tmpfs_options(p, s, m, pm, err);
	case NC_MOUNT_IMAGE:
		pm->type = RT_MOUNT_LOOP;
		pm->size = m->size > 0 ? (uint64_t)m->size : 0;
		if (!(pm->source = file_path(p, host, m->source)))
			return OOM(err);
		if (!pm->size && stat(pm->source, &st) < 0)
			return nc_model_error(p->model, m->mark, err,
					      "service `%s`: filesystem image `%s` does not exist; give its size to create it (`image: {size: 256m}`)",
					      s->name, m->source);
		return 0;
	}
	return nc_model_error(p->model, m->mark, err, "service `%s`: unknown mount type", s->name);
}

/* devices: the host's node, which must be one, bound at the container's
 * path (the same by default). */
static int plan_devices(struct nc_plan *p, const struct nc_service *s, struct nc_plan_container *pc, nc_err *err)
{
	if (!s->n_devices)
		return 0;
	if (!(pc->devices = nc_arena_calloc(&p->arena, s->n_devices, sizeof(*pc->devices))))
		return OOM(err);
	for (size_t i = 0; i < s->n_devices; i++) {
		const char *d = s->devices[i], *c1 = strchr(d, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *host = c1 ? nc_arena_strndup(&p->arena, d, (size_t)(c1 - d)) : d;
		const char *target = !c1 ? d : c2 ? nc_arena_strndup(&p->arena, c1 + 1, (size_t)(c2 - c1 - 1)) : c1 + 1;
		struct stat st;
		if (!host || !target)
			return OOM(err);
		if (stat(host, &st) < 0)
			return nc_model_error(p->model, s->device_marks[i], err, "service `%s`: device `%s`: %s",
					      s->name, host, strerror(errno));
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return nc_model_error(p->model, s->device_marks[i], err,
					      "service `%s`: `%s` is not a device node; mount files with `volumes`",
					      s->name, host);
		pc->devices[i] = (struct rt_bind_file){ host, target };
	}
	pc->n_devices = s->n_devices;
	return 0;
}

/* secrets (at /run/secrets/NAME unless a target says) and configs (at
 * /NAME): read-only binds of the file, or of the text written at up. */
static int plan_file_refs(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
			  bool secrets, struct nc_plan_mount *out, nc_err *err)
{
	const struct nc_file_ref *refs = secrets ? s->secrets : s->configs;
	size_t n = secrets ? s->n_secrets : s->n_configs;
	const char *what = secrets ? "secret" : "config";

	for (size_t i = 0; i < n; i++) {
		const struct nc_file_ref *r = &refs[i];
		const struct nc_file_obj *f = nc_model_file_obj(p->model, secrets, r->source);
		struct nc_plan_mount *pm = &out[i];
		if (!f)
			return nc_model_error(p->model, r->mark, err,
					      "service `%s`: no %s `%s` in the file's top-level `%ss`", s->name, what,
					      r->source, what);
		const char *t = r->target ? r->target : r->source;
		pm->target = t[0] == '/' ? nc_arena_strdup(&p->arena, t)
			     : secrets ? nc_arena_printf(&p->arena, "/run/secrets/%s", t)
				       : nc_arena_printf(&p->arena, "/%s", t);
		pm->type = RT_MOUNT_BIND;
		pm->read_only = true;
		if (!pm->target)
			return OOM(err);
		if (f->file) {
			struct stat st;
			if (!(pm->source = file_path(p, host, f->file)))
				return OOM(err);
			if (stat(pm->source, &st) < 0)
				return nc_model_error(p->model, f->mark, err, "%s `%s`: file `%s` (%s): %s", what, f->name,
						      f->file, pm->source, strerror(errno));
			if (!S_ISREG(st.st_mode))
				return nc_model_error(p->model, f->mark, err, "%s `%s`: `%s` is not a regular file", what,
						      f->name, pm->source);
			continue;
		}
		const char *text = f->content;
		if (f->environment && !(text = nc_lookup_envp(host ? (void *)host->host_env : NULL, f->environment)))
			return nc_model_error(p->model, f->mark, err, "%s `%s`: the variable `%s` is not set", what,
					      f->name, f->environment);
		if (!(pm->inline_data = nc_arena_strdup(&p->arena, text)) ||
		    !(pm->inline_name = nc_arena_printf(&p->arena, "%s-%s", what, f->name)))
			return OOM(err);
	}
	return 0;
}

int nc_plan_container_fs(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
			 struct nc_plan_container *pc, nc_err *err)
{
	int r;

	if ((r = plan_devices(p, s, pc, err)) < 0)
		return r;
	pc->shm_size = s->shm_size != NC_UNSET ? (uint64_t)s->shm_size : 0;

	if ((r = plan_image(p, s, host, pc, err)) < 0)
		return r;
	pc->read_only = s->read_only;
	pc->domainname = s->domainname;
	if (s->privileged) {
		/* Docker's --privileged: every capability, no seccomp filter. */
		pc->privileged = true;
		pc->seccomp_unconfined = true;
		pc->caps = rt_caps_held();
	}
	size_t n_fs = s->n_volumes + s->n_tmpfs;
	size_t n = n_fs + s->n_secrets + s->n_configs;
	if (!n)
		return 0;
	if (!(pc->mounts = nc_arena_calloc(&p->arena, n, sizeof(*pc->mounts))))
		return OOM(err);
	for (size_t i = 0; i < n_fs; i++) {
		const struct nc_mount *m = i < s->n_volumes ? &s->volumes[i] : &s->tmpfs[i - s->n_volumes];
		if ((r = plan_mount(p, s, host, m, &pc->mounts[i], err)) < 0)
			return r;
	}
	if ((r = plan_file_refs(p, s, host, true, pc->mounts + n_fs, err)) < 0 ||
	    (r = plan_file_refs(p, s, host, false, pc->mounts + n_fs + s->n_secrets, err)) < 0)
		return r;
	pc->n_mounts = n;
	return 0;
}
