#!/usr/bin/env bash
# Host dependencies for building and testing Hearth on a Debian machine.
# Idempotent: installs only what is missing, writes containers.conf only when absent.
set -euo pipefail

PKGS=(
  # container engine (the agent's default engine is podman's Docker-compatible API)
  podman runc crun fuse-overlayfs netavark aardvark-dns containernetworking-plugins
  iptables nftables busybox-static catatonit conmon golang-github-containers-common
  # a real registry for the pull path
  docker-registry
  # ACME test server, packet capture, reverse-tunnel baseline
  pebble tcpdump openssh-server openssh-client curl openssl iproute2
  mtools dosfstools fdisk e2fsprogs util-linux cpio qemu-system-x86 ovmf systemd-boot-efi linux-image-cloud-amd64  # firmware-hooks: mtools ESPs, sfdisk/resize2fs/losetup, real systemd-boot under QEMU
  # image/: rootfs + squashfs + disk images for x86-64 and arm64, booted under QEMU in the image tests
  mmdebstrap squashfs-tools qemu-utils qemu-system-arm qemu-user-static binfmt-support socat xz-utils
  arch-test  # mmdebstrap refuses a foreign-architecture (arm64) build without it: only a Recommends, which --no-install-recommends skips
  cryptsetup-bin  # veritysetup: the x86-64 root slot's dm-verity hash tree
  redis-server  # relay scale-out test: shared name → node map
  chromium  # browser tests: client-auth (WebCrypto P-256 signer, pairing) runs in headless Chromium
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# podman on these machines: no CAP_SYS_RESOURCE (nofile capped), crun fails on hybrid cgroups.
if [ ! -f /etc/containers/containers.conf ]; then
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' \
    > /etc/containers/containers.conf
  echo "setup: wrote /etc/containers/containers.conf"
fi
