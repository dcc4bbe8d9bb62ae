#!/bin/bash
# Independent projects brought up and down at the same time: neither waits
# for nor breaks the other. Two projects of NC_PROJECTS_N containers
# (default 30) go up at once, each works, then one comes up
# while the other goes down, both ways, and at the end nothing of either
# is left. A lock shared by projects that failed instead of waiting, or
# one that two commands took in opposite orders, fails or hangs here.
#
# "Works" is a ping from the first container to the last, not pingall:
# the neighbour table is the machine's, and two pingalls of 30 make 1800
# entries, beyond the kernel's default limit (the `scale` suite's subject).
. "$NC_SRC/tests/lib/lib.sh"

N=${NC_PROJECTS_N:-30}
gen() { # PROJECT SUBNET-BYTE
	{
		echo "name: $1"
		echo "networks:"
		echo "  net: {ipam: {config: [{subnet: 10.$2.0.0/16}]}}"
		echo "services:"
		for i in $(seq "$N"); do
			echo "  c$i: {command: [sleep, infinity], networks: [net]}"
		done
	} >"/tmp/$1.yaml"
}
gen pa 71
gen pb 72
trap 'nc -p pa down >/dev/null 2>&1; nc -p pb down >/dev/null 2>&1' EXIT

# Both commands run in the background; each one's status is kept.
both() { # "CMD-A" "CMD-B": run at once; sets ra and rb
	eval "$1" >/tmp/out-a 2>&1 & local a=$!
	eval "$2" >/tmp/out-b 2>&1 & local b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
}
running() { nc -p "$1" ps -q 2>/dev/null | wc -l; }
# Addresses go in file order from the lowest free one (.1 is the gateway):
# the last container has .N+1.
works() { # PROJECT SUBNET-BYTE
	in_ns "$1-c1" ping -c1 -W5 "10.$2.0.$((N + 1))"
}

both "nc -f /tmp/pa.yaml up -d" "nc -f /tmp/pb.yaml up -d"
check_eq "up -d of project pa, at the same time as pb" "$ra" 0
check_eq "up -d of project pb, at the same time as pa" "$rb" 0
[ "$ra$rb" = 00 ] || sed 's/^/# /' /tmp/out-a /tmp/out-b
check_eq "pa runs its $N containers" "$(running pa)" "$N"
check_eq "pb runs its $N containers" "$(running pb)" "$N"
check "pa's first container reaches its last" works pa 71
check "pb's first container reaches its last" works pb 72

# Interleaved: one comes up while the other goes down.
check "down pa" nc -p pa down
both "nc -f /tmp/pa.yaml up -d" "nc -p pb down"
check_eq "up -d of pa while pb goes down" "$ra" 0
check_eq "down of pb while pa comes up" "$rb" 0
check_eq "pa runs its $N containers" "$(running pa)" "$N"
check "pa works" works pa 71
check_clean pb

both "nc -p pa down" "nc -f /tmp/pb.yaml up -d"
check_eq "down of pa while pb comes up" "$ra" 0
check_eq "up -d of pb while pa goes down" "$rb" 0
check_clean pa
check_eq "pb runs its $N containers" "$(running pb)" "$N"
check "pb works" works pb 72

# Both up again, then both down at once.
check "up -d pa again" nc -f /tmp/pa.yaml up -d
both "nc -p pa down" "nc -p pb down"
check_eq "down of pa, at the same time as pb" "$ra" 0
check_eq "down of pb, at the same time as pa" "$rb" 0
check_clean pa
check_clean pb
finish
