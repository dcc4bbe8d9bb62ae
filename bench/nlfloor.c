/* SPDX-License-Identifier: GPL-2.0-or-later */
// nlfloor: kernel floor for "bridge + N netns + N veth + addr + route + up", no process
// spawns: one process, raw rtnetlink (libmnl), unshare(CLONE_NEWNET) per container.
// Run it INSIDE a dedicated netns (it creates br0 in its current netns = the "host").
// Built by meson as build/bench/bench-nlfloor; bench/updown runs it in the
// same sandbox and run as ncompose, so the ratios compare like with like.
//   usage: bench-nlfloor N RUNS [group|each]
//   down=group: one RTM_DELLINK{IFLA_GROUP} removes all host veth ends (unregister_netdevice_many)
//   down=each : one RTM_DELLINK per host veth end
// Per run prints "up_ms down_ms"; a container's netns is held by an fd (as a runtime would)
// and released (close) during down; the kernel frees the netns asynchronously afterwards.

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <time.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static char buf[16384];
static unsigned seq = 1;

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static void die(const char *m) { perror(m); exit(1); }

static struct mnl_socket *nl_open(void) {
  struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
  if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) die("mnl_socket");
  return nl;
}
// send + wait for the ACK (as iproute2 does); cb used for GETLINK replies
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
  unsigned s = nlh->nlmsg_seq = seq++;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) die("sendto");
  int ret;
  do {
    ret = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (ret < 0) die("recvfrom");
    ret = mnl_cb_run(buf, ret, s, mnl_socket_get_portid(nl), cb, data);
  } while (ret > 0);
  return ret;
}
static struct nlmsghdr *msg(int type, int flags) {
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type; nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  return nlh;
}
static void link_up(struct mnl_socket *nl, int idx) {
  struct nlmsghdr *nlh = msg(RTM_NEWLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_index = idx; ifm->ifi_flags = IFF_UP; ifm->ifi_change = IFF_UP;
  if (talk(nl, nlh, NULL, NULL) < 0) die("link up");
}
static int getidx_cb(const struct nlmsghdr *nlh, void *data) {
  struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh); *(int *)data = ifm->ifi_index; return MNL_CB_OK;
}
static int getidx(struct mnl_socket *nl, const char *name) {
  struct nlmsghdr *nlh = msg(RTM_GETLINK, 0);
  mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  int idx = 0; if (talk(nl, nlh, getidx_cb, &idx) < 0) die("getlink");
  return idx;
}
static void addr_add(struct mnl_socket *nl, int idx, uint32_t a, int plen) {
  struct nlmsghdr *nlh = msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
  ifa->ifa_family = AF_INET; ifa->ifa_prefixlen = plen; ifa->ifa_index = idx;
  mnl_attr_put_u32(nlh, IFA_LOCAL, a); mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
  if (talk(nl, nlh, NULL, NULL) < 0) die("addr add");
}
static void route_default(struct mnl_socket *nl, uint32_t gw) {
  struct nlmsghdr *nlh = msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof *rt);
  rt->rtm_family = AF_INET; rt->rtm_table = RT_TABLE_MAIN; rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE; rt->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
  if (talk(nl, nlh, NULL, NULL) < 0) die("route add");
}
static void bridge_add(struct mnl_socket *nl) {
  struct nlmsghdr *nlh = msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_flags = IFF_UP; ifm->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, "br0");
  struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(nlh, li);
  if (talk(nl, nlh, NULL, NULL) < 0) die("bridge add");
}
// host end "vh<i>" (group 7, master br0, up); peer "eth0" created directly in netns fd
static void veth_add(struct mnl_socket *nl, int i, int master, int nsfd) {
  char name[IFNAMSIZ]; snprintf(name, sizeof name, "vh%d", i);
  struct nlmsghdr *nlh = msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_flags = IFF_UP; ifm->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  mnl_attr_put_u32(nlh, IFLA_MASTER, master);
  mnl_attr_put_u32(nlh, IFLA_GROUP, 7);
  struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  struct nlattr *d = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  struct ifinfomsg *pm = mnl_nlmsg_get_payload_tail(nlh);
  memset(pm, 0, sizeof *pm); nlh->nlmsg_len += MNL_ALIGN(sizeof *pm);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, nsfd);
  mnl_attr_nest_end(nlh, p); mnl_attr_nest_end(nlh, d); mnl_attr_nest_end(nlh, li);
  if (talk(nl, nlh, NULL, NULL) < 0) die("veth add");
}
static void link_del(struct mnl_socket *nl, int idx, int group) {
  struct nlmsghdr *nlh = msg(RTM_DELLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_index = idx;
  if (group) mnl_attr_put_u32(nlh, IFLA_GROUP, group);
  if (talk(nl, nlh, NULL, NULL) < 0) die("link del");
}
static int cmpd(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: nlfloor N RUNS [group|each]\n"); return 2; }
  int n = atoi(argv[1]), runs = atoi(argv[2]);
  int group = !(argc > 3 && !strcmp(argv[3], "each"));
  int hostfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC); if (hostfd < 0) die("open host ns");
  struct mnl_socket *h = nl_open();
  link_up(h, 1);
  struct mnl_socket **cs = calloc(n, sizeof *cs); int *nsfd = calloc(n, sizeof *nsfd);
  double *ups = calloc(runs, sizeof(double)), *downs = calloc(runs, sizeof(double));
  uint32_t gw = inet_addr("10.231.255.1");
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    bridge_add(h);
    int br = getidx(h, "br0");
    addr_add(h, br, gw, 16);
    for (int i = 0; i < n; i++) {
      if (unshare(CLONE_NEWNET) < 0) die("unshare");
      nsfd[i] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      cs[i] = nl_open();                       // socket bound to the container netns
      if (setns(hostfd, CLONE_NEWNET) < 0) die("setns host");
      veth_add(h, i + 1, br, nsfd[i]);
      link_up(cs[i], 1);                       // lo
      int e = getidx(cs[i], "eth0");
      uint32_t a = htonl(ntohl(inet_addr("10.231.0.0")) + (uint32_t)(i + 2));
      addr_add(cs[i], e, a, 16);
      link_up(cs[i], e);
      route_default(cs[i], gw);
    }
    double t1 = now_ms();
    if (group) link_del(h, 0, 7);
    else for (int i = 0; i < n; i++) { char nm[IFNAMSIZ]; snprintf(nm, sizeof nm, "vh%d", i + 1); link_del(h, getidx(h, nm), 0); }
    link_del(h, br, 0);
    for (int i = 0; i < n; i++) { mnl_socket_close(cs[i]); close(nsfd[i]); }
    double t2 = now_ms();
    ups[r] = t1 - t0; downs[r] = t2 - t1;
    printf("run %d up_ms=%.2f down_ms=%.2f\n", r + 1, ups[r], downs[r]); fflush(stdout);
    usleep(300000);  // let async netns cleanup drain
  }
  qsort(ups, runs, sizeof(double), cmpd); qsort(downs, runs, sizeof(double), cmpd);
  double mu = runs % 2 ? ups[runs / 2] : (ups[runs / 2 - 1] + ups[runs / 2]) / 2;
  double md = runs % 2 ? downs[runs / 2] : (downs[runs / 2 - 1] + downs[runs / 2]) / 2;
  printf("RESULT anchor=netlink-floor-%s N=%d runs=%d up_ms=%.1f [%.1f-%.1f] down_ms=%.1f [%.1f-%.1f] per_ctr_up_ms=%.2f per_ctr_down_ms=%.2f\n",
         group ? "group" : "each", n, runs, mu, ups[0], ups[runs - 1], md, downs[0], downs[runs - 1], mu / n, md / n);
  return 0;
}
