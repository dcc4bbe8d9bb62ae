/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/json.h"

#include <inttypes.h>
#include <stdio.h>

void nc_json_init(struct nc_json *j, struct nc_strbuf *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

static void sep(struct nc_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		nc_strbuf_putc(j->out, ',');
	j->first[j->depth] = false;
}

static void open_(struct nc_json *j, char c)
{
	sep(j);
	nc_strbuf_putc(j->out, c);
	if (j->depth + 1 < NC_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct nc_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	nc_strbuf_putc(j->out, c);
}

void nc_json_object_begin(struct nc_json *j) { open_(j, '{'); }
void nc_json_object_end(struct nc_json *j) { close_(j, '}'); }
void nc_json_array_begin(struct nc_json *j) { open_(j, '['); }
void nc_json_array_end(struct nc_json *j) { close_(j, ']'); }

static void quoted(struct nc_strbuf *b, const char *s)
{
	nc_strbuf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': nc_strbuf_append(b, "\\\""); break;
		case '\\': nc_strbuf_append(b, "\\\\"); break;
		case '\n': nc_strbuf_append(b, "\\n"); break;
		case '\t': nc_strbuf_append(b, "\\t"); break;
		case '\r': nc_strbuf_append(b, "\\r"); break;
		default:
			if (c < 0x20)
				nc_strbuf_printf(b, "\\u%04x", c);
			else
				nc_strbuf_putc(b, (char)c);
		}
	}
	nc_strbuf_putc(b, '"');
}

void nc_json_key(struct nc_json *j, const char *key)
{
	sep(j);
	quoted(j->out, key);
	nc_strbuf_putc(j->out, ':');
	j->after_key = true;
}

void nc_json_string(struct nc_json *j, const char *s)
{
	sep(j);
	if (s)
		quoted(j->out, s);
	else
		nc_strbuf_append(j->out, "null");
}

void nc_json_int(struct nc_json *j, int64_t v)
{
	sep(j);
	nc_strbuf_printf(j->out, "%" PRId64, v);
}

void nc_json_bool(struct nc_json *j, bool v)
{
	sep(j);
	nc_strbuf_append(j->out, v ? "true" : "false");
}

void nc_json_null(struct nc_json *j)
{
	sep(j);
	nc_strbuf_append(j->out, "null");
}

void nc_json_kv_string(struct nc_json *j, const char *key, const char *s)
{
	nc_json_key(j, key);
	nc_json_string(j, s);
}

void nc_json_kv_int(struct nc_json *j, const char *key, int64_t v)
{
	nc_json_key(j, key);
	nc_json_int(j, v);
}

void nc_json_kv_bool(struct nc_json *j, const char *key, bool v)
{
	nc_json_key(j, key);
	nc_json_bool(j, v);
}
