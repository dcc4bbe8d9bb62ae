/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compose's `user:` resolved as Docker does, against the container's own
 * etc/passwd and etc/group (parsed here: NSS would read the host's files
 * and load modules), and the child-side switch to it.
 */
#ifndef NC_RUNTIME_USER_H
#define NC_RUNTIME_USER_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

#define RT_ID_MAX 4294967294U /* (uid_t)-1 means "unchanged" to the kernel */

struct rt_user {
	uid_t uid;
	gid_t gid;
	/* What setgroups(2) gets: the primary gid first, then, unless the
	 * group was given explicitly, every group of etc/group that lists
	 * the user's name (Docker's supplementary groups); no duplicates. */
	gid_t *groups;
	size_t n_groups;
	char *home; /* passwd's home directory; "/" when none or no entry */
	char *name; /* passwd's name; NULL for a uid with no entry */
};

void rt_user_free(struct rt_user *u);

/*
 * `spec` is one of Docker's forms: name, uid, uid:gid, name:group,
 * uid:group, name:gid. A number is always an id (as in Docker, even if a
 * user is named "123"); ids range over 0..RT_ID_MAX. A uid with no passwd
 * entry is fine (gid 0 unless given, home "/", no memberships); an unknown
 * name or group is an error ("user `bob` not found in the container's
 * /etc/passwd"). The first matching line wins; lines that do not parse
 * (comments, NIS "+" entries, bad ids, too few fields) are skipped.
 * With an explicit group the memberships are not looked up (Docker's
 * rule): groups is just that gid.
 */

/* Pure: `passwd` and `group` are the files' text, NULL when a file is
 * missing. *out is zeroed first and filled only on success. */
int rt_user_lookup(const char *passwd, const char *group, const char *spec, struct rt_user *out,
		   nc_err *err);

/* Reads etc/passwd and etc/group of the directory `root` (the host's "/"
 * for a host-rooted container, or an image's directory) with
 * rt_open_in_root, so a symlink in an image resolves inside it and never
 * reaches the host's files. A missing file counts as empty; anything but a
 * regular file is an error. Parent side. */
int rt_user_resolve(const char *root, const char *spec, struct rt_user *out, nc_err *err);
int rt_user_resolve_at(int rootfd, const char *spec, struct rt_user *out, nc_err *err);

/* Compose's group_add: each a gid or a name from the root's etc/group,
 * added to u's groups (no duplicates). Parent side. */
int rt_user_add_groups(const char *root, struct rt_user *u, const char *const *groups, size_t n, nc_err *err);
int rt_user_add_groups_at(int rootfd, struct rt_user *u, const char *const *groups, size_t n, nc_err *err);

/* What the child needs; `groups` points into the parent's rt_user, which
 * the child's copy of memory keeps valid. */
struct rt_user_ids {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
};

static inline struct rt_user_ids rt_user_ids_of(const struct rt_user *u)
{
	return (struct rt_user_ids){ u->uid, u->gid, u->groups, u->n_groups };
}

/*
 * Child side, no allocation: setgroups, setresgid, setresuid, in that
 * order (the first two need CAP_SETGID, which setresuid to a non-zero uid
 * takes from the effective set). Raw system calls: glibc's wrappers
 * broadcast the change to every thread it believes the process has, and
 * the child of a raw clone() inherits the parent's belief, not its
 * threads.
 *
 * Where it sits among the last steps before execve (the caller's job):
 *   1. rlimits (raising a hard limit needs CAP_SYS_RESOURCE; setresuid
 *      checks RLIMIT_NPROC of the new uid);
 *   2. rt_seccomp_load here when no_new_privs is off (needs
 *      CAP_SYS_ADMIN);
 *   3. drop the bounding set (needs CAP_SETPCAP);
 *   4. prctl(PR_SET_KEEPCAPS, 1) when the uid is not 0, or setresuid
 *      empties the permitted set;
 *   5. rt_user_apply (needs CAP_SETUID and CAP_SETGID: before capset
 *      may remove them);
 *   6. chdir(cwd), now as the user, as runc does;
 *   7. capset: effective = permitted = the kept caps (setresuid emptied
 *      the effective set); for a non-root uid, PR_CAP_AMBIENT_RAISE of
 *      the caps that must survive execve (each needs to be permitted and
 *      inheritable) -- without ambient caps a non-root uid execs with
 *      none, which is what Docker does;
 *   8. PR_SET_NO_NEW_PRIVS, signals, close fds, rt_seccomp_load when
 *      no_new_privs is on, execve.
 */
int rt_user_apply(const struct rt_user_ids *ids, nc_err *err);

#endif
