/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The file behind a `type: image` volume: a sparse file holding an ext4
 * filesystem, formatted in-process with libext2fs (the library mke2fs is
 * built on), never by running mkfs.
 */
#ifndef NC_RUNTIME_EXT_IMAGE_H
#define NC_RUNTIME_EXT_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* Smallest image we format: 256 blocks of 4 KiB hold the metadata, the
 * root directory and lost+found with room to spare. Below 8 MiB the
 * filesystem has no journal (libext2fs refuses one under 2048 blocks). */
#define RT_EXT_IMAGE_MIN_SIZE (UINT64_C(1) << 20)

/*
 * Makes sure `path` holds an ext filesystem.
 *
 * Missing: creates it (mode 0600; its directory must exist) as a sparse
 * file of `size_bytes` holding an empty ext4 filesystem (root 0755 owned
 * by 0:0, lost+found), built in `path.tmp-XXXXXX`, synced, then renamed
 * into place without replacing anything, so a crash leaves either no
 * image or a whole one (plus perhaps a stray .tmp- file). *created is
 * true. Sizes below RT_EXT_IMAGE_MIN_SIZE are an error that says the
 * minimum.
 *
 * Present: its data is not touched and size_bytes is ignored; it must be
 * a regular file with an ext2/3/4 superblock, else an error that says to
 * remove it or point the volume elsewhere. *created is false.
 *
 * Errors name the file and carry libext2fs's own message.
 */
int rt_ext_image_ensure(const char *path, uint64_t size_bytes, bool *created, nc_err *err);

#endif
