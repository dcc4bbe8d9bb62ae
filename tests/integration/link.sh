#!/bin/bash
# Links cut, restored and shaped from the host while the lab runs, on the
# router chain (client - r1 = r2 = r3 - server; `=` are point-to-point
# links, `-` attachments to a network). The nodes have no NET_ADMIN: all
# of it is done from the host. `stop` of a router takes its interfaces
# down first, so its neighbours lose carrier at once.
. "$NC_SRC/tests/lib/lib.sh"

labs=$NC_SRC/tests/integration/labs
trap 'nc -p chain down >/dev/null 2>&1' EXIT

# What the kernel holds at once for a container's interface. `ip link`'s
# "state" and NO-CARRIER come from the operational state, which the
# kernel's linkwatch worker updates a moment after the change (later on
# a loaded machine): read the administrative flag and the carrier from
# sysfs instead, both set before `link down`, `stop` or `start` return.
admin_up() { (( $(ip netns exec "chain-$1" cat "/sys/class/net/$2/flags") & 1 )); }
# "1" with carrier, "0" without; an interface that is down has none.
carrier() { ip netns exec "chain-$1" cat "/sys/class/net/$2/carrier" 2>/dev/null || echo 0; }
# UP when administratively up with carrier, else DOWN.
state() { if admin_up "$1" "$2" && [ "$(carrier "$1" "$2")" = 1 ]; then echo UP; else echo DOWN; fi; }
# Up, but no carrier: what `ip link` shows as NO-CARRIER,UP.
no_carrier() { admin_up "$1" "$2" && [ "$(carrier "$1" "$2")" = 0 ]; }
# A carrier that comes back reaches the queues through the kernel's
# linkwatch, which may hold the event for up to a second: a few echoes,
# any answer counts (ping exits 0 on one reply).
ping_across() { nc -p chain exec client ping -c4 -i0.5 -W1 10.3.0.10 >/dev/null 2>&1; }
ping_fails() { ! nc -p chain exec client ping -c1 -W1 10.3.0.10 >/dev/null 2>&1; }

check "up -d the router chain" nc up -d "$labs/chain.yaml"
check "client reaches server across r1, r2, r3" ping_across

show=$(nc -p chain link show)
echo "$show" | sed 's/^/# /'
check_match "link show: a link end with its peer, no host side, up, its shaping" "$show" \
	'r1:eth1 +r2:eth0 +- +up +rate 10mbit'
