/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image store as `images`, `rmi` and `image prune` see it.
 *
 * Under the library directory (/var/lib/ncompose):
 *   registry/blobs/sha256/HEX  every pulled blob, once;
 *   registry/refs/HEX          one OCI layout per pulled reference (HEX:
 *                              the SHA-256 of its canonical name), its
 *                              blobs hard links to the ones above;
 *   images/layers/SHA          one layer unpacked, once, whichever images
 *                              use it (SHA: its blob's SHA-256);
 *   images/l/SHORT             symlinks to them (16 hex digits), the names
 *                              a container's overlay stacks;
 *   images/HEX                 a rootfs or docker-save tarball's entry
 *                              (HEX: the tarball's SHA-256);
 *   images/oci-HEX             an OCI layout's entry (HEX: the SHA-256 of
 *                              its index.json), for a local layout or a
 *                              pulled reference alike. An entry lists its
 *                              layers in ENTRY/.ncompose-layers (one that
 *                              does not is a flattened root of an older
 *                              version, used as it is).
 * A pulled reference is a tagged image; an unpacked entry that no
 * reference claims is an untagged one (its file is wherever the compose
 * file said). A blob no layout links any more is garbage.
 *
 * Which container uses what: each container's state directory holds
 * NC_IMAGE_USE_FILE, the store paths its root is made of (written when the
 * container is made, gone with its record or with `down`). A container,
 * running or stopped, of any project, keeps what it names.
 *
 * The store lock (`images/.lock`, flock(2)): taken shared while a pull
 * runs and while a container is made (from unpacking its image until its
 * record and NC_IMAGE_USE_FILE are written), by `up` from its pull until
 * its containers are started (an image pulled for a container that waits
 * on a dependency is used by nobody yet), exclusive by `rmi` and
 * `image prune` for their whole look-and-remove. So a removal never sees
 * a store entry that an `up` is about to use without its user.
 */
#ifndef NC_COMPOSE_IMAGES_H
#define NC_COMPOSE_IMAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "compose/lifecycle/paths.h"

#define NC_IMAGE_USE_FILE "image-store"

struct nc_stored_image {
	char *id;      /* 64 hex digits: the store entry's own name */
	char *name;    /* canonical reference, or NULL (untagged) */
	char *layout;  /* registry/refs/HEX, or NULL */
	char *root;    /* images/..., or NULL when not unpacked yet */
	uint64_t size; /* bytes of regular files (layout's blobs + root) */
	char **users;  /* "project/service", NULL-terminated (may be empty) */
	size_t n_users;
};

struct nc_image_list {
	struct nc_stored_image *v;
	size_t n;
	uint64_t orphan_bytes; /* blobs no layout links */
	/* What the store holds on disk: blobs, entries and layers, each
	 * layer once however many images share it (sizes above count it in
	 * each image). */
	uint64_t store_bytes;
	size_t n_orphans;
};

/* Takes the store lock (fd >= 0 to close), waiting for it. */
int nc_images_lock(const struct nc_paths *paths, bool exclusive, int *fd, nc_err *err);

/* Every stored image, tagged ones first (by name), with its users. */
int nc_images_list(const struct nc_paths *paths, struct nc_image_list *out, nc_err *err);
void nc_image_list_free(struct nc_image_list *l);

/* The image `what` names: a reference as the file writes it (`nginx`,
 * `host:5000/a/b:1`), its canonical name, or a unique prefix (4 digits or
 * more) of its ID. -ENOENT / -EINVAL (ambiguous) with a message. */
int nc_image_find(const struct nc_image_list *l, const char *what, size_t *which, nc_err *err);

/* Removes one image (its reference's layout, its unpacked root and the
 * hints that lead to it), then the blobs nothing links any more. The
 * caller holds the lock exclusively and checked n_users == 0. *freed
 * grows by the bytes given back. */
int nc_image_remove(const struct nc_paths *paths, const struct nc_stored_image *img, uint64_t *freed,
		    nc_err *err);

/* Removes the blobs no layout links and the layers no entry lists;
 * *freed and *n (blobs) grow. */
int nc_images_remove_orphans(const struct nc_paths *paths, uint64_t *freed, size_t *n, nc_err *err);

/* For the container being made: writes NC_IMAGE_USE_FILE in its state
 * directory `dir` naming `paths` (NULL-terminated). */
int nc_image_use_write(const char *dir, const char *const *store_paths, nc_err *err);

#endif
