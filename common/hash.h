/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SipHash-2-4 with a fixed key: deterministic names and MAC addresses
 * (same file, same names), well mixed so that shortened names do not
 * collide by accident. Not used for anything secret.
 */
#ifndef NC_COMMON_HASH_H
#define NC_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t nc_siphash24(const void *data, size_t len, const uint8_t key[16]);

/* Hash of the strings joined with NUL separators, so ("ab","c") and
 * ("a","bc") differ. The list ends with NULL. */
uint64_t nc_hash_strings(const char *first, ...) __attribute__((sentinel));

#endif
