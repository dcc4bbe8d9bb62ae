#!/bin/bash
# Layer-2 networks (enable_ipv4: false) and Kathará labs: two containers
# that address themselves on a segment ncompose leaves unaddressed, next to
# a normal network; then a small Kathará lab (tests/data/kathara/two-hosts)
# brought up with `up DIR`: its startup scripts run, its device directory
# is in the container read-only, shared/ is shared but not written, its
# hosts ping across the router, and
# `down DIR` leaves nothing. Then Kathará's RIP lab (its user starts FRR
# by hand with systemctl in each router) and a branch of its multi-homed
# BGP lab (RIP inside the stub AS) on the host's FRR: `wait --converged`
# and `up --wait` return once every router has the routes the lab means.
. "$NC_SRC/tests/lib/lib.sh"

labs=$NC_SRC/tests/integration/labs
work=$(mktemp -d)
lab=$work/two-hosts
trap 'nc -p l2 down >/dev/null 2>&1; nc down "$lab" >/dev/null 2>&1; nc down "$work/folders-only" >/dev/null 2>&1;
      nc down "$work/twice-on-a-domain" >/dev/null 2>&1; nc down "$work/quagga-rip" >/dev/null 2>&1; nc down "$work/rip" >/dev/null 2>&1;
      nc down "$work/bgp-multi-homed" >/dev/null 2>&1; rm -rf "$work"' EXIT

# The commands add addresses after the container starts: poll for them
# (a bounded number of looks, no clock).
has_addr() { # project service address
	local i
	for i in $(seq 200); do
		nc -p "$1" exec "$2" ip -4 -o addr show 2>/dev/null | grep -qF " $3/" && return 0
		sleep 0.05
	done
	return 1
}

# --- a layer-2 network ---------------------------------------------------
check "up -d a layer-2 network beside a normal one" nc up -d "$labs/layer2.yaml"
check_eq "the layer-2 bridge has no IPv4 address" "$(ip -4 -o addr show dev l2-cd)" ""
check_eq "... and no IPv6 address (not even link-local)" "$(ip -6 -o addr show dev l2-cd)" ""
check_match "control: the normal network's bridge holds its gateway" "$(ip -4 -o addr show dev l2-lan)" '10\.78\.0\.1/24'
# Masquerading goes by the source subnets in the sets nat4 and nat6.
nat=$({ nft list set inet nc_l2 nat4; nft list set inet nc_l2 nat6; } 2>&1 | tr -d '\t\n' | grep -o 'elements = {[^}]*}')
check_match "control: the normal network is masqueraded" "$nat" 'elements = \{ *10\.78\.0\.0/24 *\}'
check_eq "nothing else is masqueraded (no subnet of the layer-2 network)" "$(grep -v '^elements = { *10\.78\.0\.0/24 *}$' <<<"$nat")" ""
check_eq "ncompose added no address of its own on the layer-2 network" \
	"$(ip netns exec l2-a ip -4 -o addr show dev eth0 | grep -v '10\.77\.0\.1/')" ""
check "a added its own address" has_addr l2 a 10.77.0.1
check "b added its own address" has_addr l2 b 10.77.0.2
check "a pings b across the layer-2 segment" nc -p l2 exec a ping -c1 -W2 10.77.0.2
check "ps copes with interfaces without address" nc -p l2 ps
check "inspect copes with them" nc -p l2 inspect a
check_match "pingall copes: no address to probe on the layer-2 network" "$(nc -p l2 pingall 2>&1)" '0 of 0 pairs sharing a network failed'
hosts=$(nc -p l2 exec a cat /etc/hosts)
check_match "control: a's /etc/hosts names a at its address on the normal network" "$hosts" $'10\.78\.0\.2\ta'
check_eq "... and has no line for b, which has no address ncompose knows" "$(grep -c $'\tb$' <<<"$hosts")" "0"
check_match "graph says the network is layer 2 only" "$(nc -f "$labs/layer2.yaml" graph --format ascii)" 'layer 2 only'
check "down the layer-2 lab" nc -p l2 down
check_clean l2

