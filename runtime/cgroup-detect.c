/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the cgroup controllers live: pure parsers of /proc/cgroups and
 * /proc/self/cgroup text, and the mode rule. No file access here, so the
 * unit tests can describe any host (v1, hybrid, unified, co-mounted).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>

#include "runtime/cgroup-internal.h"

static const char *const ctrl_names[RT_CG_NCTRL] = {
	[RT_CG_MEMORY] = "memory",
	[RT_CG_CPU] = "cpu",
	[RT_CG_PIDS] = "pids",
	[RT_CG_FREEZER] = "freezer",
	[RT_CG_CPUACCT] = "cpuacct",
	[RT_CG_CPUSET] = "cpuset",
	[RT_CG_BLKIO] = "blkio",
};

/* v2 renamed blkio to io and has no cpuacct or freezer controller. */
static const char *const ctrl_v2_names[RT_CG_NCTRL] = {
	[RT_CG_MEMORY] = "memory",
	[RT_CG_CPU] = "cpu",
	[RT_CG_PIDS] = "pids",
	[RT_CG_CPUSET] = "cpuset",
	[RT_CG_BLKIO] = "io",
};

const char *rt_cg_ctrl_name(enum rt_cg_ctrl c)
{
	return c < RT_CG_NCTRL ? ctrl_names[c] : "?";
}

const char *rt_cg_ctrl_v2_name(enum rt_cg_ctrl c)
{
	return c < RT_CG_NCTRL ? ctrl_v2_names[c] : NULL;
}

static int ctrl_from_name(const char *s, size_t len)
{
	for (int c = 0; c < RT_CG_NCTRL; c++)
		if (strlen(ctrl_names[c]) == len && !strncmp(ctrl_names[c], s, len))
			return c;
	return -1;
}

void rt_cg_layout_init(struct rt_cg_layout *l)
{
	memset(l, 0, sizeof(*l));
	for (int c = 0; c < RT_CG_NCTRL; c++)
		l->hier_id[c] = -1;
}

bool rt_cg_list_has(const char *list, const char *name, char sep)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		while (*p == sep || *p == '\n' || (sep == ' ' && *p == '\t'))
			p++;
		const char *e = p;
		while (*e && *e != sep && *e != '\n' && !(sep == ' ' && *e == '\t'))
			e++;
		if ((size_t)(e - p) == len && !strncmp(p, name, len))
			return true;
		p = e;
	}
	return false;
}

bool rt_cg_next_line(const char **p, char *buf, size_t size)
{
	if (!**p)
		return false;
	const char *e = strchrnul(*p, '\n');
	size_t n = (size_t)(e - *p);
	if (n >= size)
		n = size - 1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p = *e ? e + 1 : e;
	return true;
}

int rt_cg_parse_proc_cgroups(const char *text, struct rt_cg_layout *l, nc_err *err)
{
	char line[256];
	unsigned lineno = 0;

	for (const char *p = text; rt_cg_next_line(&p, line, sizeof(line));) {
		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		char name[64];
		int hier, num, enabled;
		if (sscanf(line, "%63s %d %d %d", name, &hier, &num, &enabled) != 4 || hier < 0)
			return nc_err_msg(err, EINVAL, "/proc/cgroups line %u: cannot parse `%s`",
					  lineno, line);
		int c = ctrl_from_name(name, strlen(name));
		if (c < 0)
			continue;
		l->hier_id[c] = enabled ? hier : -1;
	}
	return 0;
}

