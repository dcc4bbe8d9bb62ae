/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SipHash-2-4 after Aumasson and Bernstein's reference description. */
#include "common/hash.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                            \
	do {                                                                \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);   \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                      \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                      \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);   \
	} while (0)

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t nc_siphash24(const void *data, size_t len, const uint8_t key[16])
{
	const uint8_t *in = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	size_t end = len - (len % 8);

	for (size_t i = 0; i < end; i += 8) {
		uint64_t m = load_le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Fixed so that names are stable across releases. */
static const uint8_t name_key[16] = "ncompose-names-1";

uint64_t nc_hash_strings(const char *first, ...)
{
	/* Hash incrementally would need a streaming API; names are short, so
	 * join into a bounded buffer and hash once. */
	char buf[1024];
	size_t n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t l = strlen(s);
		if (n + l + 1 > sizeof(buf))
			l = sizeof(buf) - n - 1;
		memcpy(buf + n, s, l);
		n += l;
		buf[n++] = '\0';
		if (n >= sizeof(buf))
			break;
	}
	va_end(ap);
	return nc_siphash24(buf, n, name_key);
}

static const uint8_t strmap_key[16] = "ncompose-strmap";

static struct nc_strmap_slot *strmap_slot(struct nc_strmap_slot *slots, size_t cap, const char *key, size_t klen)
{
	size_t i = (size_t)nc_siphash24(key, klen, strmap_key) & (cap - 1);
	while (slots[i].key && (slots[i].klen != klen || memcmp(slots[i].key, key, klen)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int strmap_grow(struct nc_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct nc_strmap_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*strmap_slot(slots, cap, m->slots[i].key, m->slots[i].klen) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int nc_strmap_put(struct nc_strmap *m, const char *key, size_t klen, size_t *value)
{
	if ((m->n + 1) * 2 > m->cap && strmap_grow(m) < 0)
		return -ENOMEM;
	struct nc_strmap_slot *s = strmap_slot(m->slots, m->cap, key, klen);
	if (s->key) {
		*value = s->value;
		return 1;
	}
	*s = (struct nc_strmap_slot){ key, klen, *value };
	m->n++;
	return 0;
}

bool nc_strmap_get(const struct nc_strmap *m, const char *key, size_t klen, size_t *value)
{
	if (!m->n)
		return false;
	const struct nc_strmap_slot *s = strmap_slot(m->slots, m->cap, key, klen);
	if (s->key)
		*value = s->value;
	return s->key != NULL;
}

void nc_strmap_free(struct nc_strmap *m)
{
	free(m->slots);
	*m = (struct nc_strmap)NC_STRMAP_INIT;
}
