/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RUN --mount (BuildKit's): a cache directory kept under the build cache
 * between builds, a file or directory of the build context (copied, then
 * bound; read-only unless rw), a tmpfs, or a secret of build.secrets. A
 * bind's source is walked beneath the context as COPY's are (never
 * through a symlink out of it, .dockerignore applied) and what it shows
 * goes into the step's cache key, so a changed requirements.txt runs the
 * RUN again. A cache's content never does: it is a cache, the project's
 * own (its directory and the step's cache key name the project).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/sha256.h"
#include "compose/file/dockerfile-mount.h"
#include "compose/lifecycle/build-context.h"
#include "compose/lifecycle/build-internal.h"
#include "runtime/runtime.h"

/* The --mount flags of a step, parsed (the parser checked them). */
static int each_mount(struct nc_builder *b, const struct nc_df_step *step, size_t *i, struct nc_df_mount *m)
{
	const struct nc_df_instr *in = step->in;
	for (; *i < in->n_flags; (*i)++) {
		if (strcmp(in->flags[*i].name, "mount"))
			continue;
		char why[256];
		if (nc_df_mount_parse(&b->a, in->flags[*i].value, m, why, sizeof(why)) < 0)
			return nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount=%s: %s", b->in->df_name, in->line,
					  in->flags[*i].value, why);
		(*i)++;
		return 1;
	}
	return 0;
}

/* A bind's source, cleaned, inside the context; the error names it. */
static int bind_source(struct nc_builder *b, const struct nc_df_step *step, const struct nc_df_mount *m,
		       char rel[4096])
{
	if (!nc_build_clean_path(m->source, rel, 4096))
		return nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount source `%s` is outside the build context `%s`",
				  b->in->df_name, step->in->line, m->source, b->in->dir);
	return 0;
}

int nc_bmount_content(struct nc_builder *b, const struct nc_df_step *step, char content[NC_SHA256_HEX_LEN + 1])
{
	struct nc_sha256 h;
	struct nc_df_mount m;
	size_t i = 0, binds = 0;
	int r;

	content[0] = '\0';
	nc_sha256_init(&h);
	while ((r = each_mount(b, step, &i, &m)) > 0) {
		if (m.type == NC_DF_MOUNT_CACHE) {
			/* The step cache is the machine's, the cache mounts are
			 * the project's: another project's RUN of the same line
			 * read other caches, and its layer is not this one's. */
			const char *project = b->model && b->model->project ? b->model->project : "";
			nc_sha256_update(&h, "cache-project", 14);
			nc_sha256_update(&h, project, strlen(project) + 1);
			binds++;
			continue;
		}
		if (m.type != NC_DF_MOUNT_BIND)
			continue;
		char rel[4096], hex[NC_SHA256_HEX_LEN];
		size_t n;
		nc_err e;
		if ((r = bind_source(b, step, &m, rel)) < 0)
			return r;
		if ((r = nc_ctx_digest(b->in->ctx_fd, &b->in->ignore, rel, hex, &n, &e)) < 0) {
			if (r == -EXDEV)
				return nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount source `%s` leads outside the build context `%s` through a symlink",
						  b->in->df_name, step->in->line, m.source, b->in->dir);
			if (r == -ENOENT)
				return nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount source `%s`: no such file in the build context `%s`%s",
						  b->in->df_name, step->in->line, m.source, b->in->dir,
						  nc_dockerignore_excludes(&b->in->ignore, rel) ? " (.dockerignore leaves it out)" : "");
			return nc_err_wrap(b->err, &e, "%s:%u: RUN --mount source `%s`", b->in->df_name, step->in->line,
					   m.source);
		}
		nc_sha256_update(&h, rel, strlen(rel) + 1);
		nc_sha256_update(&h, hex, strlen(hex) + 1);
		binds++;
	}
	if (r < 0)
		return r;
	if (binds) {
		uint8_t d[NC_SHA256_LEN];
		nc_sha256_final(&h, d);
		nc_sha256_hex(d, content);
	}
	return 0;
}

/* The target, absolute and cleaned; relative ones are below WORKDIR. */
static const char *target_of(struct nc_builder *b, const struct nc_bstage *st, const struct nc_df_step *step,
			     const char *target)
{
	const char *wd = st->cfg.working_dir && *st->cfg.working_dir ? st->cfg.working_dir : "/";
	char joined[8192], clean[4096];
	snprintf(joined, sizeof(joined), "%s/%s", target[0] == '/' ? "" : wd, target);
	if (!nc_build_clean_path(joined, clean, sizeof(clean)) || !strcmp(clean, ".")) {
		nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount target `%s`: a path below / is needed", b->in->df_name,
			   step->in->line, target);
		return NULL;
	}
	const char *t = nc_arena_printf(&b->a, "/%s", clean);
	if (!t)
		nc_err_msg(b->err, ENOMEM, "build");
	return t;
}

