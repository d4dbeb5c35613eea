#!/usr/bin/env bash
# Build a Hearth OS image.   ./build.sh image [--target x86-64|rpi|cloud] [--no-cache]
#   HEARTH_DEV=1   developer image: serial root autologin, agent API on 0.0.0.0:8080, boot marker on the console.
# Outputs in image/build/TARGET[-dev]/: the disk image, root.squashfs, packages.txt (exact versions), manifest.json;
# x86-64 and cloud also root-slot.img (squashfs + dm-verity hash tree, what a root slot holds) and root.verity.
# Stages print their duration. The Debian base (mmdebstrap) is cached in image/build/cache, keyed by the package
# lists and hooks: an agent-only change rebuilds in well under a minute. See docs/IMAGE.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
. "$HERE/lib/rootfs.sh"
. "$HERE/lib/disk-x86-64.sh"
. "$HERE/lib/disk-rpi.sh"

TARGET=x86-64
USE_CACHE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || die "--target needs a value: x86-64, rpi or cloud"; TARGET=$2; shift 2 ;;
    --target=*) TARGET=${1#--target=}; shift ;;
    --no-cache) USE_CACHE=0; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (expected --target x86-64|rpi|cloud, --no-cache)" ;;
  esac
done
case "$TARGET" in
  x86-64|cloud) BOARD=x86-64; ARCH=amd64; COMPONENTS=main ;;
  rpi) BOARD=rpi; ARCH=arm64; COMPONENTS="main non-free-firmware" ;;
  *) die "unknown target '$TARGET' (expected x86-64, rpi or cloud)" ;;
esac
DEV=${HEARTH_DEV:-0}
[ "$DEV" = 0 ] || [ "$DEV" = 1 ] || die "HEARTH_DEV must be 0 or 1, not '$DEV'"
[ "$(id -u)" = 0 ] || die "the image build runs as root (mksquashfs/tar must keep file ownership)"
need mmdebstrap mksquashfs sfdisk mkfs.vfat mcopy mke2fs qemu-img node
[ "$ARCH" = arm64 ] && need update-binfmts qemu-aarch64-static

SUFFIX=""; [ "$DEV" = 1 ] && SUFFIX="-dev"
# HEARTH_IMAGE_OUT: a separate output directory (tests use their own, sharing the base cache).
CACHE=${HEARTH_IMAGE_CACHE:-$HERE/build/cache}
OUT=${HEARTH_IMAGE_OUT:-$HERE/build/$TARGET$SUFFIX}
ROOTFS=$OUT/rootfs
IMAGE_NAME=hearth-$TARGET$SUFFIX
COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
DIRTY=$([ -z "$(git -C "$ROOT" status --porcelain -- agent image 2>/dev/null)" ] && echo false || echo true)
VERSION=${HEARTH_VERSION:-$(node -p "require('$ROOT/package.json').version")}
# One commit, one timestamp: every file in the root filesystem gets it (mksquashfs -all-time).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 1735689600)}
export SOURCE_DATE_EPOCH
mkdir -p "$OUT" "$CACHE"
# One build per output directory at a time; the base cache has its own lock (build_base).
exec 8>"$OUT/.lock"
flock -n 8 || { log "another build is writing $OUT: waiting"; flock 8; }

log "target=$TARGET board=$BOARD arch=$ARCH dev=$DEV version=$VERSION commit=${COMMIT:0:12} dirty=$DIRTY"
stage "base rootfs (mmdebstrap $SUITE, cached)" build_base_locked
stage "extract base" extract_base
stage "hearth layer (overlay, agent bundle, units)" install_hearth_layer
cp "$BASE_PKGS" "$OUT/packages.txt"
stage "kernel + initramfs out of the root" take_boot_files
stage "root filesystem (squashfs)" make_squashfs

case "$BOARD" in
  x86-64)
    stage "dm-verity hash tree (slot A image)" make_verity_slot
    stage "ESP (systemd-boot, slot A entry)" make_esp
    stage "data partition" make_data
    stage "disk (GPT)" assemble_x86_64_disk
    ;;
  rpi)
    stage "firmware partition (config.txt, autoboot.txt)" make_rpi_firmware
    stage "data partition" make_data
    stage "disk (MBR)" assemble_rpi_disk
    ;;
esac

ARTIFACTS=("$IMAGE_NAME.img")
if [ "$TARGET" = cloud ]; then
  convert_cloud() {
    qemu-img convert -f raw -O qcow2 -c "$OUT/$IMAGE_NAME.img" "$OUT/$IMAGE_NAME.qcow2.tmp" && commit_file "$OUT/$IMAGE_NAME.qcow2.tmp" "$OUT/$IMAGE_NAME.qcow2"
    qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$OUT/$IMAGE_NAME.img" "$OUT/$IMAGE_NAME.vmdk.tmp" && commit_file "$OUT/$IMAGE_NAME.vmdk.tmp" "$OUT/$IMAGE_NAME.vmdk"
  }
  stage "cloud formats (qcow2, vmdk)" convert_cloud
  ARTIFACTS+=("$IMAGE_NAME.qcow2" "$IMAGE_NAME.vmdk")
fi

write_manifest() {
  local verity=()
  if [ "$BOARD" = x86-64 ]; then verity=(--verity root.verity --slot-image root-slot.img); fi
  (cd "$ROOT" && node --import tsx image/src/manifest/main.ts --dir "$OUT" --target "$TARGET" --version "$VERSION" \
    --commit "$COMMIT" --dirty "$DIRTY" --epoch "$SOURCE_DATE_EPOCH" --kernel "$KERNEL_VERSION" --dev "$DEV" \
    --rootfs root.squashfs --packages packages.txt "${ARTIFACTS[@]/#/--artifact=}" "${verity[@]}")
}
stage "manifest.json" write_manifest
wait # background removal of the previous rootfs tree (kept: image/build/TARGET/rootfs is handy for diffoscope)
log "done: $OUT/$IMAGE_NAME.img ($(du -h --apparent-size "$OUT/$IMAGE_NAME.img" | cut -f1) apparent, $(du -h "$OUT/$IMAGE_NAME.img" | cut -f1) used)"
