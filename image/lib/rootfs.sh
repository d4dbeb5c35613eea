# Root filesystem: a cached mmdebstrap base (keyed by package lists + hooks), then the Hearth layer on top.
# shellcheck shell=bash

SUITE=trixie
MIRROR=${HEARTH_MIRROR:-http://deb.debian.org/debian}
# An appliance has no man pages, translations or docs to read (~70 MB of the root); copyright files stay.
DPKG_OPTS=(
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
)

# Cache key: anything that changes what mmdebstrap produces. The overlay and the agent are NOT in it,
# so an agent-only change reuses the base (warm rebuild).
base_key() {
  {
    echo "$SUITE $ARCH $MIRROR $COMPONENTS ${DPKG_OPTS[*]}"
    mmdebstrap --version
    # The common hooks, then this board's own hook (if any): another board's hook does not change this key.
    cat "$HERE/packages/base.list" "$HERE/packages/board-$BOARD.list" "$HERE/hooks/customize.sh" "$HERE/hooks/essential.sh"
    [ ! -f "$HERE/hooks/board-$BOARD.sh" ] || cat "$HERE/hooks/board-$BOARD.sh"
  } | sha256sum | cut -c1-16
}

# The base layer's SOURCE_DATE_EPOCH: the last commit touching this board's lists or hooks (the files of base_key),
# so the cached base and a cold build of the same commit agree (fallback: a fixed date for an uncommitted tree).
base_epoch() {
  local t
  t=$(git -C "$ROOT" log -1 --format=%ct -- image/packages/base.list "image/packages/board-$BOARD.list" \
    image/hooks/customize.sh image/hooks/essential.sh "image/hooks/board-$BOARD.sh" 2>/dev/null || true)
  echo "${t:-1735689600}"
}

enable_binfmt() {
  [ "$ARCH" = arm64 ] || return 0
  [ "$(uname -m)" = aarch64 ] && return 0
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || die "qemu-aarch64 binfmt handler not registered (apt-get install qemu-user-static binfmt-support)"
}

# Produces $BASE_TAR and $BASE_PKGS (dpkg-query of the exact versions installed).
build_base() {
  local key; key=$(base_key)
  mkdir -p "$CACHE"
  BASE_TAR=$CACHE/base-$BOARD-$key.tar
  BASE_PKGS=$CACHE/base-$BOARD-$key.packages.txt
  if [ "$USE_CACHE" = 1 ] && [ -f "$BASE_TAR" ] && [ -f "$BASE_PKGS" ]; then
    log "base rootfs from cache: $(basename "$BASE_TAR")"
    return 0
  fi
  enable_binfmt
  local mode=${HEARTH_MMDEBSTRAP_MODE:-unshare}
  local include; include=$(read_list "$HERE/packages/base.list"),$(read_list "$HERE/packages/board-$BOARD.list")
  local tmp=$BASE_TAR.tmp.$$
  # A board hook (image/hooks/board-BOARD.sh) runs before the common customize hook, which builds the initramfs.
  local board_hook=()
  [ ! -f "$HERE/hooks/board-$BOARD.sh" ] || board_hook=(--customize-hook="$HERE/hooks/board-$BOARD.sh \"\$1\"")
  rm -f "$CACHE"/base-"$BOARD"-*.tar.tmp.*
  SOURCE_DATE_EPOCH=$(base_epoch) mmdebstrap --mode="$mode" --format=tar --variant=minbase --arch="$ARCH" \
    --components="$COMPONENTS" --include="$include" "${DPKG_OPTS[@]}" \
    --essential-hook="$HERE/hooks/essential.sh \"\$1\"" "${board_hook[@]}" \
    --customize-hook="$HERE/hooks/customize.sh \"\$1\" $BOARD" \
    --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package}\t\${Version}\t\${Architecture}\n' > \"$tmp.pkgs\"" \
    "$SUITE" "$tmp" "$MIRROR" >&2 \
    || die "mmdebstrap failed (mode=$mode); with --mode=unshare failing, try HEARTH_MMDEBSTRAP_MODE=root"
  LC_ALL=C sort "$tmp.pkgs" > "$tmp.pkgs.sorted" && rm -f "$tmp.pkgs"
  commit_file "$tmp.pkgs.sorted" "$BASE_PKGS"
  commit_file "$tmp" "$BASE_TAR"
  # Keep only this key's base for this board: old ones are dead weight (~600 MB each).
  find "$CACHE" -maxdepth 1 -name "base-$BOARD-*" ! -name "base-$BOARD-$key.*" -delete
}