/* The cache's directory, made with its mode and owner the first time. */
static const char *cache_dir(struct nc_builder *b, const struct nc_df_mount *m, const char *target)
{
	struct nc_sha256 h;
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN], dir[PATH_MAX];
	const char *id = m->id && *m->id ? m->id : target;

	/* One project's caches are its own: another project's RUN (a
	 * Dockerfile somebody downloaded) must not read or poison them. */
	const char *project = b->model && b->model->project ? b->model->project : "";
	nc_sha256_init(&h);
	nc_sha256_update(&h, "cache-mount", 12);
	nc_sha256_update(&h, project, strlen(project) + 1);
	nc_sha256_update(&h, id, strlen(id) + 1);
	nc_sha256_final(&h, d);
	nc_sha256_hex(d, hex);
	if (nc_pathf(dir, sizeof(dir), "%s/mounts", b->cache) < 0 || nc_mkdir_p(dir, 0700, b->err) < 0 ||
	    nc_pathf(dir, sizeof(dir), "%s/mounts/%.32s", b->cache, hex) < 0) {
		nc_err_prefix(b->err, "RUN --mount=type=cache");
		return NULL;
	}
	if (mkdir(dir, 0700) == 0) {
		if (chown(dir, m->uid, m->gid) < 0 || chmod(dir, m->has_mode ? m->mode : 0755) < 0) {
			nc_err_errno(b->err, errno, "RUN --mount=type=cache: `%s`", dir);
			return NULL;
		}
	} else if (errno != EEXIST) {
		nc_err_errno(b->err, errno, "RUN --mount=type=cache: `%s`", dir);
		return NULL;
	}
	const char *s = nc_arena_strdup(&b->a, dir);
	if (!s)
		nc_err_msg(b->err, ENOMEM, "build");
	return s;
}

/* A bind's source copied out of the context into the RUN's own
 * directory, by the walk COPY uses (beneath the context, .dockerignore
 * applied, symlinks copied as links, never followed): the RUN binds our
 * private copy, so nothing that changes the context meanwhile (a
 * container writing into a bound project directory, swapping a directory
 * for a link to /) can change what it sees, and what it sees is what the
 * cache key covered. */
struct bind_copy {
	int dfd;          /* the RUN's directory */
	const char *name; /* "bind-N" in it */
};

static int copy_visit(void *vctx, int pathfd, const struct stat *st, const char *match, const char *below,
		      nc_err *err)
{
	const struct bind_copy *bc = vctx;
	char rel[8192], link[4096];
	mode_t mode = st->st_mode & 07777;

	if (snprintf(rel, sizeof(rel), "%s%s%s", bc->name, *below ? "/" : "", below) >= (int)sizeof(rel))
		return nc_err_msg(err, ENAMETOOLONG, "`%s/%s` in the build context", match, below);
	if (S_ISDIR(st->st_mode)) {
		if (mkdirat(bc->dfd, rel, 0700) < 0)
			return nc_err_errno(err, errno, "copy `%s/%s` of the build context", match, below);
		/* Its own mode once made: 0700 until then, whatever it says. */
		if (fchmodat(bc->dfd, rel, mode, 0) < 0)
			return nc_err_errno(err, errno, "copy `%s/%s` of the build context", match, below);
		return 0;
	}
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(pathfd, "", link, sizeof(link) - 1);
		if (n < 0)
			return nc_err_errno(err, errno, "readlink `%s/%s` in the build context", match, below);
		link[n] = '\0';
		if (symlinkat(link, bc->dfd, rel) < 0)
			return nc_err_errno(err, errno, "copy `%s/%s` of the build context", match, below);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return 0; /* fifos, devices and sockets: not copied, as by COPY */
	_cleanup_close_ int in = nc_reopen_regular(pathfd, O_RDONLY | O_NOCTTY, NULL);
	if (in < 0)
		return nc_err_errno(err, -in, "read `%s/%s` in the build context", match, below);
	_cleanup_close_ int out = openat(bc->dfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (out < 0)
		return nc_err_errno(err, errno, "copy `%s/%s` of the build context", match, below);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0)
				return nc_err_errno(err, errno, "copy `%s/%s` of the build context", match, below);
			done += w;
		}
	if (n < 0)
		return nc_err_errno(err, errno, "read `%s/%s` in the build context", match, below);
	if (fchmod(out, mode) < 0)
		return nc_err_errno(err, errno, "copy `%s/%s` of the build context", match, below);
	return 0;
}

