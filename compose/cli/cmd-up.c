/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/cli/cli.h"
#include "compose/file/kathara.h"
#include "compose/lifecycle/control.h"
#include "compose/lifecycle/down.h"
#include "compose/lifecycle/images.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/project.h"
#include "compose/lifecycle/pull.h"
#include "compose/lifecycle/reconcile.h"
#include "compose/lifecycle/supervise.h"
#include "compose/lifecycle/up.h"
#include "compose/cli/converged.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] up [-d] [OPTIONS] [FILE] [SERVICE...]\n\n"
	       "Build the lab: bridges, network namespaces, veth pairs, addresses, routes,\n"
	       "sysctls, the nftables table, cgroups, then the containers (every interface\n"
	       "is in place before a container's process starts).\n\n"
	       "  -d, --detach   return once every container runs; a supervisor process\n"
	       "                 stays behind as the containers' parent\n"
	       "                 (without -d: stay attached, print the containers' output,\n"
	       "                 and tear the lab down on Ctrl-C)\n"
	       "      --wait     with -d (implied): wait until every container runs, and is\n"
	       "                 healthy where it has a healthcheck; fail if one exits\n"
	       "                 (`up -d` always waits so); then, when routing daemons\n"
	       "                 (FRR, BIRD) run, until the lab has converged: no\n"
	       "                 OSPF or BGP session in progress and no routing table\n"
	       "                 changed for 8 s (see ncompose(1), up)\n"
	       "      --wait-timeout SECONDS  how long --wait waits for convergence\n"
	       "                 (implies --wait; default 300); fail naming the node\n"
	       "                 and what it still waits for\n"
	       "      --force-recreate  recreate the services that run, changed or not\n"
	       "      --no-recreate     never recreate a running service, changed or not\n"
	       "      --no-deps         with SERVICEs: not what they depend on\n"
	       "      --remove-orphans  remove the running services the file no longer has\n"
	       "      --pull POLICY     registry images: always, missing, never, or policy (each\n"
	       "                        service's pull_policy, missing by default)\n"
	       "      --build           build every service that has `build:` first (its\n"
	       "                        unchanged steps come from the build cache)\n"
	       "      --no-build        build nothing; fail when a build: image is missing\n"
	       "  -h, --help     this help\n\n"
	       "A service with `build:` is built when its image (`image:`, or\n"
	       "PROJECT-SERVICE) is not in the store yet, or always with\n"
	       "pull_policy: build (see `ncompose build --help`).\n\n"
	       "On a project that is already up, `up` applies the file: services that are\n"
	       "new are created, services whose configuration changed are recreated, the\n"
	       "others keep running untouched; it says which, one line each (--verbose:\n"
	       "what changed). Off a terminal, `up -d` ends with one summary line.\n\n"
	       "A compose file may be named directly: `ncompose up lab.yaml`, or a Kathará\n"
	       "lab directory (see `ncompose import --help`): `ncompose up LAB_DIR`, or a\n"
	       "containerlab topology: `ncompose up FILE.clab.yml`. With SERVICEs,\n"
	       "the whole network is built but only those containers (and what they depend\n"
	       "on) are started; `ncompose start` starts the others later.\n");
}

static bool looks_like_file(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);

	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode))
		return true;
	if (nc_kat_is_lab_dir(arg)) /* a Kathará lab, imported on the fly */
		return true;
	return (n > 5 && !strcmp(arg + n - 5, ".yaml")) || (n > 4 && !strcmp(arg + n - 4, ".yml"));
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ctrl-C or SIGTERM during the bring-up: blocked, and looked at between
 * steps, so the bring-up stops at a clean point and rolls back. */
static bool interrupted(void)
{
	sigset_t pending;
	sigpending(&pending);
	return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM);
}

static void block_interrupts(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGINT);
	sigaddset(&m, SIGTERM);
	sigprocmask(SIG_BLOCK, &m, NULL);
}

static int up_code(enum nc_up_failure how)
{
	return how == NC_UP_REFUSED ? NC_EXIT_USAGE : NC_EXIT_FAILURE;
}

