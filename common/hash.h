/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SipHash-2-4 with a fixed key: deterministic names and MAC addresses
 * (same file, same names), well mixed so that shortened names do not
 * collide by accident. Not used for anything secret.
 */
#ifndef NC_COMMON_HASH_H
#define NC_COMMON_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint64_t nc_siphash24(const void *data, size_t len, const uint8_t key[16]);

/* Hash of the strings joined with NUL separators, so ("ab","c") and
 * ("a","bc") differ. The list ends with NULL. */
uint64_t nc_hash_strings(const char *first, ...) __attribute__((sentinel));

/*
 * A map from strings to positions, for the duplicate checks over lists a
 * file can make long (80 000 `environment:` entries): a linear scan per
 * entry made them quadratic. Open addressing, grown at half full. The keys
 * are not copied: they must outlive the map.
 */
struct nc_strmap_slot {
	const char *key; /* NULL: empty */
	size_t klen;
	size_t value;
};
struct nc_strmap {
	struct nc_strmap_slot *slots;
	size_t cap, n;
};
#define NC_STRMAP_INIT { NULL, 0, 0 }

/* Looks `key` (klen bytes) up: 1 with *value set to what it maps to, or
 * 0 after adding it with *value as its value; -ENOMEM. */
int nc_strmap_put(struct nc_strmap *m, const char *key, size_t klen, size_t *value);
/* Is `key` there? *value is what it maps to. */
bool nc_strmap_get(const struct nc_strmap *m, const char *key, size_t klen, size_t *value);
void nc_strmap_free(struct nc_strmap *m);

#endif
