/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port SERVICE PRIVATE_PORT: the host address a container port is
 * published on, from the container's record. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/cli/common.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] port [--protocol tcp|udp] [--index N] SERVICE PRIVATE_PORT\n\n"
	       "Print the public address (ADDRESS:PORT) that PRIVATE_PORT of the service's\n"
	       "container is published on.\n\n"
	       "  --protocol PROTO  tcp (default) or udp\n"
	       "  --index N         the container of the service (1: each service has one)\n"
	       "  -h, --help        this help\n");
}

int cli_port(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "protocol", required_argument, NULL, 'P' },
		{ "index", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const protos[] = { "tcp", "udp", NULL };
	const char *proto = "tcp";
	struct cli_running run;
	nc_err err;
	char *end;
	int c, code;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if ((code = cli_parse_choice("port", "--protocol", optarg, protos, &proto)))
				return code;
			break;
		case 'i':
			if (strcmp(optarg, "1"))
				return cli_failf(NC_EXIT_USAGE, "port: --index is 1 here, not `%s` (a service has one container)", optarg);
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "port: unknown option; see `ncompose port --help`");
		}
	}
	if (argc - optind != 2)
		return cli_failf(NC_EXIT_USAGE, "port: give SERVICE and PRIVATE_PORT; see `ncompose port --help`");
	const char *svc = argv[optind], *parg = argv[optind + 1];
	errno = 0;
	unsigned long port = strtoul(parg, &end, 10);
	/* "80/udp" as docker port spells it. */
	if (*end == '/' && (!strcmp(end + 1, "tcp") || !strcmp(end + 1, "udp")))
		proto = end[1] == 't' ? "tcp" : "udp";
	else if (*end)
		port = 0;
	if (errno || port == 0 || port > 65535)
		return cli_failf(NC_EXIT_USAGE, "port: `%s` is not a port (1..65535)", parg);

	if ((code = cli_open_running(g, "port", &run)))
		return code;
	struct nc_container_info ci;
	if (nc_info_read(run.st, svc, &ci, &err) < 0) {
		bool known = false;
		for (size_t k = 0; k < run.n_services; k++)
			known |= !strcmp(run.services[k], svc);
		code = !known ? cli_failf(NC_EXIT_USAGE, "port: no service `%s` in project `%s`", svc, run.proj.name)
		       : err.errnum == ENOENT ? cli_failf(NC_EXIT_FAILURE, "port: service `%s` has no container yet", svc)
					       : cli_fail(NC_EXIT_FAILURE, &err);
		cli_close_running(&run);
		return code;
	}
	code = NC_EXIT_FAILURE;
	for (size_t i = 0; i < ci.n_ports; i++) {
		const struct nc_info_port *p = &ci.ports[i];
		if (p->port != port || strcmp(p->proto, proto))
			continue;
		const char *ip = strcmp(p->host_ip, "*") ? p->host_ip : "0.0.0.0";
		printf(strchr(ip, ':') ? "[%s]:%u\n" : "%s:%u\n", ip, p->host_port);
		code = NC_EXIT_OK;
		break;
	}
	if (code != NC_EXIT_OK)
		cli_failf(code, "port: %lu/%s of service `%s` is not published", port, proto, svc);
	nc_info_free(&ci);
	cli_close_running(&run);
	return code;
}
