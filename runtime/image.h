/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rootfs tarballs (`image: ./rootfs.tar.gz`, .tgz or plain .tar), docker
 * save archives and OCI layouts, unpacked once into a content store: each
 * layer once per digest in `<store>/layers/<sha256>/`, each image an entry
 * `<store>/<sha256 of the file>/` listing its layers, which the caller
 * stacks (rt_image_lower_dirs) under a per-container overlayfs upper
 * layer.
 *
 * Extraction is safe against hostile archives: nothing is created or
 * written outside the target directory (see rt_image_extract).
 */
#ifndef NC_RUNTIME_IMAGE_H
#define NC_RUNTIME_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* Entries larger than this are refused (a typo'd or hostile size field
 * would otherwise fill the disk before the archive is found short). */
#define RT_IMAGE_MAX_ENTRY_SIZE (UINT64_C(1) << 40)

/*
 * Sets *rootfs_dir (malloc'ed) to `<store_dir>/<hex sha256 of tarball>`,
 * unpacking the tarball there first when that directory is missing.
 *
 * store_dir is created (mode 0700: it holds setuid files) when missing.
 * The fast path, taken on every `up` once an image is unpacked, neither
 * unpacks nor hashes: `<store_dir>/.hints/<dev-ino-size-mtime-ctime>`
 * remembers the digest of a file whose stat has not changed (ctime cannot
 * be set by hand, so an edited tarball always misses).
 *
 * A new entry is unpacked into `<store_dir>/.tmp-XXXXXX` (held with
 * flock), flushed with syncfs(2) and renamed into place without replacing
 * anything, so a crash never leaves a half entry; when a concurrent
 * unpack of the same file won the rename, ours is removed and theirs
 * used. `.tmp-*` directories over an hour old whose lock is free are
 * leftovers of a crash and are removed on the way.
 *
 * Errors read "image `tarball`: entry `etc/passwd`: reason".
 */
int rt_image_unpack(const char *tarball, const char *store_dir, char **rootfs_dir, nc_err *err);

/*
 * Unpacks the tar stream on `tar_fd` (gzip'ed or not) into the directory
 * `root_fd` (which may be O_PATH), as root would in a private directory:
 *
 * - names: a leading "/" is dropped (absolute names become relative), and
 *   a ".." component is an error; every parent is resolved with
 *   rt_open_in_root(), i.e. as if root_fd were "/", so a symlink in the
 *   archive (kept as is: it is resolved in the container later) never
 *   leads a later entry out; missing parents are created 0755;
 * - a hard link must name an entry already unpacked (also resolved in the
 *   root: a link to "/etc/passwd" means the archive's own etc/passwd);
 * - an existing non-directory in the way is unlinked first, as tar does,
 *   and files are created O_EXCL|O_NOFOLLOW, so nothing is written through
 *   a link; a directory in the way of a non-directory is an error;
 * - owner (fchownat AT_SYMLINK_NOFOLLOW), then mode with setuid, setgid
 *   and sticky (chown clears them), then mtime; when not privileged,
 *   EPERM/EINVAL from chown (an id we may not give or that is not mapped)
 *   leaves the caller's ids and is not an error;
 * - directories get their owner, mode and times last, deepest first (a
 *   read-only directory must not stop what goes into it); the archive's
 *   "./" entry sets the root's;
 * - character and block devices are skipped, never created: a device
 *   node in the store (or in a volume seeded from it) would open the
 *   host's disks to whoever reaches it, and the container gets its own
 *   /dev anyway. Fifos are created, as Docker does (harmless: opening one
 *   touches no device);
 * - refused: entries over RT_IMAGE_MAX_ENTRY_SIZE, names over PATH_MAX,
 *   sparse and multi-volume entries, unknown types (a GNU 'V' volume label
 *   is skipped).
 *
 * Errors name the entry: "entry `etc/passwd`: reason". What was unpacked
 * before an error stays (the caller discards the directory).
 */
int rt_image_extract(int tar_fd, int root_fd, nc_err *err);

/* The same for one layer of an image, applied over the layers below it
 * already in root_fd: whiteouts (`.wh.NAME`, `.wh..wh..opq`) delete
 * instead of being unpacked. With sha256_hex (64 lower-case hex digits,
 * or NULL), the bytes read from tar_fd must hash to it, or the call fails
 * (EBADMSG) naming both digests; the caller discards root_fd then. */
