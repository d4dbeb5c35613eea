#!/bin/sh
# mmdebstrap --customize-hook for the x86-64 board (x86-64 and cloud targets), run BEFORE customize.sh (which builds
# the initramfs once). Argument: ROOT. Two things, both for the image's size (docs/IMAGE.md "Figures"):
#  1. kernel module trees no supported x86-64 machine can use are dropped from the root (reasons below, per tree);
#  2. the initramfs is restricted to what reaches the root on the supported machines (MODULES=list instead of most).
# Kept on purpose: all Ethernet and Wi-Fi drivers, storage (SATA/NVMe/SCSI/USB/MMC), USB, input/HID, Bluetooth,
# hwmon, filesystems, netfilter, i915 and xe (Intel graphics: console and /dev/dri transcoding for apps, work without
# firmware), VM graphics, sound core + HDA + USB audio (for apps that use /dev/snd), USB webcams and tuners.
set -eu
root=$1

# Trees under /usr/lib/modules/KVER/kernel, each with why no supported machine (mini-PCs, QEMU, cloud VMs) needs it.
DROP="
drivers/infiniband
drivers/iio
drivers/comedi
drivers/gpu/drm/amd
drivers/gpu/drm/radeon
drivers/gpu/drm/nouveau
sound/soc
sound/firewire
drivers/media/pci
drivers/media/radio
drivers/media/test-drivers
drivers/media/platform
"
# drivers/infiniband      RDMA fabrics (InfiniBand/RoCE/iWARP): data-centre interconnects. Azure's accelerated
#                         networking is mlx5 Ethernet (drivers/net/ethernet, kept), not this.
# drivers/iio             industrial-I/O sensors (ADCs, accelerometers on I2C/SPI, tablet sensor hubs).
# drivers/comedi          laboratory data-acquisition cards.
# drivers/gpu/drm/amd     amdgpu: cannot initialise without firmware-amd-graphics (non-free-firmware, not in this
#   .../radeon, nouveau   image); nor can radeon (every chip since 2010) or nouveau (no acceleration without
#                         firmware). The console stays on the UEFI framebuffer (efifb, built in). Add the firmware
#                         package and these trees back together if AMD/NVIDIA graphics become supported.
# sound/soc               ASoC: laptop/tablet SoC codecs (Intel SOF/SST, AMD ACP), which also need firmware
#                         (firmware-sof-signed, not in the image). Mini-PC audio is HDA (sound/pci/hda, kept).
# sound/firewire          FireWire audio interfaces: no FireWire on the supported machines.
# drivers/media/pci       PCI/PCIe capture and TV cards: mini-PCs have no such slots (USB tuners/webcams are kept).
# drivers/media/radio     FM radio receivers.
# drivers/media/test-drivers  vivid/vicodec/... virtual test devices.
# drivers/media/platform  SoC camera/codec blocks (ARM boards, Chromebooks).
# A module that depends on a dropped one cannot load either and goes too (listed in the build log): e.g. the RDMA
# transports of NFS/9p/NVMe-oF/RDS/SMC, HDA laptop amplifier side-codecs (cs35l41/cs35l56/tas2781), laptop platform
# drivers using IIO.

for dir in "$root"/usr/lib/modules/*; do
  kver=${dir##*/}
  kernel=$dir/kernel
  [ -f "$dir/modules.dep" ] || { echo "board-x86-64: no modules.dep for $kver" >&2; exit 1; }
  re="^kernel/($(echo $DROP | tr ' ' '|'))/"
  for d in $DROP; do [ -d "$kernel/$d" ] || { echo "board-x86-64: $kver has no kernel/$d (update DROP)" >&2; exit 1; }; done
  # modules.dep lists every module's full (transitive) dependencies: one pass finds all dependents.
  dependents=$(awk -F': ' -v re="$re" '$1 !~ re { n = split($2, d, " "); for (i = 1; i <= n; i++) if (d[i] ~ re) { print $1; break } }' \
    "$dir/modules.dep" | LC_ALL=C sort)
  before=$(du -sk "$kernel" | cut -f1)
  for d in $DROP; do rm -rf "${kernel:?}/$d"; done
  for m in $dependents; do rm -f "$dir/$m"; done
  echo "board-x86-64: dropped $(echo $DROP | wc -w) module trees and $(echo "$dependents" | grep -c . || true) dependent modules:" \
    "$(echo $dependents | sed 's|kernel/||g')" >&2
  chroot "$root" depmod -a "$kver"
  echo "board-x86-64: kernel modules $before KiB -> $(du -sk "$kernel" | cut -f1) KiB" >&2
done

