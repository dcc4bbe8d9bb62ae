#!/bin/bash
# external networks, network_mode: none, extra_hosts, dns, aliases,
# gw_priority.
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/attach.yaml
trap 'nc -p attach down >/dev/null 2>&1; ip link del extbr0 2>/dev/null' EXIT

check_fails "an external network whose bridge does not exist is refused" nc -f "$lab" up -d
check_match "... saying what to do" "$(nc -f "$lab" up -d 2>&1)" 'external, but this host has no interface `extbr0`'
ip link add extbr0 type bridge
ip addr add 10.99.0.1/24 dev extbr0
ip link set extbr0 up
check "up -d with the bridge made outside ncompose" nc -f "$lab" up -d
check "a container on the external bridge reaches its owner's address" nc -p attach exec onext ping -c1 -W2 10.99.0.1
check_match "its default route goes through the external bridge's address" \
	"$(nc -p attach exec onext ip route show default)" 'via 10\.99\.0\.1'
check_eq "network_mode: none leaves only lo" "$(nc -p attach exec alone ls /sys/class/net | tr '\n' ' ')" "lo "
check_match "aliases resolve on their network" "$(nc -p attach exec peer getent hosts db)" '^10\.81\.0\.[0-9]+ +named db primary'
check_match "extra_hosts lands in /etc/hosts" "$(nc -p attach exec named cat /etc/hosts)" '192\.0\.2\.7[[:space:]]+upstream\.example'
check_match "host-gateway is the host's address on the container's network" \
	"$(nc -p attach exec named getent hosts host.internal)" '^10\.8[12]\.0\.1 '
check_match "dns: replaces the nameservers" "$(nc -p attach exec named cat /etc/resolv.conf)" 'nameserver 192\.0\.2\.53'
check_match "... IPv6 ones too" "$(nc -p attach exec named cat /etc/resolv.conf)" 'nameserver 2001:db8::53'
check_match "gw_priority picks the default route's network" \
	"$(nc -p attach exec named ip route show default)" 'via 10\.82\.0\.1 dev eth1'
check "down" nc -p attach down
check_clean attach
check "down left the external bridge alone" ip link show extbr0
check_eq "... and its address" "$(ip -br addr show extbr0 | awk '{print $3}')" "10.99.0.1/24"
check_eq "... with no port of ours left in it" "$(ip -o link show master extbr0 | wc -l)" "0"
finish
