/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Docker's `user:` forms against the container's passwd and group files. */
#include "runtime/user.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"
#include "runtime/resolve.h"

/* Larger than any real passwd or group file; bounds what an image can
 * make us read. */
#define DB_MAX (64u << 20)

/* A piece of a const buffer. */
struct span {
	const char *p;
	size_t len;
};

static bool span_eq(struct span a, struct span b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* Decimal digits only (no sign, no blanks), at most RT_ID_MAX. */
static bool parse_id(struct span s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s.len || s.len > 10)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > RT_ID_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool all_digits(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return s.len > 0;
}

/* The next line of *text (without its newline); false at the end. */
static bool next_line(const char **text, struct span *line)
{
	const char *s = *text;
	if (!s || !*s)
		return false;
	const char *e = strchrnul(s, '\n');
	*line = (struct span){ s, (size_t)(e - s) };
	*text = *e ? e + 1 : e;
	return true;
}

/* Splits at ':' into at most `max` fields; returns how many there are
 * (more than `max` when the line has more). */
static size_t split(struct span line, struct span *f, size_t max)
{
	size_t n = 0;
	const char *p = line.p, *end = line.p + line.len;

	for (;;) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		const char *e = c ? c : end;
		if (n < max)
			f[n] = (struct span){ p, (size_t)(e - p) };
		n++;
		if (!c)
			return n;
		p = c + 1;
	}
}

/* A line worth reading: not blank, not a comment, not a NIS +/- entry. */
static bool is_entry(struct span line)
{
	return line.len && line.p[0] != '#' && line.p[0] != '+' && line.p[0] != '-';
}

/* name:password:uid:gid:gecos:home:shell; home may be missing. */
struct pw_entry {
	struct span name, home;
	uint32_t uid, gid;
};

static bool parse_passwd(struct span line, struct pw_entry *pw)
{
	struct span f[7];
	size_t n = split(line, f, 7);

	if (!is_entry(line) || n < 4 || n > 7 || !f[0].len || !parse_id(f[2], &pw->uid) ||
	    !parse_id(f[3], &pw->gid))
		return false;
	pw->name = f[0];
	pw->home = n >= 6 ? f[5] : (struct span){ "", 0 };
	return true;
}

/* name:password:gid:member,member,... */
struct gr_entry {
	struct span name, members;
	uint32_t gid;
};

static bool parse_group(struct span line, struct gr_entry *gr)
{
	struct span f[4];
	size_t n = split(line, f, 4);

	if (!is_entry(line) || n < 3 || n > 4 || !f[0].len || !parse_id(f[2], &gr->gid))
		return false;
	gr->name = f[0];
	gr->members = n == 4 ? f[3] : (struct span){ "", 0 };
	return true;
}

static bool has_member(struct span members, struct span user)
{
	const char *p = members.p, *end = members.p + members.len;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		if (span_eq((struct span){ p, (size_t)(e - p) }, user))
			return true;
		p = e + 1;
	}
	return false;
}

static int add_group(struct rt_user *u, size_t *cap, gid_t gid, nc_err *err)
{
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == gid)
			return 0;
	if (u->n_groups == NGROUPS_MAX)
		return nc_err_msg(err, E2BIG, "user `%s` is in more than %d groups", u->name ? u->name : "?",
				  NGROUPS_MAX);
	if (u->n_groups == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		gid_t *g = reallocarray(u->groups, ncap, sizeof(*g));
		if (!g)
			return nc_err_errno(err, ENOMEM, "groups of user `%s`", u->name ? u->name : "?");
		u->groups = g;
		*cap = ncap;
	}
	u->groups[u->n_groups++] = gid;
	return 0;
}

void rt_user_free(struct rt_user *u)
{
	if (!u)
		return;
	free(u->groups);
	free(u->home);
	free(u->name);
	*u = (struct rt_user){ 0 };
}

