/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture SERVICE IFACE: packets of a container's interface as a pcap
 * stream (readable by tcpdump -r and Wireshark), from an AF_PACKET socket
 * created inside the container's network namespace. Nothing runs in the
 * container; it needs no tcpdump of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/cli/cli.h"
#include "compose/lab/capture.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

#define SNAPLEN 262144

/* The classic pcap file format (microsecond timestamps, Ethernet). */
struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_record {
	uint32_t ts_sec, ts_usec, caplen, len;
};

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] capture SERVICE IFACE [-w FILE] [-c COUNT]\n\n"
	       "Capture the packets of a container's interface as pcap, from a packet socket\n"
	       "opened inside its network namespace (the container needs no tcpdump).\n"
	       "Stops on Ctrl-C or after COUNT packets.\n\n"
	       "  -w, --write FILE  write the pcap to FILE (default: standard output, for\n"
	       "                    `ncompose capture r1 eth0 | tcpdump -nr -`)\n"
	       "  -c, --count N     stop after N packets\n"
	       "  -h, --help        this help\n");
}

int cli_capture(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *file = NULL;
	unsigned long count = 0;
	int c;

	while ((c = getopt_long(argc, argv, "w:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			file = optarg;
			break;
		case 'c': {
			char *end;
			count = strtoul(optarg, &end, 10);
			if (*end || !count)
				return cli_failf(NC_EXIT_USAGE, "capture: --count wants a positive number");
			break;
		}
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "capture: unknown option; see `ncompose capture --help`");
		}
	}
	if (argc - optind != 2)
		return cli_failf(NC_EXIT_USAGE, "capture: give a service and an interface, e.g. `ncompose capture r1 eth0 -w r1.pcap`");
	const char *service = argv[optind], *iface = argv[optind + 1];
	if (!file && isatty(STDOUT_FILENO))
		return cli_failf(NC_EXIT_USAGE, "capture: pcap is binary; give -w FILE or pipe it (`| tcpdump -nr -`)");

	struct nc_project proj;
	bool usage;
	nc_err err;
	_cleanup_close_ int sock = -1, out = STDOUT_FILENO, sfd = -1;

	if (nc_project_open(&g->proj, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	int r = nc_capture_open(proj.name, service, iface, &sock, &err);
	nc_project_close(&proj);
	if (r < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	if (file && (out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return cli_failf(NC_EXIT_FAILURE, "capture: create `%s`: %s", file, strerror(errno));

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	struct pcap_file_header fh = { 0xa1b2c3d4, 2, 4, 0, 0, SNAPLEN, 1 /* Ethernet */ };
	if (nc_write_all(out, &fh, sizeof(fh)) < 0)
		return cli_failf(NC_EXIT_FAILURE, "capture: write: %s", strerror(errno));
	_cleanup_free_ uint8_t *buf = malloc(SNAPLEN);
	if (!buf)
		return cli_failf(NC_EXIT_FAILURE, "capture: out of memory");
	if (file)
		fprintf(stderr, "capturing on %s:%s into %s; Ctrl-C stops\n", service, iface, file);

	unsigned long n = 0;
	while (!count || n < count) {
		struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		char cbuf[CMSG_SPACE(sizeof(struct timeval))];
		struct iovec iov = { buf, SNAPLEN };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t len = recvmsg(sock, &mh, MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return cli_failf(NC_EXIT_FAILURE, "capture: receive: %s", strerror(errno));
		}
		struct timeval tv = { 0 };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMP)
			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
		else
			gettimeofday(&tv, NULL);
		uint32_t caplen = (size_t)len > SNAPLEN ? SNAPLEN : (uint32_t)len;
		struct pcap_record rec = { (uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec, caplen, (uint32_t)len };
		if (nc_write_all(out, &rec, sizeof(rec)) < 0 || nc_write_all(out, buf, caplen) < 0)
			break; /* the reader went away (| head, a closed pipe) */
		n++;
	}
	if (file)
		fprintf(stderr, "%lu packet%s captured\n", n, n == 1 ? "" : "s");
	return NC_EXIT_OK;
}
