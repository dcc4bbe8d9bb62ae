#!/bin/bash
# The image store: zstd layers (a local OCI layout and a pull), and
# `images`, `rmi` and `image prune`, which never remove what a container
# uses.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
command -v zstd >/dev/null || skip_all "zstd is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/images-test.XXXXXX)
"$NC_SRC/tests/lib/mkrootfs" "$work/rootfs" >/dev/null
export IMG_ZSTD=$work/zimg
"$NC_SRC/tests/lib/mkimage" ocizstd "$work/rootfs" "$IMG_ZSTD"
cp "$NC_SRC/tests/integration/labs/images/compose.yaml" "$work/compose.yaml"
ip link set lo up
srv=
trap 'nc -f "$work/compose.yaml" down >/dev/null 2>&1; [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT
lab() { nc -f "$work/compose.yaml" "$@"; }
"$NC_SRC/tests/lib/fakeregistry" "$IMG_ZSTD" 5302 &
srv=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/5302) 2>/dev/null && break; sleep 0.05; done

# --- zstd layers
zlayers=$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json"))["manifests"][0]["digest"][7:]; m=json.load(open(d+"/blobs/sha256/"+i)); print(" ".join(l["mediaType"] for l in m["layers"]))' "$IMG_ZSTD")
check_eq "control: the layout's layers are zstd by media type" "$zlayers" \
	"application/vnd.oci.image.layer.v1.tar+zstd application/vnd.oci.image.layer.v1.tar+zstd"
first=$(find "$IMG_ZSTD/blobs/sha256" -size +100k | head -1)
check_eq "... and by their bytes" "$(head -c4 "$first" | od -An -tx1 | tr -d ' ')" "28b52ffd"
check "up -d: a zstd layout and the same image pulled" lab up -d
check_eq "the zstd layout is the container's root" "$(lab exec local cat /etc/layer2 2>&1)" "second layer"
check_fails "... with the second layer's whiteouts applied" lab exec local test -e /etc/gone
check_eq "... and its opaque directory" "$(lab exec local ls /opt 2>&1)" "new"
check_eq "the pulled zstd image too" "$(lab exec pulled cat /etc/layer2 2>&1)" "second layer"

# --- images, rmi, image prune while the lab runs
ref=127.0.0.1:5302/test/img:1
refdir=$(ls -d /var/lib/ncompose/registry/refs/*/ | head -1)
out=$(nc images)
check_match "images lists the pulled image, used by its container" "$out" "^$ref +[0-9a-f]{12} +[0-9.]+[kM]?B +imglab/pulled$"
check_match "... and the local layout's copy, untagged, used by its own" "$out" '^<none> +[0-9a-f]{12} +[0-9.]+[kM]?B +imglab/local$'
check_match "images --format json" "$(nc images --format json)" "\"Repository\":\"$ref\",\"Size\":[0-9]+,\"Unpacked\":true,\"UsedBy\":\\[\"imglab/pulled\"\\]"
out=$(nc rmi "$ref" 2>&1); rc=$?
check_eq "rmi of the image a running container uses fails (exit 1)" "$rc" "1"
check_match "... naming the container" "$out" "image $ref is used by container imglab/pulled"
check "... its layout is still in the store" test -f "$refdir/index.json"
check_eq "... and the container keeps working" "$(lab exec pulled cat /etc/layer2 2>&1)" "second layer"
out=$(nc image prune -a -f 2>&1)
check "image prune -a while the lab runs" test $? -eq 0
check_match "... removes nothing in use" "$out" '^Total reclaimed space: 0B$'
check_eq "... both containers still read their roots" "$(lab exec local cat /etc/layer2; lab exec pulled cat /etc/layer2)" "second layer
second layer"
check "stop pulled" lab stop pulled
out=$(nc rmi "$ref" 2>&1); rc=$?
check_eq "rmi of the image a stopped container uses fails too" "$rc" "1"
check_match "... naming it" "$out" 'imglab/pulled'
# A container made by an ncompose that did not name its store paths yet
# is still known by the image its record names.
check "control: the container names its store paths" test -s /run/ncompose/imglab/containers/pulled/image-store
rm /run/ncompose/imglab/containers/pulled/image-store
out=$(nc rmi "$ref" 2>&1); rc=$?
check_eq "rmi of the image a container's record alone names fails too" "$rc" "1"
check_match "... naming it" "$out" 'imglab/pulled'
out=$(nc rmi nosuch/image:9 2>&1); rc=$?
check_eq "rmi of an image that is not stored: exit 1" "$rc" "1"
check_match "... saying so" "$out" 'no such image in the store'

# A prune waits for an up or a pull that holds the store lock (shared).
lockf=/var/lib/ncompose/images/.lock
check "control: the store lock exists" test -f "$lockf"
exec 9<"$lockf"
flock -s 9
timeout 2 "$NCOMPOSE" image prune -a -f >/dev/null 2>&1; rc=$?
check_eq "image prune waits while an up or pull holds the store lock" "$rc" "124"
exec 9<&-
check "... and runs once it is free" nc image prune -f

check "down" lab down
check_clean imglab
out=$(nc images)
check_match "after down the images are unused" "$out" "^$ref +[0-9a-f]{12} +[0-9.]+[kM]?B +-$"
out=$("$NC_SRC/tests/lib/ptydrive" --type 'n\n' -- "$NCOMPOSE" image prune 2>&1)
check_match "on a terminal, image prune asks first" "$out" 'Are you sure\? \[y/N\]'
check_match "... and answered no, removes nothing" "$(nc images)" '^<none> '
out=$(nc image prune -f 2>&1)
check_match "image prune (no -a) removes the unused untagged copy" "$out" '^Deleted: [0-9a-f]{12} '
# Bytes, not kilobytes: its layers stay, the pulled image stacks the same.
check_match "... and says what it reclaimed" "$out" '^Total reclaimed space: [0-9.]+[kM]?B$'
check_match "... but keeps the pulled (tagged) image" "$(nc images)" "^$ref "
check_eq "... whose unpacked copy is all that is left in images/" "$(ls /var/lib/ncompose/images | grep -Evc '^(layers|l)$|\.config\.json$')" "1"
out=$(nc rmi "$ref" 2>&1)
check "after down, rmi succeeds" test $? -eq 0
check_match "... saying what it deleted" "$out" "^Deleted: $ref "
check_fails "... its layout is gone from the store" test -e "$refdir"
check_eq "... and so are its blobs, its store entry and its layers" \
	"$(ls /var/lib/ncompose/registry/blobs/sha256 | wc -l) $(ls /var/lib/ncompose/images | grep -Evc '^(layers|l)$') $(ls /var/lib/ncompose/images/layers /var/lib/ncompose/images/l | grep -c '^[0-9a-f]')" "0 0 0"
check_eq "... images lists nothing" "$(nc images -q)" ""
check "up again pulls and unpacks what was removed" lab up -d
check_eq "... and runs it" "$(lab exec pulled cat /etc/layer2 2>&1)" "second layer"
check "down" lab down
finish
