/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The judges of "converged": FRR's JSON (the shapes FRR 8 prints, and the
 * older ones) and birdc's protocol table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/lab/converge.h"

static void test_ospf_neighbours(void **state)
{
	(void)state;
	char why[256] = "";
	const char *full = "{\"neighbors\":{\"10.255.0.2\":[{\"priority\":1,\"state\":\"Full/-\",\"nbrPriority\":1,"
			   "\"nbrState\":\"Full/-\",\"address\":\"10.0.12.2\",\"ifaceName\":\"eth1:10.0.12.1\"}]}}";
	const char *exstart = "{\"neighbors\":{\"10.255.0.2\":[{\"nbrState\":\"Full/DR\"}],"
			      "\"10.255.0.3\":[{\"nbrState\":\"ExStart/Backup\",\"state\":\"ExStart/Backup\"}]}}";
	/* FRR 7: neighbours at the top, "state" only. */
	const char *old = "{\"10.255.0.9\":[{\"state\":\"Init/DROther\"}]}";
	const char *twoway = "{\"neighbors\":{\"10.255.0.4\":[{\"nbrState\":\"2-Way/DROther\"}]}}";

	assert_false(nc_converge_ospf_neighbours(full, why, sizeof(why)));
	assert_false(nc_converge_ospf_neighbours(twoway, why, sizeof(why)));
	assert_false(nc_converge_ospf_neighbours("{}", why, sizeof(why)));
	assert_false(nc_converge_ospf_neighbours("% OSPF instance not found\n", why, sizeof(why)));
	assert_true(nc_converge_ospf_neighbours(exstart, why, sizeof(why)));
	assert_string_equal(why, "OSPF neighbour 10.255.0.3 is ExStart/Backup");
	assert_true(nc_converge_ospf_neighbours(old, why, sizeof(why)));
	assert_string_equal(why, "OSPF neighbour 10.255.0.9 is Init/DROther");
}

static void test_watchfrr(void **state)
{
	(void)state;
	char why[256] = "";
	const char *head = "watchfrr global phase: Idle\n"
			   " Restart Command: \"/usr/lib/frr/watchfrr.sh restart %s\"\n"
			   " Min Restart Interval: 60\n";
	char up[512], down[512];
	snprintf(up, sizeof(up), "%s  zebra                Up\n  ospfd                Up\n", head);
	snprintf(down, sizeof(down), "%s  zebra                Up\n  ospfd                Down\n  staticd  Up\n", head);

	assert_false(nc_converge_watchfrr(up, why, sizeof(why)));
	assert_true(nc_converge_watchfrr(down, why, sizeof(why)));
	assert_string_equal(why, "FRR's ospfd is Down (watchfrr)");
	/* FRR started without watchfrr: nothing to judge here. */
	assert_false(nc_converge_watchfrr("watchfrr is not running\n", why, sizeof(why)));
	assert_false(nc_converge_watchfrr("", why, sizeof(why)));
}

static void test_ospf_interfaces(void **state)
{
	(void)state;
	char why[256] = "";
	const char *p2p = "{\"interfaces\":{\"eth1\":{\"ifUp\":true,\"state\":\"Point-To-Point\"},"
			  "\"eth0\":{\"ifUp\":true,\"state\":\"DR\"}}}";
	const char *waiting = "{\"interfaces\":{\"eth1\":{\"state\":\"Point-To-Point\"},"
			      "\"eth2\":{\"ifUp\":true,\"state\":\"Waiting\"}}}";

	assert_false(nc_converge_ospf_interfaces(p2p, why, sizeof(why)));
	assert_true(nc_converge_ospf_interfaces(waiting, why, sizeof(why)));
	assert_non_null(strstr(why, "OSPF interface eth2 is Waiting"));
	assert_false(nc_converge_ospf_interfaces("{\"interfaces\":[", why, sizeof(why)));
}

