#!/usr/bin/env bash
# Benchmark baseline: a bare mmdebstrap'd trixie with systemd (no Hearth layer, writable ext4 root), booted the same
# way as the Hearth image (OVMF + systemd-boot) to a login prompt.   lib/baseline.sh OUTDIR  -> OUTDIR/baseline.img
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/lib/common.sh"
OUT=$1
CACHE=${HEARTH_IMAGE_CACHE:-$HERE/build/cache}
mkdir -p "$OUT" "$CACHE"
tar_=$CACHE/baseline-amd64.tar
if [ ! -f "$tar_" ]; then
  mmdebstrap --mode=unshare --format=tar --variant=minbase \
    --include=systemd-sysv,udev,kmod,linux-image-amd64,initramfs-tools,zstd,systemd-boot-efi \
    trixie "$tar_.tmp" http://deb.debian.org/debian >&2
  mv "$tar_.tmp" "$tar_"
fi
root=$OUT/baseline-root
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" --numeric-owner -xpf "$tar_"
esp=$OUT/esp-files
rm -rf "$esp" && mkdir -p "$esp/EFI/BOOT" "$esp/loader/entries"
cp "$root"/usr/lib/systemd/boot/efi/systemd-bootx64.efi "$esp/EFI/BOOT/BOOTX64.EFI"
cp "$(ls "$root"/boot/vmlinuz-* | tail -1)" "$esp/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | tail -1)" "$esp/initrd.img"
printf 'default baseline.conf\ntimeout 0\neditor no\n' > "$esp/loader/loader.conf"
printf 'title baseline\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=PARTLABEL=root rw console=tty0 console=ttyS0,115200 panic=10 systemd.gpt_auto=0 systemd.firstboot=off loglevel=4\n' \
  > "$esp/loader/entries/baseline.conf"
rm -f "$OUT/esp.img" "$OUT/root.img" "$OUT/baseline.img"
mkfs.vfat -C "$OUT/esp.img" $((128 * 1024)) -F 32 -n BASEBOOT >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -i "$OUT/esp.img" -s -Q "$esp"/EFI "$esp"/loader "$esp"/vmlinuz "$esp"/initrd.img ::/
mke2fs -q -t ext4 -d "$root" "$OUT/root.img" 1536M
truncate -s $((1 + 128 + 1536 + 1))M "$OUT/baseline.img"
sfdisk --quiet "$OUT/baseline.img" <<EOT
label: gpt
start=2048, size=$((128 * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
start=$((2048 + 128 * 2048)), size=$((1536 * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
EOT
dd if="$OUT/esp.img" of="$OUT/baseline.img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$OUT/root.img" of="$OUT/baseline.img" bs=1M seek=129 conv=notrunc,sparse status=none
rm -rf "$root" "$esp" "$OUT/esp.img" "$OUT/root.img"
log "baseline image: $OUT/baseline.img"