# --- a Kathará lab ------------------------------------------------------
cp -a "$NC_SRC/tests/data/kathara/two-hosts" "$lab"
check "import kathara writes a file that config accepts" sh -c \
	"'$NCOMPOSE' import kathara '$lab' --host-image kathara/base -o '$lab/imported.yaml' && '$NCOMPOSE' -f '$lab/imported.yaml' config -q"
rm -f "$lab/imported.yaml"
check_match "import to standard output names the lab's files from the current directory" \
	"$(cd "$work" && "$NCOMPOSE" import kathara two-hosts 2>/dev/null | grep -m1 'source:')" 'source: \./two-hosts/shared/note\.txt'
# Paths are joined without doubled "./" or "/": a lab imported from
# inside it, or named with a trailing slash (URLs in lab.conf's LAB_WEB
# aside, none is in these fixtures).
doubled() { grep -E '/\./|\./\./|//' || true; }
check_match "import from inside the lab names its files ./FILE" \
	"$(cd "$lab" && "$NCOMPOSE" import kathara . 2>/dev/null | grep -m1 'source:')" 'source: \./shared/note\.txt$'
check_eq "... with no /./, ././ or // in the file or its warnings" "$(cd "$lab" && "$NCOMPOSE" import kathara . 2>&1 | doubled)" ""
check_eq "config of DIR/ has none either" "$(nc -f "$lab/" config 2>&1 | doubled)" ""
check_eq "... nor config in the lab directory" "$(cd "$lab" && "$NCOMPOSE" config 2>&1 | doubled)" ""
# Each warning of the import once per command (lab.conf has two: r1's
# [num_terms] and pc2's [bogus]).
check_eq "config prints each import warning once" \
	"$(nc -f "$lab" config 2>&1 >/dev/null | grep -c ': warning: .*lab\.conf:\(14\|18\):')" 2
check_eq "... and nothing twice" "$(nc -f "$lab" config 2>&1 >/dev/null | sort | uniq -d)" ""
exit_of() { "$@" >/dev/null 2>&1; echo $?; }
mkdir "$work/empty"
check_eq "import of a directory with neither lab.conf nor device folders: exit 2" "$(exit_of nc import kathara "$work/empty")" 2
check_match "... naming what a lab needs" "$(nc import kathara "$work/empty" 2>&1)" 'the lab has no device: no DEVICE\[\.\.\.\] line in lab.conf, or, without lab.conf, no device directory'
check_eq "control: without a DEVICE.startup beside a folder, up DIR takes no directory for a lab" "$(exit_of nc up -d "$work")" 2
check_eq "import of an unknown format: exit 2" "$(exit_of nc import gns3 "$lab")" 2
mkdir "$work/bad"
printf 'a[0]=A\nnot a line\n' >"$work/bad/lab.conf"
check_match "a bad lab.conf line is named with its number" "$(nc import kathara "$work/bad" 2>&1)" 'bad/lab.conf:2: expected DEVICE'
check_eq "... and up DIR refuses it with exit 2" "$(exit_of nc up -d "$work/bad")" 2
export NCOMPOSE_HOST_IMAGES=kathara/base,kathara/frr
out=$(nc up -d "$lab" 2>&1); rc=$?
check_eq "up -d DIR brings the Kathará lab up" "$rc" 0
check_eq "... printing each import warning once" "$(grep -c ': warning: .*lab\.conf:\(14\|18\):' <<<"$out")" 2
check_eq "... and no line twice" "$(sort <<<"$out" | uniq -d)" ""
check "pc1's startup added its address" has_addr two-hosts pc1 10.0.1.2
check "r1's startup added both addresses" sh -c "$(declare -f has_addr nc); has_addr two-hosts r1 10.0.1.1 && has_addr two-hosts r1 10.0.2.1"
check "pc2's startup added its address" has_addr two-hosts pc2 10.0.2.2
check_match "r1's interfaces follow lab.conf's numbers (eth0 on A has the MAC of r1[0])" \
	"$(nc -f "$lab" exec r1 cat /sys/class/net/eth0/address)" '^02:00:00:00:00:a1$'
