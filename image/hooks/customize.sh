#!/bin/sh
# mmdebstrap --customize-hook: runs after every package is installed. Arguments: ROOT BOARD (x86-64|rpi).
# Builds the initramfs once (squashfs + overlay for the read-only root), then strips what makes builds differ.
set -eu
root=$1
board=$2

rm -f "$root/usr/sbin/update-initramfs"
chroot "$root" dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.hearth-real --remove /usr/sbin/update-initramfs

# The root is a squashfs found by PARTLABEL: the initramfs needs squashfs, and overlay for /var.
printf 'squashfs\noverlay\next4\n' >> "$root/etc/initramfs-tools/modules"
case "$board" in
  rpi)
    # MODULES=list keeps the arm64 initramfs small and its build short; list what a Pi 4 needs to reach the root.
    printf 'MODULES=list\nCOMPRESS=zstd\n' > "$root/etc/initramfs-tools/conf.d/hearth.conf"
    printf 'mmc_block\nsdhci_iproc\nsdhci_pltfm\nbcm2835_dma\nusb_storage\nuas\nxhci_pci\npcie_brcmstb\nreset_raspberrypi\nvirtio_blk\nvirtio_pci\nvirtio_mmio\n' \
      >> "$root/etc/initramfs-tools/modules"
    ;;
  *)
    printf 'MODULES=most\nCOMPRESS=zstd\n' > "$root/etc/initramfs-tools/conf.d/hearth.conf"
    ;;
esac
for kver in $(ls "$root/lib/modules"); do
  chroot "$root" update-initramfs -c -k "$kver"
done

# Reproducibility: nothing that records when or on which machine it was built.
rm -rf "$root"/var/log/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/lib/apt/lists/* \
  "$root"/var/lib/dpkg/*-old "$root"/var/cache/ldconfig/aux-cache "$root"/etc/.pwd.lock \
  "$root"/var/lib/dbus/machine-id "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"

# The "update" units (journal catalog, ldconfig, sysusers, hwdb, update-done) run when /usr is newer than
# /etc/.updated or /var/.updated (ConditionNeedsUpdate). /etc is read-only on the device, so without these files
# some would run on every boot, and the rest on each first boot, on its critical path (~0.7 s emulated). Their work
# is done here instead: the journal catalog is built now (its database comes out byte for byte the same on every
# build, checked), and the two stamps carry the root's own time once mksquashfs sets every mtime to
# SOURCE_DATE_EPOCH, so an OTA to a newer root, whose stamps come with it, needs no update either.
chroot "$root" journalctl --update-catalog
for dir in etc var; do
  printf '# Written by the Hearth image build (image/hooks/customize.sh): this root needs no update at boot.\n' \
    > "$root/$dir/.updated"
done
