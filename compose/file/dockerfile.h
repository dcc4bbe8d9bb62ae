/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Dockerfile read into instructions, as `docker build` reads it: parser
 * directives at the top (`# escape=`, `# syntax=`), comments, lines joined
 * by the escape character, keywords in any case, `--flag=value` before the
 * arguments, and the JSON exec form where Docker accepts it (a line that
 * starts with `[` but is not a JSON array of strings is shell form, as
 * Docker does).
 *
 * Parsing keeps the words as written (quotes and `$VAR` in place): Docker
 * substitutes variables while it builds, with the ARG and ENV values in
 * scope at each instruction, so nc_df_expand() runs then. RUN, CMD and
 * ENTRYPOINT are never substituted by the builder (the shell does it).
 *
 * Pure: the file comes in as a buffer, so the unit tests feed it strings.
 * What ncompose does not do is refused here with the line (heredocs,
 * ONBUILD, RUN --mount), never ignored.
 */
#ifndef NC_COMPOSE_DOCKERFILE_H
#define NC_COMPOSE_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/error.h"

/* Bounds against hostile input: a Dockerfile is a few kilobytes. */
#define NC_DF_MAX_BYTES (1u << 20)
#define NC_DF_MAX_INSTRUCTIONS 4096u

enum nc_df_kind {
	NC_DF_FROM,
	NC_DF_RUN,
	NC_DF_COPY,
	NC_DF_ADD,
	NC_DF_ENV,
	NC_DF_ARG,
	NC_DF_WORKDIR,
	NC_DF_USER,
	NC_DF_CMD,
	NC_DF_ENTRYPOINT,
	NC_DF_EXPOSE,
	NC_DF_LABEL,
	NC_DF_SHELL,
	NC_DF_VOLUME,
	NC_DF_HEALTHCHECK,
	NC_DF_STOPSIGNAL,
	NC_DF_MAINTAINER,
};

/* ENV, LABEL, ARG: key and value as written. ARG NAME without a default
 * has value NULL. */
struct nc_df_kv {
	const char *key;
	const char *value;
};

struct nc_df_flag {
	const char *name; /* without the dashes */
	const char *value;
};

struct nc_df_instr {
	enum nc_df_kind kind;
	unsigned line;    /* first line of the instruction, 1-based */
	const char *text; /* arguments after the flags, continuations joined */

	/* Exec form (JSON array): args are the strings, unescaped. Shell form
	 * of RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD: one arg, the command.
	 * Otherwise (FROM, COPY, ADD, EXPOSE, VOLUME, WORKDIR, USER,
	 * STOPSIGNAL): the words as written, for nc_df_expand(). WORKDIR,
	 * USER and STOPSIGNAL have one word: the rest of the line. */
	bool exec_form;
	const char **args;
	size_t n_args;

	struct nc_df_kv *kv; /* ENV, LABEL, ARG, MAINTAINER (as a label) */
	size_t n_kv;

	struct nc_df_flag *flags;
	size_t n_flags;

	const char *stage_name; /* FROM x AS name: name, lowercased; else NULL */
	bool healthcheck_none;  /* HEALTHCHECK NONE */
};

struct nc_dockerfile {
	struct nc_arena arena;
	char escape;          /* '\\' or '`' (# escape=) */
	const char *syntax;   /* # syntax= as written, or NULL (not used) */
	struct nc_df_instr *ins;
	size_t n_ins, cap_ins;
	size_t n_stages;      /* FROM instructions */
};

/*
 * Parses `len` bytes of `buf`. `name` is how errors name the file
 * ("Dockerfile"): "Dockerfile:LINE: unknown instruction \"FOO\"".
 * On failure `df` holds nothing that needs more than nc_dockerfile_free().
 */
int nc_dockerfile_parse(struct nc_dockerfile *df, const char *name, const char *buf, size_t len,
			nc_err *err);

/* Reads `path` (at most NC_DF_MAX_BYTES) and parses it, errors named by `name`. */
int nc_dockerfile_load(struct nc_dockerfile *df, const char *path, const char *name, nc_err *err);

void nc_dockerfile_free(struct nc_dockerfile *df);

const char *nc_df_kind_name(enum nc_df_kind k);

/* The value of --name, or NULL when the instruction does not have it. */
const char *nc_df_flag(const struct nc_df_instr *in, const char *name);

/*
 * One word as Docker's builder sees it: quotes removed ('...' literal,
 * "..." with $ expanded and the escape character escaping " $ and
 * itself), the escape character outside quotes taking the next character
 * literally, and $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word},
 * ${VAR+word}, ${VAR:?message} expanded from `env` (the last entry of a
 * name wins; an entry with value NULL is unset). An unset variable is the
 * empty string. The result goes to *out, in arena `a`.
 * Fails on an unterminated quote or ${, and on ${VAR:?} of an unset VAR.
 */
int nc_df_expand(struct nc_arena *a, const char *raw, char escape, const struct nc_df_kv *env,
		 size_t n_env, const char **out, nc_err *err);

/* Index of the FROM that starts stage `name_or_index` ("build" or "0"),
 * or -1. */
long nc_df_stage_from(const struct nc_dockerfile *df, const char *name_or_index);

#endif
