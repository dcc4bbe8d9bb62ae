/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cap_add / cap_drop: Docker's spellings, normalised. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compose/file/load.h"

/* Linux capability names without CAP_, in number order (linux/capability.h
 * up to CAP_CHECKPOINT_RESTORE = 40, Linux 5.9). Checked here so that a
 * typo is reported at its place in the file with a suggestion; the runtime
 * maps names to numbers. */
static const char *const cap_names[] = {
	"CHOWN",	    "DAC_OVERRIDE",	"DAC_READ_SEARCH", "FOWNER",	 "FSETID",
	"KILL",		    "SETGID",		"SETUID",	   "SETPCAP",	 "LINUX_IMMUTABLE",
	"NET_BIND_SERVICE", "NET_BROADCAST",	"NET_ADMIN",	   "NET_RAW",	 "IPC_LOCK",
	"IPC_OWNER",	    "SYS_MODULE",	"SYS_RAWIO",	   "SYS_CHROOT", "SYS_PTRACE",
	"SYS_PACCT",	    "SYS_ADMIN",	"SYS_BOOT",	   "SYS_NICE",	 "SYS_RESOURCE",
	"SYS_TIME",	    "SYS_TTY_CONFIG",	"MKNOD",	   "LEASE",	 "AUDIT_WRITE",
	"AUDIT_CONTROL",    "SETFCAP",		"MAC_OVERRIDE",	   "MAC_ADMIN",	 "SYSLOG",
	"WAKE_ALARM",	    "BLOCK_SUSPEND",	"AUDIT_READ",	   "PERFMON",	 "BPF",
	"CHECKPOINT_RESTORE",
};

/* "net_admin", "CAP_NET_ADMIN", "cap_net_admin" -> "NET_ADMIN", as Docker
 * normalises them; "ALL" stays. */
static int normalise(struct nc_loader *ld, const struct nc_yt_node *key,
		     const struct nc_yt_node *it, const char **out)
{
	const char *s = it->text;
	char buf[64];
	size_t n = 0;

	if (!strncasecmp(s, "CAP_", 4))
		s += 4;
	for (; *s && n + 1 < sizeof(buf); s++) {
		if (!isalnum((unsigned char)*s) && *s != '_')
			break;
		buf[n++] = (char)toupper((unsigned char)*s);
	}
	buf[n] = '\0';
	if (*s || n == 0)
		return nc_ld_fail_key(ld, key, it->mark,
				      "`%s` is not a capability name: letters, digits and `_`, such as NET_ADMIN or CAP_NET_ADMIN",
				      it->text);
	if (strcmp(buf, "ALL") || strncasecmp(it->text, "ALL", 3)) {
		size_t i;
		for (i = 0; i < NC_ELEMENTSOF(cap_names); i++)
			if (!strcmp(buf, cap_names[i]))
				break;
		if (i == NC_ELEMENTSOF(cap_names)) {
			const char *sug = nc_ld_suggest(buf, cap_names, NC_ELEMENTSOF(cap_names));
			char hint[64] = "";
			if (sug)
				snprintf(hint, sizeof(hint), " (did you mean `%s`?)", sug);
			return nc_ld_fail_key(ld, key, it->mark, "unknown capability `%s`%s",
					      it->text, hint);
		}
	}
	if (!(*out = nc_arena_strdup(ld->a, buf)))
		return nc_ld_oom(ld);
	return 0;
}

int nc_load_capabilities(struct nc_loader *ld, const struct nc_yt_node *key,
			 const struct nc_yt_node *val, const char ***out, size_t *n)
{
	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of capability names");
	const char **v = nc_arena_calloc(ld->a, val->n_items + 1, sizeof(*v));
	if (!v)
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		int r;
		if (it->kind != NC_YT_SCALAR || it->type != NC_YT_STR)
			return nc_ld_type(ld, key, it, "a capability name");
		if ((r = normalise(ld, key, it, &v[i])) < 0)
			return r;
	}
	*out = v;
	*n = val->n_items;
	return 0;
}
