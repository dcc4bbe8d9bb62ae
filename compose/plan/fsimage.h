/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recognising a filesystem image file among the regular files `image:`
 * may name, by its content rather than its name: an ext4 (or ext2/3)
 * superblock starts 1024 bytes into the device and holds the magic
 * 0xEF53, little-endian, at its offset 0x38 (byte 1080 of the file).
 */
#ifndef NC_COMPOSE_PLAN_FSIMAGE_H
#define NC_COMPOSE_PLAN_FSIMAGE_H

#include <stdbool.h>
#include <stddef.h>

/* Where the magic is, and how much of the file's start to read to see it. */
#define NC_EXT4_MAGIC_OFFSET 1080
#define NC_EXT4_PROBE_SIZE (NC_EXT4_MAGIC_OFFSET + 2)

/* True when the first `len` bytes of a file, `head`, carry the ext
 * superblock magic; false for anything shorter than NC_EXT4_PROBE_SIZE. */
bool nc_fsimage_is_ext4(const unsigned char *head, size_t len);

#endif