# The initramfs only has to reach a squashfs root by PARTLABEL on the supported machines. customize.sh writes
# conf.d/hearth.conf (MODULES=most) and appends squashfs/overlay/ext4 to the modules file; conf.d is read in name
# order, so this later file wins. MODULES=list also never looks at the build host's hardware (MODULES=dep would).
# The modules file is loaded in full on every boot, hardware present or not, so it names only what every boot needs
# (dm-verity for the verified root, below); the drivers a machine may need to reach its disk are copied in by the
# hearth-drivers hook without being loaded, and the initramfs's udev loads those whose hardware is there, as with
# MODULES=most. Loading all of them on every boot cost 2.3 s of a TCG boot (docs/IMAGE.md).
printf 'MODULES=list\n' > "$root/etc/initramfs-tools/conf.d/zz-hearth-x86-64.conf"
printf 'dm_mod\ndm_verity\n' >> "$root/etc/initramfs-tools/modules"
cat > "$root/etc/initramfs-tools/hooks/hearth-drivers" <<'EOF'
#!/bin/sh
# Hearth (image/hooks/board-x86-64.sh): what reaches the root disk, in the initramfs for udev to load on demand.
case "$1" in prereqs) exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
# QEMU and cloud VMs: virtio, Hyper-V/Azure, VMware, Xen (older EC2); AWS Nitro is NVMe.
manual_add_modules virtio_blk virtio_scsi hv_storvsc vmw_pvscsi xen_blkfront
# mini-PCs: NVMe (and Intel VMD), SATA (AHCI; ata_piix for older chipsets and QEMU's i440fx), eMMC/SD
manual_add_modules nvme vmd ahci ata_piix sd_mod sdhci_pci sdhci_acpi mmc_block rtsx_pci_sdmmc
# USB boot disks, and a keyboard
manual_add_modules xhci_pci ehci_pci ohci_pci uhci_hcd usb_storage uas usbhid hid_generic
# the boot partition's file system (loaded by mount when it is asked for)
manual_add_modules vfat nls_cp437 nls_ascii
EOF
chmod 0755 "$root/etc/initramfs-tools/hooks/hearth-drivers"

# Verified root (docs/IMAGE.md): an entry with hearth.verity=ROOTHASH:OFFSET has its root slot opened through
# dm-verity before it is mounted; every block read is checked against the hash tree behind the squashfs, and a
# mismatch is an I/O error. A root hash that does not match the slot fails the mount: panic=10 reboots and boot
# counting falls back to the other slot. An entry without it (a slot written by hand) mounts the slot directly.
cat > "$root/etc/initramfs-tools/hooks/hearth-verity" <<'EOF'
#!/bin/sh
# Hearth (image/hooks/board-x86-64.sh): veritysetup and its libraries in the initramfs.
case "$1" in prereqs) exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
copy_exec /usr/sbin/veritysetup /sbin
EOF
cat > "$root/etc/initramfs-tools/scripts/local-top/hearth-verity" <<'EOF'
#!/bin/sh
# Hearth (image/hooks/board-x86-64.sh): opens the root slot through dm-verity when the boot entry says
# hearth.verity=ROOTHASH:OFFSET, and points ROOT at the verified device (/conf/param.conf is read after each script).
case "$1" in prereqs) exit 0 ;; esac
. /scripts/functions
verity=
for arg in $(cat /proc/cmdline); do
  case "$arg" in hearth.verity=*) verity=${arg#hearth.verity=} ;; esac
done
[ -n "$verity" ] || exit 0
roothash=${verity%%:*}
offset=${verity#*:}
# local-top runs before the root device is waited for: wait here, as long as initramfs-tools would (ROOTDELAY, 180 s).
tries=$((${ROOTDELAY:-180} * 5))
while :; do
  dev=$(resolve_device "$ROOT" 2>/dev/null) && [ -b "$dev" ] && break
  tries=$((tries - 1))
  [ "$tries" -gt 0 ] || panic "hearth-verity: root device $ROOT did not appear"
  sleep 0.2
done
# No udev rules for device-mapper in this initramfs: libdevmapper creates /dev/mapper/hearth-root itself.
DM_DISABLE_UDEV=1 veritysetup open "$dev" hearth-root "$dev" "$roothash" --hash-offset="$offset" \
  || panic "hearth-verity: cannot open $ROOT ($dev) with its root hash"
echo "hearth-verity: $ROOT ($dev) opened as /dev/mapper/hearth-root"
echo "ROOT=/dev/mapper/hearth-root" >> /conf/param.conf
EOF
chmod 0755 "$root/etc/initramfs-tools/hooks/hearth-verity" "$root/etc/initramfs-tools/scripts/local-top/hearth-verity"