/* The user: from passwd, or a bare uid. */
static int find_user(const char *passwd, const char *spec, struct span user, struct rt_user *out,
		     nc_err *err)
{
	uint32_t uid = 0;
	bool numeric = all_digits(user);
	struct span line;
	struct pw_entry pw;

	if (numeric && !parse_id(user, &uid))
		return nc_err_msg(err, ERANGE, "user `%s`: uid `%.*s` is out of range (0 to %u)", spec,
				  (int)user.len, user.p, RT_ID_MAX);
	for (const char *t = passwd; next_line(&t, &line);) {
		if (!parse_passwd(line, &pw))
			continue;
		if (numeric ? pw.uid == uid : span_eq(pw.name, user)) {
			out->uid = pw.uid;
			out->gid = pw.gid;
			out->name = strndup(pw.name.p, pw.name.len);
			out->home = pw.home.len ? strndup(pw.home.p, pw.home.len) : strdup("/");
			if (!out->name || !out->home)
				return nc_err_errno(err, ENOMEM, "user `%s`", spec);
			return 0;
		}
	}
	if (!numeric)
		return nc_err_msg(err, ENOENT, "user `%.*s` not found in the container's /etc/passwd",
				  (int)user.len, user.p);
	out->uid = uid;
	out->gid = 0;
	if (!(out->home = strdup("/")))
		return nc_err_errno(err, ENOMEM, "user `%s`", spec);
	return 0;
}

/* An explicit group: a gid, or a name from etc/group. */
static int find_group(const char *group, const char *spec, struct span name, gid_t *gid, nc_err *err)
{
	uint32_t id;
	struct span line;
	struct gr_entry gr;

	if (all_digits(name)) {
		if (!parse_id(name, &id))
			return nc_err_msg(err, ERANGE, "user `%s`: gid `%.*s` is out of range (0 to %u)", spec,
					  (int)name.len, name.p, RT_ID_MAX);
		*gid = id;
		return 0;
	}
	for (const char *t = group; next_line(&t, &line);) {
		if (parse_group(line, &gr) && span_eq(gr.name, name)) {
			*gid = gr.gid;
			return 0;
		}
	}
	return nc_err_msg(err, ENOENT, "group `%.*s` not found in the container's /etc/group", (int)name.len,
			  name.p);
}

static int memberships(const char *group, struct rt_user *u, size_t *cap, nc_err *err)
{
	struct span line, name = { u->name, strlen(u->name) };
	struct gr_entry gr;

	for (const char *t = group; next_line(&t, &line);)
		if (parse_group(line, &gr) && has_member(gr.members, name) && add_group(u, cap, gr.gid, err) < 0)
			return nc_err_ret(err);
	return 0;
}

int rt_user_lookup(const char *passwd, const char *group, const char *spec, struct rt_user *out,
		   nc_err *err)
{
	*out = (struct rt_user){ 0 };
	if (!spec)
		spec = "";
	const char *colon = strchr(spec, ':');
	struct span user = { spec, colon ? (size_t)(colon - spec) : strlen(spec) };
	struct span grp = { colon ? colon + 1 : "", colon ? strlen(colon + 1) : 0 };
	if (!user.len || (colon && (!grp.len || memchr(grp.p, ':', grp.len))) || strchr(spec, '\n'))
		return nc_err_msg(err, EINVAL, "`%s` is not a user: expected USER or USER:GROUP, by name or number",
				  spec);

	struct rt_user u = { 0 };
	size_t cap = 0;
	int r = find_user(passwd, spec, user, &u, err);
	if (r >= 0 && colon)
		r = find_group(group, spec, grp, &u.gid, err);
	if (r >= 0)
		r = add_group(&u, &cap, u.gid, err);
	/* Docker looks up memberships only when the group is implicit, and
	 * only a name can be a member. */
	if (r >= 0 && !colon && u.name)
		r = memberships(group, &u, &cap, err);
	if (r < 0) {
		rt_user_free(&u);
		return r;
	}
	*out = u;
	return 0;
}

