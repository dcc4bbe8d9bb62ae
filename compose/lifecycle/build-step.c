/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * COPY and ADD: each source, as the context walk finds it (never outside
 * the context, .dockerignore applied, symlinks copied as links), written
 * straight into a new layer under its destination, owned by root or by
 * --chown. ADD of a local tar archive (plain, gzip or zstd) writes the
 * archive's entries instead, each name checked (no `..`, no whiteout, no
 * device, a hard link only to an earlier entry); the image store's
 * extractor checks the layer again when it unpacks it. COPY --from takes the source from an earlier stage's
 * layers, merged as the container would see them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "compose/lifecycle/build-context.h"
#include "compose/lifecycle/build-internal.h"
#include "runtime/copy-tree.h"
#include "runtime/tar-write.h"
#include "runtime/user.h"

struct copy {
	struct nc_builder *b;
	const struct nc_df_step *step;
	struct nc_blayer_file *f;
	const char *dest;  /* cleaned, relative to the root ("." the root) */
	bool dest_dir;
	bool add;
	bool chown;
	uid_t uid;
	gid_t gid;
};

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* --chown: ids as they are; a name resolved in the stage's own
 * etc/passwd and etc/group (the image being built). */
static int parse_chown(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, struct copy *c)
{
	if (!step->chown)
		return 0;
	const char *s = step->chown, *colon = strchr(s, ':');
	size_t ul = colon ? (size_t)(colon - s) : strlen(s);
	if (all_digits(s, ul) && (!colon || all_digits(colon + 1, strlen(colon + 1)))) {
		unsigned long long u = strtoull(s, NULL, 10), g = colon ? strtoull(colon + 1, NULL, 10) : u;
		if (u > RT_ID_MAX || g > RT_ID_MAX)
			return nc_err_msg(b->err, EINVAL, "%s:%u: %s --chown=%s: an id is out of range", b->in->df_name,
					  step->in->line, nc_df_kind_name(step->in->kind), s);
		c->chown = true;
		c->uid = (uid_t)u;
		c->gid = (gid_t)g;
		return 0;
	}
	_cleanup_free_ char **dirs = NULL;
	size_t n = 0;
	int r = nc_bstage_lower(b, st, &dirs, &n);
	if (r == 0 && (r = nc_blayers_user((const char *const *)dirs, n, b->tmp, s, &c->uid, &c->gid, b->err)) < 0)
		nc_err_prefix(b->err, "%s:%u: %s --chown=%s", b->in->df_name, step->in->line,
			      nc_df_kind_name(step->in->kind), s);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	c->chown = r == 0;
	return r;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int target(struct copy *c, const char *match, const char *below, bool is_dir, char *out, size_t size)
{
	int n;
	if (*below)
		n = !strcmp(c->dest, ".") ? snprintf(out, size, "%s", below) : snprintf(out, size, "%s/%s", c->dest, below);
	else if (is_dir || !c->dest_dir)
		n = snprintf(out, size, "%s", c->dest);
	else
		n = !strcmp(c->dest, ".") ? snprintf(out, size, "%s", base_name(match))
					  : snprintf(out, size, "%s/%s", c->dest, base_name(match));
	if (n < 0 || (size_t)n >= size)
		return nc_err_msg(c->b->err, ENAMETOOLONG, "%s:%u: destination path too long", c->b->in->df_name,
				  c->step->in->line);
	return 0;
}

/* An archive by its first bytes, as Docker's ADD decides. */
static bool is_archive(int fd)
{
	unsigned char h[512];
	ssize_t n = pread(fd, h, sizeof(h), 0);
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return true;
	if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
		return true;
	return n == 512 && !memcmp(h + 257, "ustar", 5);
}

static int add_archive(struct copy *c, int fd, const char *src)
{
	struct nc_builder *b = c->b;
	struct rt_tar *t;
	const struct rt_tar_entry *e;
	/* What the archive has written so far: a hard link may only name one
	 * of those (as the store requires when it unpacks the layer), so a
	 * link to a path of the host or of the base image fails here, with
	 * the instruction's line, not at `up`. */
	struct nc_arena names = { 0 };
	struct nc_strmap seen = NC_STRMAP_INIT;
	int r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return nc_err_errno(b->err, errno, "ADD `%s`", src);
	if ((r = rt_tar_open(fd, &t, b->err)) < 0)
		return nc_err_prefix(b->err, "%s:%u: ADD `%s`", b->in->df_name, c->step->in->line, src);
	while ((r = rt_tar_next(t, &e, b->err)) > 0) {
		char name[4096], path[8192], link[8192];
		if (!nc_build_clean_path(e->path, name, sizeof(name))) {
			r = nc_err_msg(b->err, EINVAL, "%s:%u: ADD `%s`: entry `%s` climbs out of its directory (refused)",
				       b->in->df_name, c->step->in->line, src, e->path);
			break;
		}
		if (!strncmp(base_name(name), ".wh.", 4)) {
			r = nc_err_msg(b->err, EINVAL, "%s:%u: ADD `%s`: entry `%s` is a whiteout name (refused)",
				       b->in->df_name, c->step->in->line, src, e->path);
			break;
		}
		if (e->type == RT_TAR_CHAR || e->type == RT_TAR_BLOCK || e->type == RT_TAR_OTHER)
			continue; /* never a device in a layer (as the store) */
		if (!strcmp(name, "."))
			snprintf(path, sizeof(path), "%s", c->dest);
		else if (!strcmp(c->dest, "."))
			snprintf(path, sizeof(path), "%s", name);
		else
			snprintf(path, sizeof(path), "%s/%s", c->dest, name);
		struct rt_tar_entry o = *e;
		o.path = path;
		if (c->chown) {
			o.uid = c->uid;
			o.gid = c->gid;
		}
		if (e->type == RT_TAR_HARDLINK) {
			char lname[4096];
			if (!nc_build_clean_path(e->linkpath, lname, sizeof(lname))) {
				r = nc_err_msg(b->err, EINVAL, "%s:%u: ADD `%s`: link `%s` climbs out (refused)",
					       b->in->df_name, c->step->in->line, src, e->path);
				break;
			}
			size_t at;
			if (!nc_strmap_get(&seen, lname, strlen(lname), &at) || at == RT_TAR_DIR) {
				r = nc_err_msg(b->err, EINVAL,
					       "%s:%u: ADD `%s`: link `%s` names `%s`, which is no earlier file of the archive (refused)",
					       b->in->df_name, c->step->in->line, src, e->path, e->linkpath);
				break;
			}
			snprintf(link, sizeof(link), "%s%s%s", strcmp(c->dest, ".") ? c->dest : "",
				 strcmp(c->dest, ".") ? "/" : "", lname);
			o.linkpath = link;
		}
		const char *kept = nc_arena_strdup(&names, name);
		size_t type = (size_t)e->type;
		if (!kept || nc_strmap_put(&seen, kept, strlen(kept), &type) < 0) {
			r = nc_err_msg(b->err, ENOMEM, "ADD `%s`", src);
			break;
		}
		if (e->type != RT_TAR_FILE) {
			if ((r = rt_tarw_add(c->f->w, &o, -1, b->err)) < 0)
				break;
			continue;
		}
		/* The body comes through the reader, in pieces. */
		if ((r = rt_tarw_begin(c->f->w, &o, b->err)) < 0)
			break;
		uint64_t got = 0;
		char buf[65536];
		ssize_t n;
		while ((n = rt_tar_read(t, buf, sizeof(buf), b->err)) > 0) {
			if ((r = rt_tarw_write(c->f->w, buf, (size_t)n, b->err)) < 0)
				break;
			got += (uint64_t)n;
		}
		if (r < 0)
			break;
		if (n < 0 || got != e->size) {
			r = n < 0 ? (int)n : nc_err_msg(b->err, EIO, "ADD `%s`: entry `%s` is short", src, e->path);
			break;
		}
		if ((r = rt_tarw_end(c->f->w, e->size, b->err)) < 0)
			break;
	}
	rt_tar_free(t);
	nc_strmap_free(&seen);
	nc_arena_free(&names);
	return r < 0 ? r : 0;
}

static int visit(void *vctx, int pathfd, const struct stat *st, const char *match, const char *below, nc_err *err)
{
	struct copy *c = vctx;
	char path[8192], link[4096];

	if (S_ISREG(st->st_mode) && c->add && !*below) {
		struct stat st2;
		_cleanup_close_ int fd = nc_reopen_regular(pathfd, O_RDONLY | O_NOCTTY, &st2);
		if (fd < 0)
			return nc_err_errno(err, -fd, "read `%s` in the build context", match);
		if (is_archive(fd))
			return add_archive(c, fd, match);
	}
	if (target(c, match, below, S_ISDIR(st->st_mode), path, sizeof(path)) < 0)
		return nc_err_ret(err);
	struct rt_tar_entry e = { .path = path, .linkpath = "", .mode = st->st_mode & 07777,
				  .uid = c->chown ? c->uid : 0, .gid = c->chown ? c->gid : 0, .mtime = st->st_mtim };
	if (S_ISDIR(st->st_mode)) {
		if (!strcmp(path, "."))
			return 0;
		e.type = RT_TAR_DIR;
		return rt_tarw_add(c->f->w, &e, -1, err);
	}
	if (S_ISREG(st->st_mode)) {
		struct stat st2;
		_cleanup_close_ int fd = nc_reopen_regular(pathfd, O_RDONLY | O_NOCTTY, &st2);
		if (fd < 0)
			return nc_err_errno(err, -fd, "read `%s` in the build context", match);
		e.type = RT_TAR_FILE;
		e.size = (uint64_t)st2.st_size;
		return rt_tarw_add(c->f->w, &e, fd, err);
	}
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(pathfd, "", link, sizeof(link) - 1);
		if (n < 0)
			return nc_err_errno(err, errno, "readlink `%s` in the build context", match);
		link[n] = '\0';
		e.type = RT_TAR_SYMLINK;
		e.linkpath = link;
		return rt_tarw_add(c->f->w, &e, -1, err);
	}
	return 0; /* fifos, devices and sockets of the context are not copied */
}

