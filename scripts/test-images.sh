#!/usr/bin/env bash
# Local images for tests and the demo, built offline from Debian's busybox-static (no registry needed):
#   localhost/hearth/busybox:latest   a busybox root filesystem (sh, httpd, wget, ...)
# Idempotent: skips images that already exist.
set -euo pipefail
if podman image exists localhost/hearth/busybox:latest; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
r=$work/root
mkdir -p "$r/bin" "$r/etc" "$r/www" "$r/tmp" "$r/data"
cp /bin/busybox "$r/bin/"
for a in $("$r/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
echo 'hello from busybox' >"$r/www/index.html"
tar -C "$r" --sort=name --mtime=@0 --owner=0 --group=0 -cf "$work/bb.tar" .
podman import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' "$work/bb.tar" localhost/hearth/busybox:latest >/dev/null
echo "test-images: built localhost/hearth/busybox:latest"
