#!/bin/bash
# A long chain of routers works end to end: NC_CHAIN_ROUTERS (default 100)
# routers written by tests/lib/mkchain, each on its own two point-to-point
# links, routed with static routes. `test` must see r1 reach the far end
# and back, through the middle router, at the hop count the line implies;
# `down` must leave nothing.
#
# The routers' forwarding, rp_filter, ICMP rate limit and default TTL
# (64 would not carry a reply across 99 routers) are set by the lab
# (sysctls), not taken from the host. The neighbour table is the
# machine's, and a chain uses two entries per router: far below the
# kernel's default limits, so `up` must not ask to raise them.
. "$NC_SRC/tests/lib/lib.sh"

N=${NC_CHAIN_ROUTERS:-100}
lab=/tmp/chain.yaml
"$NC_SRC/tests/lib/mkchain" "$N" chain >"$lab"
trap 'nc -f "$lab" down >/dev/null 2>&1' EXIT

out=$(nc -f "$lab" up -d 2>&1)
check_eq "up -d a chain of $N routers" "$?" 0
check_fails "... without asking to raise the neighbour table's limits" \
	grep -q gc_thresh <<<"$out"

out=$(nc -f "$lab" test --wait 30 2>&1)
rc=$?
check_eq "test: r1 and r$N reach each other through r$(((N + 1) / 2)), $((N - 1)) hops away" "$rc" 0
[ "$rc" = 0 ] || printf '# %s\n' "$out" | head -n 40

# The same from outside ncompose: the kernel's own view.
ns=$(ip netns list | awk '{print $1}' | grep -E '^chain-r1$|^chain-r1-' | head -n1)
far=$(printf '10.%d.%d.2' $(((N - 1 + 200 * 256) / 256)) $(((N - 1 + 200 * 256) % 256)))
check "r1's namespace pings r$N's address $far" in_ns "$ns" ping -c1 -W5 "$far"
check "... with a TTL of $((N - 1))" in_ns "$ns" ping -c1 -W5 -t $((N - 1)) "$far"
check_fails "... and not with $((N - 2)): r$N is $((N - 1)) hops away" in_ns "$ns" ping -c1 -W5 -t $((N - 2)) "$far"

# A broken chain must fail the same test (the control: the test can fail).
mid=$(((N + 1) / 2))
check "link down r$mid:eth1" nc -f "$lab" link down "r$mid:eth1"
check_fails "with the chain cut at r$mid, test fails" nc -f "$lab" test -t 300
check "link up r$mid:eth1" nc -f "$lab" link up "r$mid:eth1"
check "test passes again once the link is back" nc -f "$lab" test --wait 30

check "down" nc -f "$lab" down
check_clean chain
finish
