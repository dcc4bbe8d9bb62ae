#!/bin/bash
# Registry images end to end: `pull`, `up` pulling what is missing, the
# pulled image as the container's root, pull_policy, and a registry that
# sends a blob other than the one its manifest names.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/pull-test.XXXXXX)
"$NC_SRC/tests/lib/mkrootfs" "$work/rootfs" >/dev/null
"$NC_SRC/tests/lib/mkimage" oci "$work/rootfs" "$work/img"
cp "$NC_SRC/tests/integration/labs/pull/compose.yaml" "$work/compose.yaml"
ip link set lo up
srv=
serve() { # PORT ARGS...
	"$NC_SRC/tests/lib/fakeregistry" "$work/img" "$@" &
	srv=$!
	for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.05; done
}
trap 'nc -f "$work/compose.yaml" down >/dev/null 2>&1; [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT
lab() { nc -f "$work/compose.yaml" "$@"; }

check "config accepts registry images and pull_policy" lab config -q
out=$(lab up -d web2 2>&1)
check "pull_policy: never and nothing pulled: up refuses" test $? -ne 0
check_match "... naming the image and what to do" "$out" 'not pulled.*ncompose pull web2'
check_eq "... and nothing was created" "$(leftovers pulllab)" ""

serve 5301
check "pull" lab pull -q
check "the blobs are in the store" test -n "$(ls /var/lib/ncompose/registry/blobs/sha256)"
check "up -d" lab up -d
check_eq "the pulled image is the container's root" "$(lab exec web cat /etc/layer2 2>&1)" "second layer"
check_fails "... with its whiteouts applied" lab exec web test -e /etc/gone
check_eq "web2 (pull_policy: never) runs the image pulled before" "$(lab exec web2 cat /etc/layer2 2>&1)" "second layer"
check_match "a second up with nothing changed keeps both" "$(lab up -d 2>&1)" "0 created, 0 recreated, 2 unchanged"
# The registry now serves another image under the same tag.
kill $srv; wait $srv 2>/dev/null; srv=
echo v2 >"$work/rootfs/etc/v2"
rm -rf "$work/img" && "$NC_SRC/tests/lib/mkimage" oci "$work/rootfs" "$work/img"
serve 5301
check_match "control: up does not pull an image it has (pull_policy: missing), nothing changes" \
	"$(lab up -d 2>&1)" "0 created, 0 recreated, 2 unchanged"
out=$("$NC_SRC/tests/lib/ptydrive" -- "$NCOMPOSE" -f "$work/compose.yaml" pull 2>&1)
check "pull brings the new image" test $? -eq 0
check_match "... on a terminal, under the image's name" "$out" 'pulling 127\.0\.0\.1:5301/test/img:1'
check_match "... a line per layer it fetches, with its bytes" "$out" '  [0-9a-f]{12}  done [0-9.]+ MB'
check_match "... then the image's line" "$out" 'pulled 127\.0\.0\.1:5301/test/img:1 \(sha256:[0-9a-f]{64}\)'
check_match "up after the pull recreates the services of the changed image" "$(lab up -d 2>&1)" \
	"0 created, 2 recreated, 0 unchanged"
check "... which run the new image" lab exec web test -e /etc/v2
out=$(lab pull 2>&1)
check "pull of the same image again" test $? -eq 0
check_eq "... off a terminal, one line per image" "$(wc -l <<<"$out")" 1
check_fails "... with no terminal codes" grep -q $'\033' <<<"$out"
check_match "... changes nothing" "$(lab up -d 2>&1)" "0 created, 0 recreated, 2 unchanged"
# Another service's change recreates it alone: the supervisor compares a
# pulled image's stamp as up recorded it.
python3 - "$work/compose.yaml" "$work/changed.yaml" <<'P'
import sys
t = open(sys.argv[1]).read().replace("    pull_policy: never\n", "    pull_policy: never\n    environment: {CHANGED: '1'}\n")
open(sys.argv[2], "w").write(t)
P
check_match "a change to web2 alone recreates web2 alone" "$(nc -f "$work/changed.yaml" up -d 2>&1)" \
	"0 created, 1 recreated, 1 unchanged"
check "down" lab down
check_clean pulllab
kill $srv; wait $srv 2>/dev/null; srv=

# `image prune -a` from another terminal while an up has pulled its image
# but not yet started the container that uses it: the prune waits for the
# up. `gate` becomes healthy only once the test says so, and `late`, with
# the registry image, starts after it.
cat >"$work/race.yaml" <<Y
name: racelab
services:
  gate:
    command: sleep infinity
    volumes: [$work/gate:/gate]
    healthcheck: {test: [CMD, test, -e, /gate/open], interval: 1s, retries: 600}
  late:
    image: 127.0.0.1:5301/test/img:1
    command: sleep infinity
    depends_on: {gate: {condition: service_healthy}}
Y
mkdir "$work/gate"
race_prune() { # prints what the prune did within 3 s, or "waited"
	timeout 3 "$NCOMPOSE" image prune -a -f >/dev/null 2>&1
	[ $? = 124 ] && echo waited || echo done
}
rm -rf /var/lib/ncompose/registry
serve 5301
nc -f "$work/race.yaml" up -d >"$work/race.out" 2>&1 &
upid=$!
for _ in $(seq 200); do [ -d /var/lib/ncompose/registry/blobs ] && nc -f "$work/race.yaml" ps 2>/dev/null | grep -q gate && break; sleep 0.05; done
sleep 1
check_eq "image prune -a waits while an up has pulled an image it has not started yet" "$(race_prune)" waited
touch "$work/gate/open"
wait $upid; rc=$?; [ $rc = 0 ] || sed "s/^/# up: /" "$work/race.out"; (exit $rc)
check "... and that up starts the container with its image" test $? -eq 0
check_eq "... which runs the pulled image" "$(nc -f "$work/race.yaml" exec late cat /etc/layer2 2>&1)" "second layer"
check_eq "once up has returned, image prune -a no longer waits, though the lab runs" "$(race_prune)" done
check_eq "... and it keeps the image the lab uses" "$(nc -f "$work/race.yaml" exec late cat /etc/layer2 2>&1)" "second layer"
check "down" nc -f "$work/race.yaml" down
# Control: with nothing running, the same prune runs at once and takes it.
check_eq "control: with no up under way, image prune -a does not wait" "$(race_prune)" done
check_fails "... and removes the pulled image" test -n "$(nc images -q 2>/dev/null)"
kill $srv; wait $srv 2>/dev/null; srv=

# A registry that tampers with a layer: pull refuses it, keeps nothing of it.
layer=$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json"))["manifests"][0]["digest"][7:]; m=json.load(open(d+"/blobs/sha256/"+i)); print(m["layers"][0]["digest"])' "$work/img")
rm -rf /var/lib/ncompose/registry
serve 5301 --tamper "$layer"
out=$(lab pull 2>&1)
check "a tampered layer fails the pull" test $? -ne 0
check_match "... saying it does not match its digest" "$out" 'does not match its digest'
check_fails "... and it is not in the store" test -e "/var/lib/ncompose/registry/blobs/sha256/${layer#sha256:}"
check "control: the registry really sends bytes that differ from the digest" test "sha256:$(curl -s "http://127.0.0.1:5301/v2/test/img/blobs/$layer" | sha256sum | cut -d' ' -f1)" != "$layer"
out=$(lab up -d 2>&1)
check "up pulls what is missing, and refuses the tampered layer too" test $? -ne 0
check_eq "... leaving nothing" "$(leftovers pulllab)" ""
finish
