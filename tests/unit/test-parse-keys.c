/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Many keys at once: every value of tests/data/parse/good/keys.yaml in the
 * model, and the keys of Compose's format that ncompose does not support
 * refused as such (not as unknown keys).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "compose/file/model.h"
#include "tests/unit/test-parse.h"

static struct nc_model *load_keys(void)
{
	return load_good("keys.yaml");
}

static void test_keys_values(void **state)
{
	(void)state;
	struct nc_model *m = load_keys();
	const struct nc_service *w = nc_model_service(m, "web");

	assert_string_equal(w->image, "alpine:3.19");
	assert_mark(w->image_mark, 16, 12);
	assert_true(w->has_entrypoint);
	assert_int_equal(w->n_entrypoint, 2);
	assert_string_equal(w->entrypoint[1], "-c");
	assert_int_equal(w->n_env_files, 2);
	assert_true(w->env_files[0].required);
	assert_false(w->env_files[1].required);
	assert_string_equal(w->env_files[1].path, "./optional.env");
	assert_string_equal(w->working_dir, "/srv");
	assert_string_equal(w->user, "1000:1000");
	assert_string_equal(w->domainname, "lab.example");

	assert_int_equal(w->n_ports, 6);
	assert_int_equal(w->ports[0].published, 8080);
	assert_int_equal(w->ports[0].target, 80);
	assert_int_equal(w->ports[0].proto, NC_PROTO_TCP);
	assert_int_equal(w->ports[0].host_ip.family, 0);
	assert_string_equal(ip(&w->ports[1].host_ip), "127.0.0.1");
	assert_string_equal(ip(&w->ports[2].host_ip), "::1");
	assert_int_equal(w->ports[2].proto, NC_PROTO_UDP);
	assert_int_equal(w->ports[3].published_end, 9001);
	assert_int_equal(w->ports[3].target_end, 9001);
	assert_int_equal(w->ports[4].published, 0);
	assert_int_equal(w->ports[4].target, 3000);
	assert_int_equal(w->ports[5].published, 2222);
	assert_int_equal(w->ports[5].target, 22);
	assert_mark(w->ports[5].mark, 31, 9);
	assert_int_equal(w->n_expose, 3);
	assert_int_equal(w->expose[1].proto, NC_PROTO_UDP);
	assert_int_equal(w->expose[2].target_end, 7002);
	assert_int_equal(w->n_extra_hosts, 3);
	assert_string_equal(w->extra_hosts[1].name, "v6host");
	assert_string_equal(ip(&w->extra_hosts[1].ip), "fd00::9");
	assert_true(w->extra_hosts[2].host_gateway);
	assert_int_equal(w->n_dns, 2);
	assert_string_equal(ip(&w->dns[1]), "fd00::53");
	assert_false(w->privileged);
	assert_true(w->read_only);
	assert_int_equal(w->n_security_opt, 2);

	assert_true(w->has_memswap_limit);
	assert_int_equal(w->memswap_limit, 256 << 20);
	assert_int_equal(w->cpu_shares, 512);
	assert_string_equal(w->cpuset, "0-1,3");
	assert_true(w->limits.cpus == 0.5);
	assert_int_equal(w->limits.memory, 64 << 20);
	assert_int_equal(w->limits.pids, 100);
	assert_true(w->reservations.cpus == 0.25);
	assert_int_equal(w->reservations.pids, NC_UNSET);
	assert_int_equal(w->blkio_weight, 300);
	assert_int_equal(w->n_ulimits, 3);
	assert_string_equal(w->ulimits[0].name, "nofile");
	assert_int_equal(w->ulimits[0].soft, 1024);
	assert_int_equal(w->ulimits[0].hard, 4096);
	assert_int_equal(w->ulimits[1].soft, 512);
	assert_int_equal(w->ulimits[1].hard, 512);
	assert_int_equal(w->ulimits[2].hard, -1);

	assert_int_equal(w->n_volumes, 6);
	assert_int_equal(w->volumes[0].type, NC_MOUNT_BIND);
	assert_true(w->volumes[0].read_only);
	assert_true(w->volumes[0].create_host_path);
	assert_string_equal(w->volumes[0].source, "./site");
	assert_int_equal(w->volumes[1].type, NC_MOUNT_VOLUME);
	assert_string_equal(w->volumes[1].source, "data");
	assert_null(w->volumes[2].source);
	assert_int_equal(w->volumes[3].type, NC_MOUNT_TMPFS);
	assert_int_equal(w->volumes[3].mode, 01777);
	assert_int_equal(w->volumes[3].size, 64 << 20);
	assert_int_equal(w->volumes[4].type, NC_MOUNT_IMAGE);
	assert_int_equal(w->volumes[4].size, 1 << 30);
	assert_false(w->volumes[5].create_host_path);
	assert_int_equal(w->n_tmpfs, 2);
	assert_string_equal(w->tmpfs[0].target, "/run");
	assert_int_equal(w->tmpfs[0].size, 16 << 20);
	assert_int_equal(w->tmpfs[0].mode, 0755);
	assert_string_equal(w->tmpfs[0].options, "noexec,nosuid");
	assert_null(w->tmpfs[1].options);

	assert_int_equal(w->n_depends_on, 2);
	assert_string_equal(w->depends_on[0].service, "db");
	assert_int_equal(w->depends_on[0].condition, NC_DEP_HEALTHY);
	assert_int_equal(w->depends_on[1].condition, NC_DEP_STARTED);
	assert_true(w->depends_on[1].required);
	const struct nc_healthcheck *h = &w->healthcheck;
	assert_true(h->present);
	assert_false(h->shell);
	assert_int_equal(h->n_test, 3);
	assert_string_equal(h->test[0], "wget");
	assert_int_equal(h->interval_ns, 30000000000LL);
	assert_int_equal(h->start_period_ns, 90000000000LL);
	assert_int_equal(h->retries, 3);
	assert_int_equal(h->start_interval_ns, NC_UNSET);
	assert_int_equal(w->restart, NC_RESTART_ON_FAILURE);
	assert_int_equal(w->restart_max, 3);
	assert_int_equal(w->stop_signal, SIGINT);
	assert_int_equal(w->stop_grace_period_ns, 20000000000LL);
	assert_true(w->has_init);
	assert_true(w->init);

	const struct nc_shaping *sh = &w->networks[0].shaping;
	assert_true(sh->set);
	assert_int_equal(sh->rate, 10000000);
	assert_int_equal(sh->delay_ns, 20000000);
	assert_int_equal(sh->jitter_ns, 5000000);
	assert_true(sh->loss == 0.5);
	assert_mark(sh->loss_mark, 91, 15);

	const struct nc_service *db = nc_model_service(m, "db");
	assert_true(db->healthcheck.shell);
	assert_string_equal(db->healthcheck.test[0], "pg_isready -U postgres");
	assert_int_equal(db->restart, NC_RESTART_UNLESS_STOPPED);
	assert_int_equal(db->stop_signal, SIGRTMIN + 2);
	assert_true(nc_model_service(m, "cache")->healthcheck.disable);
	assert_int_equal(nc_model_service(m, "cache")->restart, NC_RESTART_NO);

	/* A link endpoint and a `network_mode: none` service get no default
	 * network. */
	const struct nc_service *r1 = nc_model_service(m, "r1");
	assert_true(r1->network_mode_none);
	assert_int_equal(r1->n_networks, 0);
	assert_int_equal(nc_model_service(m, "r2")->n_networks, 0);

	assert_int_equal(m->n_volumes, 2);
	assert_string_equal(m->volumes[1].name, "cache");
	assert_int_equal(m->n_links, 1);
	const struct nc_link *l = &m->links[0];
	assert_string_equal(l->ends[0].service, "r1");
	assert_string_equal(l->ends[1].ifname, "eth1");
	assert_string_equal(pfx(&l->ends[1].ipv4), "10.0.12.2/30");
	assert_string_equal(pfx(&l->ends[0].ipv6), "fd00:12::1/64");
	assert_int_equal(l->mtu, 9000);
	assert_int_equal(l->shaping.rate, 1000000000ULL);
	assert_mark(l->ends[1].mark, 107, 28);

	assert_int_equal(m->n_checks, 5);
	assert_int_equal(m->checks[0].kind, NC_CHECK_REACH);
	assert_string_equal(m->checks[0].target.service, "db");
	assert_string_equal(m->checks[1].target.ifname, "eth1");
	assert_string_equal(m->checks[1].via, "r2");
	assert_int_equal(m->checks[1].hops, 1);
	assert_true(m->checks[2].from_host);
	assert_int_equal(m->checks[2].kind, NC_CHECK_TCP);
	assert_string_equal(ip(&m->checks[2].target.ip), "127.0.0.1");
	assert_int_equal(m->checks[2].target.port, 8080);
	assert_int_equal(m->checks[3].kind, NC_CHECK_UDP);
	assert_string_equal(ip(&m->checks[3].target.ip), "fd00::53");
	assert_int_equal(m->checks[4].kind, NC_CHECK_NOT_REACH);
	assert_int_equal(m->checks[4].hops, NC_UNSET);
	nc_model_free(m);
}