int rt_cg_parse_self_cgroup(const char *text, struct rt_cg_layout *l, nc_err *err)
{
	char line[4096];
	unsigned lineno = 0;

	for (const char *p = text; rt_cg_next_line(&p, line, sizeof(line));) {
		lineno++;
		if (!line[0])
			continue;
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2)
			return nc_err_msg(err, EINVAL, "/proc/self/cgroup line %u: cannot parse `%s`",
					  lineno, line);
		*c2 = '\0';
		char *end;
		long id = strtol(line, &end, 10);
		if (end != c1 || id < 0)
			return nc_err_msg(err, EINVAL, "/proc/self/cgroup line %u: bad hierarchy id", lineno);
		const char *list = c1 + 1;
		if (id == 0)
			continue;
		if (strlen(list) >= sizeof(l->v1_hier[0]) || l->n_v1 == RT_CG_MAX_V1)
			return nc_err_msg(err, E2BIG, "/proc/self/cgroup line %u: more or longer v1 hierarchies "
					  "than ncompose handles (%d of 127 characters)", lineno, RT_CG_MAX_V1);
		snprintf(l->v1_hier[l->n_v1++], sizeof(l->v1_hier[0]), "%s", list);
		if (strlen(list) >= sizeof(l->v1_name[0]))
			continue;
		for (const char *q = list; *q;) {
			const char *e = strchrnul(q, ',');
			int c = ctrl_from_name(q, (size_t)(e - q));
			if (c >= 0)
				snprintf(l->v1_name[c], sizeof(l->v1_name[c]), "%s", list);
			q = *e ? e + 1 : e;
		}
	}
	return 0;
}

/* The `n`th space-separated field of `line` (0-based), into buf. */
static bool field(const char *line, int n, char *buf, size_t size)
{
	const char *p = line;
	for (int i = 0; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	size_t len = strcspn(p, " ");
	if (len >= size)
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

int rt_cg_mountinfo_find(const char *mountinfo, const char *list, char *out, size_t size)
{
	char line[4096], fstype[32], opts[1024], item[128];

	for (const char *p = mountinfo; rt_cg_next_line(&p, line, sizeof(line));) {
		/* "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS" */
		const char *sep = strstr(line, " - ");
		if (!sep || !field(sep + 3, 0, fstype, sizeof(fstype)) || strcmp(fstype, "cgroup") ||
		    !field(sep + 3, 2, opts, sizeof(opts)))
			continue;
		bool all = true;
		for (const char *q = list; *q && all;) {
			const char *e = strchrnul(q, ',');
			snprintf(item, sizeof(item), "%.*s", (int)(e - q), q);
			all = rt_cg_list_has(opts, item, ',');
			q = *e ? e + 1 : e;
		}
		if (all && field(line, 4, out, size)) {
			unescape_octal(out);
			return 0;
		}
	}
	return -ENOENT;
}

int rt_cg_mode_from_magic(const char *root, long root_magic, long unified_magic,
			  enum rt_cgroup_mode *mode, nc_err *err)
{
	if (root_magic == CGROUP2_SUPER_MAGIC) {
		*mode = RT_CGROUP_UNIFIED;
		return 0;
	}
	if (root_magic == TMPFS_MAGIC) {
		*mode = unified_magic == CGROUP2_SUPER_MAGIC ? RT_CGROUP_HYBRID : RT_CGROUP_LEGACY;
		return 0;
	}
	return nc_err_msg(err, EINVAL,
			  "`%s` is neither a cgroup2 mount nor a tmpfs of cgroup v1 mounts (filesystem magic 0x%lx)",
			  root, root_magic);
}

int rt_cg_parse_keyed(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p;) {
		const char *e = strchrnul(p, '\n');
		if ((size_t)(e - p) > klen && !strncmp(p, key, klen) && (p[klen] == ' ' || p[klen] == '\t')) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(p + klen + 1, &end, 10);
			if (errno || end == p + klen + 1)
				return -EINVAL;
			*value = v;
			return 0;
		}
		p = *e ? e + 1 : e;
	}
	return -ENOENT;
}

int rt_cg_parse_pids(const char *text, pid_t **pids, size_t *n, nc_err *err)
{
	size_t cap = 0, cnt = 0;
	pid_t *v = NULL;

	for (const char *p = text; *p;) {
		if (*p == '\n' || *p == ' ') {
			p++;
			continue;
		}
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p || pid <= 0) {
			free(v);
			return nc_err_msg(err, EINVAL, "cannot parse pid list near `%.20s`", p);
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			pid_t *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return nc_err_errno(err, ENOMEM, "read pid list");
			}
			v = nv;
		}
		v[cnt++] = (pid_t)pid;
		p = end;
	}
	*pids = v;
	*n = cnt;
	return 0;
}
