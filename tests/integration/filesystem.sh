#!/bin/bash
# Root filesystems and mounts: images (a directory and a tarball) stacked
# with overlayfs, read_only, named/anonymous volumes, binds, tmpfs, loop
# volumes, mount points missing from the host's root, privileged.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/fs-test.XXXXXX)
export FS_ROOTFS=$work/rootfs FS_ROOTFS_TAR=$work/rootfs.tar.gz FS_DISK=$work/disk.img FS_HOSTDIR=$work/hostdir
"$NC_SRC/tests/lib/mkrootfs" "$FS_ROOTFS"
"$NC_SRC/tests/lib/mkrootfs" "$FS_ROOTFS_TAR"
export FS_SECRET=s3cr3t
export FS_DOCKER=$work/docker.tar FS_OCI=$work/oci FS_OCITAR=$work/oci.tar
"$NC_SRC/tests/lib/mkimage" docker "$FS_ROOTFS" "$FS_DOCKER"
"$NC_SRC/tests/lib/mkimage" oci "$FS_ROOTFS" "$FS_OCI"
"$NC_SRC/tests/lib/mkimage" ocitar "$FS_ROOTFS" "$FS_OCITAR"
mkdir -p "$FS_HOSTDIR" && echo from-host >"$FS_HOSTDIR/file"
cp "$NC_SRC/tests/integration/labs/container/fs.yaml" "$work/compose.yaml"
lab=$work/compose.yaml
trap 'nc -p ctrfs down -v >/dev/null 2>&1; rm -rf "$work"' EXIT
x() { nc -p ctrfs exec "$@"; }

check "up -d" nc -f "$lab" up -d

# --- images
check_eq "an image directory is the root" "$(x img cat /etc/motd)" "ncompose test rootfs"
check_eq "a rootfs tarball too" "$(x tarimg cat /etc/motd)" "ncompose test rootfs"
check_match "the tarball was unpacked once into the content store" "$(ls /var/lib/ncompose/images)" '^[0-9a-f]{64}$'
check_match "the image root is an overlay" "$(x img grep ' / ' /proc/mounts)" '^overlay / overlay '
check "a write to the image root works" x img sh -c 'echo mine >/etc/motd-copy'
check_fails "... is invisible to another container of the same image" x img2 cat /etc/motd-copy
check_fails "... and never reaches the image directory" test -e "$FS_ROOTFS/etc/motd-copy"
check "... it lands in the writable layer on disk, under /var/lib/ncompose (not /run)" \
	test -f /var/lib/ncompose/containers/ctrfs/img/layer/etc/motd-copy
check_eq "... and nothing of it is under the state directory in /run" "$(find /run/ncompose/ctrfs -name motd-copy | wc -l)" "0"
check_match "/etc/hosts is still ours in an image (it names the other containers)" "$(x img cat /etc/hosts)" '[[:space:]]img2([[:space:]]|$)'
check_eq "hostname" "$(x img hostname)" "img"
check_eq "domainname" "$(x img cat /proc/sys/kernel/domainname)" "lab.example"
check_fails "read_only: true keeps an image read-only" x tarimg touch /x
check "... with /tmp still writable" x tarimg touch /tmp/x

# --- image archives: two layers, the second with whiteouts
for svc in dimg oimg otar; do
	check_eq "$svc: a layered image is the root (layer 2's file)" "$(x $svc cat /etc/layer2)" "second layer"
	check_eq "$svc: ... layer 1 underneath" "$(x $svc cat /etc/motd)" "ncompose test rootfs"
	check_fails "$svc: ... a whiteout deleted a file of layer 1" x $svc test -e /etc/gone
	check_eq "$svc: ... an opaque directory hides layer 1's contents" "$(x $svc ls /opt)" "new"
done
check_eq "each archive unpacked once into the store" "$(ls /var/lib/ncompose/images | grep -Evc '^(layers|l)$|\.config\.json$')" "4"

# --- volumes
check "a named volume is writable" x img sh -c 'echo shared >/data/v'
check_eq "... shared with the other container that mounts it" "$(x img2 cat /data/v)" "shared"
check_eq "... and kept under /var/lib/ncompose/volumes/PROJECT/NAME" "$(cat /var/lib/ncompose/volumes/ctrfs/data/v)" "shared"
check_eq "a new named volume gets the image's files at its place (as Docker)" "$(x img ls /home)" "alice"
check_eq "... owners kept" "$(stat -c %u:%g /var/lib/ncompose/volumes/ctrfs/homes/alice)" "1000:1000"
check_eq "... not with nocopy" "$(x img2 ls -A /home)" ""
# Issue 11: a volume holds what a container made (here a setuid shell and
# a readable file); no host user but root may reach it.
lib=/var/lib/ncompose vols=/var/lib/ncompose/volumes
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
check "a container plants a setuid shell and a file in its volume" \
	x img sh -c 'cp /bin/sh /data/suid-sh && chmod 4755 /data/suid-sh && echo planted >/data/planted && chmod 644 /data/planted'
