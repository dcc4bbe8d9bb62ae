#!/bin/bash
# A filesystem image file as a container's root (`image: ./root.ext4`):
# loop-mounted read-only under each container's writable layer, shared by
# two containers, never written; its loop device's I/O in `stats`; gone
# with `down`.
. "$NC_SRC/tests/lib/lib.sh"

command -v mkfs.ext4 >/dev/null || skip_all "no mkfs.ext4 (e2fsprogs) to make an image file"
[ -e /dev/loop-control ] || skip_all "no /dev/loop-control (the loop driver)"

work=$(mktemp -d /var/lib/ncompose/imagefile-test.XXXXXX)
trap 'nc -p imgf down >/dev/null 2>&1; rm -rf "$work"' EXIT
"$NC_SRC/tests/lib/mkrootfs" "$work/rootfs"
echo "from the image file" >"$work/rootfs/etc/motd"
# A user of the image's own (the host has no such name): `user: labuser`
# must resolve from the image file's /etc/passwd.
echo 'labuser:x:4321:4322:lab:/home/labuser:/bin/sh' >>"$work/rootfs/etc/passwd"
echo 'labgroup:x:4322:' >>"$work/rootfs/etc/group"
echo 'labextra:x:4323:labuser' >>"$work/rootfs/etc/group"
head -c 4194304 /dev/urandom >"$work/rootfs/big"
# Named as a tarball on purpose: the content decides, not the name.
img=$work/root.tar
mkfs.ext4 -q -d "$work/rootfs" "$img" 32M
cat >"$work/compose.yaml" <<'Y'
name: imgf
services:
  a:
    image: ./root.tar
    command: sleep 1000
  b:
    image: ./root.tar
    command: sleep 1000
  u:
    image: ./root.tar
    user: labuser
    command: ["sh", "-c", "id > /tmp/id; exec sleep 1000"]
Y
sum_before=$(sha256sum <"$img")
x() { nc -p imgf exec "$@"; }

check "up -d with an ext4 image file as image" nc -f "$work/compose.yaml" up -d
check_eq "the root is the image file's filesystem" "$(x a cat /etc/motd)" "from the image file"
check_eq "busybox from it runs" "$(x a busybox echo ok)" "ok"
check_fails "control: the host has no user labuser" grep -q '^labuser:' /etc/passwd
check_match "user: labuser runs as the image's labuser (its passwd, group and memberships)" \
	"$(x u cat /tmp/id)" '^uid=4321.* gid=4322.* groups=.*4323'
check_match "... and exec runs as it too" "$(x u id -u)" '^4321$'
dev=$(losetup -n -O NAME -j "$img" | head -1 | tr -d ' ')
check_match "the image file's loop device" "$dev" '^/dev/loop[0-9]+$'
check_eq "... is mounted nowhere here (the user lookup's mount was attached nowhere)" "$(findmnt -n -S "$dev")" ""

check_match "the root is an overlay (the file its lower layer)" "$(x a grep ' / ' /proc/mounts)" '^overlay / overlay '
check_eq "the image file is not mounted in the host's mount table" "$(grep -c "$work" /proc/self/mountinfo)" "0"
check "a write inside works" x a sh -c 'echo mine >/etc/motd && rm /big'
check_eq "... a reads its own write" "$(x a cat /etc/motd)" "mine"
check_eq "... b, on the same file, does not see it" "$(x b cat /etc/motd)" "from the image file"
check_eq "one loop device backs the file, read-only, for both containers" \
	"$(losetup -n -O RO -j "$img" | tr -d ' ' | sort | uniq -c | tr -s ' ')" " 1 1"
# Byte counts of b's loop I/O: "LOOP_READ BLOCK_READ".
loop_read() {
	nc -p imgf stats --no-stream --format json b | python3 -c \
		'import json,sys; s=json.load(sys.stdin)[0]; print(s["loop_read_bytes"], s["block_read_bytes"])'
}
before=$(loop_read)
check_match "stats: b has loop and block read bytes" "$before" '^[0-9]+ [0-9]+$'
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
check "exec cat of a 4 MiB file in it" sh -c "'$NCOMPOSE' -p imgf exec b cat /big >/dev/null"
after=$(loop_read)
lr0=${before% *} lr=${after% *} br=${after#* }
check "... stats: b's loop read bytes grew by at least 4 MiB ($lr0 -> $lr)" test "$((${lr:-0} - ${lr0:-0}))" -ge 4194304
check "... and block_read_bytes counts them ($br)" test "${br:-0}" -ge "${lr:-0}"
check_match "stats table shows block I/O" "$(nc -p imgf stats --no-stream b)" 'MiB'

check "down" nc -p imgf down
check_eq "no loop device is left on the image file" "$(losetup -j "$img" | wc -l)" "0"
check_eq "the image file was never written (sha256 before and after)" "$(sha256sum <"$img")" "$sum_before"
check_clean imgf

# A file with no ext4 magic is still a tarball: a rootfs .tar.gz.
"$NC_SRC/tests/lib/mkrootfs" "$work/root.tar.gz"
sed -i -e 's|./root.tar$|./root.tar.gz|' -e '/^  u:$/,$d' "$work/compose.yaml"
check "control: a tarball still works as image" nc -f "$work/compose.yaml" up -d
check_eq "... as before" "$(x a cat /etc/motd)" "ncompose test rootfs"
check "down" nc -p imgf down
check_clean imgf
finish
