/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/top.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

int nc_top_parse_stat(const char *text, struct nc_top_stat *out)
{
	/* comm is between the first '(' and the LAST ')': a process can
	 * name itself "a) b". */
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	if (!open || !close || close < open)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	snprintf(out->comm, sizeof(out->comm), "%.*s", (int)(close - open - 1), open + 1);
	/* Fields after comm, numbered as proc(5): 3 state, 4 ppid, 7 tty_nr,
	 * 14 utime, 15 stime, 22 starttime. */
	const char *p = close + 1;
	char *end;
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 3) {
			p++;
			continue;
		}
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		long long sv = 0;
		if (field == 4 || field == 7)
			sv = strtoll(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		if (field == 4)
			out->ppid = (pid_t)sv;
		else if (field == 7)
			out->tty_nr = (int)sv;
		else if (field == 14)
			out->utime = v;
		else if (field == 15)
			out->stime = v;
		else if (field == 22)
			out->starttime = v;
		p = end;
	}
	return 0;
}

int nc_top_parse_uid(const char *status, uid_t *uid)
{
	const char *l = strstr(status, "\nUid:");
	if (!l && !strncmp(status, "Uid:", 4))
		l = status - 1;
	if (!l)
		return -ENOENT;
	unsigned long real, eff;
	if (sscanf(l + 5, "%lu %lu", &real, &eff) != 2)
		return -EINVAL;
	*uid = (uid_t)eff;
	return 0;
}

void nc_top_tty(int tty_nr, char *buf, size_t size)
{
	unsigned maj = major((dev_t)tty_nr), min = minor((dev_t)tty_nr);

	if (tty_nr == 0)
		snprintf(buf, size, "?");
	else if (maj >= 136 && maj <= 143)
		snprintf(buf, size, "pts/%u", (maj - 136) * 256 + min);
	else if (maj == 4 && min < 64)
		snprintf(buf, size, "tty%u", min);
	else if (maj == 4)
		snprintf(buf, size, "ttyS%u", min - 64);
	else
		snprintf(buf, size, "%u:%u", maj, min);
}

void nc_top_cputime(unsigned long long s, char *buf, size_t size)
{
	unsigned long long d = s / 86400;

	if (d)
		snprintf(buf, size, "%llu-%02llu:%02llu:%02llu", d, s % 86400 / 3600, s % 3600 / 60, s % 60);
	else
		snprintf(buf, size, "%02llu:%02llu:%02llu", s / 3600, s % 3600 / 60, s % 60);
}

void nc_top_stime(long long start, long long now, char *buf, size_t size)
{
	time_t t = (time_t)start, n = (time_t)now;
	struct tm a, b;

	localtime_r(&t, &a);
	localtime_r(&n, &b);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		strftime(buf, size, "%H:%M", &a);
	else if (a.tm_year == b.tm_year)
		strftime(buf, size, "%b%d", &a);
	else
		strftime(buf, size, "%Y", &a);
}

void nc_top_cmd(const char *cmdline, size_t len, const char *comm, char *buf, size_t size)
{
	while (len && cmdline[len - 1] == '\0')
		len--;
	if (!len) {
		snprintf(buf, size, "[%s]", comm);
		return;
	}
	size_t n = len < size - 1 ? len : size - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = cmdline[i] == '\0' || cmdline[i] == '\n' ? ' ' : cmdline[i];
	buf[n] = '\0';
}

static long long boot_time(void)
{
	_cleanup_free_ char *text = NULL;
	nc_err e;

	if (nc_read_file("/proc/stat", &text, NULL, &e) < 0)
		return 0;
	const char *b = strstr(text, "\nbtime ");
	return b ? strtoll(b + 7, NULL, 10) : 0;
}

int nc_top_read(pid_t pid, struct nc_top_row *row, nc_err *err)
{
	_cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
	char path[64];
	size_t cmdlen = 0;
	struct nc_top_stat ps;
	uid_t uid;

	memset(row, 0, sizeof(*row));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (nc_read_file(path, &stat, NULL, err) < 0)
		return nc_err_ret(err);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (nc_read_file(path, &status, NULL, err) < 0)
		return nc_err_ret(err);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (nc_read_file(path, &cmdline, &cmdlen, err) < 0)
		return nc_err_ret(err);
	if (nc_top_parse_stat(stat, &ps) < 0 || nc_top_parse_uid(status, &uid) < 0)
		return nc_err_msg(err, EINVAL, "/proc/%d: cannot parse its stat or status", (int)pid);

	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	long long now = (long long)time(NULL), start = boot_time() + (long long)(ps.starttime / (unsigned long long)hz);
	unsigned long long cpu = (ps.utime + ps.stime) / (unsigned long long)hz;
	long long alive = now - start;

	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp)
		snprintf(row->uid, sizeof(row->uid), "%s", pw.pw_name);
	else
		snprintf(row->uid, sizeof(row->uid), "%u", (unsigned)uid);
	row->pid = pid;
	row->ppid = ps.ppid;
	row->cpu = alive > 0 ? (unsigned)((ps.utime + ps.stime) * 100 / (unsigned long long)hz / (unsigned long long)alive) : 0;
	nc_top_stime(start, now, row->stime, sizeof(row->stime));
	nc_top_tty(ps.tty_nr, row->tty, sizeof(row->tty));
	nc_top_cputime(cpu, row->time, sizeof(row->time));
	nc_top_cmd(cmdline, cmdlen, ps.comm, row->cmd, sizeof(row->cmd));
	return 0;
}