check_match "the library directory (0710 at most) and the volume tree (0700) are closed to others" "$(stat -c %a $lib $vols | tr '\n' ' ')" '^7[01]0 700 $'
check_fails "an unprivileged host user cannot read the planted file" nobody cat $vols/ctrfs/data/planted
check_fails "... nor run the planted setuid shell" nobody $vols/ctrfs/data/suid-sh -c true
# Control: with the tree open as before (0755), the same user reaches both.
chmod 755 $lib $vols
check_eq "control: with 0755 parents the host user reads the planted file" "$(nobody cat $vols/ctrfs/data/planted 2>&1)" "planted"
check "control: ... and reaches the setuid shell" nobody test -x $vols/ctrfs/data/suid-sh
# An upgrade: a tree left open by an older version is closed again at the
# next start of a container with a volume.
check "restart img" nc -p ctrfs restart img
check_match "... the open tree was closed again" "$(stat -c %a $lib $vols | tr '\n' ' ')" '^7[01]0 700 $'
check_fails "... and the planted file is out of reach again" nobody cat $vols/ctrfs/data/planted
check "remove the planted files" x img rm -f /data/suid-sh /data/planted
check "a short-syntax bind source is created when missing" test -d "$work/bind-src"
check_match "a :ro bind refuses writes" "$(x img touch /mnt/bind/x 2>&1)" 'Read-only file system'
check_match "tmpfs with a size" "$(x img df -k /scratch | tail -n1)" '^tmpfs +8192 '
check_match "tmpfs: short syntax with mode" "$(x host stat -c %a /run/extra)" '^700$'
check_eq "tmpfs: uid= and gid= reach the kernel" "$(x host stat -c %u:%g /run/owned)" "1000:1001"
check_match "... noatime and nr_inodes= too" "$(x host grep ' /run/owned ' /proc/mounts)" 'noatime.*nr_inodes=100'
printf 'services:\n  s:\n    tmpfs: ["/t:dev"]\n' >"$work/dev.yaml"
check_match "tmpfs: dev is refused, at its line" "$(nc -f "$work/dev.yaml" up -d 2>&1)" 'dev.yaml:3:.*always nosuid and nodev'
check_match "the loop volume is an ext4 filesystem" "$(x img grep ' /disk ' /proc/mounts)" '^/dev/loop[0-9]+ /disk ext4 rw'
check "files written on it" x img sh -c 'echo persisted >/disk/f && sync'
check_eq "the host's mount table never holds it" "$(grep -c /disk /proc/self/mountinfo)" "0"

# --- mount points the host's root lacks
check_eq "a bind on a new top-level directory of the host root" "$(x host cat /ncompose-newtop/deep/file)" "from-host"
check "... leaves the rest of / in place" x host test -x /usr/bin/env
check_fails "... and creates nothing on the host" test -e /ncompose-newtop
check_eq "a bind below an existing host directory" "$(x host cat /opt/ncompose-missing/x/file)" "from-host"
check_fails "... nothing on the host there either" test -e /opt/ncompose-missing
check "an anonymous volume is writable" x host touch /data-anon/x

# --- secrets and configs
check_eq "a secret from a file at /run/secrets/NAME" "$(x host cat /run/secrets/token)" "from-host"
check_eq "... one from the environment, at its target" "$(x host cat /run/secrets/api-key)" "s3cr3t"
check_match "... read-only" "$(x host sh -c 'echo x >/run/secrets/token' 2>&1)" 'Read-only file system'
check_eq "a config from content at /NAME" "$(x host cat /motd)" "hello from a config"
check_eq "... one from a file at its target" "$(x host cat /srv/lab.conf)" "from-host"
printf 'services:\n  s:\n    secrets: [nope]\n' >"$work/nosecret.yaml"
check_match "an undefined secret is refused at its line" "$(nc -f "$work/nosecret.yaml" up -d 2>&1)" 'nosecret.yaml:3:.*no secret `nope`'