/* --from: an earlier stage, or an image (a name or reference the image
 * store resolves as it does FROM's). */
static struct nc_bstage *from_stage(struct nc_builder *b, const struct nc_df_step *step)
{
	if (step->copy_from_stage >= 0)
		return &b->stages[step->copy_from_stage];
	struct nc_bstage *st = nc_bimage_base(b, step->copy_from);
	if (!st)
		nc_err_prefix(b->err, "%s:%u: %s --from=%s", b->in->df_name, step->in->line,
			      nc_df_kind_name(step->in->kind), step->copy_from);
	return st;
}

int nc_bstep_copy_content(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step,
			  char content[NC_SHA256_HEX_LEN + 1])
{
	struct nc_sha256 h;
	uint8_t d[NC_SHA256_LEN];
	(void)st;

	nc_sha256_init(&h);
	if (step->copy_from) {
		struct nc_bstage *src = from_stage(b, step);
		if (!src)
			return nc_err_ret(b->err);
		nc_sha256_update(&h, src->key, strlen(src->key));
	} else {
		for (size_t i = 0; i + 1 < step->n_words; i++) {
			char rel[4096], hex[NC_SHA256_HEX_LEN];
			size_t n;
			if (!nc_build_clean_path(step->words[i], rel, sizeof(rel)))
				return nc_err_msg(b->err, EINVAL, "%s:%u: `%s` is outside the build context",
						  b->in->df_name, step->in->line, step->words[i]);
			if (nc_ctx_digest(b->in->ctx_fd, &b->in->ignore, rel, hex, &n, b->err) < 0)
				return nc_err_prefix(b->err, "%s:%u", b->in->df_name, step->in->line);
			nc_sha256_update(&h, hex, strlen(hex) + 1);
		}
	}
	nc_sha256_final(&h, d);
	nc_sha256_hex(d, content);
	return 0;
}

