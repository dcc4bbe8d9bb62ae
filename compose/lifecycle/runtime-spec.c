/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/pull.h"
#include "compose/lifecycle/runtime-spec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/plan/etcfiles.h"
#include "compose/lifecycle/images.h"
#include "compose/lifecycle/journal.h"
#include "runtime/copy-tree.h"
#include "runtime/idmap.h"
#include "runtime/image.h"
#include "runtime/image-config.h"

static int write_generated(const char *dir, const char *name, const struct nc_strbuf *b,
			   nc_err *err)
{
	char path[PATH_MAX];

	if (!nc_strbuf_ok(b))
		return nc_err_errno(err, ENOMEM, "generate `%s/%s`", dir, name);
	if (nc_pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "generate `%s/%s`", dir, name);
	/* World-readable: the container's processes may run as any user. */
	return nc_write_file_atomic(path, nc_strbuf_str(b), b->len, 0644, err);
}

int nc_container_files_write(const struct nc_plan *p, const struct nc_plan_container *pc,
			     struct nc_state *st, const char *host_resolv,
			     const struct nc_strbuf *hosts, nc_err *err)
{
	char dir[PATH_MAX], root[PATH_MAX + 8];
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	int r;

	if ((r = nc_state_container_dir(st, pc->name, true, dir, sizeof(dir), err)) < 0)
		return r;
	if (nc_pathf(root, sizeof(root), "%s/root", dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "create `%s/root`", dir);
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "create `%s`", root);

	if (!hosts) {
		nc_etc_hosts(p, pc, &b);
		hosts = &b;
	}
	if ((r = write_generated(dir, "hosts", hosts, err)) < 0)
		return r;
	nc_strbuf_reset(&b);
	nc_etc_hostname(pc, &b);
	if ((r = write_generated(dir, "hostname", &b, err)) < 0)
		return r;
	nc_strbuf_reset(&b);
	nc_etc_resolv_for(pc, host_resolv, &b);
	return write_generated(dir, "resolv.conf", &b, err);
}

int nc_container_hosts_refresh(const struct nc_plan *p, const struct nc_plan_container *pc, struct nc_state *st,
			       nc_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	_cleanup_free_ char *old = NULL;
	size_t len;
	int r;

	if ((r = nc_state_container_dir(st, pc->name, false, dir, sizeof(dir), err)) < 0)
		return r;
	if (nc_pathf(path, sizeof(path), "%s/hosts", dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "`%s/hosts`", dir);
	nc_etc_hosts(p, pc, &b);
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "generate `%s`", path);
	if (nc_read_file(path, &old, &len, err) < 0)
		return nc_err_ret(err);
	if (len == b.len && !memcmp(old, nc_strbuf_str(&b), len))
		return 0;
	/* In place, not renamed: the container's bind mount holds this
	 * inode. The new text first, then the length, so a reader never
	 * meets an empty file. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "update `%s`", path);
	if (pwrite(fd, nc_strbuf_str(&b), b.len, 0) != (ssize_t)b.len || ftruncate(fd, (off_t)b.len) < 0)
		return nc_err_errno(err, errno ? errno : EIO, "update `%s`", path);
	return 0;
}

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

int nc_container_masked_paths(const struct nc_paths *paths, char ***out, nc_err *err)
{
	static const char *const fixed[] = {
		"/root", "/home", "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
		"/etc/ssh/ssh_host_*key", "/etc/ssl/private", "/var/lib/docker",
	};
	_cleanup_strv_ char **v = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!v)
		return nc_err_errno(err, ENOMEM, "list masked paths");
	for (size_t i = 0; i < NC_ELEMENTSOF(fixed); i++) {
		if (!strchr(fixed[i], '*')) {
			if (strv_push(&v, &n, fixed[i]) < 0)
				return nc_err_errno(err, ENOMEM, "list masked paths");
			continue;
		}
		glob_t g;
		if (glob(fixed[i], GLOB_NOSORT, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc; k++)
				if (strv_push(&v, &n, g.gl_pathv[k]) < 0) {
					globfree(&g);
					return nc_err_errno(err, ENOMEM, "list masked paths");
				}
		globfree(&g);
	}
	/* ncompose's own state and volumes; the state root is normally under
	 * /run, which the container gets fresh anyway, but it can be moved. */
	if (strv_push(&v, &n, paths->lib_dir) < 0 || strv_push(&v, &n, paths->state_root) < 0)
		return nc_err_errno(err, ENOMEM, "list masked paths");
	*out = TAKE_PTR(v);
	return 0;
}