int rt_image_extract_layer(int tar_fd, int root_fd, const char *sha256_hex, nc_err *err);

/* The same, for a layer unpacked into an empty directory of its own, to be
 * stacked by overlayfs: `.wh.NAME` becomes NAME as a character device 0/0
 * and `.wh..wh..opq` the xattr `trusted.overlay.opaque` = "y" on its
 * directory (overlayfs's own markers; needs CAP_MKNOD and
 * CAP_SYS_ADMIN). */
int rt_image_extract_overlay_layer(int tar_fd, int root_fd, const char *sha256_hex, nc_err *err);

/*
 * An image archive already unpacked in `src_fd` (docker save's
 * manifest.json, or an OCI layout: oci-layout and index.json), its layers
 * applied in order into the empty directory `root_fd`: the image's root
 * filesystem, flattened. *is_archive is false (and nothing is done) when
 * `src_fd` holds neither. Layers may be gzip'ed or plain; an OCI index
 * picks the linux/amd64 (or the only) manifest. Errors name the file:
 * "manifest.json: line 1, column 9: ...", "layer `blobs/sha256/ab..`: ...".
 * *config gets the image's config blob (malloc'ed, checked against its
 * digest), or NULL when the archive names none. With root_fd -1, no layer
 * is applied: only the config is read.
 */
int rt_image_flatten(int src_fd, int root_fd, bool *is_archive, char **config, nc_err *err);

/* The same for an OCI layout whose index.json must hash to `index_hex`
 * (the name the caller stores the result under). Every blob (index,
 * manifest, config, layer) is checked against the digest that names it
 * while it is read; a mismatch fails the call (EBADMSG) naming the blob.
 * docker save archives are checked the same way where they carry digests:
 * blob names, the config's name, the config's diff_ids for its layers.
 * Metadata and layers are opened only after an O_PATH look found a
 * regular file: a device node or fifo there is refused unopened. */
int rt_image_flatten_oci(int src_fd, int root_fd, const char *index_hex, char **config, nc_err *err);

/* The same walk, each layer stored once in `<store_dir>/layers/<sha256>`
 * (unpacked there when missing, verified as rt_image_flatten_oci does);
 * *list (malloc'ed) gets their digests, one a line, lowest first. With
 * index_hex, as rt_image_flatten_oci; without, as rt_image_flatten. */
int rt_image_store_layers(int src_fd, const char *store_dir, const char *index_hex, bool *is_archive,
			  char **config, char **list, nc_err *err);

/*
 * The directories an overlayfs stacks for the store entry `entry` (as
 * rt_image_unpack and rt_image_unpack_oci_dir return it), uppermost
 * first: `<store>/l/<short name>` of each of its layers. An entry made
 * before layers were stored apart is its own one directory. *dirs and its
 * strings are malloc'ed: rt_image_lower_dirs_free.
 */
int rt_image_lower_dirs(const char *entry, char ***dirs, size_t *n, nc_err *err);
void rt_image_lower_dirs_free(char **dirs, size_t n);

/*
 * One layer blob, `fd` (a tar stream, plain or compressed) whose digest is
 * `digest` ("sha256:<64 hex>"), in the layer store of `store_dir`:
 * unpacked there when missing (its bytes checked against the digest) and
 * given its short name. *dir (malloc'ed) gets what an overlayfs stacks
 * for it, `<store_dir>/l/<short name>`. For a builder, which writes its
 * own layers and stacks them without an image entry.
 */
int rt_image_layer_dir(int fd, const char *digest, const char *store_dir, char **dir, nc_err *err);

/*
 * For `image: ./dir` holding an OCI layout: *rootfs_dir (malloc'ed) set to
 * `<store_dir>/oci-<sha256 of its index.json>`, flattened there first when
 * missing (the index names every blob by digest, so its hash names the
 * content). Same crash safety as rt_image_unpack.
 *
 * Both keep the image's config blob (image-config.h) beside the entry, as
 * `<entry>.config.json`, written before the entry is renamed into place;
 * an entry made before configs were kept gets its config from the layout
 * on the next call (an archive's is not read again: remove the entry).
 */
int rt_image_unpack_oci_dir(const char *dir, const char *store_dir, char **rootfs_dir, nc_err *err);

/* True when `dir` is an OCI image layout (has an `oci-layout` file). */
bool rt_image_is_oci_dir(const char *dir);

#endif
