/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 (FIPS 180-4), streaming. Content addresses for the image store:
 * a rootfs tarball is unpacked once under the hex digest of its bytes.
 * Pure: no allocation, no I/O.
 */
#ifndef NC_COMMON_SHA256_H
#define NC_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NC_SHA256_LEN 32
#define NC_SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

struct nc_sha256 {
	uint32_t h[8];
	uint64_t total;   /* bytes hashed so far */
	uint8_t buf[64];  /* a partial block */
	size_t fill;      /* bytes in buf */
};

void nc_sha256_init(struct nc_sha256 *s);
void nc_sha256_update(struct nc_sha256 *s, const void *data, size_t len);
/* Writes the digest; `s` must be initialised again before reuse. */
void nc_sha256_final(struct nc_sha256 *s, uint8_t out[NC_SHA256_LEN]);

/* Lower-case hex of a digest; returns out. */
char *nc_sha256_hex(const uint8_t digest[NC_SHA256_LEN], char out[NC_SHA256_HEX_LEN]);

/* One-shot: the digest of one buffer. */
void nc_sha256(const void *data, size_t len, uint8_t out[NC_SHA256_LEN]);

#endif