/* The file's text, or *text = NULL when the root has no such file. */
static int read_db(int rootfd, const char *path, char **text, nc_err *err)
{
	*text = NULL;
	/* O_NONBLOCK: a FIFO planted in an image must not hang us. */
	_cleanup_close_ int fd = rt_open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return nc_err_errno(err, errno, "stat the container's `%s`", path);
	if (!S_ISREG(st.st_mode))
		return nc_err_msg(err, EINVAL, "the container's `%s` is not a regular file", path);

	if (st.st_size < 0 || (uint64_t)st.st_size >= DB_MAX)
		return nc_err_msg(err, EFBIG, "the container's `%s` is over %u MiB", path, DB_MAX >> 20);
	size_t cap = (size_t)st.st_size + 1, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return nc_err_errno(err, ENOMEM, "read the container's `%s`", path);
	for (;;) {
		if (n + 1 == cap) {
			/* The file grew since fstat. */
			if (cap >= DB_MAX)
				return nc_err_msg(err, EFBIG, "the container's `%s` is over %u MiB", path, DB_MAX >> 20);
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return nc_err_errno(err, ENOMEM, "read the container's `%s`", path);
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return nc_err_errno(err, errno, "read the container's `%s`", path);
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	/* A NUL would end the text early: the rest of the file is ignored,
	 * which only hides entries, never invents one. */
	*text = TAKE_PTR(buf);
	return 0;
}

int rt_user_resolve_at(int rootfd, const char *spec, struct rt_user *out, nc_err *err)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;

	*out = (struct rt_user){ 0 };
	if (read_db(rootfd, "/etc/passwd", &passwd, err) < 0 || read_db(rootfd, "/etc/group", &group, err) < 0)
		return nc_err_prefix(err, "user `%s`", spec ? spec : "");
	return rt_user_lookup(passwd, group, spec, out, err);
}

int rt_user_resolve(const char *root, const char *spec, struct rt_user *out, nc_err *err)
{
	*out = (struct rt_user){ 0 };
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return nc_err_errno(err, errno, "user `%s`: open the root `%s`", spec ? spec : "", root);
	return rt_user_resolve_at(rootfd, spec, out, err);
}

/* The 32-bit ids calls on architectures whose plain ones take 16 bits. */
#ifdef SYS_setgroups32
#define NR_SETGROUPS SYS_setgroups32
#define NR_SETRESGID SYS_setresgid32
#define NR_SETRESUID SYS_setresuid32
#else
#define NR_SETGROUPS SYS_setgroups
#define NR_SETRESGID SYS_setresgid
#define NR_SETRESUID SYS_setresuid
#endif

int rt_user_apply(const struct rt_user_ids *ids, nc_err *err)
{
	if (syscall(NR_SETGROUPS, ids->n_groups, ids->groups) < 0)
		return rt_cerr(err, errno, "set %u supplementary groups", (unsigned)ids->n_groups);
	if (syscall(NR_SETRESGID, ids->gid, ids->gid, ids->gid) < 0)
		return rt_cerr(err, errno, "set gid %u", (unsigned)ids->gid);
	if (syscall(NR_SETRESUID, ids->uid, ids->uid, ids->uid) < 0)
		return rt_cerr(err, errno, "set uid %u", (unsigned)ids->uid);
	return 0;
}

int rt_user_add_groups(const char *root, struct rt_user *u, const char *const *groups, size_t n, nc_err *err)
{
	if (!n)
		return 0;
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return nc_err_errno(err, errno, "group_add: open the root `%s`", root);
	return rt_user_add_groups_at(rootfd, u, groups, n, err);
}

int rt_user_add_groups_at(int rootfd, struct rt_user *u, const char *const *groups, size_t n, nc_err *err)
{
	if (!n)
		return 0;
	_cleanup_free_ char *group = NULL;
	if (read_db(rootfd, "/etc/group", &group, err) < 0)
		return nc_err_prefix(err, "group_add");
	size_t cap = u->n_groups;
	for (size_t i = 0; i < n; i++) {
		gid_t gid;
		if (find_group(group, groups[i], (struct span){ groups[i], strlen(groups[i]) }, &gid, err) < 0 ||
		    add_group(u, &cap, gid, err) < 0)
			return nc_err_prefix(err, "group_add");
	}
	return 0;
}