check "pc1 pings r1 on collision domain A" nc -f "$lab" exec pc1 ping -c1 -W2 10.0.1.1
check "pc1 pings pc2 through r1 (forwarding on, as Kathará sets it)" nc -f "$lab" exec pc1 ping -c1 -W2 10.0.2.2
check_match "the sysctl of r1's startup is set" "$(nc -f "$lab" exec r1 cat /proc/sys/net/ipv4/conf/all/send_redirects)" '^0$'
# r1's startup ends with `systemctl start frr`: on a host with FRR, its
# static route from r1/etc/frr/frr.conf shows that FRR runs with the
# capabilities a device gets.
if [ -x /usr/lib/frr/frrinit.sh ]; then
	has_route() {
		local i
		for i in $(seq 300); do
			nc -f "$lab" exec r1 ip route show 10.9.9.0/24 2>/dev/null | grep -q 'via 10.0.2.2' && return 0
			sleep 0.1
		done
		return 1
	}
	check "systemctl start frr in r1's startup runs FRR: zebra installs its static route" has_route
	check_match "... vtysh in r1 talks to it" "$(nc -f "$lab" exec r1 vtysh -c 'show running-config' 2>&1)" 'ip route 10\.9\.9\.0/24 10\.0\.2\.2'
else
	skip_check "systemctl start frr runs FRR" "FRR is not installed (/usr/lib/frr/frrinit.sh)"
fi
check_match "pc1/etc/lab/motd is in pc1 at /etc/lab/motd" "$(nc -f "$lab" exec pc1 cat /etc/lab/motd)" '^hello from the lab$'
check_fails "... read-only: the container cannot write the lab's file" nc -f "$lab" exec pc1 sh -c 'echo changed > /etc/lab/motd'
check_match "... and the lab's file on the host is unchanged" "$(cat "$lab/pc1/etc/lab/motd")" '^hello from the lab$'
check_match "shared/note.txt is in every device at /shared" "$(nc -f "$lab" exec pc2 cat /shared/note.txt)" '^shared by every device$'
check "shared.startup ran in each device before its own" nc -f "$lab" exec pc2 test -e /tmp/shared-ran
check "a device writes /shared ..." nc -f "$lab" exec pc1 sh -c 'echo from-pc1 > /shared/from-pc1'
check_match "... another reads it" "$(nc -f "$lab" exec pc2 cat /shared/from-pc1)" '^from-pc1$'
check_fails "... and the lab's shared directory on the host is untouched" test -e "$lab/shared/from-pc1"
check "ps DIR" nc -f "$lab" ps
check_match "in the lab directory, the lab is the project (as kathara lstart)" "$(cd "$lab" && nc ps 2>&1)" 'pc1'

check_eq "[ipv6]=\"false\" turns IPv6 off in r1, as Kathará does" "$(nc -f "$lab" exec r1 cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)" "1"
check_eq "control: pc1, without the key, keeps IPv6" "$(nc -f "$lab" exec pc1 cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)" "0"

if [ -x /usr/lib/frr/frrinit.sh ] && [ ! -x /etc/init.d/quagga ]; then
	check_match "service quagga in a device with FRR's daemons file runs FRR" \
		"$(nc -f "$lab" exec r1 service quagga status 2>&1)" 'quagga: starting FRR with /etc/frr/daemons'
fi

check "down -v DIR" nc down -v "$lab"
check_clean two-hosts

