/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A project from its files, as Compose finds and names it: which files
 * (-f, COMPOSE_FILE, or the default file and its override beside it), the
 * project directory, the variables (.env or --env-file), the name
 * (-p, COMPOSE_PROJECT_NAME, `name:`, the directory's name), then the
 * files' trees interpolated and merged (merge.h) into one model.
 */
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
#include "common/strbuf.h"
#include "compose/file/dotenv.h"
#include "compose/file/extends.h"
#include "compose/file/include.h"
#include "compose/file/interpolate.h"
#include "compose/file/containerlab.h"
#include "compose/file/kathara.h"
#include "compose/file/load.h"
#include "compose/file/merge.h"

#define MAX_FILES 64

/* Compose's default files, then ours; each may have an override beside
 * it: compose.override.yaml for compose.yaml and so on. */
static const char *const default_stems[] = { "compose", "ncompose", "docker-compose" };
static const char *const default_exts[] = { "yaml", "yml" };

struct env_chain {
	char *const *envp;
	struct nc_dotenv *dotenv; /* later files win: looked up from the end */
	size_t n_dotenv;
	const char *project; /* COMPOSE_PROJECT_NAME once the name is known */
};

/* Compose's order: the environment, then the env files, later first. */
static const char *chain_lookup(void *ctx, const char *name)
{
	struct env_chain *c = ctx;
	const char *v;

	if (c->project && !strcmp(name, "COMPOSE_PROJECT_NAME"))
		return c->project;
	if ((v = nc_lookup_envp((void *)c->envp, name)))
		return v;
	for (size_t i = c->n_dotenv; i-- > 0;)
		if ((v = nc_dotenv_lookup(&c->dotenv[i], name)))
			return v;
	return NULL;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "DIR/NAME", or NAME when dir is NULL. */
static char *join(const char *dir, const char *name)
{
	char *s;
	if (!dir || name[0] == '/')
		return strdup(name);
	return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

/* The default file of one directory and the override beside it, into
 * v[0] and v[1]; v[0] stays NULL when the directory has none. */
static int find_in(const char *dir, char **v, nc_err *err)
{
	for (size_t s = 0; s < NC_ELEMENTSOF(default_stems) && !v[0]; s++)
		for (size_t e = 0; e < NC_ELEMENTSOF(default_exts) && !v[0]; e++) {
			char name[64];
			snprintf(name, sizeof(name), "%s.%s", default_stems[s], default_exts[e]);
			_cleanup_free_ char *path = join(dir, name);
			if (!path)
				return nc_err_errno(err, ENOMEM, "look for the compose file");
			if (!is_file(path))
				continue;
			v[0] = TAKE_PTR(path);
			for (size_t o = 0; o < NC_ELEMENTSOF(default_exts) && !v[1]; o++) {
				snprintf(name, sizeof(name), "%s.override.%s", default_stems[s], default_exts[o]);
				_cleanup_free_ char *ov = join(dir, name);
				if (!ov)
					return nc_err_errno(err, ENOMEM, "look for the compose file");
				if (is_file(ov))
					v[1] = TAKE_PTR(ov);
			}
		}
	return 0;
}

/* Is DIR the root directory (or unreadable, which ends the walk too)? */
static bool is_root(const char *dir)
{
	struct stat st, root;
	return stat(dir, &st) < 0 || stat("/", &root) < 0 ||
	       (st.st_dev == root.st_dev && st.st_ino == root.st_ino);
}

/* With no directory given, Compose looks in the current directory, then
 * in each parent up to the root: a command run in a lab's subdirectory
 * (its configs/, a router's folder) acts on that lab. The paths found are
 * relative ("../compose.yaml"), so the project directory is where the file
 * is. A directory given (--project-directory) is looked in alone. */
#define MAX_PARENTS 64

int nc_project_find_files(const char *dir, char ***out, nc_err *err)
{
	char **v = calloc(3, sizeof(*v));
	_cleanup_strbuf_ struct nc_strbuf up = NC_STRBUF_INIT;
	int r;

	*out = NULL;
	if (!v)
		return nc_err_errno(err, ENOMEM, "look for the compose file");
	if ((r = find_in(dir, v, err)) < 0)
		goto fail;
	/* No compose file, but a Kathará lab: the directory itself, as
	 * `kathara lstart` takes the lab it runs in. */
	if (!v[0] && nc_kat_is_lab_dir(dir ? dir : ".") && !(v[0] = strdup(dir ? dir : "."))) {
		r = nc_err_errno(err, ENOMEM, "look for the compose file");
		goto fail;
	}
	for (size_t depth = 0; !dir && !v[0] && depth < MAX_PARENTS; depth++) {
		if (is_root(depth ? nc_strbuf_str(&up) : "."))
			break;
		nc_strbuf_append(&up, depth ? "/.." : "..");
		if (!nc_strbuf_ok(&up)) {
			r = nc_err_errno(err, ENOMEM, "look for the compose file");
			goto fail;
		}
		if ((r = find_in(nc_strbuf_str(&up), v, err)) < 0)
			goto fail;
	}
	if (!v[0]) {
		free(v);
		return nc_err_msg(err, ENOENT,
				  "no compose file: none of compose.yaml, ncompose.yaml, docker-compose.yaml in %s",
				  dir ? dir : "the current directory or its parents");
	}
	*out = v;
	return 0;
fail:
	nc_strv_freep(&v);
	return r;
}

/* COMPOSE_FILE: paths separated by COMPOSE_PATH_SEPARATOR, else ':'. */
static int split_compose_file(const char *list, const char *sep, char ***out, nc_err *err)
{
	size_t n = 1;
	char sepc = sep && *sep ? *sep : ':';

	for (const char *p = list; *p; p++)
		n += *p == sepc;
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return nc_err_errno(err, ENOMEM, "read COMPOSE_FILE");
	size_t k = 0;
	for (const char *p = list;;) {
		const char *e = strchr(p, sepc);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len && !(v[k++] = strndup(p, len))) {
			nc_strv_freep(&v);
			return nc_err_errno(err, ENOMEM, "read COMPOSE_FILE");
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (!k) {
		free(v);
		return nc_err_msg(err, EINVAL, "COMPOSE_FILE is set but names no file");
	}
	*out = v;
	return 0;
}

static char *absolute(const char *path)
{
	char *r = realpath(path, NULL);
	if (r)
		return r;
	if (path[0] == '/')
		return strdup(path);
	char cwd[PATH_MAX];
	return getcwd(cwd, sizeof(cwd)) ? join(cwd, path) : strdup(path);
}

static char *dir_of(const char *abs)
{
	const char *slash = strrchr(abs, '/');
	if (!slash || slash == abs)
		return strdup("/");
	return strndup(abs, (size_t)(slash - abs));
}

bool nc_project_name_from_dir(const char *dir, char *out, size_t size)
{
	const char *base = strrchr(dir, '/');
	size_t n = 0;

	base = base ? base + 1 : dir;
	/* Compose's rule: lower case, keep [a-z0-9_-], drop leading '-' '_'. */
	for (const char *p = base; *p && n + 1 < size; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (keep && !(n == 0 && (c == '-' || c == '_')))
			out[n++] = c;
	}
	out[n] = '\0';
	return n > 0;
}

struct tree_file {
	const char *path; /* in the model's arena */
	struct nc_yt_node *root;
};

/* NCOMPOSE_HOST_IMAGES: comma-separated images whose devices run on the
 * host's root, as `import kathara --host-image` for `up DIR`. */
#define HOST_IMAGES_MAX 32

/* A Kathará lab directory in place of a file: translated here, its paths
 * relative to the lab (the project directory). */
static int read_lab(struct nc_arena *tree, const char *given, const struct nc_project_files *pf,
		    struct tree_file *tf, nc_err *err)
{
	const char *hosts[HOST_IMAGES_MAX];
	size_t n = 0;
	_cleanup_free_ char *list = NULL;
	const char *env = nc_lookup_envp((void *)pf->envp, "NCOMPOSE_HOST_IMAGES");
	if (env && !(list = strdup(env)))
		return nc_err_errno(err, ENOMEM, "load `%s`", given);
	char *save = NULL;
	for (char *w = list ? strtok_r(list, ", ", &save) : NULL; w && n < HOST_IMAGES_MAX; w = strtok_r(NULL, ", ", &save))
		hosts[n++] = w;
	struct nc_kat_opts o = { .base = ".", .host_images = hosts, .n_host_images = n, .source = given };
	_cleanup_(nc_strbuf_freep) struct nc_strbuf out = NC_STRBUF_INIT;
	int r = nc_kat_import_dir(given, &o, pf->warnings, &out, err);
	if (r < 0)
		return r;
	return nc_yt_parse(tree, tf->path, out.s, out.len, &tf->root, err);
}

/* A containerlab topology in place of a file: translated here, its binds
 * relative to the topology's directory (the project directory). */
static int read_clab(struct nc_model *m, struct nc_arena *tree, const char *given, const char *text, size_t len,
		     const struct nc_project_files *pf, struct tree_file *tf, nc_err *err)
{
	const char *hosts[HOST_IMAGES_MAX];
	size_t n = 0;
	_cleanup_free_ char *list = NULL;
	const char *env = nc_lookup_envp((void *)pf->envp, "NCOMPOSE_HOST_IMAGES");
	if (env && !(list = strdup(env)))
		return nc_err_errno(err, ENOMEM, "load `%s`", given);
	char *save = NULL;
	for (char *w = list ? strtok_r(list, ", ", &save) : NULL; w && n < HOST_IMAGES_MAX; w = strtok_r(NULL, ", ", &save))
		hosts[n++] = w;
	struct nc_clab_opts o = { .base = ".", .host_images = hosts, .n_host_images = n };
	_cleanup_(nc_strbuf_freep) struct nc_strbuf out = NC_STRBUF_INIT;
	int r = nc_clab_translate(given, text, len, &o, pf->warnings, &out, err);
	if (r < 0)
		return r;
	if (!(tf->path = nc_arena_printf(&m->arena, "%s (imported containerlab topology)", given)))
		return nc_err_errno(err, ENOMEM, "load `%s`", given);
	return nc_yt_parse(tree, tf->path, out.s, out.len, &tf->root, err);
}

static int read_tree(struct nc_model *m, struct nc_arena *tree, const char *given,
		     const struct nc_project_files *pf, struct tree_file *tf, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (nc_kat_is_lab_dir(given)) {
		/* Messages about the translation give its lines, which
		 * `ncompose import kathara DIR` prints. */
		if (!(tf->path = nc_arena_printf(&m->arena, "%s (imported lab.conf)", given)))
			return nc_err_errno(err, ENOMEM, "load `%s`", given);
		return read_lab(tree, given, pf, tf, err);
	}
	bool in = !strcmp(given, "-");
	tf->path = nc_arena_strdup(&m->arena, in ? "(standard input)" : given);
	if (!tf->path)
		return nc_err_errno(err, ENOMEM, "load `%s`", given);
	r = in ? nc_read_fileat(AT_FDCWD, "/dev/stdin", &text, &len, err)
	       : nc_read_file_bounded(given, NC_USER_FILE_MAX, &text, &len, err);
	if (r < 0)
		return r;
	if (!in && nc_clab_is_topology_name(given))
		return read_clab(m, tree, given, text, len, pf, tf, err);
	if ((r = nc_yt_parse(tree, tf->path, text, len, &tf->root, err)) < 0)
		return r;
	/* A topology by its content: `topology:` and no `services:`. */
	if (nc_clab_is_topology(tf->root))
		return read_clab(m, tree, in ? "(standard input)" : given, text, len, pf, tf, err);
	return 0;
}

/* The project name as Compose decides it. `name:` is read with the
 * variables known so far (it may use them). */
static int decide_name(struct nc_model *m, const struct nc_project_files *pf,
		       struct env_chain *env, const struct tree_file *tf, size_t n,
		       const char *dir, nc_err *err)
{
	static const char rule[] =
		"use lower case letters, digits, `-` and `_`, starting with a letter or digit";
	const char *name = pf->name;
	const char *from = "-p";
	char buf[NC_MODEL_PROJECT_MAX + 1];

	if (!name && (name = chain_lookup(env, "COMPOSE_PROJECT_NAME")) && *name)
		from = "COMPOSE_PROJECT_NAME";
	else if (!pf->name)
		name = NULL;
	for (size_t i = n; !name && i-- > 0;) {
		const struct nc_yt_node *v = nc_yt_get(tf[i].root, "name");
		if (!v || v->kind != NC_YT_SCALAR || v->type == NC_YT_NULL)
			continue;
		struct nc_strbuf s = NC_STRBUF_INIT;
		if (nc_interpolate(v->text, chain_lookup, env, &s, err) < 0) {
			nc_strbuf_free(&s);
			return nc_model_error(m, v->mark, err, "`name`: %s", err->msg);
		}
		if (!nc_strbuf_ok(&s))
			return nc_err_errno(err, ENOMEM, "load `%s`", tf[i].path);
		name = nc_arena_strdup(&m->arena, nc_strbuf_str(&s));
		nc_strbuf_free(&s);
		if (!name)
			return nc_err_errno(err, ENOMEM, "load `%s`", tf[i].path);
		if (!*name) {
			name = NULL;
			continue;
		}
		if (!nc_ld_valid_project(name) || strlen(name) > NC_MODEL_PROJECT_MAX)
			return nc_model_error(m, v->mark, err, "project name `%s` is not valid: %s (at most %d characters)",
					      name, rule, NC_MODEL_PROJECT_MAX);
		from = NULL;
	}
	if (name && from && (!nc_ld_valid_project(name) || strlen(name) > NC_MODEL_PROJECT_MAX))
		return nc_err_msg(err, EINVAL, "project name `%s` (%s) is not valid: %s (at most %d characters)",
				  name, from, rule, NC_MODEL_PROJECT_MAX);
	if (!name) {
		if (!nc_project_name_from_dir(dir, buf, sizeof(buf)))
			return nc_err_msg(err, EINVAL,
					  "cannot make a project name from the directory `%s`: it has no letter or digit; set `name:` in the file, COMPOSE_PROJECT_NAME, or use -p NAME",
					  dir);
		buf[NC_MODEL_PROJECT_MAX] = '\0';
		name = buf;
	}
	if (!(m->project = nc_arena_strdup(&m->arena, name)))
		return nc_err_errno(err, ENOMEM, "load the project");
	return 0;
}

static void dotenvs_free(struct nc_dotenv *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nc_dotenv_free(&v[i]);
	free(v);
}

static int load_env(const struct nc_project_files *pf, const char *dir, struct env_chain *env,
		    nc_err *err)
{
	size_t n = pf->n_env_files ? pf->n_env_files : 1;
	int r;

	env->dotenv = calloc(n, sizeof(*env->dotenv));
	if (!env->dotenv)
		return nc_err_errno(err, ENOMEM, "read the env files");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = pf->n_env_files ? strdup(pf->env_files[i]) : join(dir, ".env");
		env->dotenv[i] = (struct nc_dotenv)NC_DOTENV_INIT;
		if (!path)
			return nc_err_errno(err, ENOMEM, "read the env files");
		/* Earlier files' variables are known to later ones. */
		if ((r = nc_dotenv_load(path, !pf->n_env_files, chain_lookup, env, &env->dotenv[i], err)) < 0)
			return r;
		env->n_dotenv = i + 1;
	}
	return 0;
}

static void model_freep(struct nc_model **m)
{
	nc_model_free(*m);
}

static void arena_freep(struct nc_arena *a)
{
	nc_arena_free(a);
}

static int load_trees(struct nc_model *m, struct nc_arena *tree, const struct nc_project_files *pf,
		      char **files, size_t n, nc_err *err)
{
	struct env_chain env = { .envp = pf->envp };
	_cleanup_free_ struct tree_file *tf = calloc(n, sizeof(*tf));
	struct nc_yt_node *root = NULL;
	int r;

	if (!tf)
		return nc_err_errno(err, ENOMEM, "load the project");
	if ((r = load_env(pf, m->dir, &env, err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((r = read_tree(m, tree, files[i], pf, &tf[i], err)) < 0)
			goto out;
	if ((r = decide_name(m, pf, &env, tf, n, m->dir, err)) < 0)
		goto out;
	env.project = m->project;
	for (size_t i = 0; i < n; i++) {
		if (!tf[i].root)
			continue;
		if ((r = nc_interpolate_tree(tree, tf[i].root, tf[i].path, chain_lookup, &env, pf->warnings, err)) < 0 ||
		    (r = nc_yt_resolve_include(tree, tf[i].root, tf[i].path, chain_lookup, &env, err)) < 0 ||
		    (r = nc_yt_resolve_extends(tree, tf[i].root, tf[i].path, chain_lookup, &env, err)) < 0)
			goto out;
		if (!root) {
			root = tf[i].root;
			continue;
		}
		if (tf[i].root->kind != NC_YT_MAP) {
			r = nc_model_error(m, tf[i].root->mark, err, "expected a mapping at the top level, got %s",
					   nc_ld_what(tf[i].root));
			goto out;
		}
		if ((r = nc_yt_merge(tree, root, tf[i].root, &root, err)) < 0)
			goto out;
	}
	nc_yt_strip_tags(root);
	if ((r = nc_model_load_root(m, root, err)) < 0)
		goto out;
	r = nc_model_apply_profiles(m, chain_lookup(&env, "COMPOSE_PROFILES"), pf->named, err);
out:
	dotenvs_free(env.dotenv, env.n_dotenv ? env.n_dotenv : (env.dotenv ? 1 : 0));
	return r;
}

int nc_model_load_files(const struct nc_project_files *pf, struct nc_model **out, nc_err *err)
{
	_cleanup_(model_freep) struct nc_model *m = calloc(1, sizeof(*m));
	_cleanup_(arena_freep) struct nc_arena tree = NC_ARENA_INIT;
	_cleanup_strv_ char **files = NULL;
	_cleanup_free_ char *dir = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if (!m)
		return nc_err_errno(err, ENOMEM, "load the project");
	if (pf->project_dir && !(dir = absolute(pf->project_dir)))
		return nc_err_errno(err, ENOMEM, "load the project");

	if (pf->n_files) {
		if (pf->n_files > MAX_FILES)
			return nc_err_msg(err, EINVAL, "more than %d compose files", MAX_FILES);
		if (!(files = calloc(pf->n_files + 1, sizeof(*files))))
			return nc_err_errno(err, ENOMEM, "load the project");
		for (size_t i = 0; i < pf->n_files; i++)
			if (!(files[i] = strdup(pf->files[i])))
				return nc_err_errno(err, ENOMEM, "load the project");
	} else {
		/* COMPOSE_FILE from the environment or the .env of the
		 * directory the files would be looked for in. */
		const char *cf = nc_lookup_envp((void *)pf->envp, "COMPOSE_FILE");
		const char *sep = nc_lookup_envp((void *)pf->envp, "COMPOSE_PATH_SEPARATOR");
		struct nc_dotenv d = NC_DOTENV_INIT;
		_cleanup_free_ char *envpath = join(pf->project_dir, ".env");
		if (!envpath)
			return nc_err_errno(err, ENOMEM, "load the project");
		if (!cf && !pf->n_env_files &&
		    (r = nc_dotenv_load(envpath, true, nc_lookup_envp, (void *)pf->envp, &d, err)) < 0)
			return r;
		if (!cf)
			cf = nc_dotenv_lookup(&d, "COMPOSE_FILE");
		if (!sep)
			sep = nc_dotenv_lookup(&d, "COMPOSE_PATH_SEPARATOR");
		r = cf ? split_compose_file(cf, sep, &files, err) : nc_project_find_files(pf->project_dir, &files, err);
		nc_dotenv_free(&d);
		if (r < 0)
			return r;
		/* COMPOSE_FILE's relative paths are the project directory's. */
		for (size_t i = 0; cf && pf->project_dir && files[i]; i++) {
			char *j = join(pf->project_dir, files[i]);
			if (!j)
				return nc_err_errno(err, ENOMEM, "load the project");
			free(files[i]);
			files[i] = j;
		}
	}
	while (files[n])
		n++;

	/* The project directory: given, else the first file's (the current
	 * one for standard input). */
	if (!dir) {
		_cleanup_free_ char *first = strcmp(files[0], "-") ? absolute(files[0]) : absolute(".");
		/* A Kathará lab directory is its own project directory. */
		bool own = !strcmp(files[0], "-") || nc_kat_is_lab_dir(files[0]);
		if (!first || !(dir = own ? strdup(first) : dir_of(first)))
			return nc_err_errno(err, ENOMEM, "load the project");
	}
	if (!(m->dir = nc_arena_strdup(&m->arena, dir)) ||
	    !(m->files = nc_arena_calloc(&m->arena, n + 1, sizeof(*m->files))) ||
	    !(m->path = nc_arena_strdup(&m->arena, strcmp(files[0], "-") ? files[0] : "(standard input)")))
		return nc_err_errno(err, ENOMEM, "load the project");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *abs = strcmp(files[i], "-") ? absolute(files[i]) : strdup("-");
		if (!abs || !(m->files[i] = nc_arena_strdup(&m->arena, abs)))
			return nc_err_errno(err, ENOMEM, "load the project");
	}
	m->n_files = n;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < i; k++)
			if (!strcmp(files[i], "-") && !strcmp(files[k], "-"))
				return nc_err_msg(err, EINVAL, "-f - given twice: standard input is read once");

	if ((r = load_trees(m, &tree, pf, files, n, err)) < 0)
		return r;
	*out = TAKE_PTR(m);
	return 0;
}
