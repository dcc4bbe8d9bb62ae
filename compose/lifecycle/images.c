/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700 /* nftw */
#include "compose/lifecycle/images.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/image-ref.h"
#include "common/json-parse.h"
#include "common/sha256.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/state.h"

#define HEX_LEN 64

static bool is_hex64(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == HEX_LEN;
}

int nc_images_lock(const struct nc_paths *paths, bool exclusive, int *fd, nc_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];

	*fd = -1;
	if (nc_pathf(dir, sizeof(dir), "%s/images", paths->lib_dir) < 0 ||
	    nc_pathf(path, sizeof(path), "%s/.lock", dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store under `%s`", paths->lib_dir);
	if (nc_private_dir(paths->lib_dir, 0710, err) < 0 || nc_private_dir(dir, 0700, err) < 0)
		return nc_err_prefix(err, "image store");
	int f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0)
		return nc_err_errno(err, errno, "image store lock `%s`", path);
	while (flock(f, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(f);
		return nc_err_errno(err, e, "image store lock `%s`", path);
	}
	*fd = f;
	return 0;
}

/* ---- sizes ------------------------------------------------------------ */

static uint64_t walk_bytes;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode))
		walk_bytes += (uint64_t)st->st_size;
	return 0;
}

static uint64_t tree_size(const char *path)
{
	walk_bytes = 0;
	(void)nftw(path, add_size, 32, FTW_PHYS | FTW_MOUNT);
	return walk_bytes;
}

/* The bytes of a store entry: of its layers (images/layers/HEX, listed
 * in ENTRY/.ncompose-layers) when it has them, else its own tree (an
 * entry flattened by an older version). A layer shared by several images
 * counts in each one's size, as in `docker images`. */
static uint64_t entry_size(const char *root)
{
	char list[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	nc_err ignored;

	if (nc_pathf(list, sizeof(list), "%s/.ncompose-layers", root) < 0 ||
	    nc_read_file(list, &text, &len, &ignored) < 0)
		return tree_size(root);
	const char *slash = strrchr(root, '/');
	uint64_t sum = 0;
	if (!slash)
		return tree_size(root);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char layer[PATH_MAX];
		if (is_hex64(line) && nc_pathf(layer, sizeof(layer), "%.*s/layers/%s", (int)(slash - root), root, line) == 0)
			sum += tree_size(layer);
	}
	return sum;
}

/* ---- the list --------------------------------------------------------- */

static void image_free(struct nc_stored_image *im)
{
	free(im->id);
	free(im->name);
	free(im->layout);
	free(im->root);
	nc_strv_freep(&im->users);
}

void nc_image_list_free(struct nc_image_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		image_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct nc_stored_image *image_add(struct nc_image_list *l)
{
	struct nc_stored_image *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof(v[l->n]));
	return &v[l->n++];
}

/* The unpacked root of a pulled reference's layout: images/oci-<sha256
 * of its index.json>, as rt_image_unpack_oci_dir names it. */
static int ref_entry(const struct nc_paths *paths, const char *refs, const char *hex,
		     struct nc_stored_image *im, nc_err *err)
{
	char path[PATH_MAX];
	_cleanup_free_ char *index = NULL;
	size_t len;

