#!/bin/bash
# Router services on the host's FRR (Debian's frr package): a chain of
# three OSPF routers converges and is graded with `test --wait`; vtysh in
# a node; `write memory` changes the node's copy, never the lab's files;
# a configuration error and a daemon that cannot start fail `up` with
# their message; `down` leaves nothing. `up --wait` returns only once the
# lab converged (routes in every router's kernel table, BGP Established),
# and fails naming the node when it never does. Then the same for BIRD:
# two routers exchange static routes over OSPF, birdc, a configuration
# error.
. "$NC_SRC/tests/lib/lib.sh"

[ -x /usr/lib/frr/watchfrr ] && [ -x /usr/bin/vtysh ] ||
	skip_all "FRR is not installed on this host (apt-get install frr; scripts/bootstrap does)"

dir="$NC_SRC/tests/integration/labs/frr"
lab="$dir/compose.yaml"
bgp="$NC_SRC/tests/integration/labs/frr-bgp"
trap 'nc -f "$lab" down >/dev/null 2>&1; nc -f "$dir/bad.yaml" down >/dev/null 2>&1;
      nc -f "$dir/baddaemon.yaml" down >/dev/null 2>&1; nc -f "$bgp/compose.yaml" down >/dev/null 2>&1;
      nc -f "$bgp/stuck.yaml" down >/dev/null 2>&1' EXIT

before=$(sha256sum "$dir/r1/frr.conf")
owner=$(stat -c %U:%G "$dir/r1")

out=$(nc --verbose -f "$lab" up --wait --wait-timeout 120 2>&1); rc=$?
check_eq "up --wait the OSPF chain" "$rc" "0"
# The routers' settle: 9s, 10s, 10s: the lab's window is the longest.
check_match "up --wait says when the lab converged, and the routers' settle window" "$out" \
	'converged after [0-9.]+ s \(3 routing nodes, routes unchanged for 10\.0 s\)'
check_fails "control: --verbose does not say a router lab has no routing daemons" grep -q 'no routing daemons' <<<"$out"
check_match "config prints the settle time" "$(nc -f "$lab" config)" 'settle: 10s'
# Right after up returns, no sleep: each router has the routes OSPF
# computes (plain readiness returns while they are still coming).
check_match "converged: r1 has the far network in its kernel table" \
	"$(nc -f "$lab" exec r1 ip route)" '10\.3\.0\.0/24 .*via 10\.0\.12\.2 .*proto ospf'
check_match "converged: r3 has the near one" \
	"$(nc -f "$lab" exec r3 ip route)" '10\.1\.0\.0/24 .*via 10\.0\.23\.1 .*proto ospf'
check_match "converged: r2 has both ends" \
	"$(nc -f "$lab" exec r2 ip route | grep -c 'proto ospf')" '^2$'
# When an end lacks its routes: what up said, and what OSPF says now.
if [ "$_nc_failed" != 0 ]; then
	printf '%s\n' "$out" | grep -i converged | sed 's/^/#   up: /'
	for r in r1 r2 r3; do
		nc -f "$lab" vtysh "$r" -c 'show ip ospf neighbor' -c 'show ip ospf interface' 2>&1 |
			grep -Ei 'neighbor|full|state|type|^ *[0-9]+\.' | sed "s/^/#   $r: /" | head -20
	done
fi
check_match "wait --converged on a converged lab (it reads no file: the default window)" \
	"$(nc -f "$lab" wait --converged --wait-timeout 60 2>&1)" 'converged after .*unchanged for 8\.0 s'
check_match "the routers are healthy once up returns" "$(nc -f "$lab" ps)" 'r2 +running\(healthy\)'
check_eq "forwarding is on in a router" "$(nc -f "$lab" exec r2 cat /proc/sys/net/ipv4/ip_forward)" "1"
check_eq "IPv6 forwarding too" "$(nc -f "$lab" exec r2 cat /proc/sys/net/ipv6/conf/all/forwarding)" "1"
check_match "the daemons file was written from router.daemons" \
	"$(nc -f "$lab" exec r1 cat /etc/frr/daemons)" '^ospfd=yes$'
check "test --wait 60: the ends reach each other through r2" nc -f "$lab" test --wait 60
check_match "vtysh: r1's OSPF neighbour is Full" \
	"$(nc -f "$lab" vtysh r1 -c 'show ip ospf neighbor')" '10\.255\.0\.2 .*Full'
check_match "vtysh takes several -c" \
	"$(nc -f "$lab" vtysh r2 -c 'show ip ospf neighbor' -c 'show ip route ospf')" 'O>\* 10\.1\.0\.0/24'
out=$(nc -f "$lab" vtysh client -c 'show version' 2>&1); rc=$?
check_eq "vtysh on a service that is not a router exits 2" "$rc" "2"
check_match "and says so" "$out" 'service `client` is not a router'

# write memory: the node's copy changes, the lab's file does not.
check "write memory in r1" nc -f "$lab" vtysh r1 -c 'configure terminal' -c 'interface eth0' -c 'description changed-in-the-node' \
	-c 'end' -c 'write memory'
check_match "control: the node's /etc/frr/frr.conf has the change" \
	"$(nc -f "$lab" exec r1 cat /etc/frr/frr.conf)" 'description changed-in-the-node'