/* build: read in both forms, as Compose (not built: the planner's
 * caller refuses a service that would need it). */
static void test_build(void **state)
{
	(void)state;
	struct nc_model *m = NULL;
	struct nc_load_opts opts = { 0 };
	nc_err err;
	const char *y;

	y = "services:\n  a:\n    build: ./app\n";
	assert_int_equal(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err), 0);
	const struct nc_build *b = &m->services[0].build;
	assert_true(b->present);
	assert_string_equal(b->context, "./app");
	assert_null(b->dockerfile);
	assert_int_equal(b->shm_size, NC_UNSET);
	assert_mark(b->mark, 3, 5);
	nc_model_free(m);

	y = "services:\n  a:\n    image: me/a:dev\n    build:\n      dockerfile: Dockerfile.dev\n"
	    "      args: [VERSION=1, FROM_ENV]\n      target: prod\n      labels: {x: y}\n"
	    "      tags: [me/a:1]\n      platforms: [linux/amd64]\n      no_cache: true\n"
	    "      shm_size: 64m\n      cache_from: [me/a:cache]\n      network: host\n";
	assert_int_equal(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err), 0);
	b = &m->services[0].build;
	assert_string_equal(b->context, ".");
	assert_string_equal(b->dockerfile, "Dockerfile.dev");
	assert_int_equal(b->n_args, 2);
	assert_string_equal(b->args[0].value, "1");
	assert_null(b->args[1].value);
	assert_string_equal(b->target, "prod");
	assert_int_equal(b->n_labels, 1);
	assert_int_equal(b->n_tags, 1);
	assert_int_equal(b->n_platforms, 1);
	assert_true(b->no_cache);
	assert_false(b->pull);
	assert_int_equal(b->shm_size, 64 << 20);
	assert_string_equal(b->network, "host");
	nc_model_free(m);

	y = "services:\n  a:\n    build: [x]\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "t.yaml:3:12: `build` in service `a`: expected a directory or a mapping"));
	y = "services:\n  a:\n    build: {dockerfile: D, dockerfile_inline: FROM x}\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "not both"));
	y = "services:\n  a:\n    build: {contxt: .}\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "did you mean `context`"));
}

/* A key of Compose's format that ncompose does not support is refused as
 * such, at its place, naming the service. */
static void test_unsupported(void **state)
{
	(void)state;
	struct nc_model *m = NULL;
	struct nc_load_opts opts = { 0 };
	nc_err err;
	const char *y;

	y = "services:\n  a:\n    build:\n      ssh: [default]\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:4:7: `ssh` in service `a` is not supported yet");
	y = "include: [other.yaml]\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:1:1: `include` is not supported yet");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_values),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_unsupported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
