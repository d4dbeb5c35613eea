#!/usr/bin/env bash
# Hearth's single entry point. Every command installs what it needs first (idempotently).
#   ./build.sh setup           host packages (apt) and podman's containers.conf
#   ./build.sh test            setup + npm deps + lint + typecheck + every test, against real daemons
#   ./build.sh demo [--once]   boot the image in QEMU behind a local relay, install the example app, print URLs + pairing QR
#   ./build.sh demo --host     the same agent straight on this machine (seconds; no image, no relay)
#   ./build.sh image [--target rpi|x86-64|cloud]   build an OS image (see image/README.md)
#   ./build.sh bench NAME      run one benchmark (bench/NAME.ts)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

log() { printf '\033[1m[build]\033[0m %s\n' "$*" >&2; }

setup() { "$ROOT/scripts/setup-host.sh"; }

# npm deps: reinstall only when package manifests changed since the last install.
deps() {
  local stamp=node_modules/.hearth-deps-stamp
  local sum
  sum=$(cat package.json package-lock.json */package.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    log "installing npm dependencies"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
    echo "$sum" > "$stamp"
  fi
}

cmd=${1:-help}
shift || true
case "$cmd" in
  setup)
    setup
    ;;
  test)
    setup
    deps
    log "lint"
    npx eslint .
    # Shell scripts: at least a syntax check (shellcheck is not in Debian's minimal set we install).
    git ls-files '*.sh' | while read -r f; do bash -n "$f" || exit 1; done
    log "typecheck"
    npx tsc -p tsconfig.json
    [ -f phone/build.mjs ] && { log "phone app"; node phone/build.mjs; }
    "$ROOT/scripts/test-services.sh" up
    trap '"$ROOT/scripts/test-services.sh" down' EXIT
    log "tests"
    npx tap "$@"
    ;;
  demo)
    setup
    deps
    # Default: the real image in QEMU behind a local relay; --host: the agent straight on this machine.
    if [ "${1:-}" = --host ]; then shift; exec node --import tsx scripts/demo.ts "$@"; fi
    exec node --import tsx scripts/demo-image.ts "$@"
    ;;
  image)
    setup
    deps
    exec "$ROOT/image/build.sh" "$@"
    ;;
  bench)
    setup
    deps
    "$ROOT/scripts/test-services.sh" up
    trap '"$ROOT/scripts/test-services.sh" down' EXIT
    npm run --silent bench -- "$@"
    ;;
  services)
    "$ROOT/scripts/test-services.sh" "$@"
    ;;
  *)
    sed -n '2,8p' "$0"
    [ "$cmd" = help ] || exit 2
    ;;
esac