void nc_container_spec_free(struct nc_container_spec *cs)
{
	for (size_t i = 0; i < cs->n_mounts; i++)
		free(cs->mount_paths[i]);
	free(cs->mount_paths);
	free(cs->mounts);
	free(cs->lower);
	rt_image_lower_dirs_free(cs->lowers, cs->n_lowers);
	cs->lowers = NULL;
	cs->n_lowers = 0;
	if (cs->store_lock >= 0)
		close(cs->store_lock);
	cs->store_lock = -1;
	nc_arena_free(&cs->arena);
	cs->mount_paths = NULL;
	cs->mounts = NULL;
	cs->lower = NULL;
	cs->n_mounts = 0;
}

/* `<lib_dir>/<sub>`, kept from other users: the library directory 0710
 * and each of its trees 0700, as Docker keeps its root. Volumes and
 * writable layers hold what containers made (setuid programs, device
 * nodes); a host user must not reach them. Trees made open by an older
 * version are closed on the way. */
static int lib_subdir(const struct nc_paths *paths, const char *sub, char *out, size_t size, nc_err *err)
{
	if (nc_pathf(out, size, "%s/%s", paths->lib_dir, sub) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "`%s` under `%s`", sub, paths->lib_dir);
	if (nc_private_dir(paths->lib_dir, 0710, err) < 0 || nc_private_dir(out, 0700, err) < 0)
		return nc_err_ret(err);
	return 0;
}

/* The image's read-only layers: a directory as it is; a tarball, an
 * archive or a layout as the store entry that lists its layers, each
 * unpacked once (keyed by its digest, shared by every image, container
 * and project using it) and stacked by the overlay; the writable layer under
 * `<lib_dir>/containers/<project>/<service>/`, kept across restarts, gone
 * with `down`. */
static int image_layers(const struct nc_plan_container *pc, const struct nc_paths *paths,
			struct nc_container_spec *cs, bool *from_store, nc_err *err)
{
	char store[PATH_MAX];

