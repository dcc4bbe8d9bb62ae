/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pulling images from a registry (the OCI Distribution API) into an OCI
 * image layout on disk, which the image store then unpacks like any local
 * layout. Every blob is checked against its digest while it streams; what
 * does not match is refused and not kept.
 */
#ifndef NC_RUNTIME_REGISTRY_H
#define NC_RUNTIME_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/image-ref.h"

/* A platform as OCI writes it: linux/arm64/v8. */
struct rt_platform {
	char os[32];
	char arch[32];
	char variant[32];
};

/* This machine's platform, in Go's names (x86_64 is amd64). */
void rt_platform_host(struct rt_platform *out);
/* "os/arch[/variant]" as `platform:` gives it. */
int rt_platform_parse(const char *s, struct rt_platform *out, nc_err *err);

/* Progress of one pull, for the caller to show (may be NULL). */
struct rt_pull_progress {
	void (*layer)(void *ctx, size_t index, size_t count, const char *digest, uint64_t done,
		      uint64_t total, bool finished);
	void *ctx;
};

struct rt_pull_opts {
	const struct rt_platform *platform; /* NULL: the host's */
	const char *docker_config;          /* directory of config.json; NULL: $DOCKER_CONFIG, ~/.docker */
	const char *registries_conf;        /* mirrors and insecure registries; NULL: the default file */
	const struct rt_pull_progress *progress;
};

/*
 * Pulls `ref` into `<store>/<hex sha256 of the canonical reference>/` as an
 * OCI layout holding exactly the chosen manifest, its config and layers
 * (blobs shared with other images through hard links from `<store>/blobs`),
 * and sets *layout (malloc'ed) to that directory. *digest gets the
 * manifest's digest (sha256:...). Replaces an older pull of the same
 * reference atomically.
 */
int rt_registry_pull(const struct nc_image_ref *ref, const char *store, const struct rt_pull_opts *o,
		     char **layout, char digest[80], nc_err *err);

/* The layout an earlier pull of `ref` left, or -ENOENT. */
int rt_registry_pulled(const struct nc_image_ref *ref, const char *store, char **layout, nc_err *err);

/* `<store>/blobs/sha256/<hex>` for `sha256:<hex>`; -EINVAL for another
 * form, -ENAMETOOLONG. */
int rt_registry_blob_path(const char *store, const char *digest, char *out, size_t size);

/*
 * A built image tagged `ref`, as a pull would have left it: the config and
 * the manifest (an OCI image manifest naming that config and layers
 * already in `<store>/blobs`) stored as blobs, and the layout under the
 * reference swapped into place. *digest: the manifest's.
 */
int rt_registry_store_built(const struct nc_image_ref *ref, const char *store, const char *config,
			    const char *manifest, char **layout, char digest[80], nc_err *err);

/* --- the pieces, exposed for their unit tests --- */

/* A `WWW-Authenticate` challenge. */
enum rt_auth_scheme { RT_AUTH_NONE, RT_AUTH_BASIC, RT_AUTH_BEARER };
struct rt_challenge {
	enum rt_auth_scheme scheme;
	char realm[1024];
	char service[256];
	char scope[512];
};
int rt_challenge_parse(const char *header, struct rt_challenge *out, nc_err *err);

/* A manifest, an index or a Docker manifest list, by its media type. */
struct rt_desc {
	const char *media_type;
	const char *digest;
	uint64_t size;
	struct rt_platform platform; /* index entries only; empty when not said */
};
struct rt_manifest {
	bool is_index;
	struct rt_desc config;    /* manifests */
	struct rt_desc *layers;   /* manifests */
	size_t n_layers;
	struct rt_desc *manifests; /* indexes */
	size_t n_manifests;
};
/* content_type: the response's Content-Type (may be NULL: the body's
 * mediaType decides). Strings point into `a`. */
int rt_manifest_parse(const char *body, const char *content_type, struct nc_arena *a,
		      struct rt_manifest *out, nc_err *err);
/* The index entry for `want` (variant optional on both sides, as Docker:
 * arm64 without variant matches v8). */
int rt_manifest_pick(const struct rt_manifest *index, const struct rt_platform *want, size_t *which,
		     nc_err *err);

/* Credentials for `domain` from a config.json text (`auths` entries as
 * `docker login` writes them); the helper to ask, if credsStore or
 * credHelpers names one. Returns 1 with user/secret, 0 with neither, or
 * 2 with *helper set (a `docker-credential-*` suffix). */
int rt_creds_lookup(const char *config_json, const char *domain, struct nc_arena *a, const char **user,
		    const char **secret, const char **helper, nc_err *err);

#endif
