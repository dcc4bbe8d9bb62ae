/* SPDX-License-Identifier: GPL-2.0-or-later */
/* images: without a project named (-p, -f) or a service, every image in
 * the store with its size and the containers that use it; with one, the
 * images the project's containers run (paths here: a directory, a rootfs
 * or docker-save tarball, an OCI layout, or a registry reference), with
 * their size on disk, as Compose's `images`. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/images.h"

static void help(void)
{
	printf("Usage: ncompose images [--format table|json] [-q]\n"
	       "       ncompose [-f FILE] [-p PROJECT] images [--format table|json] [-q] [SERVICE...]\n\n"
	       "Without -p, -f or a SERVICE: every image in the store under /var/lib/ncompose\n"
	       "(pulled references, and the unpacked copies of local tarballs and layouts,\n"
	       "untagged), its ID, its size (all its layers) and the containers\n"
	       "(PROJECT/SERVICE, running or stopped) that use it, then the store's total on\n"
	       "disk, where a layer shared by several images counts once. With a project:\n"
	       "the images its containers run: the service, the image (`-` for the host's own\n"
	       "root, read-only) and its size on disk.\n\n"
	       "  --format FORMAT  table (default) or json\n"
	       "  -q, --quiet      only the IDs (store) or the images, each once (project)\n"
	       "  -h, --help       this help\n\n"
	       "See also `ncompose rmi` and `ncompose image prune`.\n");
}

static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode))
		tree_bytes += (uint64_t)st->st_size;
	return 0;
}

/* Bytes of a file, or of the regular files of a tree (links not followed);
 * -1 when it cannot be read. */
static int64_t size_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return (int64_t)st.st_size;
	tree_bytes = 0;
	if (nftw(path, add_size, 32, FTW_PHYS | FTW_MOUNT) < 0)
		return -1;
	return (int64_t)tree_bytes;
}

static void human(int64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)b;
	size_t u = 0;

	if (b < 0) {
		snprintf(buf, size, "-");
		return;
	}
	while (v >= 1000 && u + 1 < NC_ELEMENTSOF(unit)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.3g%s" : "%.0f%s", v, unit[u]);
}

/* The whole store, with who uses what. */
static int store_images(bool json, bool quiet)
{
	struct nc_paths paths;
	struct nc_image_list l;
	nc_err err;

	nc_paths_from_env(&paths);
	if (nc_images_list(&paths, &l, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	if (json) {
		_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
		struct nc_json j;
		nc_json_init(&j, &out);
		nc_json_array_begin(&j);
		for (size_t i = 0; i < l.n; i++) {
			const struct nc_stored_image *im = &l.v[i];
			nc_json_object_begin(&j);
			nc_json_kv_string(&j, "ID", im->id);
			nc_json_kv_string(&j, "Repository", im->name);
			nc_json_kv_int(&j, "Size", (int64_t)im->size);
			nc_json_kv_bool(&j, "Unpacked", im->root != NULL);
			nc_json_key(&j, "UsedBy");
			nc_json_array_begin(&j);
			for (size_t k = 0; k < im->n_users; k++)
				nc_json_string(&j, im->users[k]);
			nc_json_array_end(&j);
			nc_json_object_end(&j);
		}
		nc_json_array_end(&j);
		printf("%s\n", nc_strbuf_str(&out));
	} else if (quiet) {
		for (size_t i = 0; i < l.n; i++)
			printf("%.12s\n", l.v[i].id);
	} else {
		printf("%-48s %-12s %-8s %s\n", "REPOSITORY", "IMAGE ID", "SIZE", "USED BY");
		for (size_t i = 0; i < l.n; i++) {
			const struct nc_stored_image *im = &l.v[i];
			char size[32];
			human((int64_t)im->size, size, sizeof(size));
			printf("%-48s %-12.12s %-8s ", im->name ? im->name : "<none>", im->id, size);
			for (size_t k = 0; k < im->n_users; k++)
				printf("%s%s", k ? "," : "", im->users[k]);
			printf("%s\n", im->n_users ? "" : "-");
		}
		/* An image's size counts every layer it stacks; the store holds
		 * a layer once however many images share it. */
		if (l.n) {
			char size[32];
			human((int64_t)l.store_bytes, size, sizeof(size));
			printf("Total on disk: %s (a layer shared by several images counted once)\n", size);
		}
	}
	nc_image_list_free(&l);
	return NC_EXIT_OK;
}

int cli_images(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "json", NULL };
	const char *format = "table";
	bool quiet = false;
	struct cli_running run;
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
	struct nc_json j;
	nc_err err;
	int c, code;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code = cli_parse_choice("images", "--format", optarg, formats, &format)))
				return code;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "images: unknown option; see `ncompose images --help`");
		}
	}
	bool json = !strcmp(format, "json");
	if (!g->arg_project && !g->arg_file && optind >= argc)
		return store_images(json, quiet);
	if ((code = cli_open_running(g, "images", &run)))
		return code;
	nc_json_init(&j, &out);
	if (json)
		nc_json_array_begin(&j);
	else if (!quiet)
		printf("%-16s %-48s %s\n", "CONTAINER", "IMAGE", "SIZE");
	_cleanup_strv_ char **seen = calloc(run.n_services + 1, sizeof(char *));
	size_t n_seen = 0;
	for (size_t k = 0; k < run.n_services && seen; k++) {
		struct nc_container_info ci;
		bool named = optind >= argc;
		for (int i = optind; i < argc; i++)
			named |= !strcmp(argv[i], run.services[k]);
		if (!named)
			continue;
		if (nc_info_read(run.st, run.services[k], &ci, &err) < 0) {
			if (err.errnum != ENOENT)
				code = cli_fail(NC_EXIT_FAILURE, &err);
			continue; /* never started: no image in use */
		}
		const char *img = ci.image ? ci.image : "-";
		if (quiet && !json) {
			bool dup = false;
			for (size_t i = 0; i < n_seen; i++)
				dup |= !strcmp(seen[i], img);
			if (!dup && ci.image && (seen[n_seen] = strdup(img))) {
				n_seen++;
				printf("%s\n", img);
			}
			nc_info_free(&ci);
			continue;
		}
		int64_t bytes = ci.image ? size_of(ci.image) : -1;
		if (json) {
			nc_json_object_begin(&j);
			nc_json_kv_string(&j, "ContainerName", ci.service);
			nc_json_kv_string(&j, "Repository", ci.image);
			nc_json_kv_string(&j, "Tag", "");
			if (bytes >= 0)
				nc_json_kv_int(&j, "Size", bytes);
			else
				nc_json_kv_string(&j, "Size", NULL);
			nc_json_object_end(&j);
		} else {
			char size[32];
			human(bytes, size, sizeof(size));
			printf("%-16s %-48s %s\n", ci.service, img, size);
		}
		nc_info_free(&ci);
	}
	if (json) {
		nc_json_array_end(&j);
		printf("%s\n", nc_strbuf_str(&out));
	}
	cli_close_running(&run);
	return code;
}