static int copy_from_stage(struct copy *c, struct nc_bstage *src, const char *word)
{
	struct nc_builder *b = c->b;
	char rel[4096], parent[4096 + 1], tmp[PATH_MAX];
	_cleanup_free_ char **dirs = NULL;
	_cleanup_close_ int dfd = -1;
	size_t n = 0;
	int r;

	if (strpbrk(word, "*?["))
		return nc_err_msg(b->err, EINVAL, "%s:%u: COPY --from: `%s`: not supported yet: patterns in --from sources",
				  b->in->df_name, c->step->in->line, word);
	if (!nc_build_clean_path(word, rel, sizeof(rel)))
		return nc_err_msg(b->err, EINVAL, "%s:%u: COPY --from: `%s` climbs above the root", b->in->df_name,
				  c->step->in->line, word);
	const char *slash = strrchr(rel, '/');
	snprintf(parent, sizeof(parent), "/%.*s", slash ? (int)(slash - rel) : 0, rel);
	const char *base = !strcmp(rel, ".") ? "." : slash ? slash + 1 : rel;
	if (nc_pathf(tmp, sizeof(tmp), "%s/copy-XXXXXX", b->tmp) < 0 || !mkdtemp(tmp))
		return nc_err_errno(b->err, errno ? errno : ENAMETOOLONG, "build: temporary directory in `%s`", b->tmp);
	r = nc_bstage_lower(b, src, &dirs, &n);
	bool copied = false;
	if (r == 0 && (r = rt_copy_layers_in_root((const char *const *)dirs, n, strcmp(rel, ".") ? parent : "/", tmp,
						  &copied, b->err)) < 0)
		nc_err_prefix(b->err, "%s:%u: COPY --from", b->in->df_name, c->step->in->line);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	if (r < 0)
		goto out;
	dfd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = dfd < 0 ? -1 : openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (!copied || fd < 0 || fstat(fd, &st) < 0) {
		r = nc_err_msg(b->err, ENOENT, "%s:%u: COPY --from=%s: `%s` is not there", b->in->df_name,
			       c->step->in->line, c->step->copy_from, word);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		if (strcmp(c->dest, ".")) {
			struct rt_tar_entry e = { .type = RT_TAR_DIR, .path = c->dest, .linkpath = "",
						  .mode = st.st_mode & 07777, .uid = c->chown ? c->uid : st.st_uid,
						  .gid = c->chown ? c->gid : st.st_gid, .mtime = st.st_mtim };
			r = rt_tarw_add(c->f->w, &e, -1, b->err);
		}
		int dir = r < 0 ? -1 : openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r == 0 && dir < 0)
			r = nc_err_errno(b->err, errno, "build: open `%s`", word);
		if (r == 0) {
			struct rt_tarw_tree_opts o = { .prefix = strcmp(c->dest, ".") ? c->dest : "",
						       .chown = c->chown, .uid = c->uid, .gid = c->gid };
			r = rt_tarw_tree(c->f->w, dir, &o, b->err);
			close(dir);
		}
	} else {
		/* One entry, as the context walk gives it. */
		bool chown = c->chown;
		uid_t uid = c->uid;
		gid_t gid = c->gid;
		if (!chown) {
			c->chown = true;
			c->uid = st.st_uid;
			c->gid = st.st_gid;
		}
		r = visit(c, fd, &st, rel, "", b->err);
		c->chown = chown;
		c->uid = uid;
		c->gid = gid;
	}
	close(fd);
