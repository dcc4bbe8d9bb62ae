/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/image-ref.h"
#include "common/strv.h"
#include "compose/lifecycle/build-check.h"
#include "compose/lifecycle/build.h"
#include "compose/lifecycle/images.h"
#include "compose/lifecycle/pull.h"
#include "runtime/registry.h"

static int store_dir(const struct nc_paths *paths, char *out, size_t size, nc_err *err)
{
	if (nc_pathf(out, size, "%s/registry", paths->lib_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "registry store under `%s`", paths->lib_dir);
	if (nc_private_dir(paths->lib_dir, 0710, err) < 0 || nc_private_dir(out, 0700, err) < 0)
		return nc_err_ret(err);
	return 0;
}

int nc_pulled_layout(const struct nc_plan_container *pc, const struct nc_paths *paths, char **layout,
		     nc_err *err)
{
	struct nc_image_ref ref;
	char store[4096];
	int r;

	if (nc_image_ref_parse(pc->image, &ref, err) < 0 || store_dir(paths, store, sizeof(store), err) < 0)
		return nc_err_prefix(err, "service `%s`", pc->name);
	r = rt_registry_pulled(&ref, store, layout, err);
	if (r == -ENOENT)
		return nc_err_msg(err, ENOENT, "service `%s`: image %s is not pulled: run `ncompose pull %s`",
				  pc->name, pc->image, pc->name);
	return r;
}

/* On a terminal, as `docker pull`: a line per blob being fetched (its
 * short digest and bytes so far), redrawn in place at most ten times a
 * second; off it, nothing until the image is in (then one line). */
struct blob_line {
	char id[13]; /* the digest's first 12 hex digits */
	uint64_t done, total;
	bool finished;
};

struct progress {
	struct nc_report *rep;
	const char *image;
	struct blob_line *v;
	size_t n, cap;
	size_t drawn; /* lines on screen below the image's line */
	uint64_t last_ms;
	bool header;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct blob_line *blob_line(struct progress *pr, const char *digest)
{
	const char *hex = strncmp(digest, "sha256:", 7) ? digest : digest + 7;
	for (size_t i = 0; i < pr->n; i++)
		if (!strncmp(pr->v[i].id, hex, 12))
			return &pr->v[i];
	if (pr->n == pr->cap) {
		size_t cap = pr->cap ? 2 * pr->cap : 8;
		struct blob_line *v = reallocarray(pr->v, cap, sizeof(*v));
		if (!v)
			return NULL;
		pr->v = v;
		pr->cap = cap;
	}
	struct blob_line *b = &pr->v[pr->n++];
	*b = (struct blob_line){ 0 };
	snprintf(b->id, sizeof(b->id), "%.12s", hex);
	return b;
}

static void draw(struct progress *pr)
{
	FILE *o = pr->rep->out;

	if (!pr->header) {
		fprintf(o, "\r\033[Kpulling %s\n", pr->image);
		pr->header = true;
	}
	if (pr->drawn)
		fprintf(o, "\033[%zuA", pr->drawn);
	for (size_t i = 0; i < pr->n; i++) {
		const struct blob_line *b = &pr->v[i];
		if (b->finished)
			fprintf(o, "\r\033[K  %s  done %.1f MB\n", b->id, (double)b->done / 1e6);
		else
			fprintf(o, "\r\033[K  %s  %.1f of %.1f MB\n", b->id, (double)b->done / 1e6,
				(double)b->total / 1e6);
	}
	pr->drawn = pr->n;
	fflush(o);
}

static void on_layer(void *ctx, size_t index, size_t count, const char *digest, uint64_t done, uint64_t total,
		     bool finished)
{
	struct progress *pr = ctx;
	(void)index;
	(void)count;

	if (!pr->rep->tty || !digest)
		return;
	struct blob_line *b = blob_line(pr, digest);
	if (!b)
		return; /* no memory for the display: the pull goes on */
	bool new_line = b->done == 0 && b->total == 0 && !b->finished;
	b->done = done;
	b->total = total;
	b->finished = finished;
	uint64_t t = now_ms();
	if (!finished && !new_line && t - pr->last_ms < 100)
		return;
	pr->last_ms = t;
	draw(pr);
}

/* Removes the image's block of lines: `pulled IMAGE (digest)` follows. */
static void progress_end(struct progress *pr)
{
	if (pr->header) {
		fprintf(pr->rep->out, "\033[%zuA\r\033[J", pr->drawn + 1);
		fflush(pr->rep->out);
	}
	free(pr->v);
}

static bool wanted(const struct nc_plan_container *pc, const char *const *services)
{
	return nc_strv_selects(services, pc->svc ? pc->svc->name : pc->name);
}

int nc_build_images(const struct nc_plan *p, const struct nc_paths *paths, const char *const *services,
		    enum nc_build_mode mode, struct nc_report *rep, size_t *built, nc_err *err)
{
	*built = 0;
	for (size_t i = 0; i < p->n_containers; i++) {
		const struct nc_plan_container *pc = &p->containers[i];
		const struct nc_service *s = pc->svc;
		if (!s || !s->build.present || !wanted(pc, services))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->containers[j].svc == s;
		if (seen)
			continue;
		bool policy_build = s->pull_policy && !strcmp(s->pull_policy, "build");
		if (pc->image && !pc->image_is_registry) {
			/* `image:` names a directory or a file of the user's: that
			 * is what runs, and a build could not be tagged there. */
			if (policy_build)
				return nc_model_error(p->model, s->build.mark, err,
						      "service `%s`: pull_policy: build asks for a build, but `image: %s` names a local path, which a built image cannot be tagged as: name the image (`image: NAME[:TAG]`) or drop `image:`",
						      s->name, s->image);
			continue;
		}
		bool always = mode == NC_BUILD_ALWAYS || policy_build;
		bool have = nc_build_present(p->model, s, paths);
		if (!always && have)
			continue;
		if (mode == NC_BUILD_NEVER) {
			if (have)
				continue;
			return nc_err_msg(err, ENOENT, "service `%s`: its image is not built and up --no-build was given: run `ncompose build %s`",
					  s->name, s->name);
		}
		struct nc_build_opts o = { .out = rep->out };
		int r = nc_build_service(p->model, s, paths, &o, err);
		if (r < 0)
			return r;
		(*built)++;
	}
	return 0;
}

static int pull_images(const struct nc_plan *p, const struct nc_paths *paths, const char *const *services,
		       enum nc_pull_mode mode, struct nc_report *rep, size_t *pulled, nc_err *err)
{
	char store[4096];
	int r;

	*pulled = 0;
	for (size_t i = 0; i < p->n_containers; i++) {
		const struct nc_plan_container *pc = &p->containers[i];
		if (!pc->image_is_registry || !wanted(pc, services) || (pc->svc && pc->svc->build.present))
			continue; /* built, not pulled: nc_build_images */
		/* One pull per image, however many services run it. */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->containers[j].image_is_registry && wanted(&p->containers[j], services) &&
			       !strcmp(p->containers[j].image, pc->image) &&
			       !strcmp(p->containers[j].platform ? p->containers[j].platform : "",
				       pc->platform ? pc->platform : "");
		if (seen)
			continue;
		struct nc_image_ref ref;
		if (nc_image_ref_parse(pc->image, &ref, err) < 0 || store_dir(paths, store, sizeof(store), err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
		const char *policy = mode == NC_PULL_ALWAYS ? "always"
				     : mode == NC_PULL_MISSING ? "missing"
				     : mode == NC_PULL_NEVER ? "never"
							     : pc->pull_policy;
		char *layout = NULL;
		r = rt_registry_pulled(&ref, store, &layout, err);
		free(layout);
		if (r < 0 && r != -ENOENT)
			return r;
		bool have = r == 0;
		if (!strcmp(policy, "never")) {
			if (!have)
				return nc_err_msg(err, ENOENT,
						  "service `%s`: image %s is not pulled and pull_policy is never: run `ncompose pull %s`",
						  pc->name, pc->image, pc->name);
			continue;
		}
		if (have && strcmp(policy, "always"))
			continue;
		struct rt_platform plat;
		if (pc->platform && rt_platform_parse(pc->platform, &plat, err) < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
		struct progress pr = { .rep = rep, .image = pc->image };
		struct rt_pull_progress prog = { .layer = on_layer, .ctx = &pr };
		struct rt_pull_opts o = { .platform = pc->platform ? &plat : NULL, .progress = &prog };
		char digest[80];
		nc_report_verbose(rep, "pulling %s", pc->image);
		r = rt_registry_pull(&ref, store, &o, &layout, digest, err);
		progress_end(&pr);
		if (r < 0)
			return nc_err_prefix(err, "service `%s`", pc->name);
		free(layout);
		fprintf(rep->out, "pulled %s (%s)\n", pc->image, digest);
		(*pulled)++;
	}
	return 0;
}

int nc_pull_images(const struct nc_plan *p, const struct nc_paths *paths, const char *const *services,
		   enum nc_pull_mode mode, struct nc_report *rep, size_t *pulled, nc_err *err)
{
	bool any = false;
	for (size_t i = 0; i < p->n_containers; i++)
		any |= p->containers[i].image_is_registry;
	*pulled = 0;
	if (!any)
		return 0;
	/* Shared: a pull's blob is linked by no layout for a moment, which
	 * `image prune` (exclusive) must not take for garbage. */
	_cleanup_close_ int lock = -1;
	if (nc_images_lock(paths, false, &lock, err) < 0)
		return nc_err_ret(err);
	return pull_images(p, paths, services, mode, rep, pulled, err);
}
