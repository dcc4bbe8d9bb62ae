/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rmi, image prune (and image ls / image rm, Docker's other spellings):
 * removing images from the store, never one a container uses. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "compose/cli/cli.h"
#include "compose/lifecycle/images.h"

static void rmi_help(void)
{
	printf("Usage: ncompose rmi IMAGE...\n\n"
	       "Removes images from the store under /var/lib/ncompose. IMAGE is a reference\n"
	       "as a compose file writes it (`nginx`, `host:5000/app:1`) or a unique prefix\n"
	       "(4 digits or more) of its ID as `ncompose images` shows it. An image that a\n"
	       "container of any project uses, running or stopped, is not removed: the\n"
	       "message names the containers (PROJECT/SERVICE); `down` that project first.\n"
	       "Blobs that no image links any more go too, and unpacked layers no remaining\n"
	       "image lists (a layer another image shares stays).\n\n"
	       "  -h, --help  this help\n");
}

static void prune_help(void)
{
	printf("Usage: ncompose image prune [-a] [-f]\n\n"
	       "Removes the images no container uses, blobs no image links and unpacked\n"
	       "layers no remaining image lists. Without -a, only untagged images (the\n"
	       "unpacked copies of local tarballs and layouts); with -a, pulled images too.\n"
	       "Prints what it removed and the space reclaimed.\n"
	       "On a terminal it asks first, unless -f. A container of any project, running\n"
	       "or stopped, keeps its image; an `up` or `pull` under way is waited for.\n\n"
	       "  -a, --all    pulled (tagged) images too, not only untagged ones\n"
	       "  -f, --force  do not ask\n"
	       "  -h, --help   this help\n");
}

static void image_help(void)
{
	printf("Usage: ncompose image COMMAND\n\n"
	       "  ls        the images in the store (as `ncompose images`)\n"
	       "  rm        remove images (as `ncompose rmi`)\n"
	       "  prune     remove images no container uses\n");
}

static const char *label(const struct nc_stored_image *im, char buf[16])
{
	if (im->name)
		return im->name;
	snprintf(buf, 16, "%.12s", im->id);
	return buf;
}

static void reclaimed(uint64_t b)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)b;
	size_t u = 0;
	while (v >= 1000 && u + 1 < NC_ELEMENTSOF(unit)) {
		v /= 1000;
		u++;
	}
	printf(u ? "Total reclaimed space: %.3g%s\n" : "Total reclaimed space: %.0f%s\n", v, unit[u]);
}

int cli_rmi(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct nc_paths paths;
	struct nc_image_list l;
	nc_err err;
	int c, code = NC_EXIT_OK;

	(void)g;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			rmi_help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "rmi: unknown option; see `ncompose rmi --help`");
		}
	}
	if (optind >= argc)
		return cli_failf(NC_EXIT_USAGE, "rmi: name at least one image; see `ncompose images`");
	nc_paths_from_env(&paths);
	_cleanup_close_ int lock = -1;
	if (nc_images_lock(&paths, true, &lock, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	for (int i = optind; i < argc; i++) {
		/* Listed again for each: the one before may have freed blobs. */
		size_t k;
		if (nc_images_list(&paths, &l, &err) < 0)
			return cli_fail(NC_EXIT_FAILURE, &err);
		if (nc_image_find(&l, argv[i], &k, &err) < 0) {
			code = cli_fail(NC_EXIT_FAILURE, &err);
			nc_image_list_free(&l);
			continue;
		}
		const struct nc_stored_image *im = &l.v[k];
		char buf[16];
		if (im->n_users) {
			fprintf(stderr, "%s: image %s is used by container%s ", cli_prog(), label(im, buf),
				im->n_users > 1 ? "s" : "");
			for (size_t u = 0; u < im->n_users; u++)
				fprintf(stderr, "%s%s", u ? ", " : "", im->users[u]);
			fprintf(stderr, " (PROJECT/SERVICE); not removed: `ncompose -p PROJECT down` first\n");
			code = NC_EXIT_FAILURE;
		} else {
			uint64_t freed = 0;
			if (nc_image_remove(&paths, im, &freed, &err) < 0)
				code = cli_fail(NC_EXIT_FAILURE, &err);
			else
				printf("Deleted: %s (%.12s)\n", label(im, buf), im->id);
		}
		nc_image_list_free(&l);
	}
	return code;
}

static int prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool all = false, force = false;
	struct nc_paths paths;
	struct nc_image_list l;
	nc_err err;
	int c, code = NC_EXIT_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "afh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			prune_help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "image prune: unknown option; see `ncompose image prune --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "image prune: takes no arguments; see `ncompose image prune --help`");
	if (!force && isatty(STDIN_FILENO)) {
		char line[16] = "";
		fprintf(stderr, "This removes %s images no container uses. Are you sure? [y/N] ",
			all ? "all the" : "the untagged");
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return NC_EXIT_OK;
	}
	nc_paths_from_env(&paths);
	_cleanup_close_ int lock = -1;
	if (nc_images_lock(&paths, true, &lock, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	if (nc_images_list(&paths, &l, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	uint64_t freed = 0;
	size_t n_blobs = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct nc_stored_image *im = &l.v[i];
		char buf[16];
		if (im->n_users || (im->name && !all))
			continue;
		if (nc_image_remove(&paths, im, &freed, &err) < 0) {
			code = cli_fail(NC_EXIT_FAILURE, &err);
			continue;
		}
		printf("Deleted: %s (%.12s)\n", label(im, buf), im->id);
	}
	nc_image_list_free(&l);
	if (nc_images_remove_orphans(&paths, &freed, &n_blobs, &err) < 0)
		code = cli_fail(NC_EXIT_FAILURE, &err);
	if (n_blobs)
		printf("Deleted: %zu unreferenced blob%s\n", n_blobs, n_blobs > 1 ? "s" : "");
	reclaimed(freed);
	return code;
}

int cli_image(const struct cli_global *g, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		image_help();
		return argc < 2 ? NC_EXIT_USAGE : NC_EXIT_OK;
	}
	if (!strcmp(argv[1], "prune"))
		return prune(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rm")) {
		optind = 0;
		return cli_rmi(g, argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "ls")) {
		/* Always the whole store, whatever -p or -f say. */
		struct cli_global none = { 0 };
		optind = 0;
		return cli_images(&none, argc - 1, argv + 1);
	}
	return cli_failf(NC_EXIT_USAGE, "image: unknown command `%s`; see `ncompose image --help`", argv[1]);
}
