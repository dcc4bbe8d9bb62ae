/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ncompose stats`: each container's cgroup usage (runtime's
 * rt_cgroup_stats, the same module that writes the limits) and its
 * interfaces' traffic. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "compose/cli/common.h"

/* Between two samples: CPU % is usage over wall time, as `docker stats`
 * shows it (100 % = one CPU busy). */
#define SAMPLE_MS 500

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] stats [--no-stream] [--format table|json] [SERVICE...]\n\n"
	       "Resource usage per running container, from its cgroup: CPU (100%% = one CPU),\n"
	       "memory against its limit, processes, network and block I/O (with that of the\n"
	       "loop devices of image files and `type: image` volumes), and how often\n"
	       "its CPU quota throttled it. On a terminal it refreshes every second until\n"
	       "Ctrl-C; otherwise (and with --no-stream or --format json) it prints once.\n\n"
	       "  --no-stream      print once and exit\n"
	       "  --format FORMAT  table (default) or json (an array, raw numbers)\n"
	       "  -h, --help       this help\n");
}

struct sample {
	const char *name;
	bool running;
	struct rt_cgroup_stats st;
	uint64_t rx, tx;
	double cpu_pct; /* < 0: unknown */
};

/* /proc/PID/net/dev shows the network namespace of PID: the container's
 * interfaces, without entering it. lo is left out. */
static void net_bytes(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	char path[64], line[512];

	*rx = *tx = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		unsigned long long r, t, skip;
		if (!colon)
			continue;
		*colon = '\0';
		if (!strcmp(line + strspn(line, " "), "lo"))
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &r, &skip, &skip, &skip, &skip,
			   &skip, &skip, &skip, &t) == 9) {
			*rx += r;
			*tx += t;
		}
	}
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void take(struct cli_running *run, struct rt_cgroups *cg, struct sample *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct nc_container_info ci;
		nc_err err;
		v[i].running = false;
		if (nc_info_read(run->st, v[i].name, &ci, &err) < 0)
			continue;
		if (nc_info_running(&ci, cg) && nc_info_stats(cg, &ci, &v[i].st, &err) == 0) {
			v[i].running = true;
			net_bytes(ci.pid, &v[i].rx, &v[i].tx);
		}
		nc_info_free(&ci);
	}
}

static void sample_all(struct cli_running *run, struct rt_cgroups *cg, struct sample *v, struct sample *prev,
		       size_t n, int64_t dt_ns)
{
	take(run, cg, v, n);
	for (size_t i = 0; i < n; i++) {
		v[i].cpu_pct = -1;
		if (v[i].running && prev[i].running && dt_ns > 0 && v[i].st.cpu_usage_ns != RT_STAT_UNKNOWN &&
		    prev[i].st.cpu_usage_ns != RT_STAT_UNKNOWN && v[i].st.cpu_usage_ns >= prev[i].st.cpu_usage_ns)
			v[i].cpu_pct = 100.0 * (double)(v[i].st.cpu_usage_ns - prev[i].st.cpu_usage_ns) / (double)dt_ns;
	}
}

static const char *human(uint64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	if (b == RT_STAT_UNKNOWN)
		return "-";
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f%s" : "%.0f%s", v, unit[u]);
	return buf;
}

/* The block I/O shown: the cgroup's, plus that of the loop devices the
 * container uses (its image file root, `type: image` volumes), which the
 * kernel's loop workers do outside the container's cgroup. */
static uint64_t block_bytes(uint64_t cgroup, uint64_t loop)
{
	if (cgroup == RT_STAT_UNKNOWN)
		return loop ? loop : RT_STAT_UNKNOWN;
	return cgroup + loop;
}

static void print_table(const struct sample *v, size_t n)
{
	printf("%-16s %7s %21s %6s %5s %21s %21s %10s\n", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
	       "PIDS", "NET I/O (rx / tx)", "BLOCK I/O (r / w)", "THROTTLED");
	for (size_t i = 0; i < n; i++) {
		const struct sample *s = &v[i];
		char a[32], b[32], cpu[32], mem[80], pct[32], pids[24], net[80], blk[80], thr[48];
		if (!s->running) {
			printf("%-16s %7s\n", s->name, "(not running)");
			continue;
		}
		const struct rt_cgroup_stats *st = &s->st;
		snprintf(cpu, sizeof(cpu), s->cpu_pct < 0 ? "-" : "%.2f%%", s->cpu_pct);
		snprintf(mem, sizeof(mem), "%s / %s", human(st->memory_current, a, sizeof(a)),
			 st->memory_limit >= 0 ? human((uint64_t)st->memory_limit, b, sizeof(b)) : "unlimited");
		if (st->memory_limit > 0 && st->memory_current != RT_STAT_UNKNOWN)
			snprintf(pct, sizeof(pct), "%.1f%%", 100.0 * (double)st->memory_current / (double)st->memory_limit);
		else
			snprintf(pct, sizeof(pct), "-");
		if (st->pids_current == RT_STAT_UNKNOWN)
			snprintf(pids, sizeof(pids), "-");
		else
			snprintf(pids, sizeof(pids), "%" PRIu64, st->pids_current);
		snprintf(net, sizeof(net), "%s / %s", human(s->rx, a, sizeof(a)), human(s->tx, b, sizeof(b)));
		snprintf(blk, sizeof(blk), "%s / %s", human(block_bytes(st->io_read_bytes, st->loop_read_bytes), a, sizeof(a)),
			 human(block_bytes(st->io_write_bytes, st->loop_write_bytes), b, sizeof(b)));
		if (st->cpu_nr_periods == RT_STAT_UNKNOWN || st->cpu_nr_periods == 0)
			snprintf(thr, sizeof(thr), "-");
		else
			snprintf(thr, sizeof(thr), "%" PRIu64 "/%" PRIu64, st->cpu_nr_throttled, st->cpu_nr_periods);
		printf("%-16s %7s %21s %6s %5s %21s %21s %10s\n", s->name, cpu, mem, pct, pids, net, blk, thr);
	}
	fflush(stdout);
}

static void kv_u64(struct nc_json *j, const char *k, uint64_t v)
{
	nc_json_key(j, k);
	if (v == RT_STAT_UNKNOWN)
		nc_json_null(j);
	else
		nc_json_int(j, (int64_t)v);
}

static void kv_limit(struct nc_json *j, const char *k, int64_t v)
{
	nc_json_key(j, k);
	if (v < 0)
		nc_json_null(j); /* unlimited, or not known */
	else
		nc_json_int(j, v);
}

static void print_json(const struct sample *v, size_t n)
{
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
	struct nc_json j;

	nc_json_init(&j, &out);
	nc_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		const struct sample *s = &v[i];
		const struct rt_cgroup_stats *st = &s->st;
		nc_json_object_begin(&j);
		nc_json_kv_string(&j, "name", s->name);
		nc_json_kv_bool(&j, "running", s->running);
		if (s->running) {
			nc_json_key(&j, "cpu_percent");
			if (s->cpu_pct < 0)
				nc_json_null(&j);
			else
				nc_json_int(&j, (int64_t)(s->cpu_pct * 100 + 0.5) / 100);
			kv_u64(&j, "cpu_usage_ns", st->cpu_usage_ns);
			kv_u64(&j, "cpu_periods", st->cpu_nr_periods);
			kv_u64(&j, "cpu_throttled_periods", st->cpu_nr_throttled);
			kv_u64(&j, "cpu_throttled_ns", st->cpu_throttled_ns);
			kv_u64(&j, "memory_bytes", st->memory_current);
			kv_limit(&j, "memory_limit_bytes", st->memory_limit);
			kv_u64(&j, "memory_peak_bytes", st->memory_peak);
			kv_u64(&j, "oom_kills", st->oom_kills);
			kv_u64(&j, "pids", st->pids_current);
			kv_limit(&j, "pids_limit", st->pids_max);
			kv_u64(&j, "net_rx_bytes", s->rx);
			kv_u64(&j, "net_tx_bytes", s->tx);
			kv_u64(&j, "block_read_bytes", block_bytes(st->io_read_bytes, st->loop_read_bytes));
			kv_u64(&j, "block_write_bytes", block_bytes(st->io_write_bytes, st->loop_write_bytes));
			kv_u64(&j, "loop_read_bytes", st->loop_read_bytes);
			kv_u64(&j, "loop_write_bytes", st->loop_write_bytes);
		}
		nc_json_object_end(&j);
	}
	nc_json_array_end(&j);
	printf("%s\n", nc_strbuf_str(&out));
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cli_stats(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-stream", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "json", NULL };
	const char *format = "table";
	bool no_stream = false;
	int c, code;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			no_stream = true;
			break;
		case 'F':
			if ((code = cli_parse_choice("stats", "--format", optarg, formats, &format)))
				return code;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "stats: unknown option; see `ncompose stats --help`");
		}
	}
	bool json = !strcmp(format, "json");
	bool stream = !no_stream && !json && isatty(STDOUT_FILENO);

	struct cli_running run;
	struct rt_cgroups *cg = NULL;
	_cleanup_free_ struct sample *v = NULL, *prev = NULL;
	nc_err err;

	if ((code = cli_open_running(g, "stats", &run)))
		return code;
	code = NC_EXIT_OK;
	for (int k = optind; k < argc; k++) {
		bool known = false;
		for (size_t i = 0; i < run.n_services && !known; i++)
			known = !strcmp(argv[k], run.services[i]);
		if (!known) {
			code = cli_failf(NC_EXIT_USAGE, "stats: no service `%s` in project `%s`", argv[k], run.proj.name);
			goto out;
		}
	}
	if (nc_info_cgroups_open(&run.paths, &cg, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	v = calloc(run.n_services + 1, sizeof(*v));
	prev = calloc(run.n_services + 1, sizeof(*prev));
	if (!v || !prev) {
		code = cli_failf(NC_EXIT_FAILURE, "stats: out of memory");
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < run.n_services; i++) {
		bool picked = optind >= argc;
		for (int k = optind; k < argc && !picked; k++)
			picked = !strcmp(argv[k], run.services[i]);
		if (picked) {
			v[n].name = prev[n].name = run.services[i];
			n++;
		}
	}

	take(&run, cg, prev, n);
	int64_t t0 = now_ns();
	for (;;) {
		sleep_ms(stream ? 1000 : SAMPLE_MS);
		int64_t t1 = now_ns();
		sample_all(&run, cg, v, prev, n, t1 - t0);
		if (json) {
			print_json(v, n);
		} else {
			if (stream)
				printf("\033[H\033[2J");
			print_table(v, n);
		}
		if (!stream)
			break;
		memcpy(prev, v, n * sizeof(*v));
		t0 = t1;
	}
out:
	nc_info_cgroups_close(cg);
	cli_close_running(&run);
	return code;
}