	if (!(im->id = strdup(hex)) || asprintf(&im->layout, "%s/%s", refs, hex) < 0)
		return nc_err_errno(err, ENOMEM, "image store");
	if (nc_pathf(path, sizeof(path), "%s/index.json", im->layout) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store");
	if (nc_read_file(path, &index, &len, err) < 0)
		return nc_err_ret(err);
	uint8_t d[NC_SHA256_LEN];
	char ihex[NC_SHA256_HEX_LEN];
	nc_sha256(index, len, d);
	nc_sha256_hex(d, ihex);
	char root[PATH_MAX];
	struct stat st;
	if (nc_pathf(root, sizeof(root), "%s/images/oci-%s", paths->lib_dir, ihex) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store");
	if (stat(root, &st) == 0 && !(im->root = strdup(root)))
		return nc_err_errno(err, ENOMEM, "image store");
	/* Our own index (registry-pull.c): one manifest, named. */
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	struct nc_jv *doc;
	if (nc_json_parse(index, &a, &doc, err) == 0) {
		const struct nc_jv *m = nc_jv_get(doc, "manifests");
		if (m && m->kind == NC_JV_ARRAY && m->n > 0) {
			const char *name = nc_jv_str(nc_jv_get(m->items[0], "annotations"),
						     "org.opencontainers.image.ref.name");
			if (name && !(im->name = strdup(name)))
				return nc_err_errno(err, ENOMEM, "image store");
		}
	}
	char blobs[PATH_MAX];
	if (nc_pathf(blobs, sizeof(blobs), "%s/blobs", im->layout) == 0)
		im->size = tree_size(blobs);
	if (im->root)
		im->size += entry_size(im->root);
	return 0;
}

static int list_refs(const struct nc_paths *paths, struct nc_image_list *l, nc_err *err)
{
	char refs[PATH_MAX];

	if (nc_pathf(refs, sizeof(refs), "%s/registry/refs", paths->lib_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store");
	_cleanup_(nc_closedirp) DIR *d = opendir(refs);
	if (!d)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "image store `%s`", refs);
	for (struct dirent *de; (de = readdir(d));) {
		if (!is_hex64(de->d_name))
			continue; /* ., .., .tmp- of a pull under way */
		struct nc_stored_image *im = image_add(l);
		if (!im)
			return nc_err_errno(err, ENOMEM, "image store");
		if (ref_entry(paths, refs, de->d_name, im, err) < 0) {
			if (err->errnum != ENOENT)
				return nc_err_ret(err);
			image_free(im); /* a layout a crash left without its index */
			l->n--;
		}
	}
	return 0;
}

static bool claimed(const struct nc_image_list *l, const char *root)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].root && !strcmp(l->v[i].root, root))
			return true;
	return false;
}

/* Unpacked entries no reference claims: local tarballs and layouts. */
static int list_local(const struct nc_paths *paths, struct nc_image_list *l, nc_err *err)
{
	char dir[PATH_MAX];

	if (nc_pathf(dir, sizeof(dir), "%s/images", paths->lib_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store");
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "image store `%s`", dir);
	for (struct dirent *de; (de = readdir(d));) {
		const char *hex = !strncmp(de->d_name, "oci-", 4) ? de->d_name + 4 : de->d_name;
		if (!is_hex64(hex))
			continue; /* ., .., .hints, .lock, .tmp- */
		char root[PATH_MAX];
		if (nc_pathf(root, sizeof(root), "%s/%s", dir, de->d_name) < 0 || claimed(l, root))
			continue;
		struct nc_stored_image *im = image_add(l);
		if (!im || !(im->id = strdup(hex)) || !(im->root = strdup(root)))
			return nc_err_errno(err, ENOMEM, "image store");
		im->size = entry_size(root);
	}
	return 0;
}

static int user_add(struct nc_stored_image *im, const char *project, const char *service)
{
	char **v = realloc(im->users, (im->n_users + 2) * sizeof(char *));
	if (!v)
		return -ENOMEM;
	im->users = v;
	if (asprintf(&v[im->n_users], "%s/%s", project, service) < 0)
		return -ENOMEM;
	v[++im->n_users] = NULL;
	return 0;
}

/* One container's NC_IMAGE_USE_FILE: each line a store path. */
static int users_of(struct nc_image_list *l, const char *file, const char *project, const char *service)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	nc_err ignored;

	if (nc_read_file(file, &text, &len, &ignored) < 0)
		return 0; /* no image from the store, or gone meanwhile */
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < l->n; i++) {
			struct nc_stored_image *im = &l->v[i];
			if (!((im->root && !strcmp(im->root, line)) || (im->layout && !strcmp(im->layout, line))))
				continue;
			bool dup = false;
			char who[PATH_MAX];
			snprintf(who, sizeof(who), "%s/%s", project, service);
			for (size_t k = 0; k < im->n_users; k++)
				dup |= !strcmp(im->users[k], who);
			if (!dup && user_add(im, project, service) < 0)
				return -ENOMEM;
		}
	return 0;
}

