# x86-64 disk: GPT, UEFI, systemd-boot with boot counting. Written without loop devices or mounts:
# each partition is built as a file (mkfs.vfat -C + mtools, mksquashfs, mke2fs -d) and dd'ed at its offset.
# shellcheck shell=bash

# Sizes in MiB. Root slots leave room for growth; data is small and grown to fill the disk on first boot.
ESP_MB=256
SLOT_MB=1024
DATA_MB=512

# Kernel options shared by both slots; root=PARTLABEL=root-a|b and hearth.slot= are added per entry (image/src/esp).
# panic=10: an initramfs that cannot mount the root reboots (so boot counting can fall back) instead of a shell.
boot_options() {
  local extra="quiet"
  [ "$DEV" = 1 ] && extra="loglevel=4"
  echo "rootfstype=squashfs ro console=tty0 console=ttyS0,115200 panic=10 systemd.gpt_auto=0 $extra"
}

# dm-verity (docs/IMAGE.md "Verified root"): the slot image is the squashfs padded to 4 KiB blocks, then its hash
# tree. The root hash and the tree's offset go into slot A's boot entry (hearth.verity=ROOTHASH:OFFSET, read by the
# initramfs) and into the release manifest. Salt and UUID derive from fixed names: one commit, one slot image.
make_verity_slot() {
  need veritysetup
  local tmp=$OUT/root-slot.img.tmp
  cp "$OUT/root.squashfs" "$tmp"
  local data_bytes; data_bytes=$((($(stat -c %s "$tmp") + 4095) / 4096 * 4096))
  truncate -s "$data_bytes" "$tmp"
  local salt; salt=$(printf '%s' "hearth-$TARGET-$VERSION-verity" | sha256sum | cut -c1-64)
  local out; out=$(veritysetup format --hash-offset="$data_bytes" --data-blocks=$((data_bytes / 4096)) \
    --salt="$salt" --uuid="$(uuid_of "hearth-$TARGET-verity")" "$tmp" "$tmp") || die "veritysetup format failed"
  local roothash; roothash=$(printf '%s\n' "$out" | awk '/^Root hash:/ { print $3 }')
  [[ $roothash =~ ^[0-9a-f]{64}$ ]] || die "veritysetup printed no root hash"
  veritysetup verify --hash-offset="$data_bytes" "$tmp" "$tmp" "$roothash" || die "the new hash tree does not verify"
  [ "$(stat -c %s "$tmp")" -le $((SLOT_MB * 1024 * 1024)) ] || die "the verity slot image is larger than a root slot (${SLOT_MB} MiB)"
  printf '%s:%s\n' "$roothash" "$data_bytes" > "$OUT/root.verity.tmp"
  commit_file "$tmp" "$OUT/root-slot.img"
  commit_file "$OUT/root.verity.tmp" "$OUT/root.verity"
}

make_esp() {
  local esp=$OUT/esp.img.tmp efi=$ROOTFS/usr/lib/systemd/boot/efi/systemd-bootx64.efi
  [ -f "$efi" ] || die "systemd-bootx64.efi missing from the rootfs (is systemd-boot-efi in packages/board-x86-64.list?)"
  local stage=$OUT/esp-files
  rm -rf "$stage" "$esp"
  mkdir -p "$stage/EFI/BOOT" "$stage/EFI/systemd" "$stage/loader/entries" "$stage/hearth/a"
  cp "$efi" "$stage/EFI/BOOT/BOOTX64.EFI"
  cp "$efi" "$stage/EFI/systemd/systemd-bootx64.efi"
  cp "$OUT/vmlinuz" "$stage/hearth/a/vmlinuz"
  cp "$OUT/initrd.img" "$stage/hearth/a/initrd.img"
  # Layout owned by firmware-hooks (docs/BOOT.md), rendered by its own code: loader.conf "default hearth-a.conf",
  # entries hearth-a.conf and hearth-b.conf. Slot B is empty in a factory image (an update fills it before any trial).
  (cd "$ROOT" && node --import tsx image/src/esp/main.ts --dir "$stage" --options "$(boot_options)" --version "$VERSION" \
    --verity-a "$(cat "$OUT/root.verity")")
  find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  mkfs.vfat -C "$esp" $((ESP_MB * 1024)) -F 32 -n HEARTHBOOT -i 48454152 --invariant >/dev/null
  # mtools: -s recursive, -m keep mtimes, -Q stop on first error.
  MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" -s -m -Q "$stage"/EFI "$stage"/loader "$stage"/hearth ::/
  commit_file "$esp" "$OUT/esp.img"
  rm -rf "$stage"
}

make_data() {
  local stage=$OUT/data-files tmp=$OUT/data.img.tmp
  rm -rf "$stage" "$tmp"
  mkdir -p "$stage/overlay/var/upper" "$stage/overlay/var/work" "$stage/containers" "$stage/hearth" \
    "$stage/etc/NetworkManager/system-connections"
  chmod 0700 "$stage/hearth" "$stage/etc/NetworkManager/system-connections"
  find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  local uuid; uuid=$(uuid_of "hearth-$TARGET-data-fs")
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -t ext4 -L hearth-data -U "$uuid" \
    -E "root_owner=0:0,hash_seed=$uuid" -d "$stage" "$tmp" "${DATA_MB}M"
  commit_file "$tmp" "$OUT/data.img"
  rm -rf "$stage"
}

# GPT by sfdisk on a plain file; partition images dd'ed at their offsets (sparse: empty slot B costs nothing).
assemble_x86_64_disk() {
  local img=$OUT/$IMAGE_NAME.img tmp=$OUT/$IMAGE_NAME.img.tmp
  local s=2048 mb=2048 # sectors per MiB
  local esp_start=$s root_a=$((s + ESP_MB * mb)) root_b=$((s + (ESP_MB + SLOT_MB) * mb))
  local data=$((s + (ESP_MB + 2 * SLOT_MB) * mb))
  local total_mb=$((1 + ESP_MB + 2 * SLOT_MB + DATA_MB + 1))
  rm -f "$tmp"
  truncate -s "${total_mb}M" "$tmp"
  sfdisk --quiet --no-reread --no-tell-kernel "$tmp" <<EOT
label: gpt
label-id: $(uuid_of "hearth-$TARGET-disk")
unit: sectors
sector-size: 512
first-lba: 2048

start=$esp_start, size=$((ESP_MB * mb)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$(uuid_of "hearth-$TARGET-esp"), name="esp"
start=$root_a, size=$((SLOT_MB * mb)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$(uuid_of "hearth-$TARGET-root-a"), name="root-a"
start=$root_b, size=$((SLOT_MB * mb)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$(uuid_of "hearth-$TARGET-root-b"), name="root-b"
start=$data, size=$((DATA_MB * mb)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$(uuid_of "hearth-$TARGET-data"), name="data"
EOT
  dd if="$OUT/esp.img" of="$tmp" bs=1M seek=$((esp_start / mb)) conv=notrunc,sparse status=none
  dd if="$OUT/root-slot.img" of="$tmp" bs=1M seek=$((root_a / mb)) conv=notrunc,sparse status=none
  dd if="$OUT/data.img" of="$tmp" bs=1M seek=$((data / mb)) conv=notrunc,sparse status=none
  commit_file "$tmp" "$img"
}
