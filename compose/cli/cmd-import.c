/* SPDX-License-Identifier: GPL-2.0-or-later */
/* import kathara DIR [-o FILE] [--host-image NAME]...: a Kathará lab as a
 * compose file. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/path.h"
#include "compose/cli/cli.h"
#include "compose/cli/common.h"
#include "compose/file/containerlab.h"
#include "compose/file/kathara.h"

#define MAX_HOST_IMAGES 64

static void help(void)
{
	printf("Usage: ncompose import kathara DIR [-o FILE] [--host-image NAME]...\n"
	       "       ncompose import containerlab FILE [-o FILE] [--host-image NAME]...\n\n"
	       "Translate the Kathará lab in DIR (lab.conf, DEVICE.startup, DEVICE/, lab.dep)\n"
	       "into a compose file, on standard output or in FILE. Each collision domain\n"
	       "becomes a layer-2 network (enable_ipv4: false), each device a service with its\n"
	       "interfaces eth0, eth1... in lab.conf's order; the startup script runs with bash\n"
	       "at start, the files under DEVICE/ are bound read-only at their place in the\n"
	       "device's root. `ncompose up DIR` does the same on the fly. Without lab.conf\n"
	       "(or with an empty one) DIR's directories are the devices, as `kathara lstart -F`.\n\n"
	       "containerlab: each node of kind linux (FRR images among them) becomes a\n"
	       "service, `kinds:`, `groups:` and `defaults:` inherited as containerlab does;\n"
	       "links become `links:` with their interface names, the management network\n"
	       "the `default` network at eth0; `exec:` runs at start, `binds:` are binds\n"
	       "relative to the topology's directory. `ncompose up FILE.clab.yml` does the\n"
	       "same on the fly. Other kinds are refused, keys not translated are warnings.\n\n"
	       "  -o, --output FILE      write FILE instead of standard output\n"
	       "      --host-image NAME  devices of image NAME run on the host's own root\n"
	       "                         (repeatable; devices without [image] always do)\n"
	       "  -h, --help             this help\n");
}

static char *dir_of(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return NULL;
	char *slash = strrchr(d, '/');
	if (!slash)
		strcpy(d, ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	return d;
}

/* How the file names the lab's files: relative to where the file is read
 * from (the current directory for standard output), else absolute. */
static int lab_base(const char *dir, const char *output, char *base, size_t size)
{
	_cleanup_free_ char *lab = realpath(dir, NULL);
	if (!lab)
		return -errno;
	if (output) {
		_cleanup_free_ char *od = dir_of(output);
		_cleanup_free_ char *real = od ? realpath(od, NULL) : NULL;
		if (real && !strcmp(real, lab))
			return snprintf(base, size, ".") < 0 ? -EINVAL : 0;
		return nc_pathf(base, size, "%s", lab) < 0 ? -ENAMETOOLONG : 0;
	}
	if (dir[0] == '/')
		return nc_pathf(base, size, "%s", lab) < 0 ? -ENAMETOOLONG : 0;
	/* "./DIR" (a bind source reads as a path), tidied: "." is ".", not "./." */
	return nc_path_join(base, size, ".", dir);
}

static int write_out(const char *what, const char *output, struct nc_strbuf *out)
{
	nc_err err = { 0 };
	if (!output) {
		fputs(nc_strbuf_str(out), stdout);
		return fflush(stdout) == 0 ? NC_EXIT_OK : cli_failf(NC_EXIT_FAILURE, "import: write: %s", strerror(errno));
	}
	if (nc_write_file_atomic(output, out->s, out->len, 0644, &err) < 0)
		return cli_failf(NC_EXIT_FAILURE, "import %s: %s", what, err.msg);
	return NC_EXIT_OK;
}