static void write_supervisor_record(struct nc_state *st)
{
	char path[PATH_MAX], text[64];
	nc_err e;

	snprintf(text, sizeof(text), "pid %d\n", (int)getpid());
	if (nc_pathf(path, sizeof(path), "%s/" NC_SUPERVISOR_FILE, st->dir) == 0)
		nc_write_file_atomic(path, text, strlen(text), 0600, &e);
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	dup3(fd, STDIN_FILENO, 0);
	dup3(fd, STDOUT_FILENO, 0);
	dup3(fd, STDERR_FILENO, 0);
	if (fd > STDERR_FILENO)
		close(fd);
}

struct ready_ctx {
	const struct nc_plan *p;
	const struct nc_paths *paths;
	struct nc_state *st;
	int fd;
	bool detach;
	struct nc_report *rep;
};

/* The project is up: tell the waiting `up -d`, then leave its session and
 * its terminal. From here on the supervisor no longer dies with it. */
static void report_ready(void *data)
{
	struct ready_ctx *rc = data;
	nc_err e;

	nc_state_journal(rc->st, &e, NC_J_UP_DONE, NULL);
	if (!rc->detach)
		return;
	/* Only now: a rollback before this point runs in this process, and
	 * must not be inside the cgroups it kills. */
	nc_supervisor_enter_cgroup(rc->p, rc->paths);
	nc_report_timings(rc->rep, "up");
	setsid();
	prctl(PR_SET_PDEATHSIG, 0);
	unsigned char ok = 0;
	if (write(rc->fd, &ok, 1) < 0) {
		/* the parent is gone: the project is up all the same */
	}
	close(rc->fd);
	rc->fd = -1;
	detach_stdio();
	if (chdir("/") < 0) {
		/* nothing depends on the cwd any more */
	}
}

/* A bring-up that cannot finish: everything it made goes, with the lock
 * still held, and the error is said where the user is looking. */
static int roll_back(const struct nc_plan *p, struct nc_state *st, const struct nc_paths *paths,
		     struct nc_report *rep, const nc_err *why)
{
	nc_err e;
	int code = cli_fail(NC_EXIT_FAILURE, why);
	if (nc_down_locked(p->project, paths, st, rep, 2000, &e) < 0)
		cli_fail(NC_EXIT_FAILURE, &e);
	return code;
}

/*
 * The child of `up -d`: brings the project up, then stays as its
 * supervisor. Until the project is up it dies with its parent
 * (PR_SET_PDEATHSIG): killing `up` at any instant kills the bring-up,
 * and `down` cleans what the journal recorded.
 */
static int supervisor_main(const struct nc_plan *p, struct nc_state *st,
			   const struct nc_paths *paths, struct nc_report *rep,
			   const char *const *services, pid_t parent, int ready_fd)
{
	enum nc_up_failure how;
	nc_err err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return NC_EXIT_FAILURE; /* the parent died before the prctl */
	block_interrupts();
	struct nc_fault fault;
	nc_fault_init(&fault);
	struct nc_up_opts o = { .paths = paths, .rep = rep, .cancelled = interrupted, .fault = &fault };
	if (nc_up(p, st, &o, &how, &err) < 0) {
		int code = cli_fail(up_code(how), &err);
		unsigned char b = (unsigned char)code;
		if (write(ready_fd, &b, 1) < 0) {
			/* the parent is gone; its exit status is lost anyway */
		}
		return code;
	}

	int control_fd = -1;
	if (nc_control_listen(st->dir, &control_fd, &err) < 0)
		nc_report_warn(rep, "%s (down will still work, by force)", err.msg);
	write_supervisor_record(st);

	struct ready_ctx rc = { .p = p, .paths = paths, .st = st, .fd = ready_fd, .detach = true,
			      .rep = rep };
	struct nc_supervise_opts so = { .attached = false, .services = services,
					.on_ready = report_ready, .ready_ctx = &rc, .fault = &fault };
	enum nc_supervise_end end = NC_SUPERVISE_DOWN;
	int r = nc_supervise(p, paths, st, rep, &so, control_fd, &end, &err);
	int code = NC_EXIT_OK;
	if (rc.fd >= 0) {
		/* It never got up: undo it, and say so to the waiting `up`. */
		if (r == 0)
			nc_err_msg(&err, ECANCELED, "the bring-up was interrupted");
		code = roll_back(p, st, paths, rep, &err);
		unsigned char b = (unsigned char)code;
		if (write(rc.fd, &b, 1) < 0) {
			/* the parent is gone */
		}
	} else if (r < 0) {
		code = NC_EXIT_FAILURE;
	}
	nc_state_close(st);
	return code;
}

