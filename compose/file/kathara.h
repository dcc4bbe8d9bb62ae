/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kathará labs: a lab directory (lab.conf, DEVICE.startup, DEVICE/, lab.dep)
 * translated into the text of a compose file. Parsing and translation are
 * pure (strings in, strings out); kathara-dir.c reads the directory.
 */
#ifndef NC_COMPOSE_KATHARA_H
#define NC_COMPOSE_KATHARA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/strbuf.h"

struct nc_kat_iface {
	unsigned index;  /* N of DEVICE[N]: ethN */
	const char *cd;  /* collision domain */
	const char *mac; /* "CD/MAC", or NULL */
	unsigned line;
};

struct nc_kat_kv {
	const char *key, *value;
	unsigned line;
};

struct nc_kat_device {
	const char *name;
	unsigned line; /* first line that names it */
	struct nc_kat_iface *ifaces; /* sorted by index after parsing */
	size_t n_ifaces, cap_ifaces;
	const char *image;   /* [image], or NULL */
	bool ipv6;           /* [ipv6]="true" */
	bool ipv6_off;       /* [ipv6]="false" */
	bool bridged;        /* [bridged]=true: also on a network with a way out */
	struct nc_kat_kv *opts; /* every other DEVICE[KEY]=VALUE, in order */
	size_t n_opts, cap_opts;
	/* From the directory (kathara-dir.c): */
	bool has_startup;            /* DEVICE.startup exists */
	const char *startup;         /* its text, for the sysctls it sets; may be NULL */
	const char *const *files;    /* regular files under DEVICE/, relative to it */
	size_t n_files;
	const char **deps;     /* lab.dep: devices started before this one */
	size_t n_deps, cap_deps;
};

struct nc_kat_lab {
	struct nc_arena arena;
	struct nc_kat_kv *meta; /* LAB_NAME=..., LAB_DESCRIPTION=..., in order */
	size_t n_meta, cap_meta;
	struct nc_kat_device *devices; /* in order of first mention */
	size_t n_devices, cap_devices;
	/* DIR/shared (Kathará mounts it at /shared in every device) and
	 * DIR/shared.startup (run before each device's own). */
	bool has_shared_dir, has_shared_startup;
	const char *const *shared_files; /* regular files under shared/, relative */
	size_t n_shared_files;
	/* Lines understood but not translated, one "PATH:LINE: ..." each. */
	const char **warnings;
	size_t n_warnings, cap_warnings;
};

#define NC_KAT_LAB_INIT { .arena = NC_ARENA_INIT }

void nc_kat_lab_free(struct nc_kat_lab *lab);

/* lab.conf text. `path` is for messages: "PATH:LINE: message". A line that
 * is no KEY=VALUE is an error; a key this version does not translate is
 * a warning in lab->warnings. */
int nc_kat_parse_conf(struct nc_kat_lab *lab, const char *path, const char *text, size_t len,
		      nc_err *err);

/* The device named by name[0..len), made (with `line`) if new; NULL when
 * out of memory. */
struct nc_kat_device *nc_kat_device(struct nc_kat_lab *lab, const char *name, size_t len, unsigned line);

/* A name lab.conf accepts for a device: lower case letters, digits, `_`
 * and `-`. */
bool nc_kat_device_name_ok(const char *name);

/* [shell]: the program that runs the startup script, as Kathará runs it
 * with the device's shell. An absolute path of letters, digits and
 * `/._-` only, since it is written into the entrypoint as it is. */
bool nc_kat_shell_ok(const char *value);

/* lab.dep text: "DEVICE: DEP DEP..." lines; each DEP starts before DEVICE. */
int nc_kat_parse_dep(struct nc_kat_lab *lab, const char *path, const char *text, size_t len,
		     nc_err *err);

struct nc_kat_opts {
	/* Lab files are named as BASE/DEVICE.startup, BASE/DEVICE/...: "."
	 * when the compose file sits in the lab directory. */
	const char *base;
	const char *const *host_images; /* images run on the host's root */
	size_t n_host_images;
	const char *source; /* the lab directory, for the header comment */
};

/* The compose file for the lab. */
int nc_kat_translate(const struct nc_kat_lab *lab, const struct nc_kat_opts *o, struct nc_strbuf *out,
		     nc_err *err);

/* True when `dir` is a Kathará lab: a directory with a lab.conf, or
 * without one but with a device directory DEV/ beside a DEV.startup (a
 * lab of folders only, which `kathara lstart -F` runs). */
bool nc_kat_is_lab_dir(const char *dir);

/* Reads DIR (lab.conf, lab.dep, the startup files and device directories)
 * and translates it. Without lab.conf, or with an empty one, the devices
 * are DIR's directories but shared/ and hidden ones, as `kathara lstart
 * -F` takes them; they have no interfaces. Warnings go to `warnings` (may be NULL). */
int nc_kat_import_dir(const char *dir, const struct nc_kat_opts *o, FILE *warnings, struct nc_strbuf *out,
		      nc_err *err);

#endif
