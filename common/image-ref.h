/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Image references as Docker reads them: `nginx` is
 * docker.io/library/nginx:latest, `user/app:tag` lives on docker.io,
 * `host:port/path/name:tag` and `localhost/name` name their registry, and
 * `name@sha256:<64 hex>` pins a digest. Pure string work: no I/O.
 */
#ifndef NC_COMMON_IMAGE_REF_H
#define NC_COMMON_IMAGE_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define NC_IMAGE_REF_NAME_MAX 255 /* domain/path, as the registry API limits it */
#define NC_IMAGE_REF_TAG_MAX 128
#define NC_IMAGE_REF_DIGEST_MAX 200

struct nc_image_ref {
	char domain[NC_IMAGE_REF_NAME_MAX + 1]; /* "docker.io", "localhost:5000", "[::1]:5000" */
	char path[NC_IMAGE_REF_NAME_MAX + 1];   /* "library/nginx" */
	char tag[NC_IMAGE_REF_TAG_MAX + 1];     /* "latest" when neither tag nor digest was given */
	char digest[NC_IMAGE_REF_DIGEST_MAX + 1]; /* "sha256:<hex>", or "" */
};

/* Parses and normalises `s`. On failure err says what is wrong with it and
 * how a valid reference looks; the caller adds the place in the file. */
int nc_image_ref_parse(const char *s, struct nc_image_ref *out, nc_err *err);

/* domain/path[:tag][@digest]: the form that names one image everywhere. */
#define NC_IMAGE_REF_STRLEN (2 * NC_IMAGE_REF_NAME_MAX + NC_IMAGE_REF_TAG_MAX + NC_IMAGE_REF_DIGEST_MAX + 4)
const char *nc_image_ref_str(const struct nc_image_ref *r, char buf[NC_IMAGE_REF_STRLEN]);

/* The short form people type (`nginx:latest`, `user/app:1`), as `docker
 * images` shows it: docker.io/ and library/ dropped. */
const char *nc_image_ref_familiar(const struct nc_image_ref *r, char buf[NC_IMAGE_REF_STRLEN]);

/* Whether the registry may be spoken to in plain HTTP without being listed
 * as insecure: loopback only (localhost, 127.0.0.0/8, ::1), Docker's rule. */
bool nc_image_ref_domain_is_loopback(const char *domain);

#endif