static int up_detached(const struct nc_plan *p, struct nc_state *st, const struct nc_paths *paths,
		       struct nc_report *rep, const char *const *services, double t0, int store_pin)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cli_failf(NC_EXIT_FAILURE, "up: pipe: %s", strerror(errno));
	/* Ctrl-C reaches both processes (one process group): the child stops
	 * and rolls back; this one waits for it to say so. */
	signal(SIGINT, SIG_IGN);
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return cli_failf(NC_EXIT_FAILURE, "up: fork: %s", strerror(errno));
	if (pid == 0) {
		close(pfd[0]);
		/* The store pin is this process's to drop once the bring-up
		 * is done: a copy in the supervisor would hold it for the
		 * lab's life. */
		if (store_pin >= 0)
			close(store_pin);
		signal(SIGINT, SIG_DFL);
		_exit(supervisor_main(p, st, paths, rep, services, parent, pfd[1]));
	}
	close(pfd[1]);
	unsigned char code;
	ssize_t n;
	do
		n = read(pfd[0], &code, 1);
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n != 1) {
		int status = 0;
		waitpid(pid, &status, 0);
		return cli_failf(NC_EXIT_FAILURE,
				 "up: the bring-up process died (%s %d); run `ncompose -p %s down` to clean up",
				 WIFSIGNALED(status) ? "signal" : "exit status",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), p->project);
	}
	if (code != 0) {
		waitpid(pid, NULL, 0);
		return code;
	}
	if (rep->tty)
		fprintf(stderr, "%s: %zu container%s up in %.2f s\n", p->project, p->n_containers,
			p->n_containers == 1 ? "" : "s", now_s() - t0);
	else if (!isatty(STDERR_FILENO))
		printf("%s: %zu created, 0 recreated, 0 unchanged\n", p->project, p->n_containers);
	return NC_EXIT_OK;
}

static void say_up(void *data)
{
	const struct nc_plan *p = data;
	fprintf(stderr, "%s is up; Ctrl-C stops and removes it\n", p->project);
}

static int up_attached(const struct nc_plan *p, struct nc_state *st, const struct nc_paths *paths,
		       struct nc_report *rep, const char *const *services, int *store_pin)
{
	struct nc_up_opts o = { .paths = paths, .rep = rep, .cancelled = interrupted };
	enum nc_up_failure how;
	enum nc_supervise_end end;
	nc_err err;
	int code = NC_EXIT_OK;

	block_interrupts();
	int r = nc_up(p, st, &o, &how, &err);
	/* The containers now hold their images: `image prune` may go on. */
	if (*store_pin >= 0)
		close(*store_pin);
	*store_pin = -1;
	if (r < 0) {
		nc_state_close(st);
		return cli_fail(up_code(how), &err);
	}
	struct nc_supervise_opts so = { .attached = true, .services = services,
					.on_ready = say_up, .ready_ctx = (void *)p };
	if (nc_supervise(p, paths, st, rep, &so, -1, &end, &err) < 0)
		code = cli_fail(NC_EXIT_FAILURE, &err);
	/* The lock goes with the state; `down` takes it again. */
	nc_state_close(st);
	if (nc_down(p->project, paths, rep, 0, &err) < 0)
		code = cli_fail(NC_EXIT_FAILURE, &err);
	return code;
}

/* ---- a second `up`: the project runs ------------------------------------ */

static void say_services(const struct nc_rc_plan *rp, bool verbose)
{
	for (size_t i = 0; i < rp->n; i++) {
		const struct nc_rc_service *s = &rp->svc[i];
		if (s->action == NC_RC_SKIPPED)
			continue;
		if (verbose && s->why[0])
			fprintf(stderr, "%s: %s (%s)\n", s->name, nc_rc_action_name(s->action), s->why);
		else
			fprintf(stderr, "%s: %s\n", s->name, nc_rc_action_name(s->action));
	}
}

static void say_summary(const struct nc_plan *p, const struct nc_rc_plan *rp, size_t removed)
{
	if (isatty(STDERR_FILENO))
		return;
	printf("%s: %zu created, %zu recreated, %zu unchanged", p->project, rp->created,
	       rp->recreated, rp->unchanged);
	if (removed)
		printf(", %zu removed", removed);
	printf("\n");
}

