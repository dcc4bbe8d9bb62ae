/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registry's HTTP side over libcurl: a session per registry that
 * keeps its token, GETs of manifests into memory, and blobs streamed to
 * files in parallel with their digests checked on the way. Internal to
 * registry-pull.c. */
#ifndef NC_RUNTIME_REGISTRY_HTTP_H
#define NC_RUNTIME_REGISTRY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/registry.h"

struct rt_reg_session {
	char base[600];     /* "https://registry-1.docker.io/v2/library/nginx/" */
	char domain[300];   /* as the reference names it, for messages */
	char repo[300];     /* "library/nginx", for the token's scope */
	const char *user, *secret; /* NULL: anonymous */
	char *authz;        /* "Authorization: ..." once known (malloc'ed) */
};

void rt_reg_session_free(struct rt_reg_session *s);

/* GET base + `rel` into memory (at most `max` bytes), with `accept`
 * (may be NULL). Handles 401 (Bearer token or Basic) once. *body is
 * malloc'ed and NUL-terminated; *ctype is the Content-Type (malloc'ed,
 * may be NULL). Errors name the URL's object, the registry and the cause. */
int rt_reg_get(struct rt_reg_session *s, const char *rel, const char *accept, size_t max, char **body,
	       size_t *len, char **ctype, nc_err *err);

/* One blob to fetch into `path` (created 0600), checked against digest. */
struct rt_reg_blob {
	const char *digest;
	uint64_t size;
	char path[4096];
	size_t index; /* for progress */
};

/* Fetches every blob, `parallel` at a time, each retried on connection
 * errors, 5xx and 429 with backoff. A blob whose bytes do not hash to its
 * digest, or that is longer than its size, fails the call, and its file is
 * removed. */
int rt_reg_get_blobs(struct rt_reg_session *s, struct rt_reg_blob *blobs, size_t n, size_t parallel,
		     const struct rt_pull_progress *progress, nc_err *err);

#endif
