/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * containerlab topologies (FILE.clab.yml) translated into the text of a
 * compose file: nodes of kind `linux` (FRR images among them) become
 * services, links the file's `links:`, the management network the
 * `default` network at eth0. Pure: text in, text out.
 */
#ifndef NC_COMPOSE_CONTAINERLAB_H
#define NC_COMPOSE_CONTAINERLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "compose/file/yaml-tree.h"

struct nc_clab_opts {
	/* Relative bind sources are named as BASE/SOURCE: "." when the
	 * compose file sits beside the topology. */
	const char *base;
	const char *const *host_images; /* images run on the host's root */
	size_t n_host_images;
};

/* True when the name ends in .clab.yml or .clab.yaml. */
bool nc_clab_is_topology_name(const char *path);

/* True when a parsed document is a topology: a top-level `topology:` and
 * no `services:`. */
bool nc_clab_is_topology(const struct nc_yt_node *root);

/* The compose file for the topology in `text` (read from `path`, for
 * messages "PATH:LINE:COL: ..."). Keys this version does not translate are
 * warnings written to `warnings` (may be NULL); other kinds than linux are
 * errors (EINVAL). */
int nc_clab_translate(const char *path, const char *text, size_t len, const struct nc_clab_opts *o,
		      FILE *warnings, struct nc_strbuf *out, nc_err *err);

/* Reads FILE and translates it. */
int nc_clab_import_file(const char *path, const struct nc_clab_opts *o, FILE *warnings, struct nc_strbuf *out,
			nc_err *err);

#endif