static void warn_orphans(const struct nc_plan *p, const struct nc_rc_plan *rp, bool remove)
{
	if (!rp->n_orphans || remove)
		return;
	fprintf(stderr, "warning: found orphan service%s (", rp->n_orphans == 1 ? "" : "s");
	for (size_t i = 0; i < rp->n_orphans; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", rp->orphans[i]);
	fprintf(stderr, ") for project `%s`; if you removed or renamed %s in the compose file, run `ncompose up --remove-orphans` to remove %s\n",
		p->project, rp->n_orphans == 1 ? "this service" : "these services",
		rp->n_orphans == 1 ? "it" : "them");
}

struct up_flags {
	bool detach, wait, remove_orphans;
	unsigned wait_timeout_s;
	struct nc_rc_opts rc;
};

/* Applies the file through the project's supervisor (the parent of every
 * container, so the one that can stop and start some of them); it plans
 * again, as this `up` did, with this `up`'s environment. */
static int up_apply(const struct nc_plan *p, const struct nc_project *proj, const struct nc_project_opts *po,
		    const struct nc_paths *paths, const struct up_flags *f, bool verbose)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	const struct nc_model *m = proj->model;
	char dir[PATH_MAX];
	struct nc_records reply;
	nc_err err;
	size_t removed = 0;

	const char *verb[] = { NC_CONTROL_RECONCILE };
	nc_record_append(&b, verb, 1);
	/* The supervisor loads the same files, from wherever it runs: the
	 * model's absolute paths, the project directory, the env files. */
	for (size_t i = 0; i < m->n_files; i++) {
		if (!strcmp(m->files[i], "-"))
			return cli_failf(NC_EXIT_USAGE,
					 "up: a second `up` cannot read the file from standard input; give it with -f FILE");
		const char *fr[] = { "file", m->files[i] };
		nc_record_append(&b, fr, 2);
	}
	if (!m->n_files) {
		_cleanup_free_ char *abs = realpath(proj->file, NULL);
		if (!abs)
			return cli_failf(NC_EXIT_FAILURE, "up: `%s`: %s", proj->file, strerror(errno));
		const char *fr[] = { "file", abs };
		nc_record_append(&b, fr, 2);
	}
	if (m->dir) {
		const char *dr[] = { "dir", m->dir };
		nc_record_append(&b, dr, 2);
	}
	for (size_t i = 0; i < po->n_env_files; i++) {
		_cleanup_free_ char *abs = realpath(po->env_files[i], NULL);
		if (!abs)
			return cli_failf(NC_EXIT_USAGE, "up: --env-file `%s`: %s", po->env_files[i], strerror(errno));
		const char *er[] = { "envfile", abs };
		nc_record_append(&b, er, 2);
	}
	for (char **e = environ; *e; e++) {
		const char *er[] = { "env", *e };
		nc_record_append(&b, er, 2);
	}
	const struct { bool on; const char *name; } options[] = {
		{ f->rc.force_recreate, "force-recreate" }, { f->rc.no_recreate, "no-recreate" },
		{ f->rc.no_deps, "no-deps" }, { f->remove_orphans, "remove-orphans" },
	};
	for (size_t i = 0; i < NC_ELEMENTSOF(options); i++) {
		const char *o[] = { "option", options[i].name };
		if (options[i].on)
			nc_record_append(&b, o, 2);
	}
	for (const char *const *s = f->rc.services; s && *s; s++) {
		const char *sr[] = { "service", *s };
		nc_record_append(&b, sr, 2);
	}
	if (!nc_strbuf_ok(&b))
		return cli_failf(NC_EXIT_FAILURE, "up: out of memory");
	if (nc_pathf(dir, sizeof(dir), "%s/%s", paths->state_root, p->project) < 0)
		return cli_failf(NC_EXIT_FAILURE, "up: state directory of `%s`: name too long", p->project);
	/* Containers are stopped with their grace periods and started again:
	 * give it time. */
	if (nc_control_call(dir, b.s, b.len, 10 * 60 * 1000, &reply, &err) < 0) {
		if (err.errnum == ENOENT || err.errnum == ECONNREFUSED)
			return cli_failf(NC_EXIT_FAILURE,
					 "project `%s` is up but its supervisor does not answer (%s); run `ncompose -p %s down`",
					 p->project, err.msg, p->project);
		return cli_failf(NC_EXIT_FAILURE, "up: %s", err.msg);
	}
	struct nc_rc_plan rp = { 0 };
	for (size_t i = 1; i < reply.n; i++) {
		const struct nc_record *r = &reply.v[i];
		const char *kind = r->f[0], *name = nc_record_field(r, 1), *act = nc_record_field(r, 2);
		const char *why = nc_record_field(r, 3);
		if (!strcmp(kind, "removed") && name) {
			fprintf(stderr, "%s: removed\n", name);
			removed++;
			continue;
		}
		if (strcmp(kind, "service") || !name || !act || !strcmp(act, "skipped"))
			continue;
		if (verbose && why && *why)
			fprintf(stderr, "%s: %s (%s)\n", name, act, why);
		else
			fprintf(stderr, "%s: %s\n", name, act);
		rp.created += !strcmp(act, "created");
		rp.recreated += !strcmp(act, "recreated");
		rp.unchanged += !strcmp(act, "unchanged");
	}
	nc_records_free(&reply);
	say_summary(p, &rp, removed);
	return NC_EXIT_OK;
}

