/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The build cache: one small file a step, `<lib>/build-cache/<key>`,
 * written atomically. It says which layer the step made ("-" for a step
 * that changes only the config). An entry whose layer was removed from
 * the store (rmi, image prune) is a miss: the step runs again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/build-internal.h"
#include "runtime/registry.h"

static void put_str(struct nc_sha256 *h, const char *tag, const char *s)
{
	nc_sha256_update(h, tag, strlen(tag) + 1);
	if (s)
		nc_sha256_update(h, s, strlen(s) + 1);
	else
		nc_sha256_update(h, "\xff", 1); /* unset, apart from "" */
}

void nc_bcache_key(const char *parent, const struct nc_df_step *step, const char *content,
		   char key[NC_SHA256_HEX_LEN])
{
	struct nc_sha256 h;
	uint8_t d[NC_SHA256_LEN];
	const struct nc_df_instr *in = step->in;

	nc_sha256_init(&h);
	put_str(&h, "ncompose-build-v1", parent);
	put_str(&h, "kind", nc_df_kind_name(in->kind));
	put_str(&h, "exec", in->exec_form ? "1" : "0");
	for (size_t i = 0; i < step->n_words; i++)
		put_str(&h, "word", step->words[i]);
	for (size_t i = 0; i < step->n_kv; i++) {
		put_str(&h, "key", step->kv[i].key);
		put_str(&h, "value", step->kv[i].value);
	}
	for (size_t i = 0; i < in->n_flags; i++) {
		put_str(&h, "flag", in->flags[i].name);
		put_str(&h, "flag-value", in->flags[i].value);
	}
	put_str(&h, "from", step->copy_from);
	put_str(&h, "chown", step->chown);
	put_str(&h, "healthcheck-none", in->healthcheck_none ? "1" : "0");
	/* What RUN sees of the build's variables is part of what it does. */
	if (in->kind == NC_DF_RUN)
		for (size_t i = 0; i < step->n_scope; i++) {
			put_str(&h, "scope", step->scope[i].key);
			put_str(&h, "scope-value", step->scope[i].value);
		}
	put_str(&h, "content", content);
	nc_sha256_final(&h, d);
	nc_sha256_hex(d, key);
}

int nc_bcache_get(struct nc_builder *b, const char *key, struct nc_bcache_entry *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	nc_err ignored;

	*e = (struct nc_bcache_entry){ 0 };
	if (b->no_cache)
		return 0;
	if (nc_pathf(path, sizeof(path), "%s/%s", b->cache, key) < 0 ||
	    nc_read_file_bounded(path, 4096, &text, &len, &ignored) < 0)
		return 0;
	if (!strcmp(text, "-\n"))
		return 1;
	uint64_t size;
	char digest[80];
	if (sscanf(text, "%79s %" SCNu64, digest, &size) != 2 || strncmp(digest, "sha256:", 7))
		return 0; /* not ours: a miss, rewritten by this build */
	struct stat st;
	if (rt_registry_blob_path(b->registry, digest, path, sizeof(path)) < 0 || stat(path, &st) < 0)
		return 0;
	e->has_layer = true;
	snprintf(e->digest, sizeof(e->digest), "%s", digest);
	e->size = size;
	return 1;
}

int nc_bcache_put(struct nc_builder *b, const char *key, const struct nc_bcache_entry *e)
{
	char path[PATH_MAX], text[128];

	if (nc_pathf(path, sizeof(path), "%s/%s", b->cache, key) < 0)
		return nc_err_msg(b->err, ENAMETOOLONG, "build cache `%s`", b->cache);
	if (e->has_layer)
		snprintf(text, sizeof(text), "%s %" PRIu64 "\n", e->digest, e->size);
	else
		snprintf(text, sizeof(text), "-\n");
	return nc_write_file_atomic(path, text, strlen(text), 0600, b->err);
}