host=$(nc -p chain link show --format json | python3 -c '
import json, sys
d = {e["interface"]: e for e in json.load(sys.stdin)}
c = d["client:eth0"]
assert c["kind"] == "network" and c["network"] == "left" and c["peer"] == "left", c
assert d["r2:eth1"]["peer"] == "r3:eth1" and d["r2:eth1"]["host_interface"] is None
assert d["r1:eth1"]["shaping"]["rate_bps"] == 10000000, d["r1:eth1"]
print(c["host_interface"])')
check "link show --format json: attachments carry their host-side interface" test -n "$host"
check "... which exists on the host and is the client's veth peer" \
	sh -c "ip -o link show '$host' | grep -q 'master'"
check_match "link show: the attachment's host-side name in the table" "$show" \
	"client:eth0 +left +$host +up"
check_match "inspect (without the file) names the host-side interface" \
	"$(nc -p chain inspect client)" "\"host_interface\": *\"$host\""
check_match "ps --format json names it too" "$(nc -p chain ps --format json)" "\"host_interface\": *\"$host\""

# A point-to-point link, cut by one name and restored by the other.
check "link down r1:eth1" nc -p chain link down r1:eth1
check "client no longer reaches server" ping_fails
check_eq "r1's end is down (ip -n chain-r1 link)" "$(state r1 eth1)" "DOWN"
check_eq "r2's end is down too: one cable, both ends" "$(state r2 eth0)" "DOWN"
check_match "link show says why" "$(nc -p chain link show)" 'r1:eth1 +r2:eth0 +- +down \(link down\)'
check_match "... for the other end too" "$(nc -p chain link show)" 'r2:eth0 +r1:eth1 +- +down \(link down\)'
check "a second link down changes nothing and succeeds" nc -p chain link down r1:eth1
check_eq "... still down" "$(state r1 eth1)" "DOWN"
check "link up r2:eth0 (the other end's name)" nc -p chain link up r2:eth0
check "client reaches server again" ping_across
check_eq "r1's end is up" "$(state r1 eth1)" "UP"

# An attachment: the host end goes down, the node sees no carrier.
check "link down client:eth0" nc -p chain link down client:eth0
check "client's eth0 stays administratively up with no carrier" no_carrier client eth0
check_fails "the host end is administratively down" \
	sh -c "ip -o link show '$host' | grep -q '[<,]UP[,>]'"
check_fails "client no longer reaches its router" nc -p chain exec client ping -c1 -W1 10.1.0.254
check_match "link show: no-carrier (link down)" "$(nc -p chain link show)" \
	"client:eth0 +left +$host +no-carrier \(link down\)"
check "link up client:eth0" nc -p chain link up client:eth0
check "client reaches server again" ping_across

# A router switched off: its neighbours lose carrier as stop returns.
check "stop r2" nc -p chain stop r2
check "r1 has no carrier on its link to r2 right after stop" no_carrier r1 eth1
check "... and neither does r3" no_carrier r3 eth1
check_eq "r2's own ends are down" "$(state r2 eth1)" 'DOWN'
check_match "link show: r2's interfaces are down (stopped)" "$(nc -p chain link show)" \
	'r2:eth1 +r3:eth1 +- +down \(stopped\)'
check "link down r1:eth1 while r2 is stopped" nc -p chain link down r1:eth1
check "start r2" nc -p chain start r2
check_eq "start brings r2's link to r3 back" "$(state r2 eth1)" "UP"
check_eq "... r3 has carrier again" "$(state r3 eth1)" "UP"
check_eq "the link cut by link down stays down across start" "$(state r2 eth0)" "DOWN"
check "so client does not reach server" ping_fails
check "link up r1:eth1" nc -p chain link up r1:eth1
check "client reaches server again" ping_across

# Shaping, replaced and removed live.
check "link set r2:eth1 --rate 1mbit" nc -p chain link set r2:eth1 --rate 1mbit
check_match "tc shows tbf at 1Mbit on r2's end" "$(tc -n chain-r2 qdisc show dev eth1)" 'tbf .*rate 1Mbit'
check_match "... and on r3's end" "$(tc -n chain-r3 qdisc show dev eth1)" 'tbf .*rate 1Mbit'
check_match "link show shows it" "$(nc -p chain link show)" 'r3:eth1 +r2:eth1 +- +up +rate 1mbit'
check "link set with no option removes it" nc -p chain link set r2:eth1
check_fails "... no tbf is left on r2" sh -c 'tc -n chain-r2 qdisc show dev eth1 | grep -q tbf'
check_fails "... nor on r3" sh -c 'tc -n chain-r3 qdisc show dev eth1 | grep -q tbf'
check "link set --clear on an unshaped link succeeds" nc -p chain link set r2:eth1 --clear

if ip netns exec chain-r1 tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
	ip netns exec chain-r1 tc qdisc del dev lo root
	check "link set client:eth0 --delay 100 (this kernel has netem)" \
		nc -p chain link set client:eth0 --delay 100
	check_match "tc shows netem with the delay in the client" \
		"$(tc -n chain-client qdisc show dev eth0)" 'netem .*delay 100ms'
	check_match "... and on the host end" "$(tc qdisc show dev "$host")" 'netem .*delay 100ms'
	# "rtt min/avg/max/mdev = 200.4/...": the minimum, in whole ms.
	rtt=$(nc -p chain exec client ping -c3 -i0.2 -W3 10.1.0.254 | sed -n 's|^rtt [^=]*= \([0-9]*\).*|\1|p')
	check "the round trip to r1 takes the delay both ways (min ${rtt:-?} ms >= 100)" test "${rtt:-0}" -ge 100
	check_match "link show shows the delay" "$(nc -p chain link show)" 'client:eth0 .* delay 100ms'
	check "link set --clear" nc -p chain link set client:eth0 --clear
	check_fails "... netem is gone" sh -c 'tc -n chain-client qdisc show dev eth0 | grep -q netem'
else
	out=$(nc -p chain link set client:eth0 --delay 100 2>&1)
	check_eq "link set --delay without sch_netem exits 1" "$?" "1"
	check_match "... saying so, with what to do" "$out" \
		'^ncompose: link set: .*sch_netem.*modprobe sch_netem'
	check_eq "... in one line" "$(printf '%s\n' "$out" | wc -l)" "1"
	check_fails "... and shapes nothing" sh -c 'tc -n chain-client qdisc show dev eth0 | grep -q netem'
fi

check_eq "link down without SERVICE:IFACE is a usage error" \
	"$(nc -p chain link down r1 >/dev/null 2>&1; echo $?)" "2"
check_eq "link set with a bad rate is a usage error" \
	"$(nc -p chain link set r1:eth1 --rate fast >/dev/null 2>&1; echo $?)" "2"
check_match "an unknown interface is named, with the service's" \
	"$(nc -p chain link down r1:eth9 2>&1)" "service .r1. has no interface .eth9. \(it has: eth0, eth1\)"

check "link down r1:eth1 before down" nc -p chain link down r1:eth1
check "down" nc -p chain down
check_clean chain
check_fails "link show of a project that is down fails" nc -p chain link show

finish