out:;
	nc_err ignored;
	(void)nc_rm_rf(tmp, &ignored);
	return r;
}

/* The destination through the stage's symlinks (/bin -> usr/bin on a
 * merged-/usr image): what is copied lands where the links lead, as in
 * the container, never as a directory entry over a link (which would
 * hide the whole of /bin). A file's own name is kept as written. */
static int dest_through_links(struct nc_builder *b, const struct nc_bstage *st, char *dest, size_t size, bool dir)
{
	_cleanup_free_ char **dirs = NULL;
	size_t n = 0;
	char parent[4096], real[4096];
	const char *name = NULL;
	int r;

	if (!strcmp(dest, "."))
		return 0;
	snprintf(parent, sizeof(parent), "%s", dest);
	if (!dir) {
		char *slash = strrchr(parent, '/');
		if (!slash)
			return 0; /* a file at the root: no link on its way */
		*slash = '\0';
		name = dest + (slash - parent) + 1;
	}
	if ((r = nc_bstage_lower(b, st, &dirs, &n)) < 0)
		return r;
	r = nc_blayers_realpath((const char *const *)dirs, n, parent, real, sizeof(real), b->err);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	if (r < 0)
		return r;
	int len = name ? (strcmp(real, ".") ? snprintf(parent, sizeof(parent), "%s/%s", real, name)
					    : snprintf(parent, sizeof(parent), "%s", name))
		       : snprintf(parent, sizeof(parent), "%s", real);
	if (len < 0 || (size_t)len >= size)
		return nc_err_msg(b->err, ENAMETOOLONG, "destination `/%s`: path too long", dest);
	memcpy(dest, parent, (size_t)len + 1);
	return 0;
}

