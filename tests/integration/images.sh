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
check "down" lab down
check_clean imglab
finish