# Quagga on a host without it: each way a lab starts it says so in a line.
if [ ! -x /etc/init.d/quagga ]; then
	quagga=$work/quagga-rip
	cp -a "$NC_SRC/tests/data/kathara-labs/quagga-rip" "$quagga"
	out=$(NCOMPOSE_HOST_IMAGES=kathara/quagga nc up -d "$quagga" 2>&1); rc=$?
	check_eq "up -d a Quagga lab on the host's root" "$rc" "0"
	check_match "up names the startup line that starts Quagga" "$out" 'r2\.startup:2: `zebra -d` starts Quagga, which is not installed'
	logs_have() { # service pattern: the startup runs after up; look a bounded number of times
		local i
		for i in $(seq 100); do
			nc -f "$quagga" logs "$1" 2>&1 | grep -q -- "$2" && return 0
			sleep 0.05
		done
		return 1
	}
	check "r2's log: \`zebra -d\` says Quagga is not installed" logs_have r2 'zebra: Quagga is not installed on this host'
	check "r1's log names the missing init script" logs_have r1 '/etc/init.d/quagga: No such file'
	check_match "service quagga start, without FRR's daemons file, says Quagga is not installed" \
		"$(nc -f "$quagga" exec r1 service quagga start 2>&1)" 'quagga: Quagga is not installed on this host'
	check "down the Quagga lab" nc down "$quagga"
	check_clean quagga-rip
fi

# A lab of folders only, as `kathara lstart -F` runs it: its directories
# are its devices.
folders=$work/folders-only
cp -a "$NC_SRC/tests/data/kathara-labs/folders-only" "$folders"
check "up -d a lab without lab.conf" nc up -d "$folders"
check_match "both folders are devices" "$(nc -f "$folders" ps)" 'client.*running'
check "server's startup ran" nc -f "$folders" exec server test -e /tmp/server-started
check_match "server/var/www is in server" "$(nc -f "$folders" exec server cat /var/www/index.html)" 'hello'
check "down the folder lab" nc down "$folders"
check_clean folders-only

# A device twice on one collision domain: two interfaces on one segment.
twice=$work/twice-on-a-domain
cp -a "$NC_SRC/tests/data/kathara-labs/twice-on-a-domain" "$twice"
check "up -d a lab with r on domain A twice" nc up -d "$twice"
check "r's startup added its second address on A" has_addr twice-on-a-domain r 10.5.0.2
check "h1's startup added its address" has_addr twice-on-a-domain h1 10.5.0.10
host_if() { nc -f "$twice" link show | awk -v e="$1" '$1 == e { print $3 }'; }
bridge_of() { ip -o link show "$(host_if "$1")" | grep -o 'master [^ ]*'; }
check_match "r:eth0 is a port of a bridge on the host" "$(bridge_of r:eth0)" '^master '
check_eq "r:eth1 is a port of the same bridge" "$(bridge_of r:eth1)" "$(bridge_of r:eth0)"
check_eq "... as h1:eth0 is" "$(bridge_of h1:eth0)" "$(bridge_of r:eth0)"
check_fails "control: r:eth2 (domain B) is not" test "$(bridge_of r:eth2)" = "$(bridge_of r:eth0)"
check "h1 pings r's address on eth1" nc -f "$twice" exec h1 ping -c1 -W2 10.5.0.2
check_match "... and eth1 answered for it (arp_ignore=1): h1 has eth1's MAC for it" \
	"$(nc -f "$twice" exec h1 ip neigh show 10.5.0.2)" 'lladdr 02:00:00:00:00:0b'
check "h1 pings r's address on eth0" nc -f "$twice" exec h1 ping -c1 -W2 10.5.0.1
check_match "link show lists both of r's interfaces on A" "$(nc -f "$twice" link show)" 'r:eth1 +A '
check "down the lab" nc down "$twice"
check_clean twice-on-a-domain

