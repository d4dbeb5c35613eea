# Raspberry Pi 4 disk: MBR (the EEPROM's tryboot A/B), partitions 1 autoboot.txt, 2/3 slot A/B boot files (FAT),
# 4 extended: 5/6 root slots A/B (squashfs), 7 data (ext4, grown on first boot). No loop devices, no mounts.
# shellcheck shell=bash

RPI_COMMON_MB=64
RPI_BOOT_MB=256
RPI_SLOT_MB=1024
RPI_DATA_MB=512

rpi_disk_id() { printf '0x%s\n' "$(printf 'hearth-%s-disk' "$TARGET" | sha256sum | cut -c1-8)"; }

rpi_options() {
  local extra="quiet"
  [ "$DEV" = 1 ] && extra="loglevel=4"
  echo "rootfstype=squashfs ro panic=10 $extra"
}

# FAT image of SIZE_MB named LABEL with the contents of DIR.
fat_image() { # OUT SIZE_MB LABEL VOLID DIR
  rm -f "$1"
  mkfs.vfat -C "$1" $(($2 * 1024)) -F 32 -n "$3" -i "$4" --invariant >/dev/null
  find "$5" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  if [ -n "$(ls -A "$5")" ]; then MTOOLS_SKIP_CHECK=1 mcopy -i "$1" -s -m -Q "$5"/* ::/; fi
}

make_rpi_firmware() {
  local stage=$OUT/rpi-boot fw=$ROOTFS/usr/lib/raspi-firmware
  [ -f "$fw/start4.elf" ] || die "no Raspberry Pi firmware in $fw (is raspi-firmware in packages/board-rpi.list?)"
  local dtbdir; dtbdir=$(find "$ROOTFS/usr/lib" -maxdepth 3 -type d -path '*linux-image-*/broadcom' | head -1)
  [ -n "$dtbdir" ] || die "no broadcom device trees under $ROOTFS/usr/lib/linux-image-*"
  rm -rf "$stage"
  (cd "$ROOT" && node --import tsx image/src/rpi/main.ts --dir "$stage" --disk-id "$(rpi_disk_id)" --options "$(rpi_options)")
  # Slot A: firmware, device trees, kernel and initramfs. Slot B stays without firmware/kernel until an update.
  cp "$fw"/start4*.elf "$fw"/fixup4*.dat "$stage/a/"
  cp "$dtbdir"/bcm2711-*.dtb "$stage/a/"
  [ -d "$fw/overlays" ] && cp -r "$fw/overlays" "$stage/a/"
  cp "$OUT/vmlinuz" "$stage/a/vmlinuz"
  cp "$OUT/initrd.img" "$stage/a/initrd.img"
  fat_image "$OUT/boot-common.img" "$RPI_COMMON_MB" HEARTHBOOT 48454301 "$stage/common"
  fat_image "$OUT/boot-a.img" "$RPI_BOOT_MB" HEARTH-A 48454341 "$stage/a"
  fat_image "$OUT/boot-b.img" "$RPI_BOOT_MB" HEARTH-B 48454342 "$stage/b"
  rm -rf "$stage"
}

assemble_rpi_disk() {
  local img=$OUT/$IMAGE_NAME.img tmp=$OUT/$IMAGE_NAME.img.tmp
  local sq_bytes; sq_bytes=$(stat -c %s "$OUT/root.squashfs")
  [ "$sq_bytes" -le $((RPI_SLOT_MB * 1024 * 1024)) ] || die "root.squashfs ($sq_bytes bytes) is larger than a root slot (${RPI_SLOT_MB} MiB)"
  local total=$((1 + RPI_COMMON_MB + 2 * RPI_BOOT_MB + 2 * RPI_SLOT_MB + RPI_DATA_MB + 4))
  rm -f "$tmp"
  truncate -s "${total}M" "$tmp"
  sfdisk --quiet --no-reread --no-tell-kernel "$tmp" <<EOT
label: dos
label-id: $(rpi_disk_id)

size=${RPI_COMMON_MB}MiB, type=c, bootable
size=${RPI_BOOT_MB}MiB, type=c
size=${RPI_BOOT_MB}MiB, type=c
type=5
size=${RPI_SLOT_MB}MiB, type=83
size=${RPI_SLOT_MB}MiB, type=83
size=${RPI_DATA_MB}MiB, type=83
EOT
  local starts; starts=$(sfdisk --json "$tmp" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).partitiontable.partitions.map(p=>p.start).join(" ")))')
  # shellcheck disable=SC2086
  set -- $starts
  [ $# -eq 7 ] || die "expected 7 MBR partitions in $tmp, sfdisk reports $#"
  dd if="$OUT/boot-common.img" of="$tmp" bs=512 seek="$1" conv=notrunc,sparse status=none
  dd if="$OUT/boot-a.img" of="$tmp" bs=512 seek="$2" conv=notrunc,sparse status=none
  dd if="$OUT/boot-b.img" of="$tmp" bs=512 seek="$3" conv=notrunc,sparse status=none
  dd if="$OUT/root.squashfs" of="$tmp" bs=512 seek="$5" conv=notrunc,sparse status=none
  dd if="$OUT/data.img" of="$tmp" bs=512 seek="$7" conv=notrunc,sparse status=none
  commit_file "$tmp" "$img"
  rm -f "$OUT/boot-common.img" "$OUT/boot-a.img" "$OUT/boot-b.img"
}