/* A container made before containers named their store paths: its record
 * says only the image as the file wrote it. A reference keeps the image
 * of that name; a path keeps every untagged image (which one it is would
 * take hashing the file): over-keeping is the safe side. */
static int users_of_record(struct nc_image_list *l, const char *record, const char *project,
			   const char *service)
{
	struct nc_records rec;
	nc_err ignored;
	int r = 0;

	if (nc_records_read_file(record, &rec, &ignored) < 0)
		return 0;
	const char *image = NULL;
	for (size_t i = 0; i < rec.n; i++)
		if (rec.v[i].n >= 2 && !strcmp(rec.v[i].f[0], NC_C_IMAGE))
			image = rec.v[i].f[1];
	struct nc_image_ref ref;
	char canon[NC_IMAGE_REF_STRLEN] = "";
	bool path = image && (image[0] == '/' || image[0] == '.' || image[0] == '~');
	if (image && !path && nc_image_ref_parse(image, &ref, &ignored) == 0)
		nc_image_ref_str(&ref, canon);
	for (size_t i = 0; image && i < l->n && r == 0; i++) {
		struct nc_stored_image *im = &l->v[i];
		if (path ? im->name == NULL : (im->name && !strcmp(im->name, canon)))
			r = user_add(im, project, service);
	}
	nc_records_free(&rec);
	return r;
}

/* Every container directory of every project that has a state. */
static int list_users(const struct nc_paths *paths, struct nc_image_list *l, nc_err *err)
{
	_cleanup_(nc_closedirp) DIR *d = opendir(paths->state_root);
	if (!d)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "state directory `%s`", paths->state_root);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char cdir[PATH_MAX];
		if (nc_pathf(cdir, sizeof(cdir), "%s/%s/containers", paths->state_root, de->d_name) < 0)
			continue;
		_cleanup_(nc_closedirp) DIR *c = opendir(cdir);
		if (!c)
			continue;
		for (struct dirent *ce; (ce = readdir(c));) {
			char file[PATH_MAX];
			if (ce->d_name[0] == '.' ||
			    nc_pathf(file, sizeof(file), "%s/%s/" NC_IMAGE_USE_FILE, cdir, ce->d_name) < 0)
				continue;
			struct stat st;
			int r;
			if (stat(file, &st) == 0) {
				r = users_of(l, file, de->d_name, ce->d_name);
			} else {
				char record[PATH_MAX];
				if (nc_pathf(record, sizeof(record), "%s/%s/record", cdir, ce->d_name) < 0)
					continue;
				r = users_of_record(l, record, de->d_name, ce->d_name);
			}
			if (r < 0)
				return nc_err_errno(err, ENOMEM, "image store");
		}
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct nc_stored_image *x = a, *y = b;
	if (!x->name != !y->name)
		return x->name ? -1 : 1;
	return x->name ? strcmp(x->name, y->name) : strcmp(x->id, y->id);
}

static int count_orphans(const struct nc_paths *paths, struct nc_image_list *l)
{
	char dir[PATH_MAX];
	if (nc_pathf(dir, sizeof(dir), "%s/registry/blobs/sha256", paths->lib_dir) < 0)
		return 0;
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		if (is_hex64(de->d_name) && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_nlink == 1) {
			l->orphan_bytes += (uint64_t)st.st_size;
			l->n_orphans++;
		}
	}
	return 0;
}