# Concurrent builds (tests run two at a time) share one cold mmdebstrap run instead of racing.
build_base_locked() {
  exec 7>"$CACHE/.lock-$BOARD"
  flock 7
  build_base
  flock -u 7
}

extract_base() {
  # Deleting ~1 GB of small files is slow on a busy disk: move the old tree aside, delete it in the background.
  if [ -d "$ROOTFS" ]; then mv "$ROOTFS" "$ROOTFS.old.$$" && { rm -rf "$ROOTFS.old.$$" & }; fi
  mkdir -p "$ROOTFS"
  tar -C "$ROOTFS" --numeric-owner --xattrs --xattrs-include='*' -xpf "$BASE_TAR"
}

# The agent and CLI, each ONE esm file run by the guest's node; the health check likewise. scripts/bundle.mjs is
# the one bundler recipe (ESM banner for CJS dependencies, unused engine transports stubbed out).
bundle_js() { # ENTRY OUT
  (cd "$ROOT" && node scripts/bundle.mjs "$1" "$2")
}

install_hearth_layer() {
  local lib=$ROOTFS/usr/lib/hearth
  mkdir -p "$lib" "$ROOTFS/usr/share/doc/hearth"
  cp -a "$HERE/overlay/common/." "$ROOTFS/"
  [ -d "$HERE/overlay/$BOARD" ] && cp -a "$HERE/overlay/$BOARD/." "$ROOTFS/"
  [ "$DEV" = 1 ] && cp -a "$HERE/overlay/dev/." "$ROOTFS/"
  cat "$HERE/boards/$BOARD.fstab" >> "$ROOTFS/etc/fstab"
  rm -f "$ROOTFS/efi/.keep" "$ROOTFS/data/.keep"
  mkdir -p "$ROOTFS/efi" "$ROOTFS/data"
  # The boot partition is /boot/firmware on every board (the agent looks there for e.g. hearth-reset-pairing);
  # on x86-64 that is the ESP, mounted at /efi for systemd-boot's tools.
  if [ "$BOARD" = x86-64 ]; then rm -rf "$ROOTFS/boot/firmware"; ln -sfn ../efi "$ROOTFS/boot/firmware"; else mkdir -p "$ROOTFS/boot/firmware"; fi
  # NetworkManager writes /run/NetworkManager/resolv.conf; /etc is read-only.
  ln -sfn ../run/NetworkManager/resolv.conf "$ROOTFS/etc/resolv.conf"
  cp "$ROOT/docs/IMAGE.md" "$ROOTFS/usr/share/doc/hearth/IMAGE.md" 2>/dev/null || true

  bundle_js image/src/health/main.ts "$lib/health-check.mjs"
  bundle_js agent/src/main.ts "$lib/agent.mjs"
  bundle_js agent/src/cli/main.ts "$lib/hearth-cli.mjs"
  printf '#!/bin/sh\nexec /usr/bin/node /usr/lib/hearth/hearth-cli.mjs "$@"\n' > "$ROOTFS/usr/bin/hearth"
  chmod 0755 "$ROOTFS/usr/bin/hearth"
  bundle_js firmware-hooks/src/cli.ts "$lib/hearth-firmware.mjs"
  printf '#!/bin/sh\nexec /usr/bin/node /usr/lib/hearth/hearth-firmware.mjs "$@"\n' > "$ROOTFS/usr/bin/hearth-firmware"
  chmod 0755 "$ROOTFS/usr/bin/hearth-firmware"
  # The phone app (a PWA) is served by the device itself at https://<device domain>/.
  (cd "$ROOT" && node phone/build.mjs >/dev/null) && cp -a "$ROOT/phone/dist" "$lib/phone"
  find "$lib" -type f -name "*.mjs" -exec chmod 0644 {} +

  local units="hearth-agent.service hearth-health.service hearth-grow-data.service hearth-hostname.service podman.socket NetworkManager.service systemd-timesyncd.service"
  [ "$DEV" = 1 ] && units="$units hearth-boot-marker.service"
  # shellcheck disable=SC2086
  systemctl --root="$ROOTFS" enable $units >/dev/null 2>&1 || die "systemctl enable failed for: $units"
  # Appliance: no interactive first-boot wizard, no units that want a writable /etc. systemd-bless-boot is masked:
  # hearth-health decides whether a slot is good and commits it through hearth-firmware (docs/BOOT.md).
  # Also masked, as nothing on the device uses them and each costs CPU at boot or runs for nothing later:
  # netavark's DHCP proxy (only for macvlan networks with DHCP, which the agent never creates), the daily backup of
  # a dpkg database that cannot change on a read-only root, and logind's early `modprobe drm` (no local seat; a
  # graphics driver that needs drm loads it itself).
  systemctl --root="$ROOTFS" mask systemd-firstboot.service systemd-networkd-wait-online.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \
    netavark-dhcp-proxy.service netavark-dhcp-proxy.socket dpkg-db-backup.timer modprobe@drm.service \
    systemd-bless-boot.service >/dev/null 2>&1 || true
  # PID 1 runs every generator on every boot before it starts a unit. Those for what the device does not use are
  # masked (a link to /dev/null under /etc/systemd/system-generators): podman's quadlet (the agent drives podman
  # through its API; no quadlet files), sshd on AF_VSOCK/unix sockets (no SSH server), SysV scripts, hibernation,
  # rc.local, offline updates (OTA installs slots, docs/BOOT.md) and TPM2 units.
  mkdir -p "$ROOTFS/etc/systemd/system-generators"
  for gen in podman-system-generator systemd-ssh-generator systemd-sysv-generator systemd-hibernate-resume-generator \
    systemd-rc-local-generator systemd-system-update-generator systemd-tpm2-generator; do
    ln -sfn /dev/null "$ROOTFS/etc/systemd/system-generators/$gen"
  done

  # Reproducibility: what the overlay step itself could leave behind.
  rm -rf "$ROOTFS"/var/log/* "$ROOTFS"/var/cache/ldconfig/aux-cache "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
  : > "$ROOTFS/etc/machine-id"
}

# Kernel and initramfs leave the root (they go to the boot partition, per slot).
take_boot_files() {
  local kernel initrd
  kernel=$(find "$ROOTFS/boot" -maxdepth 1 -name 'vmlinuz-*' | sort | tail -1)
  initrd=$(find "$ROOTFS/boot" -maxdepth 1 -name 'initrd.img-*' | sort | tail -1)
  [ -n "$kernel" ] && [ -n "$initrd" ] || die "no kernel/initramfs in $ROOTFS/boot (did the customize hook run?)"
  cp "$kernel" "$OUT/vmlinuz"
  cp "$initrd" "$OUT/initrd.img"
  KERNEL_VERSION=${kernel##*/vmlinuz-}
  rm -f "$ROOTFS"/boot/vmlinuz* "$ROOTFS"/boot/initrd.img* "$ROOTFS"/boot/System.map* "$ROOTFS"/vmlinuz* "$ROOTFS"/initrd.img*
}

