/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-layer store: each layer of every image unpacked once, keyed by
 * the SHA-256 of its blob, for overlayfs to stack (image-store.h).
 */
#include "runtime/image-store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/image.h"

int rt_layers_open(const char *store_dir, char out[PATH_MAX], nc_err *err)
{
	if (nc_pathf(out, PATH_MAX, "%s/" RT_LAYERS_DIR, store_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "image store `%s`", out);
	int fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "image store `%s`", out);
	return fd;
}

int rt_layer_link(const char *store_dir, const char *hex, nc_err *err)
{
	char dir[PATH_MAX], target[PATH_MAX], have[PATH_MAX], name[RT_LAYER_SHORT + 1];

	if (nc_pathf(dir, sizeof(dir), "%s/" RT_LINKS_DIR, store_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "image store `%s`", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return nc_err_errno(err, errno, "image store `%s`", dir);
	snprintf(name, sizeof(name), "%.*s", RT_LAYER_SHORT, hex);
	snprintf(target, sizeof(target), "../" RT_LAYERS_DIR "/%s", hex);
	if (symlinkat(target, dfd, name) == 0)
		return 0;
	if (errno != EEXIST)
		return nc_err_errno(err, errno, "image store `%s/%s`", dir, name);
	/* Made by an earlier or a concurrent unpack of the same layer; a
	 * different target is a 64-bit prefix collision: refused, never
	 * replaced (an image in use stacks the layer it names). */
	ssize_t n = readlinkat(dfd, name, have, sizeof(have) - 1);
	if (n < 0)
		return nc_err_errno(err, errno, "image store `%s/%s`", dir, name);
	have[n] = '\0';
	if (strcmp(have, target))
		return nc_err_msg(err, EEXIST, "image store `%s/%s`: the short name of layer sha256:%s already names `%s`",
				  dir, name, hex, have);
	return 0;
}

static int layer_exists(int layersfd, const char *layers, const char *hex, nc_err *err)
{
	struct stat st;
	if (fstatat(layersfd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "image store `%s/%s`", layers, hex);
	if (!S_ISDIR(st.st_mode))
		return nc_err_msg(err, ENOTDIR, "image store `%s/%s`: not a directory (remove it)", layers, hex);
	return 1;
}

int rt_layer_store_blob(int fd, const char *want, const char *store_dir, char hex[NC_SHA256_HEX_LEN],
			nc_err *err)
{
	char layers[PATH_MAX], tmp[PATH_MAX];

	if (want) {
		memcpy(hex, want, NC_SHA256_HEX_LEN - 1);
		hex[NC_SHA256_HEX_LEN - 1] = '\0';
	} else if (rt_store_hash_fd(fd, "layer", hex, err) < 0) {
		return nc_err_ret(err);
	}
	_cleanup_close_ int layersfd = rt_layers_open(store_dir, layers, err);
	if (layersfd < 0)
		return layersfd;
	int r = layer_exists(layersfd, layers, hex, err);
	if (r < 0)
		return r;
	if (r == 0) {
		rt_store_remove_stale(layersfd, layers);
		_cleanup_close_ int rootfd = rt_store_new_tmp(layersfd, layers, tmp, err);
		if (rootfd < 0)
			return rootfd;
		/* The digest is checked over every byte before the rename: a
		 * layer that does not match never gets its name. */
		if (lseek(fd, 0, SEEK_SET) < 0 || (r = rt_image_extract_overlay_layer(fd, rootfd, hex, err)) < 0) {
			if (r == 0)
				r = nc_err_errno(err, errno, "seek");
			nc_err ignored;
			(void)rt_store_discard(tmp, rootfd, &ignored);
			return r;
		}
		if ((r = rt_store_commit_tmp(layersfd, layers, tmp, rootfd, hex, err)) < 0)
			return r;
	}
	return rt_layer_link(store_dir, hex, err);
}

void rt_image_lower_dirs_free(char **dirs, size_t n)
{
	for (size_t i = 0; dirs && i < n; i++)
		free(dirs[i]);
	free(dirs);
}

static bool is_hex64(const char *s, size_t len)
{
	return len == NC_SHA256_HEX_LEN - 1 && strspn(s, "0123456789abcdef") >= len;
}

int rt_image_lower_dirs(const char *entry, char ***dirs, size_t *n, nc_err *err)
{
	char path[PATH_MAX], store[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	nc_err e;

	*dirs = NULL;
	*n = 0;
	if (nc_pathf(path, sizeof(path), "%s/" RT_LAYER_LIST, entry) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image `%s`", entry);
	if (nc_read_file(path, &text, &len, &e) < 0) {
		if (e.errnum != ENOENT) {
			*err = e;
			return nc_err_prefix(err, "image `%s`", entry);
		}
		/* A flattened entry of an older version. */
		if (!(*dirs = calloc(1, sizeof(char *))) || !((*dirs)[0] = strdup(entry))) {
			free(*dirs);
			*dirs = NULL;
			return nc_err_errno(err, ENOMEM, "image `%s`", entry);
		}
		*n = 1;
		return 0;
	}
	const char *slash = strrchr(entry, '/');
	if (!slash || (size_t)(slash - entry) >= sizeof(store))
		return nc_err_msg(err, EINVAL, "image `%s`: not in a store", entry);
	snprintf(store, sizeof(store), "%.*s", (int)(slash - entry), entry);
	size_t count = 0;
	for (const char *c = text; *c; c++)
		count += *c == '\n';
	if (!count)
		return nc_err_msg(err, EINVAL, "image `%s`: `%s` lists no layer (remove the image and pull or up again)", entry, path);
	char **v = calloc(count, sizeof(char *));
	if (!v)
		return nc_err_errno(err, ENOMEM, "image `%s`", entry);
	size_t k = count;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct stat st;
		char layer[PATH_MAX];
		if (!k || !is_hex64(line, strlen(line))) {
			rt_image_lower_dirs_free(v, count);
			return nc_err_msg(err, EINVAL, "image `%s`: `%s` is damaged (remove the image and pull or up again)", entry, path);
		}
		/* A layer removed under us (by hand: GC keeps an entry's) is
		 * said as such, not as a failed mount. */
		if (nc_pathf(layer, sizeof(layer), "%s/" RT_LAYERS_DIR "/%s", store, line) < 0 ||
		    stat(layer, &st) < 0 || !S_ISDIR(st.st_mode)) {
			rt_image_lower_dirs_free(v, count);
			return nc_err_msg(err, ENOENT, "image `%s`: layer sha256:%s is missing from the store (remove the image and pull or up again)", entry, line);
		}
		if (asprintf(&v[--k], "%s/" RT_LINKS_DIR "/%.*s", store, RT_LAYER_SHORT, line) < 0) {
			v[k] = NULL;
			rt_image_lower_dirs_free(v, count);
			return nc_err_errno(err, ENOMEM, "image `%s`", entry);
		}
	}
	if (k) {
		rt_image_lower_dirs_free(v, count);
		return nc_err_msg(err, EINVAL, "image `%s`: `%s` is damaged", entry, path);
	}
	*dirs = v;
	*n = count;
	return 0;
}

int rt_image_layer_dir(int fd, const char *digest, const char *store_dir, char **dir, nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN];
	*dir = NULL;
	if (strncmp(digest, "sha256:", 7) || strlen(digest + 7) != NC_SHA256_HEX_LEN - 1)
		return nc_err_msg(err, EINVAL, "layer `%s`: not a sha256 digest", digest);
	if (rt_layer_store_blob(fd, digest + 7, store_dir, hex, err) < 0 || rt_layer_link(store_dir, hex, err) < 0)
		return nc_err_ret(err);
	if (asprintf(dir, "%s/%s/%.*s", store_dir, RT_LINKS_DIR, RT_LAYER_SHORT, hex) < 0) {
		*dir = NULL;
		return nc_err_errno(err, ENOMEM, "layer `%s`", digest);
	}
	return 0;
}
