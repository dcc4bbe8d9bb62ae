#!/bin/bash
# Lifecycle that never leaks: a fault injected at every kernel-object step
# of `up` rolls back to nothing; `up -d` killed at random instants leaves
# only what `down` removes; a killed supervisor; a second `up` of the same
# file changes nothing; two
# projects side by side.
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/two-nets.yaml
trap 'nc -p twonets down >/dev/null 2>&1; nc -p twonets2 down >/dev/null 2>&1' EXIT

# Walk K over every step until `up` succeeds.
k=1
while :; do
	out=$(NCOMPOSE_FAULT_AT=$k nc -f "$lab" up -d 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		check "with the fault past the last step ($k), up succeeds" true
		break
	fi
	check_match "fault at step $k: up fails with the injected fault and exit 1" "$out rc=$rc" \
		"injected fault at step $k.*rc=1$"
	check_eq "fault at step $k: nothing is left" "$(leftovers twonets)" ""
	k=$((k + 1))
	[ $k -gt 60 ] && { check "fault injection ends" false; break; }
done
check "the lab runs" nc -p twonets exec a true
check "down" nc -p twonets down
check_clean twonets

# Kill `up -d` at random instants.
for round in $(seq 1 20); do
	# The binary itself, not the `nc` function: $! must be ncompose's pid.
	"$NCOMPOSE" -f "$lab" up -d >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 400)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	down_out=$(nc -v -p twonets down 2>&1)
	left=$(leftovers twonets)
	if [ -n "$left" ]; then
		check_eq "round $round: nothing left after down" "$left" ""
		printf '#   down said: %s\n' "$(echo "$down_out" | grep -v '^stop\|^delete\|^remove' | tail -5)"
		break
	fi
done
check_clean twonets

# down while an up is still at work: it waits for the bring-up, then
# removes the project.
# The journal is written only under the project's lock: once it exists,
# the up is at work (a fixed sleep let a slow build's down run first).
"$NCOMPOSE" -f "$lab" up -d >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1000); do
	[ -e /run/ncompose/twonets/journal ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.01
done
check "up holds the project when down starts" test -e /run/ncompose/twonets/journal
check "down while up is still at work" nc -p twonets down
wait $pid
check_clean twonets

# The supervisor killed while containers run: down still removes all.
check "up -d" nc -f "$lab" up -d
sup=$(awk '$1 == "pid" {print $2}' /run/ncompose/twonets/supervisor)
check "the supervisor runs in its own cgroup" grep -q "/ncompose/twonets/_supervisor" /proc/$sup/cgroup
check "the supervisor is the parent of the containers' inits" \
	test "$(awk '{print $4}' /proc/$(nc -p twonets ps --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')/stat)" = "$sup"
check "a second up of the same file changes nothing" nc -f "$lab" up -d
check_eq "... and says so" "$(nc -f "$lab" up -d 2>/dev/null)" "twonets: 0 created, 0 recreated, 3 unchanged"
check "... and the first is untouched" nc -p twonets exec a true
kill -9 "$sup"
sleep 0.2
check "the containers outlive their supervisor" nc -p twonets exec a true
check "down after the supervisor was killed" nc -p twonets down
check_clean twonets

# Two projects brought up at once.
sed 's/^name: twonets/name: twonets2/; s/10\.31\./10.32./g' "$lab" >/tmp/twonets2.yaml
"$NCOMPOSE" -f "$lab" up -d >/tmp/up1.log 2>&1 & p1=$!
"$NCOMPOSE" -f /tmp/twonets2.yaml up -d >/tmp/up2.log 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "two projects up in parallel: both succeed" "$r1 $r2" "0 0"
check "project 1 works" nc -p twonets exec gw ping -c1 -W2 10.31.1.3
check "project 2 works" nc -p twonets2 exec gw ping -c1 -W2 10.32.1.3
# NCOMPOSE_TIMINGS=1: the table of steps (figures never compared).
out=$(NCOMPOSE_TIMINGS=1 nc -p twonets down 2>&1)
check_eq "down 1" "$?" 0
check_match "NCOMPOSE_TIMINGS=1: down prints its steps" "$(printf '%s' "$out" | tr '\n' ' ')" \
	'down \(ms\):.*supervisor stops the containers +[0-9.]+  1.*remove cgroups +[0-9.]+  1.*wall clock'
out=$(nc -p twonets2 down 2>&1)
check_eq "down 2" "$?" 0
check_eq "without it, down prints no table" "$(printf '%s' "$out" | grep -c '(ms):')" 0
check_clean twonets
check_clean twonets2

# down with no state directory: found by the labels.
out=$(NCOMPOSE_TIMINGS=1 nc -f "$lab" up -d 2>&1)
check_eq "up -d" "$?" 0
check_match "NCOMPOSE_TIMINGS=1: up -d prints its steps" "$(printf '%s' "$out" | tr '\n' ' ')" \
	'up \(ms\):.*wire the containers.*supervisor: spawn the process +[0-9.]+  3.*wall clock'
sup=$(awk '$1 == "pid" {print $2}' /run/ncompose/twonets/supervisor)
kill -9 "$sup"; sleep 0.2
rm -rf /run/ncompose/twonets
check "down without a state directory" nc -p twonets down
check_clean twonets

# Attached up: output with the service in front; Ctrl-C stops and removes,
# a second Ctrl-C kills what ignores the first.
"$NCOMPOSE" up "$NC_SRC/tests/integration/labs/attached.yaml" >/tmp/att.out 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'quick-up' /tmp/att.out 2>/dev/null && break; sleep 0.1; done
check_match "attached up prints each container's output with its name" "$(cat /tmp/att.out)" '^quick +\| quick-up$'
kill -INT $pid
sleep 1
check "after one Ctrl-C it is still stopping (stubborn has 30 s of grace)" kill -0 $pid
t0=$(date +%s%N)
kill -INT $pid
wait $pid
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "a second Ctrl-C kills what is left at once ($ms ms)" test "$ms" -lt 3000
check_match "... and says so" "$(cat /tmp/att.out)" 'Killing att'
check_clean att

# A container that exits non-zero right after it started fails `up -d`
# (exit 1), with its last lines; nothing is left. The control: the same
# file without it is up, with a one-shot that ended with 0.
exits=$NC_SRC/tests/integration/labs/exits.yaml
trap 'nc -p exits down >/dev/null 2>&1' EXIT
out=$(nc -f "$exits" up -d 2>&1)
check_eq "up -d with a container that exits 3 at once: exit 1" "$?" "1"
check_match "... naming it and its code" "$out" "service \`broken\` exited with code 3 while the project was coming up"
check_match "... with its last lines" "$out" "broken: no such option --frobnicate"
check_clean exits
out=$(nc -f "$exits" up -d stays done 2>&1)
check_eq "control: without it, up -d succeeds (a one-shot ending with 0 counts as up)" "$?" "0"
check "... and the lab runs" nc -p exits exec stays true
check "down" nc -p exits down
check_clean exits

finish