static int up_running(const struct nc_plan *p, const struct nc_project *proj, const struct nc_project_opts *po,
		      const struct nc_paths *paths, struct nc_report *rep, const struct up_flags *f, bool verbose)
{
	struct nc_rc_plan rp;
	nc_err err;
	int code;

	if (!f->detach)
		return cli_failf(NC_EXIT_USAGE,
				 "project `%s` is already up; a second `up` applies the file only with -d (the lab runs detached)",
				 p->project);
	if (nc_reconcile_plan(p, paths, &f->rc, &rp, &err) < 0)
		return cli_fail(err.errnum == EINVAL ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	/* A bridge keeps the gateway and masquerade of its first subnet:
	 * changed in place it would serve a half-old network. Compose also
	 * asks for the network to be recreated by hand. */
	(void)rep; /* every refusal here is an error line, not a warning */
	if (rp.n_changed_networks) {
		code = cli_failf(NC_EXIT_USAGE,
				 "up: network `%s` is defined differently than when project `%s` came up (subnet, gateway or options); a running network is not changed in place: run `ncompose down`, then `ncompose up -d` (nothing was changed)",
				 rp.changed_networks[0], p->project);
		nc_rc_plan_free(&rp);
		return code;
	}
	warn_orphans(p, &rp, f->remove_orphans);
	if (nc_rc_plan_is_noop(&rp, f->remove_orphans)) {
		say_services(&rp, verbose);
		say_summary(p, &rp, 0);
		nc_rc_plan_free(&rp);
		return NC_EXIT_OK;
	}
	code = up_apply(p, proj, po, paths, f, verbose);
	nc_rc_plan_free(&rp);
	return code;
}

int cli_up(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_WAIT = 256, OPT_WAIT_TIMEOUT, OPT_FORCE, OPT_NO_RECREATE, OPT_NO_DEPS, OPT_ORPHANS, OPT_PULL,
	       OPT_BUILD, OPT_NO_BUILD };
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT },
		{ "force-recreate", no_argument, NULL, OPT_FORCE },
		{ "no-recreate", no_argument, NULL, OPT_NO_RECREATE },
		{ "no-deps", no_argument, NULL, OPT_NO_DEPS },
		{ "remove-orphans", no_argument, NULL, OPT_ORPHANS },
		{ "pull", required_argument, NULL, OPT_PULL },
		{ "build", no_argument, NULL, OPT_BUILD },
		{ "no-build", no_argument, NULL, OPT_NO_BUILD },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *file = g->arg_file;
	struct up_flags f = { .wait_timeout_s = CLI_CONVERGE_TIMEOUT_S };
	enum nc_pull_mode pull = NC_PULL_POLICY;
	enum nc_build_mode build = NC_BUILD_MISSING;
	int c;

	while ((c = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			f.detach = true;
			break;
		case OPT_WAIT:
			/* As Compose: --wait implies --detach. */
			f.wait = f.detach = true;
			break;
		case OPT_WAIT_TIMEOUT: {
			long v = cli_parse_seconds(optarg);
			if (v < 0)
				return cli_failf(NC_EXIT_USAGE, "up: --wait-timeout `%s` is not a number of seconds (0..86400)",
						 optarg);
			f.wait_timeout_s = (unsigned)v;
			f.wait = f.detach = true;
			break;
		}
		case OPT_FORCE:
			f.rc.force_recreate = true;
			break;
		case OPT_NO_RECREATE:
			f.rc.no_recreate = true;
			break;
		case OPT_NO_DEPS:
			f.rc.no_deps = true;
			break;
		case OPT_PULL:
			if (!strcmp(optarg, "always"))
				pull = NC_PULL_ALWAYS;
			else if (!strcmp(optarg, "missing"))
				pull = NC_PULL_MISSING;
			else if (!strcmp(optarg, "never"))
				pull = NC_PULL_NEVER;
			else if (strcmp(optarg, "policy"))
				return cli_failf(NC_EXIT_USAGE, "up: --pull `%s`: one of always, missing, never, policy", optarg);
			break;
		case OPT_ORPHANS:
			f.remove_orphans = true;
			break;
		case OPT_BUILD:
			build = NC_BUILD_ALWAYS;
			break;
		case OPT_NO_BUILD:
			build = NC_BUILD_NEVER;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "up: unknown option; see `ncompose up --help`");
		}
	}
	/* A compose file named first (`ncompose up lab.yaml`), then services. */
	if (optind < argc && !file && looks_like_file(argv[optind]))
		file = argv[optind++];
	const char *const *services = optind < argc ? (const char *const *)argv + optind : NULL;
	if (f.rc.force_recreate && f.rc.no_recreate)
		return cli_failf(NC_EXIT_USAGE, "up: --force-recreate and --no-recreate cannot be used together");
	f.rc.services = services;

	struct nc_project proj;
	struct nc_plan *plan = NULL;
	struct nc_state *st = NULL;
	struct nc_paths paths;
	struct nc_report rep;
	bool usage;
	nc_err err;
	double t0 = now_s();
	int code, store_pin = -1;

	struct nc_project_opts po = g->proj;
	if (file != g->arg_file) {
		/* `up FILE`: as -f FILE. */
		po.files = &file;
		po.n_files = 1;
	}
	if (nc_project_open_named(&po, NC_PROJECT_NEED_FILE, services, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	nc_report_init(&rep, g->arg_verbose);
	/* A project that runs is planned over its own bridges, so its
	 * automatic subnets come out as they did the first time. */
	bool running = false;
	_cleanup_strv_ char **own = NULL;
	if (nc_reconcile_running(&paths, proj.name, &running, &own, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (nc_project_plan_over(&proj, true, (const char *const *)own, &plan, &err) < 0) {
		code = cli_fail(NC_EXIT_USAGE, &err);
		goto out;
	}
	size_t n_built;
	int br = nc_build_images(plan, &paths, services, build, &rep, &n_built, &err);
	if (br < 0) {
		code = cli_fail(br == -EINVAL ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
		goto out;
	}
	/* The image store stays pinned (shared) from the pull until the
	 * containers are started, so an `image prune -a` in another terminal
	 * cannot take an image this up has just pulled. */
	bool any_registry = false;
	for (size_t i = 0; i < plan->n_containers; i++)
		any_registry |= plan->containers[i].image_is_registry;
	if (any_registry && nc_images_lock(&paths, false, &store_pin, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	/* Registry images first: a pull creates nothing to roll back. */
	size_t n_pulled;
	if (nc_pull_images(plan, &paths, services, pull, &rep, &n_pulled, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (running) {
		code = up_running(plan, &proj, &po, &paths, &rep, &f, g->arg_verbose);
		if (code == NC_EXIT_OK && f.wait)
			code = cli_wait_converged(&paths, plan->model, plan->project, f.wait_timeout_s, "up", g->arg_verbose);
		goto out;
	}
	if (nc_state_open(paths.state_root, plan->project, NC_STATE_CREATE, &st, &err) < 0) {
		code = cli_fail(err.errnum == EBUSY ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (f.detach) {
		code = up_detached(plan, st, &paths, &rep, services, t0, store_pin);
		nc_state_close(st);
		if (code == NC_EXIT_OK && f.wait)
			code = cli_wait_converged(&paths, plan->model, plan->project, f.wait_timeout_s, "up", g->arg_verbose);
	} else {
		code = up_attached(plan, st, &paths, &rep, services, &store_pin);
	}
out:
	if (store_pin >= 0)
		close(store_pin);
	nc_plan_free(plan);
	nc_project_close(&proj);
	return code;
}