static const char *bind_path(struct nc_builder *b, const struct nc_df_step *step, const struct nc_df_mount *m,
			     const char *tmp, size_t index)
{
	char rel[4096], hex[NC_SHA256_HEX_LEN], name[32];
	size_t n;
	if (bind_source(b, step, m, rel) < 0)
		return NULL;
	if (strcmp(rel, ".") && strpbrk(rel, "*?[")) {
		nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount source `%s`: a bind source is a path, not a pattern",
			   b->in->df_name, step->in->line, m->source);
		return NULL;
	}
	_cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		nc_err_errno(b->err, errno, "build: `%s`", tmp);
		return NULL;
	}
	snprintf(name, sizeof(name), "bind-%zu", index);
	struct bind_copy bc = { dfd, name };
	nc_err e;
	if (nc_ctx_walk(b->in->ctx_fd, &b->in->ignore, rel, copy_visit, &bc, hex, &n, &e) < 0) {
		nc_err_wrap(b->err, &e, "%s:%u: RUN --mount source `%s`", b->in->df_name, step->in->line, m->source);
		return NULL;
	}
	const char *s = nc_arena_printf(&b->a, "%s/%s", tmp, name);
	if (!s)
		nc_err_msg(b->err, ENOMEM, "build");
	return s;
}

/* The service's build.secrets entry whose id (target, else source) is `id`. */
static const struct nc_file_ref *build_secret(const struct nc_builder *b, const char *id)
{
	const struct nc_build *bd = &b->svc->build;
	for (size_t i = 0; i < bd->n_secrets; i++) {
		const struct nc_file_ref *r = &bd->secrets[i];
		if (!strcmp(r->target ? r->target : r->source, id))
			return r;
	}
	return NULL;
}

/* A secret's text: a file of the host (bound as it is: *path) or a
 * variable's value (*text). Neither reaches a layer or a cache key. */
static int secret_source(struct nc_builder *b, const struct nc_df_step *step, const struct nc_file_ref *ref,
			 const char **path, const char **text)
{
	const struct nc_file_obj *f = nc_model_file_obj(b->model, true, ref->source);
	*path = *text = NULL;
	if (!f)
		return nc_err_msg(b->err, EINVAL, "%s:%u: secret `%s`: no such secret in the file's top-level `secrets`",
				  b->in->df_name, step->in->line, ref->source);
	if (f->environment) {
		if (!(*text = getenv(f->environment)))
			return nc_err_msg(b->err, EINVAL, "%s:%u: secret `%s`: the variable `%s` is not set",
					  b->in->df_name, step->in->line, f->name, f->environment);
		return 0;
	}
	if (!f->file)
		return nc_err_msg(b->err, EINVAL, "%s:%u: secret `%s` has neither `file` nor `environment`",
				  b->in->df_name, step->in->line, f->name);
	const char *home = getenv("HOME");
	const char *p = f->file[0] == '/' ? nc_arena_strdup(&b->a, f->file)
			: f->file[0] == '~' && f->file[1] == '/' ? nc_arena_printf(&b->a, "%s%s", home ? home : "/root", f->file + 1)
			: nc_arena_printf(&b->a, "%s/%s", b->model->dir ? b->model->dir : ".", f->file);
	struct stat sb;
	if (!p)
		return nc_err_msg(b->err, ENOMEM, "build");
	if (stat(p, &sb) < 0)
		return nc_err_errno(b->err, errno, "%s:%u: secret `%s`: file `%s`", b->in->df_name, step->in->line,
				    f->name, p);
	if (!S_ISREG(sb.st_mode))
		return nc_err_msg(b->err, EINVAL, "%s:%u: secret `%s`: `%s` is not a regular file", b->in->df_name,
				  step->in->line, f->name, p);
	*path = p;
	return 0;
}

/* The text written into the RUN's own directory (removed after it),
 * readable by root only. */
static const char *secret_file(struct nc_builder *b, const char *tmp, const char *id, const char *text)
{
	struct nc_sha256 h;
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN];
	nc_sha256_init(&h);
	nc_sha256_update(&h, id, strlen(id)); /* one file per id, whatever the id holds */
	nc_sha256_final(&h, d);
	nc_sha256_hex(d, hex);
	const char *path = nc_arena_printf(&b->a, "%s/secret-%.16s", tmp, hex);
	if (!path) {
		nc_err_msg(b->err, ENOMEM, "build");
		return NULL;
	}
	if (nc_write_file_atomic(path, text, strlen(text), 0400, b->err) < 0) {
		nc_err_prefix(b->err, "build: secret `%s`", id);
		return NULL;
	}
	return path;
}

