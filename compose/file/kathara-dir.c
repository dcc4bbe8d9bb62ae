/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a Kathará lab directory: lab.conf, lab.dep, DEVICE.startup and
 * the files under DEVICE/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/path.h"
#include "compose/file/kathara.h"

/* A lab's text files are small; this bounds what a crafted one costs. */
#define LAB_FILE_MAX (4u << 20)
#define DEVICE_FILES_MAX 4096
#define DEPTH_MAX 32

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A directory of `dir` that Kathará takes for a device when the lab has
 * no lab.conf: any but hidden ones and shared/ (its glob of `*` + `/`). */
static bool device_dir(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;

	if (name[0] == '.' || !strcmp(name, "shared"))
		return false;
	if (nc_path_join(p, sizeof(p), dir, name) < 0)
		return false;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* No lab.conf: a lab of folders only when some DEV/ has a DEV.startup,
 * which says the directory is a Kathará lab and not any directory. */
static bool is_folder_lab(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[4096], leaf[NAME_MAX + sizeof(".startup")];
		struct stat st;
		if (!device_dir(dir, e->d_name) || nc_pathf(leaf, sizeof(leaf), "%s.startup", e->d_name) < 0 ||
		    nc_path_join(p, sizeof(p), dir, leaf) < 0)
			continue;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

bool nc_kat_is_lab_dir(const char *dir)
{
	char p[4096];
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || nc_path_join(p, sizeof(p), dir, "lab.conf") < 0)
		return false;
	if (stat(p, &st) == 0)
		return S_ISREG(st.st_mode);
	return is_folder_lab(dir);
}

struct walk {
	struct nc_kat_lab *lab;
	const char *owner; /* "device `r1`", for messages */
	const char ***files;
	size_t *n, cap;
	FILE *warnings;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Regular files only: a symlink could name any file of the host, and the
 * binds must be the lab's own files. */
static int walk(struct walk *w, const char *root, const char *rel, int depth, nc_err *err)
{
	char path[4096];
	if (nc_path_join(path, sizeof(path), root, rel) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "a path under `%s` is too long", root);
	_cleanup_(closedirp) DIR *dir = opendir(path);
	struct dirent *e;
	int r;

	if (!dir)
		return nc_err_errno(err, errno, "read the device directory `%s`", path);
	if (depth > DEPTH_MAX)
		return nc_err_msg(err, ELOOP, "`%s`: more than %d levels of directories", path, DEPTH_MAX);
	while ((errno = 0, e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[4096], full[4096];
		if (nc_pathf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0 ||
		    nc_path_join(full, sizeof(full), root, sub) < 0)
			return nc_err_msg(err, ENAMETOOLONG, "a path under `%s` is too long", root);
		struct stat st;
		if (lstat(full, &st) < 0)
			return nc_err_errno(err, errno, "stat `%s`", full);
		if (S_ISDIR(st.st_mode)) {
			if ((r = walk(w, root, sub, depth + 1, err)) < 0)
				return r;
		} else if (S_ISREG(st.st_mode)) {
			if (*w->n >= DEVICE_FILES_MAX)
				return nc_err_msg(err, E2BIG, "%s has more than %d files", w->owner, DEVICE_FILES_MAX);
			const char **v = nc_arena_grow(&w->lab->arena, (void *)*w->files, sizeof(*v), &w->cap, *w->n + 1);
			if (!v || !(v[*w->n] = nc_arena_strdup(&w->lab->arena, sub)))
				return nc_err_errno(err, ENOMEM, "read `%s`", path);
			*w->files = v;
			(*w->n)++;
		} else if (w->warnings) {
			fprintf(w->warnings, "ncompose: warning: `%s` is not a regular file or directory; not given to %s\n",
				full, w->owner);
		}
	}
	if (errno)
		return nc_err_errno(err, errno, "read the device directory `%s`", path);
	return 0;
}

static int read_device(struct nc_kat_lab *lab, const char *dir, struct nc_kat_device *d, FILE *warnings,
		       nc_err *err)
{
	char p[4096], leaf[4096];
	struct stat st;
	int r;

	if (nc_pathf(leaf, sizeof(leaf), "%s.startup", d->name) < 0 || nc_path_join(p, sizeof(p), dir, leaf) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "the path of `%s.startup` in `%s` is too long", d->name, dir);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		if ((r = nc_read_file_bounded(p, LAB_FILE_MAX, &text, &len, err)) < 0)
			return r;
		d->has_startup = true;
		if (!(d->startup = nc_arena_strndup(&lab->arena, text, len)))
			return nc_err_errno(err, ENOMEM, "read `%s`", p);
	}
	if (nc_path_join(p, sizeof(p), dir, d->name) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "the path of the device directory `%s` in `%s` is too long", d->name, dir);
	if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		const char *owner = nc_arena_printf(&lab->arena, "device `%s`", d->name);
		const char **files = NULL;
		if (!owner)
			return nc_err_errno(err, ENOMEM, "read `%s`", p);
		struct walk w = { lab, owner, &files, &d->n_files, 0, warnings };
		if ((r = walk(&w, p, "", 0, err)) < 0)
			return r;
		d->files = files;
		if (d->n_files > 1)
			qsort((void *)d->files, d->n_files, sizeof(*d->files), cmp_str);
	}
	return 0;
}

static int read_shared(struct nc_kat_lab *lab, const char *dir, FILE *warnings, nc_err *err)
{
	char p[4096];
	struct stat st;
	int r;

	if (nc_path_join(p, sizeof(p), dir, "shared.startup") < 0)
		return nc_err_msg(err, ENAMETOOLONG, "the lab directory's path `%s` is too long", dir);
	lab->has_shared_startup = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	if (nc_path_join(p, sizeof(p), dir, "shared") < 0 || lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	const char **files = NULL;
	struct walk w = { lab, "the shared directory", &files, &lab->n_shared_files, 0, warnings };
	if ((r = walk(&w, p, "", 0, err)) < 0)
		return r;
	lab->has_shared_dir = true;
	lab->shared_files = files;
	if (lab->n_shared_files > 1)
		qsort((void *)lab->shared_files, lab->n_shared_files, sizeof(char *), cmp_str);
	return 0;
}

/* The devices of a lab without lab.conf: its directories, by name. */
static int folder_devices(struct nc_kat_lab *lab, const char *dir, FILE *warnings, nc_err *err)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *e;
	const char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return nc_err_errno(err, errno, "read the lab directory `%s`", dir);
	while ((errno = 0, e = readdir(d))) {
		if (!device_dir(dir, e->d_name))
			continue;
		if (!nc_kat_device_name_ok(e->d_name)) {
			char p[4096];
			if (warnings && nc_path_join(p, sizeof(p), dir, e->d_name) == 0)
				fprintf(warnings,
					"ncompose: warning: %s: not a device name here (lower case letters, digits, `_`, `-`); no device made of it\n",
					p);
			continue;
		}
		if (n >= DEVICE_FILES_MAX)
			return nc_err_msg(err, E2BIG, "`%s` has more than %d directories", dir, DEVICE_FILES_MAX);
		const char **v = nc_arena_grow(&lab->arena, names, sizeof(*v), &cap, n + 1);
		if (!v || !(v[n] = nc_arena_strdup(&lab->arena, e->d_name)))
			return nc_err_errno(err, ENOMEM, "read `%s`", dir);
		names = v;
		n++;
	}
	if (errno)
		return nc_err_errno(err, errno, "read the lab directory `%s`", dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (!nc_kat_device(lab, names[i], strlen(names[i]), 0))
			return nc_err_errno(err, ENOMEM, "read `%s`", dir);
	if (n && warnings)
		fprintf(warnings,
			"ncompose: warning: %s has no lab.conf, or an empty one: its %zu directories are the devices, without interfaces (as `kathara lstart -F`)\n",
			dir, n);
	return 0;
}

/* A host-root device whose startup starts Quagga on a host without it:
 * one line says so at import, naming the line (the device's log shows
 * the failure again when it runs). */
static void warn_quagga(const struct nc_kat_lab *lab, const char *dir, const struct nc_kat_opts *o,
			FILE *warnings)
{
	static const char *const daemons[] = { "zebra", "ripd", "ripngd", "ospfd", "ospf6d", "bgpd", "isisd" };

	if (!warnings || access("/etc/init.d/quagga", X_OK) == 0)
		return;
	for (size_t i = 0; i < lab->n_devices; i++) {
		const struct nc_kat_device *d = &lab->devices[i];
		bool host = !d->image;
		for (size_t k = 0; d->image && k < o->n_host_images; k++)
			host |= !strcmp(o->host_images[k], d->image);
		if (!host || !d->startup)
			continue;
		unsigned line = 0;
		for (const char *p = d->startup; p && *p;) {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			line++;
			while (n && (*p == ' ' || *p == '\t'))
				p++, n--;
			bool hit = n >= 18 && !strncmp(p, "/etc/init.d/quagga", 18);
			for (size_t k = 0; !hit && k < sizeof(daemons) / sizeof(daemons[0]); k++) {
				size_t dl = strlen(daemons[k]);
				hit = n > dl && !strncmp(p, daemons[k], dl) && (p[dl] == ' ' || p[dl] == '\t');
			}
			if (hit) {
				char leaf[4096], path[4096];
				if (nc_pathf(leaf, sizeof(leaf), "%s.startup", d->name) < 0 ||
				    nc_path_join(path, sizeof(path), dir, leaf) < 0)
					snprintf(path, sizeof(path), "%s.startup", d->name);
				fprintf(warnings,
					"ncompose: warning: %s:%u: `%.*s` starts Quagga, which is not installed on this host (Debian has no quagga package); `systemctl start frr` runs FRR with %s/etc/frr\n",
					path, line, (int)(n > 60 ? 60 : n), p, d->name);
				break;
			}
			p = e ? e + 1 : NULL;
		}
	}
}

int nc_kat_import_dir(const char *dir, const struct nc_kat_opts *o, FILE *warnings, struct nc_strbuf *out,
		      nc_err *err)
{
	struct nc_kat_lab lab = NC_KAT_LAB_INIT;
	_cleanup_free_ char *text = NULL;
	char p[4096];
	size_t len;
	struct stat st;
	int r;

	if (nc_path_join(p, sizeof(p), dir, "lab.conf") < 0)
		return nc_err_msg(err, ENAMETOOLONG, "the lab directory's path `%s` is too long", dir);
	if (stat(p, &st) < 0 || (S_ISREG(st.st_mode) && st.st_size == 0)) {
		/* Kathará runs such a lab with -F; here that is the default. */
		if ((r = folder_devices(&lab, dir, warnings, err)) < 0)
			goto out;
	} else if ((r = nc_read_file_bounded(p, LAB_FILE_MAX, &text, &len, err)) < 0 ||
		   (r = nc_kat_parse_conf(&lab, p, text, len, err)) < 0) {
		goto out;
	}
	if (nc_path_join(p, sizeof(p), dir, "lab.dep") < 0) {
		r = nc_err_msg(err, ENAMETOOLONG, "the lab directory's path `%s` is too long", dir);
		goto out;
	}
	if (stat(p, &st) == 0) {
		_cleanup_free_ char *dep = NULL;
		if ((r = nc_read_file_bounded(p, LAB_FILE_MAX, &dep, &len, err)) < 0 ||
		    (r = nc_kat_parse_dep(&lab, p, dep, len, err)) < 0)
			goto out;
	}
	for (size_t i = 0; i < lab.n_devices; i++)
		if ((r = read_device(&lab, dir, &lab.devices[i], warnings, err)) < 0)
			goto out;
	if ((r = read_shared(&lab, dir, warnings, err)) < 0)
		goto out;
	for (size_t i = 0; warnings && i < lab.n_warnings; i++)
		fprintf(warnings, "ncompose: warning: %s\n", lab.warnings[i]);
	warn_quagga(&lab, dir, o, warnings);
	r = nc_kat_translate(&lab, o, out, err);
out:
	nc_kat_lab_free(&lab);
	return r;
}
