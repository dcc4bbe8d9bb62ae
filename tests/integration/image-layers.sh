#!/bin/bash
# The per-layer image store: each layer unpacked once and shared, a
# container's root an overlayfs stack of its image's layers (120 of them
# too), overlayfs's own whiteouts, writable layers on disk, and the GC of
# layers no image lists.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/layers-test.XXXXXX)
"$NC_SRC/tests/lib/mkrootfs" "$work/rootfs" >/dev/null
export IMG_DEEP=$work/deep IMG_A=$work/a IMG_B=$work/b
"$NC_SRC/tests/lib/mkimage" deep 120 "$work/rootfs" "$IMG_DEEP"
"$NC_SRC/tests/lib/mkimage" top a "$work/rootfs" "$IMG_A"
"$NC_SRC/tests/lib/mkimage" top b "$work/rootfs" "$IMG_B"
cp "$NC_SRC/tests/integration/labs/layers/compose.yaml" "$work/compose.yaml"
trap 'nc -f "$work/compose.yaml" down >/dev/null 2>&1; rm -rf "$work"' EXIT
lab() { nc -f "$work/compose.yaml" "$@"; }
store=/var/lib/ncompose/images
nlayers() { find "$store/layers" -mindepth 1 -maxdepth 1 -type d ! -name '.tmp-*' 2>/dev/null | wc -l; }

out=$(lab up -d 2>&1); rc=$?
check_eq "up -d: a 120-layer image and two sharing their base" "$rc" "0"
if [ "$rc" != 0 ]; then printf '%s\n' "$out" | sed 's/^/#   up: /'; fi
check_eq "the 120-layer image runs, its top layer's file seen" "$(lab exec deep cat /layers/120 2>&1)" "layer 120"
check_eq "... and one from a middle layer" "$(lab exec deep cat /layers/60 2>&1)" "layer 60"
check_eq "... and the base layer's busybox" "$(lab exec deep cat /etc/hostname >/dev/null 2>&1; echo $?)" "0"
check_fails "... a whiteout 119 layers up hides the base's file" lab exec deep test -e /etc/gone
check_eq "... an opaque directory hides the base's contents" "$(lab exec deep ls /opt 2>&1)" "last"
check_eq "a volume at /etc is seeded from every layer: the base's files" \
	"$(lab exec seeded awk '$2 == "/etc" {print "volume"}' /proc/mounts; lab exec seeded cat /etc/passwd >/dev/null 2>&1; echo $?)" "volume
0"
# (hosts, hostname and resolv.conf included: ncompose binds them after the
# volumes, as Docker does, so a volume over /etc shows them too)
check_eq "... the same entries the image shows there" "$(lab exec seeded ls -a /etc 2>&1)" \
	"$(lab exec deep ls -a /etc 2>&1)"
check_fails "... the whiteout applied" lab exec seeded test -e /etc/gone
check_eq "a volume behind an opaque directory gets only what it shows" "$(lab exec seeded ls /opt 2>&1)" "last"
check_eq "the root is an overlay" "$(lab exec deep awk '$2 == "/" {print $3}' /proc/mounts 2>&1)" "overlay"
check_eq "a and b read their own top layers" "$(lab exec a cat /etc/top; lab exec b cat /etc/top)" "a
b"
if printf '%s\n' "$out" | grep -q 'cannot be idmapped'; then
	echo "# the store's filesystem cannot be idmapped here: b's files show as nobody's"
else
	check_eq "b (userns_mode: auto, every layer idmapped) sees the base's files as root's" \
		"$(lab exec b stat -c %u /bin/busybox 2>&1)" "0"
fi
# Layer 1 is shared by all three images: 1 + 119 + 1 + 1.
check_eq "each layer is stored once: 122 layers for 3 images of 124" "$(nlayers)" "122"
check_eq "three store entries" "$(ls "$store" | grep -Evc '^(layers|l)$|\.config\.json$')" "3"
top=$(tail -1 "$(ls -d "$store"/oci-*/ | while read -r e; do [ "$(wc -l <"$e/.ncompose-layers")" = 120 ] && echo "$e"; done)/.ncompose-layers")
check_eq "a whiteout is overlayfs's: a character device 0/0" "$(stat -c '%F %t:%T' "$store/layers/$top/etc/gone")" "character special file 0:0"
check_eq "an opaque directory is overlayfs's: trusted.overlay.opaque=y" \
	"$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$store/layers/$top/opt")" "y"
check_fails "... and no .wh. file is kept" test -e "$store/layers/$top/etc/.wh.gone"
check "a writable layer is on disk, under /var/lib/ncompose" test -d /var/lib/ncompose/containers/layerlab/a/layer
lab exec a sh -c 'echo written > /etc/top'
check_eq "a write goes to the container's writable layer" "$(cat /var/lib/ncompose/containers/layerlab/a/layer/etc/top)" "written"
check_eq "... never to the shared layer b reads" "$(lab exec b cat /etc/top)" "b"

out=$(nc image prune -a -f 2>&1)
check_match "image prune -a while the lab runs removes nothing" "$out" '^Total reclaimed space: 0B$'
check_eq "... every layer stays" "$(nlayers)" "122"

check "down" lab down
check_clean layerlab
check_fails "down removes the writable layers" test -e /var/lib/ncompose/containers/layerlab/a
check "up -d b alone" lab up -d b
out=$(nc image prune -a -f 2>&1)
check_match "image prune -a with b running removes the two others" "$out" '^Total reclaimed space: [0-9.]+[kM]B$'
check_eq "... and their layers, keeping the base b shares and b's top" "$(nlayers)" "2"
check_eq "... short names go with them" "$(ls "$store/l" | wc -l)" "2"
check_eq "b still runs on the shared base" "$(lab exec b cat /etc/hostname >/dev/null 2>&1; echo $?; lab exec b cat /etc/top)" "0
b"
check "down" lab down
check "image prune -a after down" nc image prune -a -f
check_eq "... leaves no layer" "$(nlayers)" "0"

# Crash safety: a half-unpacked layer (a .tmp- directory) is never used,
# and two ups unpacking the same layers at once both succeed.
mkdir -p "$store/layers/.tmp-crash"
( lab up -d a >/dev/null 2>&1; echo "a $?" >"$work/ra" ) &
( nc -f "$work/compose.yaml" -p layerlab2 up -d a >/dev/null 2>&1; echo "a $?" >"$work/rb" ) &
wait
check_eq "two ups unpacking the same layers at once both succeed" "$(cat "$work/ra" "$work/rb")" "a 0
a 0"
check_eq "... each layer stored once" "$(nlayers)" "2"
check_eq "... and both run" "$(lab exec a cat /etc/top; nc -f "$work/compose.yaml" -p layerlab2 exec a cat /etc/top)" "a
a"
nc -f "$work/compose.yaml" -p layerlab2 down >/dev/null 2>&1
check "down" lab down
finish
