/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_image_flatten: the layers of a docker save archive or an OCI image
 * layout, applied in order into one directory (image.h). The metadata is
 * read with rt_open_in_root from the unpacked archive, so a symlink in it
 * cannot lead out; layer blobs are addressed only by their digests.
 */
#include "runtime/image.h"

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
#include "common/json-parse.h"
#include "common/sha256.h"
#include "runtime/image-store.h"
#include "runtime/resolve.h"

#define META_MAX (16u << 20) /* manifests are kilobytes */
#define INDEX_DEPTH 4        /* an index may point at an index */

/* `path` of the archive (or layout) for reading, only when it is a regular
 * file: looked at through O_PATH first, so a device node planted there is
 * never opened and a fifo never blocks us. -ENOENT when missing. */
static int open_blob(int src, const char *path, struct stat *st, nc_err *err)
{
	_cleanup_close_ int p = rt_open_in_root(src, path, O_PATH, err);
	if (p == -ENOENT)
		return -ENOENT;
	if (p < 0)
		return nc_err_prefix(err, "%s", path);
	int fd = nc_reopen_regular(p, O_RDONLY, st);
	if (fd == -EINVAL)
		return nc_err_msg(err, EINVAL, "%s: not a regular file (a device node, fifo or directory; refused)",
				  path);
	if (fd < 0)
		return nc_err_errno(err, -fd, "%s", path);
	return fd;
}

/* `path` as a JSON tree; -ENOENT when it has no such file. With `want`
 * (64 hex digits), its bytes must hash to it. With `raw`, the text too
 * (malloc'ed). */
static int read_json(int src, const char *path, const char *want, struct nc_arena *a, struct nc_jv **out,
		     char **raw, nc_err *err)
{
	struct stat st;
	_cleanup_close_ int fd = open_blob(src, path, &st, err);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > META_MAX)
		return nc_err_msg(err, EINVAL, "%s: larger than 16 MiB", path);
	_cleanup_free_ char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		return nc_err_errno(err, ENOMEM, "%s", path);
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, text + n, (size_t)st.st_size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return nc_err_errno(err, k < 0 ? errno : EIO, "%s: read", path);
		n += (size_t)k;
	}
	text[n] = '\0';
	if (want) {
		uint8_t d[NC_SHA256_LEN];
		char hex[NC_SHA256_HEX_LEN];
		nc_sha256(text, n, d);
		if (strcmp(nc_sha256_hex(d, hex), want))
			return nc_err_msg(err, EBADMSG, "%s: its content does not match its digest: sha256:%s expected, sha256:%s read (a changed or corrupt blob; refused)",
					  path, want, hex);
	}
	if (nc_json_parse(text, a, out, err) < 0)
		return nc_err_prefix(err, "%s", path);
	if (raw)
		*raw = TAKE_PTR(text);
	return 0;
}

/* Where layers go: applied in order into one directory (`root`), or each
 * into the layer store (`store`), whose digests are listed in `list`,
 * lowest first. Neither: only the config is read. */
struct sink {
	int root;
	const char *store;
	FILE *list;
};

static bool sink_wants_layers(const struct sink *k)
{
	return k->root >= 0 || k->store;
}

static int apply_layer(int src, const char *path, const char *want, const struct sink *k, nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN];
	_cleanup_close_ int fd = open_blob(src, path, NULL, err);
	if (fd == -ENOENT)
		return nc_err_msg(err, ENOENT, "layer `%s`: missing", path);
	if (fd < 0)
		return nc_err_prefix(err, "layer");
	if (k->store) {
		if (rt_layer_store_blob(fd, want, k->store, hex, err) < 0)
			return nc_err_prefix(err, "layer `%s`", path);
		fprintf(k->list, "%s\n", hex);
		return 0;
	}
	if (rt_image_extract_layer(fd, k->root, want, err) < 0)
		return nc_err_prefix(err, "layer `%s`", path);
	return 0;
}

/* The digest a path of an archive names: "blobs/sha256/<hex>" (OCI, and
 * docker save since 25) or "<hex>.json" (an older docker save's config);
 * NULL for other names (an older docker save's "<id>/layer.tar"). */
static const char *digest_in_path(const char *path, char hex[NC_SHA256_HEX_LEN])
{
	const char *h = !strncmp(path, "blobs/sha256/", 13) ? path + 13 : path;
	size_t len = strspn(h, "0123456789abcdef");
	if (len != 64 || (h[64] && strcmp(h + 64, ".json")) || (h == path && !h[64]))
		return NULL;
	memcpy(hex, h, 64);
	hex[64] = '\0';
	return hex;
}