# Routing labs on the host's FRR.
if [ ! -x /usr/lib/frr/frrinit.sh ] || [ ! -x /usr/bin/vtysh ]; then
	skip_check "Kathará's RIP and BGP labs" "FRR is not installed on this host (apt-get install frr)"
	finish
	exit
fi
rip=$work/rip
cp -a "$NC_SRC/tests/data/kathara/rip" "$rip"
check "up --wait the RIP lab" nc up --wait --wait-timeout 120 "$rip"
check_eq "FRR waits for its user, as in Kathará: no RIP route yet in r1" \
	"$(nc -f "$rip" exec r1 ip route | grep -c 'proto rip')" "0"
for r in r1 r2 r3 r4; do
	check "systemctl start frr, typed in $r, starts the host's FRR there" nc -f "$rip" exec "$r" systemctl start frr
done
out=$(nc -f "$rip" wait --converged --wait-timeout 120 2>&1); rc=$?
check_eq "wait --converged: the RIP lab converges" "$rc" "0"
check_match "on four routing nodes" "$out" 'converged after [0-9.]+ s \(4 routing nodes, routes unchanged for 8\.0 s\)'
# What the lab means: every 100.1/16 network everywhere, by the shortest path.
check_match "r1 reaches r4's LAN through r4" "$(nc -f "$rip" exec r1 ip route)" '100\.1\.4\.0/24 .*via 100\.1\.0\.14 .*proto rip'
check_match "r1 reaches r2's LAN through r2" "$(nc -f "$rip" exec r1 ip route)" '100\.1\.2\.0/24 .*via 100\.1\.0\.2 .*proto rip'
check_match "r3 reaches r1's LAN through r1" "$(nc -f "$rip" exec r3 ip route)" '100\.1\.1\.0/24 .*via 100\.1\.0\.9 .*proto rip'
check_match "r4 reaches r3's LAN through r3" "$(nc -f "$rip" exec r4 ip route)" '100\.1\.3\.0/24 .*via 100\.1\.0\.17 .*proto rip'
check_eq "r5 runs no routing daemon and learns nothing" "$(nc -f "$rip" exec r5 ip route | grep -c rip)" "0"
check "down the RIP lab" nc down "$rip"
check_clean rip

bgp=$work/bgp-multi-homed
cp -a "$NC_SRC/tests/data/kathara/bgp-multi-homed" "$bgp"
out=$(nc up --wait --wait-timeout 120 "$bgp" 2>&1); rc=$?
check_eq "up --wait the multi-homed BGP lab (its startups start FRR)" "$rc" "0"
check_match "it converged on four routing nodes" "$out" 'converged after [0-9.]+ s \(4 routing nodes, routes unchanged for 8\.0 s\)'
# Right after up, no sleep: the routes the lab's policies let through.
check_match "as1r1 learnt AS300's /16 through AS30" "$(nc -f "$bgp" exec as1r1 ip route)" '200\.1\.0\.0/16 .*via 11\.0\.0\.25 .*proto bgp'
check_match "as30r1 has AS1's default route" "$(nc -f "$bgp" exec as30r1 ip route)" '^default .*via 11\.0\.0\.26 .*proto bgp'
check_match "as30r1 has AS300's /16" "$(nc -f "$bgp" exec as30r1 ip route)" '200\.1\.0\.0/16 .*via 11\.0\.0\.9 .*proto bgp'
check_match "as300r1 has the default from AS30" "$(nc -f "$bgp" exec as300r1 ip route)" '^default .*via 11\.0\.0\.10 .*proto bgp'
check_eq "... and no other BGP route (its prefix list lets the default in only)" \
	"$(nc -f "$bgp" exec as300r1 ip route | grep -c 'proto bgp')" "1"
check_match "as300r3 has it over RIP (redistributed from BGP)" "$(nc -f "$bgp" exec as300r3 ip route)" '^default .*via 200\.1\.0\.1 .*proto rip'
check "down the BGP lab" nc down "$bgp"
check_clean bgp-multi-homed

finish