	*from_store = pc->image && (pc->image_is_registry || pc->image_is_tar || pc->image_is_oci_dir);
	if (!pc->image)
		return 0;
	if (pc->image_is_registry || pc->image_is_tar || pc->image_is_oci_dir) {
		/* Held until the record is written (see images.h). */
		if (nc_images_lock(paths, false, &cs->store_lock, err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
	}
	if (pc->image_is_registry) {
		/* Pulled before anything was created (compose/lifecycle/pull.c). */
		_cleanup_free_ char *layout = NULL;
		if (nc_pulled_layout(pc, paths, &layout, err) < 0)
			return nc_err_ret(err);
		if (lib_subdir(paths, "images", store, sizeof(store), err) < 0)
			return nc_err_prefix(err, "image store");
		if (rt_image_unpack_oci_dir(layout, store, &cs->lower, err) < 0)
			return nc_err_prefix(err, "service `%s`: image %s", pc->name, pc->image);
		const char *used[] = { cs->lower, layout, NULL };
		if (nc_mkdir_p(cs->dir, 0700, err) < 0 || nc_image_use_write(cs->dir, used, err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
	} else if (pc->image_is_tar || pc->image_is_oci_dir) {
		if (lib_subdir(paths, "images", store, sizeof(store), err) < 0)
			return nc_err_prefix(err, "image store");
		if ((pc->image_is_tar ? rt_image_unpack(pc->image, store, &cs->lower, err)
				      : rt_image_unpack_oci_dir(pc->image, store, &cs->lower, err)) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
		const char *used[] = { cs->lower, NULL };
		if (nc_mkdir_p(cs->dir, 0700, err) < 0 || nc_image_use_write(cs->dir, used, err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
	} else if (pc->image_is_fs) {
		/* The file's filesystem is mounted here inside the container's
		 * mount namespace only (runtime.h lower_image): on the host the
		 * directory stays empty, so nothing is seeded from it. */
		if (pc->userns_size)
			return nc_err_msg(err, EINVAL,
					  "service `%s`: image `%s` is a filesystem image file, which cannot be idmapped for userns_mode; use a directory or a tarball",
					  pc->name, pc->image);
		if (nc_mkdir_p(cs->dir, 0700, err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
		char mnt[PATH_MAX];
		if (nc_pathf(mnt, sizeof(mnt), "%s/image-root", cs->dir) < 0)
			return nc_err_errno(err, ENAMETOOLONG, "service `%s`: image", pc->name);
		if (!(cs->lower = strdup(mnt)))
			return nc_err_errno(err, ENOMEM, "service `%s`: image", pc->name);
	} else if (!(cs->lower = strdup(pc->image))) {
		return nc_err_errno(err, ENOMEM, "service `%s`: image", pc->name);
	}
	if (*from_store) {
		if (rt_image_lower_dirs(cs->lower, &cs->lowers, &cs->n_lowers, err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
	} else if (!(cs->lowers = calloc(1, sizeof(char *))) || !(cs->lowers[0] = strdup(cs->lower))) {
		return nc_err_errno(err, ENOMEM, "service `%s`: image", pc->name);
	} else {
		cs->n_lowers = 1;
	}
	if (pc->userns_size) {
		int r = rt_idmap_supported(cs->lowers[0], err);
		if (r < 0)
			return nc_err_prefix(err, "service `%s`: image", pc->name);
		cs->layers_not_idmapped = r == 0;
	}
	/* On disk, not in the state directory: /run is a small tmpfs that
	 * one container writing a large file would fill for everyone. */
	char layers[PATH_MAX];
	if (lib_subdir(paths, "containers", layers, sizeof(layers), err) < 0)
		return nc_err_prefix(err, "service `%s`: writable layer", pc->name);
	if (nc_pathf(cs->upper, sizeof(cs->upper), "%s/%s/layer", layers, cs->name) < 0 ||
	    nc_pathf(cs->work, sizeof(cs->work), "%s/%s/layer-work", layers, cs->name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "service `%s`: writable layer", pc->name);
	if (nc_mkdir_p(cs->upper, 0755, err) < 0 || nc_mkdir_p(cs->work, 0700, err) < 0)
		return nc_err_prefix(err, "service `%s`: writable layer", pc->name);
	/* The overlay's root takes the upper layer's owner: root inside. */
	if (pc->userns_size && chown(cs->upper, pc->userns_base, pc->userns_base) < 0)
		return nc_err_errno(err, errno, "service `%s`: writable layer `%s`", pc->name, cs->upper);
	return 0;
}

/* Where a volume's data lives: named ones under the library directory,
 * one directory per project (kept by `down`, as in Compose; `down -v`
 * removes it), external ones under `_external/` (no project name can start
 * with `_`), anonymous ones in the container's state directory (gone with
 * `down`). */
static int volume_dir(const struct nc_plan *p, const struct nc_plan_mount *pm, size_t index,
		      const struct nc_paths *paths, const struct nc_container_spec *cs, char *out, size_t size,
		      nc_err *err)
{
	int r;

	if (pm->volume && lib_subdir(paths, "volumes", out, size, err) < 0)
		return nc_err_prefix(err, "volume `%s`", pm->volume);
	if (!pm->volume)
		r = nc_pathf(out, size, "%s/volumes/%zu", cs->dir, index);
	else if (pm->external)
		r = nc_pathf(out, size, "%s/volumes/_external/%s", paths->lib_dir, pm->volume);
	else
		r = nc_pathf(out, size, "%s/volumes/%s/%s", paths->lib_dir, p->project, pm->volume);
	if (r < 0)
		return nc_err_errno(err, ENAMETOOLONG, "volume `%s`", pm->volume ? pm->volume : pm->target);
	struct stat st;
	if (pm->external && stat(out, &st) < 0)
		return nc_err_msg(err, ENOENT,
				  "external volume `%s` does not exist: create the directory `%s` (or drop `external: true`)",
				  pm->volume, out);
	return pm->external ? 0 : nc_mkdir_p(out, 0755, err);
}

/* Docker's rule: a volume still empty when a container with an image
 * mounts it gets the image's files at that place (unless `nocopy`): what
 * the container would see there, every layer merged as overlayfs does. */
static int seed_volume(const struct nc_container_spec *cs, const char *target, const char *dir, nc_err *err)
{
	_cleanup_(nc_closedirp) DIR *d = opendir(dir);
	if (!d)
		return nc_err_errno(err, errno, "volume `%s`", dir);
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return 0;
	bool copied = false;
	if (rt_copy_layers_in_root((const char *const *)cs->lowers, cs->n_lowers, target, dir, &copied, err) < 0)
		return nc_err_ret(err);
	return 0;
}

/* A volume still owned by the host's root goes to root of the
 * container's user namespace, which could not write to it otherwise. */
static int volume_own(const char *dir, uint32_t id, nc_err *err)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return nc_err_errno(err, errno, "volume `%s`", dir);
	if (st.st_uid == 0 && chown(dir, id, id) < 0)
		return nc_err_errno(err, errno, "volume `%s`: give it to the user namespace's root", dir);
	return 0;
}

static int write_missing(const char *dir, const char *name, const char *text, nc_err *err)
{
	char path[PATH_MAX];

	if (nc_pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "write `%s/%s`", dir, name);
	if (access(path, F_OK) == 0)
		return 0;
	return nc_write_file_atomic(path, text, strlen(text), 0640, err);
}

/* `router:`: the lab's directory copied afresh into `dir` (the state
 * directory's, under /run): the node may rewrite its copy (`write
 * memory`), never the lab's files, and a restart starts again from the
 * lab's. Copied by descriptor, nothing followed (rt_copy_contents_at). */
static int router_copy(const struct nc_plan_mount *pm, const char *dir, nc_err *err)
{
	int r;

	if ((r = nc_rm_rf(dir, err)) < 0)
		return r;
	if (mkdir(dir, 0755) < 0)
		return nc_err_errno(err, errno, "create `%s`", dir);
	if (pm->copy_from) {
		_cleanup_close_ int sfd = open(pm->copy_from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0)
			return nc_err_errno(err, errno, "router configuration `%s`: open it as a directory",
					    pm->copy_from);
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return nc_err_errno(err, errno, "open `%s`", dir);
		if ((r = rt_copy_contents_at(sfd, dfd, err)) < 0)
			return nc_err_prefix(err, "copy the router configuration `%s`", pm->copy_from);
	}
	if (pm->copy_daemons) {
		char path[PATH_MAX];
		if (nc_pathf(path, sizeof(path), "%s/daemons", dir) < 0)
			return nc_err_errno(err, ENAMETOOLONG, "write `%s/daemons`", dir);
		if (pm->copy_daemons_given && access(path, F_OK) == 0)
			return nc_err_msg(err, EEXIST,
					  "`router.daemons` and `%s/daemons` both say which daemons run; keep one",
					  pm->copy_from);
		/* vtysh's `write memory` then writes one frr.conf, the file
		 * frrcommon.sh and the dry run read. */
		if ((r = write_missing(dir, "daemons", pm->copy_daemons, err)) < 0 ||
		    (r = write_missing(dir, "vtysh.conf", "service integrated-vtysh-config\n", err)) < 0)
			return r;
	}
	return 0;
}

static bool same_target(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && !strncmp(a, b, la);
}

/* A `..` component: the image's config is not trusted to name a place
 * outside the directory it says. */
static bool has_dotdot(const char *path)
{
	for (const char *c = path; *c; c++)
		if (c[0] == '.' && c[1] == '.' && (c == path || c[-1] == '/') && (!c[2] || c[2] == '/'))
			return true;
	return false;
}

/* The image's Volumes that no mount of the service covers: each an
 * anonymous volume, as Docker makes them, seeded from the image and gone
 * with `down` (like `volumes: [/path]`). */
static int image_volumes(const struct nc_plan_container *pc, const char *const *volumes,
			 struct nc_container_spec *cs, nc_err *err)
{
	for (size_t v = 0; volumes && volumes[v]; v++) {
		const char *t = volumes[v];
		bool covered = false;
		if (t[0] != '/' || has_dotdot(t))
			return nc_err_msg(err, EINVAL, "service `%s`: the image's volume `%.256s` is not an absolute path",
					  pc->name, t);
		if (same_target(t, "/"))
			continue;
		for (size_t i = 0; i < cs->n_mounts && !covered; i++)
			covered = same_target(cs->mounts[i].target, t);
		if (covered)
			continue;
		char dir[PATH_MAX];
		size_t i = cs->n_mounts;
		if (nc_pathf(dir, sizeof(dir), "%s/volumes/image-%zu", cs->dir, v) < 0)
			return nc_err_errno(err, ENAMETOOLONG, "service `%s`: the image's volume `%.256s`", pc->name, t);
		if (nc_mkdir_p(dir, 0755, err) < 0 || seed_volume(cs, t, dir, err) < 0 ||
		    (pc->userns_size && volume_own(dir, pc->userns_base, err) < 0))
			return nc_err_prefix(err, "service `%s`: the image's volume `%.256s`", pc->name, t);
		if (!(cs->mount_paths[i] = strdup(dir)))
			return nc_err_errno(err, ENOMEM, "service `%s`: mounts", pc->name);
		cs->mounts[i] = (struct rt_mount){ .type = RT_MOUNT_BIND, .source = cs->mount_paths[i], .target = t };
		cs->n_mounts++;
	}
	return 0;
}

static int build_mounts(const struct nc_plan *p, const struct nc_plan_container *pc, const struct nc_paths *paths,
			const char *const *img_volumes, struct nc_container_spec *cs, nc_err *err)
{
	size_t n_img = 0;
	while (img_volumes && img_volumes[n_img])
		n_img++;
	if (!pc->n_mounts && !n_img)
		return 0;
	cs->mounts = calloc(pc->n_mounts + n_img, sizeof(*cs->mounts));
	cs->mount_paths = calloc(pc->n_mounts + n_img, sizeof(*cs->mount_paths));
	if (!cs->mounts || !cs->mount_paths)
		return nc_err_errno(err, ENOMEM, "service `%s`: mounts", pc->name);
	cs->n_mounts = pc->n_mounts;
	for (size_t i = 0; i < pc->n_mounts; i++) {
		const struct nc_plan_mount *pm = &pc->mounts[i];
		struct rt_mount *m = &cs->mounts[i];
		char dir[PATH_MAX];
		*m = (struct rt_mount){ .type = pm->type, .source = pm->source, .target = pm->target,
					.read_only = pm->read_only, .size = pm->size, .mode = pm->mode,
					.exec = pm->exec, .data = pm->data, .flags = pm->flags };
		if (pm->is_volume) {
			if (volume_dir(p, pm, i, paths, cs, dir, sizeof(dir), err) < 0)
				return nc_err_prefix(err, "service `%s`", pc->name);
			if (!(cs->mount_paths[i] = strdup(dir)))
				return nc_err_errno(err, ENOMEM, "service `%s`: mounts", pc->name);
			if (cs->lower && !pm->nocopy && !pm->external && seed_volume(cs, pm->target, dir, err) < 0)
				return nc_err_prefix(err, "service `%s`", pc->name);
			if (pc->userns_size && !pm->external && volume_own(dir, pc->userns_base, err) < 0)
				return nc_err_prefix(err, "service `%s`", pc->name);
			m->source = cs->mount_paths[i];
		} else if (pm->copy) {
			if (nc_pathf(dir, sizeof(dir), "%s/files", cs->dir) < 0 || nc_mkdir_p(dir, 0755, err) < 0 ||
			    nc_pathf(dir, sizeof(dir), "%s/files/%s", cs->dir, pm->inline_name) < 0)
				return nc_err_prefix(err, "service `%s`: %s", pc->name, pm->inline_name);
			if (router_copy(pm, dir, err) < 0)
				return nc_err_prefix(err, "service `%s`", pc->name);
			if (!(cs->mount_paths[i] = strdup(dir)))
				return nc_err_errno(err, ENOMEM, "service `%s`: mounts", pc->name);
			m->source = cs->mount_paths[i];
		} else if (pm->inline_data) {
			/* Written afresh at every start, readable by the
			 * container's users as Compose's own secret files are. */
			if (nc_pathf(dir, sizeof(dir), "%s/files", cs->dir) < 0 || nc_mkdir_p(dir, 0755, err) < 0 ||
			    nc_pathf(dir, sizeof(dir), "%s/files/%s", cs->dir, pm->inline_name) < 0)
				return nc_err_prefix(err, "service `%s`: %s", pc->name, pm->inline_name);
			if (nc_write_file_atomic(dir, pm->inline_data, strlen(pm->inline_data), 0444, err) < 0)
				return nc_err_prefix(err, "service `%s`", pc->name);
			if (!(cs->mount_paths[i] = strdup(dir)))
				return nc_err_errno(err, ENOMEM, "service `%s`: mounts", pc->name);
			m->source = cs->mount_paths[i];
		} else if (pm->type == RT_MOUNT_LOOP) {
			/* The image file is made on first use; its directory too. */
			if (nc_pathf(dir, sizeof(dir), "%s", pm->source) < 0)
				return nc_err_errno(err, ENAMETOOLONG, "service `%s`: `%s`", pc->name, pm->source);
			char *slash = strrchr(dir, '/');
			if (slash && slash != dir) {
				*slash = '\0';
				if (nc_mkdir_p(dir, 0755, err) < 0)
					return nc_err_prefix(err, "service `%s`: filesystem image", pc->name);
			}
		} else if (pm->type == RT_MOUNT_BIND && pm->create && access(pm->source, F_OK) < 0) {
			/* Compose's short syntax makes a missing host directory. */
			if (nc_mkdir_p(pm->source, 0755, err) < 0)
				return nc_err_prefix(err, "service `%s`: bind source", pc->name);
		}
	}
	return image_volumes(pc, img_volumes, cs, err);
}

/* The image's config, kept by the store beside the unpacked root, over
 * the plan's process. A directory given as the image has no config: the
 * store never saw it. */
static int image_config(const struct nc_plan_container *pc, struct nc_container_spec *cs, bool from_store,
			struct rt_image_config *ic, bool *found, nc_err *err)
{
	*found = false;
	memset(ic, 0, sizeof(*ic));
	if (from_store && cs->lower && rt_image_config_load(cs->lower, &cs->arena, ic, found, err) < 0)
		return nc_err_prefix(err, "service `%s`: image %s", pc->name, pc->image);
	return 0;
}

static int image_process(const struct nc_plan_container *pc, struct nc_container_spec *cs,
			 const struct rt_image_config *ic, bool found, nc_err *err)
{
	if (nc_image_process(pc, found ? ic : NULL, &cs->arena, &cs->proc, err) < 0)
		return nc_err_ret(err);
	if (found) {
		cs->exposed = ic->exposed;
		cs->labels = ic->labels;
	}
	return 0;
}

int nc_container_spec_build(const struct nc_plan *p, const struct nc_plan_container *pc,
			    struct nc_state *st, const struct nc_paths *paths,
			    struct rt_cgroups *cg, const char *const *masked,
			    struct nc_container_spec *cs, nc_err *err)
{
	int r;

	memset(cs, 0, sizeof(*cs));
	cs->store_lock = -1;
	if ((r = nc_state_container_dir(st, pc->name, false, cs->dir, sizeof(cs->dir), err)) < 0)
		return r;
	snprintf(cs->netns_path, sizeof(cs->netns_path), "%s/%s", paths->netns_dir, pc->netns);
	snprintf(cs->root_dir, sizeof(cs->root_dir), "%.4000s/root", cs->dir);
	snprintf(cs->log_path, sizeof(cs->log_path), "%.4000s/log", cs->dir);
	snprintf(cs->hosts, sizeof(cs->hosts), "%.4000s/hosts", cs->dir);
	snprintf(cs->hostname, sizeof(cs->hostname), "%.4000s/hostname", cs->dir);
	snprintf(cs->resolv, sizeof(cs->resolv), "%.4000s/resolv.conf", cs->dir);
	cs->files[0] = (struct rt_bind_file){ cs->hosts, "/etc/hosts" };
	cs->files[1] = (struct rt_bind_file){ cs->hostname, "/etc/hostname" };
	cs->files[2] = (struct rt_bind_file){ cs->resolv, "/etc/resolv.conf" };
	size_t n_masked = 0;
	while (masked[n_masked])
		n_masked++;

	snprintf(cs->name, sizeof(cs->name), "%s/%s", p->project, pc->name);
	bool from_store, found;
	struct rt_image_config ic;
	if (image_layers(pc, paths, cs, &from_store, err) < 0 || image_config(pc, cs, from_store, &ic, &found, err) < 0 ||
	    build_mounts(p, pc, paths, ic.volumes, cs, err) < 0 || image_process(pc, cs, &ic, found, err) < 0) {
		nc_container_spec_free(cs);
		return nc_err_ret(err);
	}
	cs->rt = (struct rt_container_spec){
		.name = cs->name,
		.netns_path = cs->netns_path,
		.root_dir = cs->root_dir,
		.hostname = pc->hostname,
		.tty = pc->tty,
		.stdin_open = pc->stdin_open,
		.argv = cs->proc.argv,
		.env = cs->proc.env,
		.cwd = cs->proc.cwd ? cs->proc.cwd : "/",
		.caps = pc->caps,
		.no_new_privs = pc->no_new_privs,
		.files = cs->files,
		.n_files = NC_ELEMENTSOF(cs->files),
		/* An image holds nothing of the host's to hide. */
		.masked = pc->image ? NULL : masked,
		.n_masked = pc->image ? 0 : n_masked,
		.lower_dirs = cs->lower ? (const char *const *)cs->lowers : NULL,
		.n_lower = cs->lower ? cs->n_lowers : 0,
		.upper_dir = cs->lower ? cs->upper : NULL,
		.work_dir = cs->lower ? cs->work : NULL,
		.lower_image = pc->image_is_fs ? pc->image : NULL,
		.read_only = pc->read_only,
		.mounts = cs->mounts,
		.n_mounts = cs->n_mounts,
		.domainname = pc->domainname,
		.devices = pc->devices,
		.n_devices = pc->n_devices,
		.shm_size = pc->shm_size,
		.privileged = pc->privileged,
		.user = cs->proc.user,
		.groups = pc->groups,
		.n_groups = pc->n_groups,
		.has_oom_score_adj = pc->has_oom_score_adj,
		.oom_score_adj = pc->oom_score_adj,
		.userns_base = pc->userns_base,
		.userns_size = pc->userns_size,
		.idmap_layers = cs->lower && !cs->layers_not_idmapped,
		.ulimits = pc->ulimits,
		.n_ulimits = pc->n_ulimits,
		.seccomp_unconfined = pc->seccomp_unconfined,
		.log_path = pc->no_log ? NULL : cs->log_path,
		.log_max_size = pc->log_max_size,
		.log_max_files = pc->log_max_files,
		.cgroups = cg,
		.cgroup = pc->cgroup,
	};
	return 0;
}

static void rec(struct nc_strbuf *b, const char *k, const char *v)
{
	const char *f[] = { k, v };
	nc_record_append(b, f, 2);
}

int nc_container_record_write(const struct nc_plan *p, const struct nc_plan_container *pc,
			      const struct nc_container_spec *cs, struct nc_state *st, pid_t pid, nc_err *err)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	char num[32];
	const char *user = cs ? cs->proc.user : pc->user, *cwd = cs ? cs->proc.cwd : pc->cwd;
	const char *const *env = cs ? cs->proc.env : pc->env, *const *argv = cs ? cs->proc.argv : pc->argv;

	rec(&b, NC_C_SERVICE, pc->name);
	snprintf(num, sizeof(num), "%d", (int)pid);
	rec(&b, NC_C_PID, num);
	snprintf(num, sizeof(num), "%lld", (long long)time(NULL));
	rec(&b, NC_C_STARTED, num);
	rec(&b, NC_C_NETNS, pc->netns);
	rec(&b, NC_C_CGROUP, pc->cgroup);
	snprintf(num, sizeof(num), "%" PRIx64, pc->caps);
	rec(&b, NC_C_CAPS, num);
	rec(&b, NC_C_NNP, pc->no_new_privs ? "1" : "0");
	if (user)
		rec(&b, NC_C_USER, user);
	for (size_t i = 0; i < pc->n_groups; i++)
		rec(&b, NC_C_GROUP, pc->groups[i]);
	if (pc->seccomp_unconfined)
		rec(&b, NC_C_SECCOMP, "unconfined");
	for (size_t i = 0; i < pc->n_ulimits; i++) {
		char soft[24], hard[24];
		snprintf(soft, sizeof(soft), "%" PRIu64, pc->ulimits[i].soft);
		snprintf(hard, sizeof(hard), "%" PRIu64, pc->ulimits[i].hard);
		const char *f[] = { NC_C_ULIMIT, rt_ulimit_name(pc->ulimits[i].resource), soft, hard };
		nc_record_append(&b, f, NC_ELEMENTSOF(f));
	}
	if (cwd)
		rec(&b, NC_C_CWD, cwd);
	for (const char *const *e = env; e && *e; e++)
		rec(&b, NC_C_ENV, *e);
	/* Informational, as in Docker: what the image says it listens on,
	 * and its labels. */
	for (const char *const *e = cs ? cs->exposed : NULL; e && *e; e++)
		rec(&b, NC_C_EXPOSE, *e);
	for (const char *const *e = cs ? cs->labels : NULL; e && *e; e++)
		rec(&b, NC_C_LABEL, *e);
	for (size_t i = 0; i < pc->n_ifaces; i++) {
		const struct nc_plan_iface *pi = &pc->ifaces[i];
		char a4[NC_PREFIX_STRLEN] = "-", a6[NC_PREFIX_STRLEN] = "-";
		if (pi->addr4.ip.family)
			nc_prefix_str(&pi->addr4, a4);
		if (pi->addr6.ip.family)
			nc_prefix_str(&pi->addr6, a6);
		const char *f[] = { NC_C_IFACE, pi->ifname, pi->segment, a4, a6 };
		nc_record_append(&b, f, NC_ELEMENTSOF(f));
	}
	if (pc->image)
		rec(&b, NC_C_IMAGE, pc->image);
	/* Published ports, for `port`: the plan's, as `up` bound them. */
	for (size_t i = 0; i < p->n_ports; i++) {
		const struct nc_plan_port *pp = &p->ports[i];
		if (&p->containers[pp->container] != pc)
			continue;
		char ip[NC_IP_STRLEN] = "*", hport[8], cport[8];
		if (pp->host_ip.family)
			nc_ip_str(&pp->host_ip, ip);
		snprintf(hport, sizeof(hport), "%u", pp->host_port);
		snprintf(cport, sizeof(cport), "%u", pp->port);
		const char *f[] = { NC_C_PORT, pp->proto == 17 ? "udp" : "tcp", ip, hport, cport };
		nc_record_append(&b, f, NC_ELEMENTSOF(f));
	}
	/* The kernel drops a route when its interface goes down: `start` and
	 * `link up` put these back (compose/lifecycle/livelink.c). */
	for (size_t i = 0; i < pc->n_routes; i++) {
		const struct nc_plan_route *rt = &pc->routes[i];
		char d[NC_PREFIX_STRLEN] = "default", v[NC_IP_STRLEN] = "-";
		if (rt->dst.len)
			nc_prefix_str(&rt->dst, d);
		if (rt->via.family)
			nc_ip_str(&rt->via, v);
		const char *f[] = { NC_C_ROUTE, d, v, rt->dev ? rt->dev : "-" };
		nc_record_append(&b, f, NC_ELEMENTSOF(f));
	}
	if (argv) {
		size_t n = 0;
		while (argv[n])
			n++;
		_cleanup_free_ const char **f = calloc(n + 1, sizeof(char *));
		if (!f)
			return nc_err_errno(err, ENOMEM, "record of `%s`", pc->name);
		f[0] = NC_C_COMMAND;
		for (size_t i = 0; i < n; i++)
			f[i + 1] = argv[i];
		nc_record_append(&b, f, n + 1);
	}
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "record of `%s`", pc->name);
	return nc_state_write_container(st, pc->name, b.s, b.len, err);
}

int nc_container_remove(const struct nc_plan *p, const struct nc_plan_container *pc,
			struct nc_state *st, const struct nc_paths *paths, nc_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], layers[PATH_MAX];

	if (lib_subdir(paths, "containers", layers, sizeof(layers), err) < 0)
		return nc_err_ret(err);
	if (nc_pathf(path, sizeof(path), "%s/%s/%s", layers, p->project, pc->name) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "writable layer of `%s`", pc->name);
	if (nc_rm_rf(path, err) < 0)
		return nc_err_prefix(err, "remove `%s`", pc->name);
	if (nc_state_container_dir(st, pc->name, false, dir, sizeof(dir), err) < 0)
		return err->errnum == ENOENT ? 0 : nc_err_ret(err);
	/* The record last: without it the container reads as never started. */
	static const char *const gone[] = { "log", NC_IMAGE_USE_FILE, "record" };
	for (size_t i = 0; i < NC_ELEMENTSOF(gone); i++) {
		if (nc_pathf(path, sizeof(path), "%s/%s", dir, gone[i]) < 0)
			return nc_err_errno(err, ENAMETOOLONG, "remove `%s`", pc->name);
		if (unlink(path) < 0 && errno != ENOENT)
			return nc_err_errno(err, errno, "remove `%s`", path);
	}
	return 0;
}