static void test_bgp_summary(void **state)
{
	(void)state;
	char why[256] = "";
	const char *up = "{\"default\":{\"ipv4Unicast\":{\"routerId\":\"1.1.1.1\",\"peers\":{"
			 "\"10.0.0.2\":{\"remoteAs\":2,\"state\":\"Established\",\"pfxRcd\":3}}}}}";
	const char *active = "{\"default\":{\"ipv4Unicast\":{\"peers\":{"
			     "\"10.0.0.2\":{\"state\":\"Established\"},\"10.9.9.9\":{\"state\":\"Active\"}}}}}";
	/* Without `vrf all`: the address families at the top. */
	const char *plain = "{\"ipv4Unicast\":{\"peers\":{\"192.0.2.1\":{\"state\":\"Connect\"}}}}";

	assert_false(nc_converge_bgp_summary(up, why, sizeof(why)));
	assert_false(nc_converge_bgp_summary("{}", why, sizeof(why)));
	assert_false(nc_converge_bgp_summary("% BGP instance not found\n", why, sizeof(why)));
	assert_true(nc_converge_bgp_summary(active, why, sizeof(why)));
	assert_string_equal(why, "BGP peer 10.9.9.9 is Active");
	assert_true(nc_converge_bgp_summary(plain, why, sizeof(why)));
	assert_string_equal(why, "BGP peer 192.0.2.1 is Connect");
}

static void test_bird_protocols(void **state)
{
	(void)state;
	char why[256] = "";
	const char *up = "BIRD 2.0.12 ready.\n"
			 "Name       Proto      Table      State  Since         Info\n"
			 "device1    Device     ---        up     10:00:00.000  \n"
			 "kernel1    Kernel     master4    up     10:00:00.000  \n"
			 "off        Static     master4    down   10:00:00.000  \n"
			 "bgp1       BGP        ---        up     10:00:01.000  Established   \n";
	const char *start = "BIRD 2.0.12 ready.\n"
			    "Name       Proto      Table      State  Since         Info\n"
			    "device1    Device     ---        up     10:00:00.000  \n"
			    "bgp1       BGP        ---        start  10:00:00.000  Active        Socket: Connection refused\n";

	assert_false(nc_converge_bird_protocols(up, why, sizeof(why)));
	assert_false(nc_converge_bird_protocols("", why, sizeof(why)));
	assert_true(nc_converge_bird_protocols(start, why, sizeof(why)));
	assert_string_equal(why, "BIRD protocol bgp1 (BGP) is start: Active        Socket: Connection refused");
}

static void test_bird_ospf(void **state)
{
	(void)state;
	char why[256] = "";
	const char *full = "BIRD 2.0.12 ready.\nospf1:\n"
			   "Router ID   \tPri\t     State     \tDTime\tInterface  Router IP\n"
			   "10.0.99.2     \t  1\tFull/PtP  \t38.418\teth0       10.0.99.2\n";
	const char *exstart = "BIRD 2.0.12 ready.\nospf1:\n"
			      "Router ID   \tPri\t     State     \tDTime\tInterface  Router IP\n"
			      "10.0.99.2     \t  1\tExStart/PtP\t38.418\teth0       10.0.99.2\n";

	assert_false(nc_converge_bird_ospf(full, why, sizeof(why)));
	assert_false(nc_converge_bird_ospf("BIRD 2.0.12 ready.\nThere is no OSPF protocol running\n", why, sizeof(why)));
	assert_true(nc_converge_bird_ospf(exstart, why, sizeof(why)));
	assert_string_equal(why, "BIRD OSPF neighbour 10.0.99.2 is ExStart/PtP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ospf_neighbours),
		cmocka_unit_test(test_watchfrr),
		cmocka_unit_test(test_ospf_interfaces),
		cmocka_unit_test(test_bgp_summary),
		cmocka_unit_test(test_bird_protocols),
		cmocka_unit_test(test_bird_ospf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