# Release x86-64 images (what a user flashes) use zstd level 19 with 1 MiB blocks: root 194 MB vs 215 MB at level 6
# with 256 KiB blocks (developer images, ~5 s to build), ~45 s to build on a loaded 2-core machine. Measured
# against xz -b 1M (184 MB): xz saves 10 MB of download but its root booted to hearth-health ~5 s slower under QEMU
# (66 vs 60-62 s): every read from the root pays the slower decompressor, on every boot and app start, so the
# faster one wins. Not 256 KiB blocks at level 19 (201 MB). The Pi keeps the developer setting until its release
# image is boot-tested this way.
squashfs_comp() {
  if [ "$DEV" = 0 ] && [ "$BOARD" = x86-64 ]; then echo "-comp zstd -Xcompression-level 19 -b 1M"
  else echo "-comp zstd -Xcompression-level ${HEARTH_ZSTD_LEVEL:-6} -b 256K"; fi
}

make_squashfs() {
  local tmp=$OUT/root.squashfs.tmp
  rm -f "$tmp"
  # shellcheck disable=SC2046
  env -u SOURCE_DATE_EPOCH mksquashfs "$ROOTFS" "$tmp" -noappend $(squashfs_comp) \
    -reproducible -mkfs-time "$SOURCE_DATE_EPOCH" -all-time "$SOURCE_DATE_EPOCH" -no-progress -quiet >&2
  commit_file "$tmp" "$OUT/root.squashfs"
}