check_eq "the lab's r1/frr.conf is unchanged" "$(sha256sum "$dir/r1/frr.conf")" "$before"
check_eq "and so are its owners" "$(stat -c %U:%G "$dir/r1")" "$owner"
check_eq "no file was added to the lab's directory" "$(ls "$dir/r1")" "frr.conf"

check "down" nc -f "$lab" down
check_clean frr

# A syntax error: up fails, with vtysh's line.
out=$(nc -f "$dir/bad.yaml" up -d 2>&1); rc=$?
check_eq "up of a router with a configuration error exits 1" "$rc" "1"
check_match "with vtysh's message" "$out" 'Unknown command.*aera'
nc -f "$dir/bad.yaml" down >/dev/null 2>&1
check_clean frrbad

# A daemon that cannot start: the router never becomes healthy.
out=$(nc -f "$dir/baddaemon.yaml" up -d 2>&1); rc=$?
check_eq "up of a router whose ospfd cannot start exits 1" "$rc" "1"
check_match "and shows the daemon's failure from its log" "$out" 'Failed to start ospfd'
check_match "and says the service is unhealthy" "$out" 'service `r` is unhealthy'
nc -f "$dir/baddaemon.yaml" down >/dev/null 2>&1
check_clean frrdaemon

# BGP: up --wait returns once the session is Established and the route
# is in r2's table.
out=$(nc -f "$bgp/compose.yaml" up --wait --wait-timeout 120 2>&1); rc=$?
check_eq "up --wait an eBGP pair" "$rc" "0"
check_match "r2 has r1's prefix in its kernel table once up returns" \
	"$(nc -f "$bgp/compose.yaml" exec r2 ip route)" '192\.0\.2\.0/24 .*via 10\.0\.12\.1 .*proto bgp'
check_match "the session is Established" \
	"$(nc -f "$bgp/compose.yaml" vtysh r1 -c 'show bgp summary json')" '"state": ?"Established"'
check "down the BGP pair" nc -f "$bgp/compose.yaml" down
check_clean frrbgp

# A peer that does not exist: the lab never converges, and up says which
# node waits for what.
out=$(nc -f "$bgp/stuck.yaml" up --wait --wait-timeout 10 2>&1); rc=$?
check_eq "up --wait --wait-timeout 10 of a lab that never converges exits 1" "$rc" "1"
check_match "naming the node and the session it waits for" "$out" \
	'did not converge within 10 s: `r1` is not settled: BGP peer 10\.0\.12\.9 is (Active|Connect|Idle)'
out=$(nc -f "$bgp/stuck.yaml" wait --converged --wait-timeout 3 2>&1); rc=$?
check_eq "wait --converged fails the same way" "$rc" "1"
check_match "with the same reason" "$out" 'BGP peer 10\.0\.12\.9'
nc -f "$bgp/stuck.yaml" down >/dev/null 2>&1
check_clean frrstuck

# BIRD: two routers exchange a static route each over OSPF.
bdir="$NC_SRC/tests/integration/labs/bird"
if [ ! -x /usr/sbin/bird ] || [ ! -x /usr/sbin/birdc ]; then
	if [ "${NCOMPOSE_TEST_MUST_WORK:-0}" = 1 ]; then
		check "BIRD is installed (apt-get install bird2)" false
	else
		skip_check "BIRD routers" "BIRD is not installed on this host (apt-get install bird2)"
	fi
	finish
	exit
fi
trap 'nc -f "$bdir/compose.yaml" down >/dev/null 2>&1; nc -f "$bdir/bad.yaml" down >/dev/null 2>&1' EXIT
bbefore=$(sha256sum "$bdir/b1/bird.conf")
check "up --wait two BIRD routers" nc -f "$bdir/compose.yaml" up --wait --wait-timeout 120
check_match "converged: b2 has b1's route in its kernel table once up returns" \
	"$(nc -f "$bdir/compose.yaml" exec b2 ip route)" '192\.0\.2\.0/24 via 10\.0\.99\.1'
check_match "they are healthy (birdc answers)" "$(nc -f "$bdir/compose.yaml" ps)" 'b2 +running\(healthy\)'
learnt=
for _ in $(seq 60); do
	learnt=$(nc -f "$bdir/compose.yaml" birdc b2 -c 'show route 192.0.2.0/24' 2>&1)
	case $learnt in *"via 10.0.99.1"*) break ;; esac
	sleep 0.5
done
check_match "birdc: b2 learnt b1's static route over OSPF" "$learnt" 'via 10\.0\.99\.1 on eth0'
check_match "and put it in its kernel table" "$(nc -f "$bdir/compose.yaml" exec b2 ip route)" \
	'192\.0\.2\.0/24 via 10\.0\.99\.1'
out=$(nc -f "$bdir/compose.yaml" birdc b1 -c 'show status' -c 'show route' 2>&1); rc=$?
check_eq "birdc takes one -c" "$rc" "2"
check_eq "the lab's bird.conf is unchanged" "$(sha256sum "$bdir/b1/bird.conf")" "$bbefore"
check "down the BIRD routers" nc -f "$bdir/compose.yaml" down
check_clean bird

out=$(nc -f "$bdir/bad.yaml" up -d 2>&1); rc=$?
check_eq "up of a BIRD router with a configuration error exits 1" "$rc" "1"
check_match "with bird's message" "$out" 'bird.conf.*(syntax error|aera)'
nc -f "$bdir/bad.yaml" down >/dev/null 2>&1
check_clean birdbad

finish