int nc_images_list(const struct nc_paths *paths, struct nc_image_list *out, nc_err *err)
{
	memset(out, 0, sizeof(*out));
	if (list_refs(paths, out, err) < 0 || list_local(paths, out, err) < 0 || list_users(paths, out, err) < 0) {
		nc_image_list_free(out);
		return nc_err_ret(err);
	}
	count_orphans(paths, out);
	char dir[PATH_MAX];
	if (nc_pathf(dir, sizeof(dir), "%s/images", paths->lib_dir) == 0)
		out->store_bytes = tree_size(dir);
	/* Blobs once: a layout's are hard links to these. */
	if (nc_pathf(dir, sizeof(dir), "%s/registry/blobs", paths->lib_dir) == 0)
		out->store_bytes += tree_size(dir);
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), by_name);
	return 0;
}

int nc_image_find(const struct nc_image_list *l, const char *what, size_t *which, nc_err *err)
{
	struct nc_image_ref ref;
	char canon[NC_IMAGE_REF_STRLEN] = "";
	nc_err ignored;

	if (nc_image_ref_parse(what, &ref, &ignored) == 0)
		nc_image_ref_str(&ref, canon);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].name && (!strcmp(l->v[i].name, what) || (canon[0] && !strcmp(l->v[i].name, canon)))) {
			*which = i;
			return 0;
		}
	size_t len = strlen(what), found = 0;
	if (len >= 4 && len <= HEX_LEN)
		for (size_t i = 0; i < l->n; i++)
			if (!strncmp(l->v[i].id, what, len)) {
				*which = i;
				found++;
			}
	if (found > 1)
		return nc_err_msg(err, EINVAL, "image `%s`: the ID prefix names %zu images; give more digits", what,
				  found);
	if (!found)
		return nc_err_msg(err, ENOENT, "image `%s`: no such image in the store (see `ncompose images`)",
				  what);
	return 0;
}

/* ---- removal ---------------------------------------------------------- */

/* The hints that map a tarball's stat to `hex` (image-store.c): without
 * them gone, the next `up` of that file would trust a missing entry. */
static void drop_hints(const struct nc_paths *paths, const char *hex)
{
	char dir[PATH_MAX];
	if (nc_pathf(dir, sizeof(dir), "%s/images/.hints", paths->lib_dir) < 0)
		return;
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char text[HEX_LEN + 2] = "";
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n >= HEX_LEN && !strncmp(text, hex, HEX_LEN))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
}

/* Adds the layers the entry `name` of `images` lists to `keep`. */
static int keep_layers(int images, const char *name, char ***keep, size_t *n_keep)
{
	char rel[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	nc_err e;

	if (nc_pathf(rel, sizeof(rel), "%s/.ncompose-layers", name) < 0)
		return -ENAMETOOLONG;
	if (nc_read_fileat(images, rel, &text, &len, &e) < 0)
		return e.errnum == ENOENT ? 0 : -e.errnum;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **v = realloc(*keep, (*n_keep + 1) * sizeof(char *));
		if (!v)
			return -ENOMEM;
		*keep = v;
		if (!(v[*n_keep] = strdup(line)))
			return -ENOMEM;
		(*n_keep)++;
	}
	return 0;
}

static bool kept(char *const *keep, size_t n, const char *hex)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keep[i], hex))
			return true;
	return false;
}

/* The layers (images/layers/HEX) no entry lists any more, and their short
 * names (images/l/): an entry keeps its layers, a container its entry
 * (NC_IMAGE_USE_FILE), so what nothing lists is used by no container.
 * Under the exclusive lock: an `up` between storing a layer and writing
 * its entry holds the lock shared. A layer an interrupted `up` stored
 * without its entry goes here too. */