# --- devices, shm_size
check "devices: the host's node at the same path" x dev test -c /dev/net/tun
check "... usable: a tun interface in the container's own network namespace" x dev ip tuntap add mode tun dev tun0
check_match "... and at another path" "$(x dev ls -l /dev/vpn/tun)" '^c.* 10, *200 '
check_fails "a node it makes itself still cannot be opened" x dev sh -c 'mknod /dev/tun-copy c 10 200 && exec 3<>/dev/tun-copy'
check_match "shm_size: 16m" "$(x dev df -k /dev/shm | tail -n1)" '^shm +16384 '
printf 'services:\n  s:\n    devices: [/etc/passwd]\n' >"$work/notdev.yaml"
check_match "devices: a file that is not a device node is refused at its line" "$(nc -f "$work/notdev.yaml" up -d 2>&1)" 'notdev.yaml:3:.*not a device node'
printf 'services:\n  s:\n    devices: ["/dev/net/tun:/dev/net/tun:r"]\n' >"$work/rodev.yaml"
check_match "... read-only access, which nothing could enforce, too" "$(nc -f "$work/rodev.yaml" config 2>&1)" 'always readable and writable'

# --- privileged
check_eq "privileged: every capability ncompose holds" "$(x priv grep CapEff /proc/self/status | awk '{print $2}')" "$(grep CapPrm /proc/self/status | awk '{print $2}')"
check_match "... /sys writable" "$(x priv grep ' /sys ' /proc/mounts)" ' rw,'
check_match "the default keeps /sys read-only" "$(x host grep ' /sys ' /proc/mounts)" ' ro,'

# --- start and restart say when a container did not start (issue 11)
mkdir -p "$work/gone"
cat >"$work/startfail.yaml" <<EOF
name: startfail
services:
  s:
    command: sleep 1000
    volumes:
      - {type: bind, source: $work/gone, target: /mnt/gone, bind: {create_host_path: false}}
EOF
check "startfail: up -d" nc -f "$work/startfail.yaml" up -d
check "startfail: stop s" nc -p startfail stop s
rmdir "$work/gone"
out=$(nc -p startfail start s 2>&1); rc=$?
check_match "start of a container that cannot start exits 1 and says why" "$out rc=$rc" 'start `s`.*gone.* rc=1$'
out=$(nc -p startfail restart s 2>&1); rc=$?
check_match "... restart too" "$out rc=$rc" 'start `s`.* rc=1$'
mkdir "$work/gone"
check "control: with its bind source back, start succeeds" nc -p startfail start s
check_eq "... and the container runs" "$(nc -p startfail exec s echo up)" "up"
check "startfail: down" nc -p startfail down
check_clean startfail

# --- a volume over /etc keeps the generated files (Docker binds them last)
mkdir -p "$work/etcdir" && echo mine >"$work/etcdir/motd" && echo "10.9.9.9 mine" >"$work/myhosts"
cat >"$work/etcvol.yaml" <<EOF
name: etcvol
services:
  tmp:
    command: sleep 1000
    tmpfs: [/etc]
  bind:
    image: $FS_ROOTFS
    command: ["sleep", "1000"]
    volumes: ["$work/etcdir:/etc"]
  own:
    command: sleep 1000
    volumes: ["$work/myhosts:/etc/hosts:ro"]
EOF
check "etcvol: up -d" nc -f "$work/etcvol.yaml" up -d
ev() { nc -p etcvol exec "$@"; }
check_fails "a tmpfs over /etc hides the host's /etc (control)" ev tmp test -e /etc/passwd
check_match "... and /etc/hosts is still the generated one" "$(ev tmp cat /etc/hosts)" '[[:space:]]bind([[:space:]]|$)'
check_eq "... /etc/hostname too" "$(ev tmp cat /etc/hostname)" "tmp"
check "... and /etc/resolv.conf is there" ev tmp test -f /etc/resolv.conf
check_eq "a bind over an image's /etc shows the bound directory (control)" "$(ev bind cat /etc/motd)" "mine"
check_match "... with the generated /etc/hosts over it" "$(ev bind cat /etc/hosts)" '[[:space:]]tmp([[:space:]]|$)'
check_eq "... and /etc/hostname" "$(ev bind cat /etc/hostname)" "bind"
check_eq "a bind at /etc/hosts itself wins over the generated file (as Docker)" "$(ev own cat /etc/hosts)" "10.9.9.9 mine"
check "etcvol: down" nc -p etcvol down
check_clean etcvol

# --- persistence across down/up
check "down (named volumes kept)" nc -p ctrfs down
check_clean ctrfs
check_fails "down removed the writable layers" test -e /var/lib/ncompose/containers/ctrfs
check_eq "no loop device is left on the image" "$(losetup -j "$FS_DISK" | wc -l)" "0"
check "up again" nc -f "$lab" up -d
check_eq "the loop volume's files survived" "$(x img cat /disk/f)" "persisted"
check_eq "the named volume's too" "$(x img cat /data/v)" "shared"
check_fails "the image root's writes did not (a new container)" x img cat /etc/motd-copy
check "down -v" nc -p ctrfs down -v
check_fails "... removes the named volumes" test -e /var/lib/ncompose/volumes/ctrfs
check "... and keeps the image file" test -s "$FS_DISK"
check_clean ctrfs
finish
