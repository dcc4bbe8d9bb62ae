/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable text buffer for generated text: nftables rulesets, /etc/hosts,
 * state records, `config` output. Allocation failure is sticky: the buffer
 * remembers it and nc_strbuf_ok() tells the caller once, at the end.
 */
#ifndef NC_COMMON_STRBUF_H
#define NC_COMMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct nc_strbuf {
	char *s;   /* always NUL-terminated when len > 0 or after any append */
	size_t len, cap;
	bool oom;
};

#define NC_STRBUF_INIT { NULL, 0, 0, false }

void nc_strbuf_append(struct nc_strbuf *b, const char *s);
void nc_strbuf_appendn(struct nc_strbuf *b, const char *s, size_t n);
void nc_strbuf_printf(struct nc_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nc_strbuf_putc(struct nc_strbuf *b, char c);
static inline bool nc_strbuf_ok(const struct nc_strbuf *b) { return !b->oom; }
/* The text ("" when empty); valid until the next append. */
const char *nc_strbuf_str(const struct nc_strbuf *b);
/* Hands the buffer to the caller (free()); the strbuf is reset. */
char *nc_strbuf_take(struct nc_strbuf *b);
void nc_strbuf_reset(struct nc_strbuf *b);
void nc_strbuf_free(struct nc_strbuf *b);

static inline void nc_strbuf_freep(struct nc_strbuf *b) { nc_strbuf_free(b); }
#define _cleanup_strbuf_ __attribute__((cleanup(nc_strbuf_freep)))

#endif