static int remove_unused_layers(const struct nc_paths *paths, uint64_t *freed, nc_err *err)
{
	char dir[PATH_MAX], layers[PATH_MAX], links[PATH_MAX];
	char **keep = NULL;
	size_t n_keep = 0;
	int r = 0;

	if (nc_pathf(dir, sizeof(dir), "%s/images", paths->lib_dir) < 0 ||
	    nc_pathf(layers, sizeof(layers), "%s/layers", dir) < 0 || nc_pathf(links, sizeof(links), "%s/l", dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store");
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "image store `%s`", dir);
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		const char *hex = !strncmp(de->d_name, "oci-", 4) ? de->d_name + 4 : de->d_name;
		if (is_hex64(hex) && (r = keep_layers(dirfd(d), de->d_name, &keep, &n_keep)) < 0)
			r = nc_err_errno(err, -r, "image store: entry `%s/%s`", dir, de->d_name);
	}
	_cleanup_(nc_closedirp) DIR *l = r == 0 ? opendir(layers) : NULL;
	for (struct dirent *de; l && r == 0 && (de = readdir(l));) {
		char path[PATH_MAX];
		if (!is_hex64(de->d_name) || kept(keep, n_keep, de->d_name) ||
		    nc_pathf(path, sizeof(path), "%s/%s", layers, de->d_name) < 0)
			continue;
		uint64_t bytes = tree_size(path);
		if ((r = nc_rm_rf(path, err)) < 0)
			r = nc_err_prefix(err, "image store: layer");
		else
			*freed += bytes;
	}
	/* Short names whose layer is gone. */
	_cleanup_(nc_closedirp) DIR *s = r == 0 ? opendir(links) : NULL;
	for (struct dirent *de; s && (de = readdir(s));) {
		struct stat st;
		if (de->d_name[0] != '.' && fstatat(dirfd(s), de->d_name, &st, 0) < 0 && errno == ENOENT)
			(void)unlinkat(dirfd(s), de->d_name, 0);
	}
	for (size_t i = 0; i < n_keep; i++)
		free(keep[i]);
	free(keep);
	return r;
}

int nc_images_remove_orphans(const struct nc_paths *paths, uint64_t *freed, size_t *n, nc_err *err)
{
	if (remove_unused_layers(paths, freed, err) < 0)
		return nc_err_ret(err);
	char dir[PATH_MAX];
	if (nc_pathf(dir, sizeof(dir), "%s/registry/blobs/sha256", paths->lib_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store");
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "image store `%s`", dir);
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		if (!is_hex64(de->d_name) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_nlink != 1)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			return nc_err_errno(err, errno, "image store: blob `%s`", de->d_name);
		*freed += (uint64_t)st.st_size;
		(*n)++;
	}
	return 0;
}

int nc_image_remove(const struct nc_paths *paths, const struct nc_stored_image *img, uint64_t *freed,
		    nc_err *err)
{
	size_t n = 0;

	/* The layout first: once it is gone the image is no longer pulled,
	 * so a failure later leaves garbage for prune, never a reference
	 * that leads to a removed root. */
	if (img->layout && nc_rm_rf(img->layout, err) < 0)
		return nc_err_prefix(err, "image %s", img->name ? img->name : img->id);
	if (img->root) {
		uint64_t bytes = tree_size(img->root); /* its list: layers go below */
		if (nc_rm_rf(img->root, err) < 0)
			return nc_err_prefix(err, "image %s", img->name ? img->name : img->id);
		*freed += bytes;
		/* The image's config, kept beside its root (ROOT.config.json). */
		char cfg[PATH_MAX];
		struct stat st;
		if (nc_pathf(cfg, sizeof(cfg), "%s.config.json", img->root) == 0 && lstat(cfg, &st) == 0) {
			if (unlink(cfg) < 0)
				return nc_err_errno(err, errno, "image %s: remove `%s`",
						    img->name ? img->name : img->id, cfg);
			*freed += (uint64_t)st.st_size;
		}
		if (!img->layout)
			drop_hints(paths, img->id);
	}
	return nc_images_remove_orphans(paths, freed, &n, err);
}

int nc_image_use_write(const char *dir, const char *const *store_paths, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char path[PATH_MAX];

	if (!f)
		return nc_err_errno(err, ENOMEM, "image use");
	for (size_t i = 0; store_paths[i]; i++)
		fprintf(f, "%s\n", store_paths[i]);
	if (fclose(f) != 0)
		return nc_err_errno(err, ENOMEM, "image use");
	if (nc_pathf(path, sizeof(path), "%s/" NC_IMAGE_USE_FILE, dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "`%s`", dir);
	return nc_write_file_atomic(path, text, len, 0600, err);
}