static int import_clab(int argc, char **argv, const char *output, const char *const *hosts, size_t n_hosts)
{
	if (optind + 1 >= argc)
		return cli_failf(NC_EXIT_USAGE, "import containerlab: which topology? `ncompose import containerlab FILE`");
	if (optind + 2 < argc)
		return cli_failf(NC_EXIT_USAGE, "import containerlab: unexpected argument `%s`", argv[optind + 2]);
	const char *file = argv[optind + 1];
	struct stat st;
	if (stat(file, &st) < 0)
		return cli_failf(NC_EXIT_USAGE, "import containerlab: `%s`: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cli_failf(NC_EXIT_USAGE, "import containerlab: `%s` is not a file; give the topology file", file);
	_cleanup_free_ char *dir = dir_of(file);
	char base[PATH_MAX];
	int r = dir ? lab_base(dir, output, base, sizeof(base)) : -ENOMEM;
	if (r < 0)
		return cli_failf(NC_EXIT_FAILURE, "import containerlab: `%s`: %s", file, strerror(-r));
	struct nc_clab_opts o = { .base = base, .host_images = hosts, .n_host_images = n_hosts };
	_cleanup_(nc_strbuf_freep) struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	if (nc_clab_import_file(file, &o, stderr, &out, &err) < 0)
		return cli_failf(err.errnum == EINVAL ? NC_EXIT_USAGE : NC_EXIT_FAILURE, "import containerlab: %s", err.msg);
	return write_out("containerlab", output, &out);
}

int cli_import(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "host-image", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *hosts[MAX_HOST_IMAGES];
	const char *output = NULL;
	size_t n_hosts = 0;
	int c;

	(void)g;
	/* Options anywhere (getopt permutes): `import kathara DIR -o FILE`. */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'H':
			if (n_hosts == MAX_HOST_IMAGES)
				return cli_failf(NC_EXIT_USAGE, "import: more than %d --host-image", MAX_HOST_IMAGES);
			hosts[n_hosts++] = optarg;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "import: unknown option; see `ncompose import --help`");
		}
	}
	if (optind >= argc)
		return cli_failf(NC_EXIT_USAGE, "import: which format? `ncompose import kathara DIR`");
	if (!strcmp(argv[optind], "containerlab") || !strcmp(argv[optind], "clab"))
		return import_clab(argc, argv, output, hosts, n_hosts);
	if (strcmp(argv[optind], "kathara"))
		return cli_failf(NC_EXIT_USAGE,
				 "import: `%s` is not a format this version imports; `kathara` or `containerlab`",
				 argv[optind]);
	if (optind + 1 >= argc)
		return cli_failf(NC_EXIT_USAGE, "import kathara: which lab directory? `ncompose import kathara DIR`");
	if (optind + 2 < argc)
		return cli_failf(NC_EXIT_USAGE, "import kathara: unexpected argument `%s`", argv[optind + 2]);
	const char *dir = argv[optind + 1];
	struct stat st;
	if (stat(dir, &st) < 0)
		return cli_failf(NC_EXIT_USAGE, "import kathara: `%s`: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cli_failf(NC_EXIT_USAGE, "import kathara: `%s` is not a lab directory", dir);

	char base[PATH_MAX];
	int r = lab_base(dir, output, base, sizeof(base));
	if (r < 0)
		return cli_failf(NC_EXIT_FAILURE, "import kathara: `%s`: %s", dir, strerror(-r));
	struct nc_kat_opts o = { .base = base, .host_images = hosts, .n_host_images = n_hosts, .source = dir };
	_cleanup_(nc_strbuf_freep) struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	if (nc_kat_import_dir(dir, &o, stderr, &out, &err) < 0)
		return cli_failf(err.errnum == EINVAL ? NC_EXIT_USAGE : NC_EXIT_FAILURE, "import kathara: %s", err.msg);
	if (!output) {
		fputs(nc_strbuf_str(&out), stdout);
		return fflush(stdout) == 0 ? NC_EXIT_OK : cli_failf(NC_EXIT_FAILURE, "import: write: %s", strerror(errno));
	}
	if (nc_write_file_atomic(output, out.s, out.len, 0644, &err) < 0)
		return cli_failf(NC_EXIT_FAILURE, "import kathara: %s", err.msg);
	return NC_EXIT_OK;
}
