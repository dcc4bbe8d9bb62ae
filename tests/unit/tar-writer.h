/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: builds tar archives byte by byte, including the broken and
 * hostile ones no tar tool would write (bad checksums, `../` names, links
 * out of the tree), then saves them plain or gzip'ed. Aborts the test on
 * failure (cmocka assertions).
 */
#ifndef NC_TESTS_TAR_WRITER_H
#define NC_TESTS_TAR_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum tw_format { TW_USTAR, TW_GNU, TW_V7 };

struct tw_hdr {
	const char *name;
	char type;          /* '0', '5', ... */
	unsigned mode;      /* 0 means 0644 (0755 for directories) */
	uint64_t uid, gid;
	int64_t mtime;
	uint64_t size;      /* header's size field */
	const char *link;
	const char *prefix; /* ustar prefix field */
	unsigned major, minor;
	enum tw_format fmt;
	bool b256_size, b256_uid, b256_mtime; /* GNU base-256 numbers */
	bool bad_sum, signed_sum;
};

struct tw {
	unsigned char *buf;
	size_t len, cap;
};

static inline void tw_append(struct tw *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2 + 4096;
		w->buf = realloc(w->buf, w->cap);
		assert_non_null(w->buf);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void tw_octal(unsigned char *f, size_t len, uint64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)len - 1, (unsigned long long)v);
	assert_int_equal(strlen(tmp), len - 1);
	memcpy(f, tmp, len - 1);
	f[len - 1] = '\0';
}

static inline void tw_b256(unsigned char *f, size_t len, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (size_t i = len; i-- > 1;) {
		f[i] = (unsigned char)u;
		u = (uint64_t)((int64_t)u >> 8);
	}
	f[0] = v < 0 ? 0xff : 0x80;
}

static inline void tw_header(struct tw *w, const struct tw_hdr *h)
{
	unsigned char b[512] = { 0 };
	unsigned mode = h->mode ? h->mode : (h->type == '5' ? 0755 : 0644);

	memcpy(b, h->name, strnlen(h->name, 100));
	tw_octal(b + 100, 8, mode);
	if (h->b256_uid) {
		tw_b256(b + 108, 8, (int64_t)h->uid);
		tw_b256(b + 116, 8, (int64_t)h->gid);
	} else {
		tw_octal(b + 108, 8, h->uid);
		tw_octal(b + 116, 8, h->gid);
	}
	if (h->b256_size)
		tw_b256(b + 124, 12, (int64_t)h->size);
	else
		tw_octal(b + 124, 12, h->size);
	if (h->b256_mtime)
		tw_b256(b + 136, 12, h->mtime);
	else
		tw_octal(b + 136, 12, (uint64_t)h->mtime);
	b[156] = (unsigned char)(h->type ? h->type : '0');
	if (h->link)
		memcpy(b + 157, h->link, strnlen(h->link, 100));
	if (h->fmt == TW_USTAR) {
		memcpy(b + 257, "ustar\0" "00", 8);
	} else if (h->fmt == TW_GNU) {
		memcpy(b + 257, "ustar  \0", 8);
	}
	if (h->fmt != TW_V7) {
		memcpy(b + 265, "root", 4);
		memcpy(b + 297, "root", 4);
		tw_octal(b + 329, 8, h->major);
		tw_octal(b + 337, 8, h->minor);
	}
	if (h->prefix)
		memcpy(b + 345, h->prefix, strnlen(h->prefix, 155));
	memset(b + 148, ' ', 8);
	int64_t sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h->signed_sum ? (signed char)b[i] : b[i];
	if (h->bad_sum)
		sum += 1;
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%06llo", (unsigned long long)(sum & 0777777));
	memcpy(b + 148, tmp, 6);
	b[154] = '\0';
	b[155] = ' ';
	tw_append(w, b, 512);
}

/* Body bytes, padded to the block. */
static inline void tw_data(struct tw *w, const void *p, size_t n)
{
	static const unsigned char zero[512];
	tw_append(w, p, n);
	if (n % 512)
		tw_append(w, zero, 512 - n % 512);
}

static inline void tw_file(struct tw *w, const char *name, const char *content, unsigned mode)
{
	struct tw_hdr h = { .name = name, .type = '0', .mode = mode, .size = strlen(content),
			    .mtime = 1700000000 };
	tw_header(w, &h);
	tw_data(w, content, strlen(content));
}

static inline void tw_entry(struct tw *w, const char *name, char type, const char *link)
{
	struct tw_hdr h = { .name = name, .type = type, .link = link, .mtime = 1700000000 };
	tw_header(w, &h);
}

/* A GNU 'L' or 'K' header carrying `name` (with its NUL, as GNU tar). */
static inline void tw_gnu_long(struct tw *w, char type, const char *name)
{
	struct tw_hdr h = { .name = "././@LongLink", .type = type, .size = strlen(name) + 1,
			    .fmt = TW_GNU };
	tw_header(w, &h);
	tw_data(w, name, strlen(name) + 1);
}

/* A pax 'x' (or 'g') header from "key=value" strings, NULL-terminated. */
static inline void tw_pax(struct tw *w, char type, const char *const *kv)
{
	char body[8192];
	size_t n = 0;
	for (; *kv; kv++) {
		/* The length counts its own digits. */
		size_t l = 0;
		for (size_t digits = 1;; digits++) {
			size_t total = strlen(*kv) + 2 + digits;
			char d[24];
			snprintf(d, sizeof(d), "%zu", total);
			if (strlen(d) == digits) {
				l = total;
				break;
			}
		}
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%zu %s\n", l, *kv);
		assert_true(n < sizeof(body));
	}
	struct tw_hdr h = { .name = "PaxHeaders/x", .type = type, .size = n };
	tw_header(w, &h);
	tw_data(w, body, n);
}

static inline void tw_end(struct tw *w)
{
	static const unsigned char zero[1024];
	tw_append(w, zero, sizeof(zero));
}

static inline void tw_save(const struct tw *w, const char *path, bool gz)
{
	if (gz) {
		gzFile g = gzopen(path, "wb");
		assert_non_null(g);
		assert_int_equal(gzwrite(g, w->buf, (unsigned)w->len), (int)w->len);
		assert_int_equal(gzclose(g), Z_OK);
	} else {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(w->buf, 1, w->len, f), w->len);
		assert_int_equal(fclose(f), 0);
	}
}

static inline void tw_free(struct tw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

#endif