/* A secret mount: 1 with *o filled in, 0 when there is nothing to bind
 * (left out, or env= only). */
static int secret_mount(struct nc_builder *b, const struct nc_df_step *step, const struct nc_df_mount *m,
			const char *tmp, struct nc_strv *env, const char **source, const char **target)
{
	/* BuildKit's id: as given, else the target's last component. */
	const char *id = m->id;
	if (!id && m->target)
		id = strrchr(m->target, '/') ? strrchr(m->target, '/') + 1 : m->target;
	const struct nc_file_ref *ref = id && *id ? build_secret(b, id) : NULL;
	if (!ref) {
		if (m->required)
			return nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount=type=secret%s%s is required, but service `%s` has no such build secret (list it under build.secrets)",
					  b->in->df_name, step->in->line, id ? ",id=" : "", id ? id : "", b->svc->name);
		fprintf(b->out, "#%u RUN --mount=type=secret%s%s: service `%s` has no such build secret; the RUN goes on without it\n",
			b->step_no, id ? ",id=" : "", id ? id : "", b->svc->name);
		return 0;
	}
	const char *path, *text;
	int r = secret_source(b, step, ref, &path, &text);
	if (r < 0)
		return r;
	if (m->env) {
		const char *value = text;
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (!value) {
			if ((r = nc_read_file_bounded(path, 1u << 20, &buf, &len, b->err)) < 0)
				return r;
			value = buf;
		}
		const char *kv = nc_arena_printf(&b->a, "%s=%s", m->env, value);
		if (!kv || nc_strv_push(&b->a, env, kv) < 0)
			return nc_err_msg(b->err, ENOMEM, "build");
		if (!m->target)
			return 0; /* env= alone: no file, as BuildKit */
	}
	if (!path && !(path = secret_file(b, tmp, id, text)))
		return nc_err_ret(b->err);
	*source = path;
	*target = m->target ? m->target : nc_arena_printf(&b->a, "/run/secrets/%s", id);
	if (!*target)
		return nc_err_msg(b->err, ENOMEM, "build");
	return 1;
}

int nc_bmount_plan(struct nc_builder *b, const struct nc_bstage *st, const struct nc_df_step *step,
		   const char *tmp, struct nc_strv *env, struct rt_mount **mounts, size_t *n)
{
	struct nc_df_mount m;
	size_t i = 0, cap = 0;
	int r;

	*mounts = NULL;
	*n = 0;
	while ((r = each_mount(b, step, &i, &m)) > 0) {
		const char *secret = NULL;
		if (m.type == NC_DF_MOUNT_SSH) {
			if (m.required)
				return nc_err_msg(b->err, EINVAL, "%s:%u: RUN --mount=type=ssh is required, but ncompose builds have no SSH agent (build.ssh is not supported yet)",
						  b->in->df_name, step->in->line);
			fprintf(b->out, "#%u RUN --mount=type=ssh: ncompose builds have no SSH agent; the RUN goes on without it\n",
				b->step_no);
			continue;
		}
		if (m.type == NC_DF_MOUNT_SECRET) {
			const char *t = NULL;
			if ((r = secret_mount(b, step, &m, tmp, env, &secret, &t)) <= 0) {
				if (r < 0)
					return r;
				continue;
			}
			m.target = t;
		}
		const char *target = target_of(b, st, step, m.target);
		if (!target)
			return nc_err_ret(b->err);
		struct rt_mount *v = nc_arena_grow(&b->a, *mounts, sizeof(*v), &cap, *n + 1);
		if (!v)
			return nc_err_msg(b->err, ENOMEM, "build");
		*mounts = v;
		struct rt_mount *o = &v[(*n)++];
		*o = (struct rt_mount){ .target = target, .read_only = m.read_only };
		switch (m.type) {
		case NC_DF_MOUNT_CACHE:
			o->type = RT_MOUNT_BIND;
			o->source = cache_dir(b, &m, target);
			break;
		case NC_DF_MOUNT_BIND:
			/* A copy: `rw` writes go to it and are gone with the RUN. */
			o->type = RT_MOUNT_BIND;
			o->source = bind_path(b, step, &m, tmp, *n);
			break;
		case NC_DF_MOUNT_TMPFS:
			o->type = RT_MOUNT_TMPFS;
			o->size = m.size;
			o->exec = true;
			o->source = "tmpfs";
			break;
		case NC_DF_MOUNT_SECRET:
			o->type = RT_MOUNT_BIND;
			o->source = secret;
			o->read_only = true;
			break;
		default:
			break;
		}
		if (!o->source)
			return nc_err_ret(b->err);
	}
	return r;
}