/* "sha256:<64 hex>" -> "blobs/sha256/<hex>"; anything else is refused
 * (a digest is the only name an OCI layout gives a blob). */
static int blob_path(const char *digest, char out[128], nc_err *err)
{
	const char *hex = digest && !strncmp(digest, "sha256:", 7) ? digest + 7 : NULL;
	if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return nc_err_msg(err, EINVAL, "`%s` is not a sha256 digest", digest ? digest : "(none)");
	snprintf(out, 128, "blobs/sha256/%s", hex);
	return 0;
}

static int docker_manifest(int src, struct nc_arena *a, const struct nc_jv *m, const struct sink *k, char **raw_config,
			   nc_err *err)
{
	if (m->kind != NC_JV_ARRAY || !m->n)
		return nc_err_msg(err, EINVAL, "manifest.json: not a list of images");
	if (m->n > 1)
		return nc_err_msg(err, EINVAL, "manifest.json: %zu images in one archive; save one image", m->n);
	const struct nc_jv *layers = nc_jv_get(m->items[0], "Layers");
	if (!layers || layers->kind != NC_JV_ARRAY)
		return nc_err_msg(err, EINVAL, "manifest.json: no `Layers` list");
	/* The config, named by its digest, is verified; its diff_ids (the
	 * digests of the uncompressed layers docker save writes) then vouch
	 * for layers whose names are not digests. */
	const char *cpath = nc_jv_str(m->items[0], "Config");
	const struct nc_jv *diff_ids = NULL;
	char chex[NC_SHA256_HEX_LEN];
	if (cpath) {
		/* A config not named by its digest (a hand-made archive) is
		 * kept unverified, as its layers are. */
		struct nc_jv *config;
		const char *want = digest_in_path(cpath, chex);
		int r = read_json(src, cpath, want, a, &config, raw_config, err);
		if (r == -ENOENT && want)
			return nc_err_msg(err, ENOENT, "manifest.json: config `%s` missing from the archive", cpath);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && want)
			diff_ids = nc_jv_get(nc_jv_get(config, "rootfs"), "diff_ids");
		if (diff_ids && (diff_ids->kind != NC_JV_ARRAY || diff_ids->n != layers->n))
			diff_ids = NULL;
	}
	for (size_t i = 0; i < layers->n; i++) {
		char hex[NC_SHA256_HEX_LEN];
		if (layers->items[i]->kind != NC_JV_STRING)
			return nc_err_msg(err, EINVAL, "manifest.json: layer %zu is not a path", i + 1);
		const char *want = digest_in_path(layers->items[i]->s, hex);
		const char *id = diff_ids && diff_ids->items[i]->kind == NC_JV_STRING ? diff_ids->items[i]->s : NULL;
		if (!want && id && !strncmp(id, "sha256:", 7) && strlen(id) == 71 &&
		    strspn(id + 7, "0123456789abcdef") == 64)
			want = strcpy(hex, id + 7);
		if (sink_wants_layers(k) && apply_layer(src, layers->items[i]->s, want, k, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

/* From an index, the manifest for this machine: linux/amd64 when the
 * entries say their platform, else the only one. */
static const struct nc_jv *pick_manifest(const struct nc_jv *index, nc_err *err)
{
	const struct nc_jv *list = nc_jv_get(index, "manifests");
	const struct nc_jv *only = NULL;
	size_t n_plain = 0;
	if (!list || list->kind != NC_JV_ARRAY || !list->n) {
		nc_err_msg(err, EINVAL, "no `manifests` in the index");
		return NULL;
	}
	for (size_t i = 0; i < list->n; i++) {
		const struct nc_jv *p = nc_jv_get(list->items[i], "platform");
		const char *os = nc_jv_str(p, "os"), *arch = nc_jv_str(p, "architecture");
		if (os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64"))
			return list->items[i];
		if (!p) {
			only = list->items[i];
			n_plain++;
		}
	}
	if (n_plain == 1 || list->n == 1)
		return only ? only : list->items[0];
	nc_err_msg(err, EINVAL, "the index has no linux/amd64 image among %zu", list->n);
	return NULL;
}

static int oci_manifest(int src, struct nc_arena *a, const struct nc_jv *desc, const struct sink *k, int depth,
			char **raw_config, nc_err *err)
{
	char path[128];
	struct nc_jv *m;
	int r;

	if (blob_path(nc_jv_str(desc, "digest"), path, err) < 0)
		return nc_err_prefix(err, "index.json");
	if ((r = read_json(src, path, path + 13, a, &m, NULL, err)) == -ENOENT)
		return nc_err_msg(err, ENOENT, "%s: missing from the layout", path);
	if (r < 0)
		return r;
	if (nc_jv_get(m, "manifests")) {
		if (depth >= INDEX_DEPTH)
			return nc_err_msg(err, ELOOP, "%s: indexes nested too deeply", path);
		const struct nc_jv *next = pick_manifest(m, err);
		if (!next)
			return nc_err_prefix(err, "%s", path);
		return oci_manifest(src, a, next, k, depth + 1, raw_config, err);
	}
	const struct nc_jv *layers = nc_jv_get(m, "layers");
	if (!layers || layers->kind != NC_JV_ARRAY)
		return nc_err_msg(err, EINVAL, "%s: no `layers` list", path);
	/* The config is not used for the root filesystem, but a layout whose
	 * config does not match its digest is not the image it claims; the
	 * store keeps it for the container's process (image-config.h). */
	const char *cdigest = nc_jv_str(nc_jv_get(m, "config"), "digest");
	if (cdigest) {
		char cpath[128];
		struct nc_jv *config;
		if (blob_path(cdigest, cpath, err) < 0)
			return nc_err_prefix(err, "%s: config", path);
		if ((r = read_json(src, cpath, cpath + 13, a, &config, raw_config, err)) == -ENOENT)
			return nc_err_msg(err, ENOENT, "%s: missing from the layout", cpath);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < layers->n; i++) {
		char lpath[128];
		if (blob_path(nc_jv_str(layers->items[i], "digest"), lpath, err) < 0)
			return nc_err_prefix(err, "%s: layer %zu", path, i + 1);
		if (sink_wants_layers(k) && apply_layer(src, lpath, lpath + 13, k, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

static int flatten(int src_fd, const struct sink *k, const char *index_hex, bool *is_archive, char **config,
		   nc_err *err)
{
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	struct nc_jv *doc;
	int r;

	*is_archive = false;
	/* docker save: manifest.json (newer Dockers write an OCI layout
	 * beside it; its Layers name the same blobs). */
	if (!index_hex && (r = read_json(src_fd, "manifest.json", NULL, &a, &doc, NULL, err)) != -ENOENT) {
		if (r < 0)
			return r;
		*is_archive = true;
		return docker_manifest(src_fd, &a, doc, k, config, err);
	}
	struct stat st;
	if (fstatat(src_fd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	*is_archive = true;
	if ((r = read_json(src_fd, "index.json", index_hex, &a, &doc, NULL, err)) == -ENOENT)
		return nc_err_msg(err, ENOENT, "an OCI layout without index.json");
	if (r < 0)
		return r;
	const struct nc_jv *desc = pick_manifest(doc, err);
	if (!desc)
		return nc_err_prefix(err, "index.json");
	return oci_manifest(src_fd, &a, desc, k, 0, config, err);
}

int rt_image_flatten(int src_fd, int root_fd, bool *is_archive, char **config, nc_err *err)
{
	struct sink k = { .root = root_fd };
	*config = NULL;
	int r = flatten(src_fd, &k, NULL, is_archive, config, err);
	if (r < 0) {
		free(*config);
		*config = NULL;
	}
	return r;
}

int rt_image_flatten_oci(int src_fd, int root_fd, const char *index_hex, char **config, nc_err *err)
{
	bool is_archive;
	struct sink k = { .root = root_fd };
	*config = NULL;
	int r = flatten(src_fd, &k, index_hex, &is_archive, config, err);
	if (r < 0) {
		free(*config);
		*config = NULL;
	}
	if (r == 0 && !is_archive)
		return nc_err_msg(err, EINVAL, "not an OCI image layout (no oci-layout file)");
	return r;
}

int rt_image_store_layers(int src_fd, const char *store_dir, const char *index_hex, bool *is_archive,
			  char **config, char **list, nc_err *err)
{
	size_t len = 0;
	struct sink k = { .root = -1, .store = store_dir };

	*config = NULL;
	*list = NULL;
	if (!(k.list = open_memstream(list, &len)))
		return nc_err_errno(err, ENOMEM, "image layers");
	int r = flatten(src_fd, &k, index_hex, is_archive, config, err);
	if (fclose(k.list) != 0 && r == 0)
		r = nc_err_errno(err, ENOMEM, "image layers");
	if (r == 0 && index_hex && !*is_archive)
		r = nc_err_msg(err, EINVAL, "not an OCI image layout (no oci-layout file)");
	if (r < 0) {
		free(*config);
		free(*list);
		*config = *list = NULL;
	}
	return r;
}