int nc_bstep_copy(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, char digest[80],
		  uint64_t *size)
{
	struct nc_blayer_file f = { .fd = -1 };
	struct copy c = { .b = b, .step = step, .f = &f, .add = step->in->kind == NC_DF_ADD };
	char dest[4096], joined[8192];
	int r;

	if (step->n_words < 2)
		return nc_err_msg(b->err, EINVAL, "%s:%u: %s needs a source and a destination", b->in->df_name,
				  step->in->line, nc_df_kind_name(step->in->kind));
	if ((r = parse_chown(b, st, step, &c)) < 0)
		return r;
	const char *d = step->words[step->n_words - 1];
	const char *wd = st->cfg.working_dir && *st->cfg.working_dir ? st->cfg.working_dir : "/";
	snprintf(joined, sizeof(joined), "%s%s%s", d[0] == '/' ? "" : wd, d[0] == '/' ? "" : "/", d);
	if (!nc_build_clean_path(joined, dest, sizeof(dest)))
		return nc_err_msg(b->err, EINVAL, "%s:%u: destination `%s` climbs above the root", b->in->df_name,
				  step->in->line, d);
	c.dest = dest;
	c.dest_dir = d[strlen(d) - 1] == '/' || step->n_words > 2 || !strcmp(dest, ".");
	for (size_t i = 0; i + 1 < step->n_words; i++)
		c.dest_dir |= strpbrk(step->words[i], "*?[") != NULL;
	if (st->n_layers && dest_through_links(b, st, dest, sizeof(dest), c.dest_dir) < 0)
		return nc_err_prefix(b->err, "%s:%u: %s destination `%s`", b->in->df_name, step->in->line,
				     nc_df_kind_name(step->in->kind), d);
	if ((r = nc_blayer_begin(b, &f)) < 0)
		return r;
	char parents[4096];
	snprintf(parents, sizeof(parents), "%s", dest);
	if (!c.dest_dir) {
		char *slash = strrchr(parents, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(parents, sizeof(parents), ".");
	}
	if (strcmp(parents, ".") && (r = nc_blayer_parents(&f, parents, b->err)) < 0)
		goto fail;
	struct nc_bstage *src = step->copy_from ? from_stage(b, step) : NULL;
	if (step->copy_from && !src) {
		r = nc_err_ret(b->err);
		goto fail;
	}
	for (size_t i = 0; i + 1 < step->n_words; i++) {
		if (src) {
			r = copy_from_stage(&c, src, step->words[i]);
		} else {
			char rel[4096], hex[NC_SHA256_HEX_LEN];
			size_t n;
			if (!nc_build_clean_path(step->words[i], rel, sizeof(rel))) {
				r = nc_err_msg(b->err, EINVAL, "%s:%u: `%s` is outside the build context", b->in->df_name,
					       step->in->line, step->words[i]);
				goto fail;
			}
			r = nc_ctx_walk(b->in->ctx_fd, &b->in->ignore, rel, visit, &c, hex, &n, b->err);
			if (r < 0)
				nc_err_prefix(b->err, "%s:%u: %s `%s`", b->in->df_name, step->in->line,
					      nc_df_kind_name(step->in->kind), step->words[i]);
		}
		if (r < 0)
			goto fail;
	}
	return nc_blayer_commit(b, &f, digest, size);
fail:
	nc_blayer_abort(&f);
	return r;
}

int nc_bstep_workdir(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, char digest[80],
		     uint64_t *size)
{
	const char *wd = st->cfg.working_dir && *st->cfg.working_dir ? st->cfg.working_dir : "/";
	struct nc_blayer_file f = { .fd = -1 };
	_cleanup_free_ char **dirs = NULL;
	size_t n = 0;
	char rel[4096], pfx[4096];
	int r;

	if ((r = nc_bstage_lower(b, st, &dirs, &n)) < 0)
		return r;
	const char *const *lower = (const char *const *)dirs;
	/* Through the image's symlinks (/lib -> usr/lib): the directory is
	 * made where they lead, never over a link. */
	if ((r = nc_blayers_realpath(lower, n, wd, rel, sizeof(rel), b->err)) < 0)
		goto out;
	if ((r = nc_blayers_dir(lower, n, rel, b->err)) != 0) {
		r = r == 1 ? 0 : r; /* there: no layer */
		goto out;
	}
	if ((r = nc_blayer_begin(b, &f)) < 0)
		goto out;
	/* Each missing component, as `mkdir -p` makes it; the ones there
	 * keep their owner and mode (no entry for them). */
	size_t len = strlen(rel);
	for (size_t i = 1; i <= len && r == 0; i++) {
		if (i < len && rel[i] != '/')
			continue;
		memcpy(pfx, rel, i);
		pfx[i] = '\0';
		if ((r = nc_blayers_dir(lower, n, pfx, b->err)) < 0)
			break;
		if (r == 1) {
			r = 0;
			continue;
		}
		struct rt_tar_entry e = { .type = RT_TAR_DIR, .path = pfx, .linkpath = "", .mode = 0755 };
		r = rt_tarw_add(f.w, &e, -1, b->err);
	}
	if (r < 0) {
		nc_blayer_abort(&f);
		goto out;
	}
	if ((r = nc_blayer_commit(b, &f, digest, size)) == 0)
		r = 1;
out:
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	if (r < 0)
		nc_err_prefix(b->err, "%s:%u: WORKDIR %s", b->in->df_name, step->in->line, wd);
	return r;
}
