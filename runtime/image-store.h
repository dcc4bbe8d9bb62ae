/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the image store (image-store.c, layer-store.c,
 * image-layers.c): directories built aside and renamed into place, and
 * the per-layer store.
 *
 * Layout of a store directory S (runtime/README.md):
 *   S/layers/<sha256>/     one layer, unpacked once, overlayfs whiteouts
 *   S/l/<16 hex>           symlink to ../layers/<sha256>: the short name
 *                          the overlay's mount options use
 *   S/<name>/.ncompose-layers  an image: its layers' digests, lowest first
 *   S/<name>.config.json   its config
 */
#ifndef NC_RUNTIME_IMAGE_STORE_H
#define NC_RUNTIME_IMAGE_STORE_H

#include <limits.h>

#include "common/error.h"
#include "common/sha256.h"

#define RT_LAYERS_DIR "layers"
#define RT_LINKS_DIR "l"
#define RT_LAYER_LIST ".ncompose-layers"
/* Hex digits of a layer's short name: 120 layers take 2 KiB of options. */
#define RT_LAYER_SHORT 16

int rt_store_hash_fd(int fd, const char *what, char hex[NC_SHA256_HEX_LEN], nc_err *err);
int rt_store_new_tmp(int storefd, const char *store_dir, char tmp[PATH_MAX], nc_err *err);
int rt_store_commit_tmp(int storefd, const char *store_dir, const char *tmp, int rootfd, const char *name,
			nc_err *err);
int rt_store_discard(const char *path, int dirfd_or_neg, nc_err *err);
void rt_store_remove_stale(int storefd, const char *store_dir);

/* `<store>/layers`, created when missing; its path in `out`. */
int rt_layers_open(const char *store_dir, char out[PATH_MAX], nc_err *err);

/* The layer blob `fd` (a tar stream, plain or compressed) in the store as
 * `layers/<hex>`, unpacked there first when missing. With `want` (64 hex
 * digits), the bytes must hash to it; without, they are hashed first.
 * `hex` gets the layer's name. */
int rt_layer_store_blob(int fd, const char *want, const char *store_dir, char hex[NC_SHA256_HEX_LEN],
			nc_err *err);

/* The short name `l/<hex[0..16]>` of the stored layer `hex`, made when
 * missing; refused when it names another layer. */
int rt_layer_link(const char *store_dir, const char *hex, nc_err *err);

#endif
