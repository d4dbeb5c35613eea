#!/bin/sh
# mmdebstrap --essential-hook: runs once the essential set is unpacked, before the package lists are installed.
# Divert update-initramfs so the kernel's and every package's triggers do not each rebuild the initramfs
# (under qemu-user on arm64 that is ~24 min); customize.sh removes the diversion and builds it once.
set -eu
root=$1
chroot "$root" dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.hearth-real --add /usr/sbin/update-initramfs
mkdir -p "$root/usr/sbin"
printf '#!/bin/sh\necho "update-initramfs: diverted during the Hearth image build" >&2\nexit 0\n' > "$root/usr/sbin/update-initramfs"
chmod 0755 "$root/usr/sbin/update-initramfs"
