#!/usr/bin/env bash
# Daemons the integration tests talk to: podman's Docker-compatible API and a local registry.
#   scripts/test-services.sh up     start them (idempotent) and build the local test images
#   scripts/test-services.sh down   stop what `up` started (by PID)
# Tests find them through HEARTH_TEST_DIR (default /run/hearth-test): podman.sock, registry at 127.0.0.1:5000.
set -euo pipefail
DIR=${HEARTH_TEST_DIR:-/run/hearth-test}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REGISTRY_ADDR=${HEARTH_TEST_REGISTRY:-127.0.0.1:5000}
mkdir -p "$DIR"

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

wait_for() { # wait_for DESCRIPTION COMMAND...
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "test-services: $what did not come up" >&2; return 1
}

# Hybrid cgroups: crun needs the hugetlb controller mounted; runc (our configured runtime) does not, but
# podman probes it. Harmless when already mounted or unsupported.
cgroup_fixup() {
  if [ -d /sys/fs/cgroup ] && [ ! -d /sys/fs/cgroup/hugetlb ] && ! mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
    mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null || true
  fi
}

up() {
  cgroup_fixup
  # The test registry speaks plain HTTP on loopback; podman must be told so (the agent pulls through its API).
  local conf=/etc/containers/registries.conf.d/50-hearth-test.conf
  if [ ! -f "$conf" ]; then
    mkdir -p "$(dirname "$conf")"
    printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY_ADDR" >"$conf"
  fi
  # podman configured as on a device (image/overlay/common/etc/containers/containers.conf), as a drop-in over the
  # host's own settings; a running service keeps its old settings until `down` + `up`.
  local engine_conf=/etc/containers/containers.conf.d/50-hearth-device.conf
  if ! cmp -s "$ROOT/image/overlay/common/etc/containers/containers.conf" "$engine_conf"; then
    mkdir -p "$(dirname "$engine_conf")"
    cp "$ROOT/image/overlay/common/etc/containers/containers.conf" "$engine_conf"
  fi
  if ! alive podman; then
    rm -f "$DIR/podman.sock"
    nohup podman system service --time=0 "unix://$DIR/podman.sock" >"$DIR/podman.log" 2>&1 &
    echo $! >"$DIR/podman.pid"
    wait_for "podman API" curl -sf --unix-socket "$DIR/podman.sock" http://d/_ping
  fi
  if ! alive registry; then
    mkdir -p "$DIR/registry-data"
    printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n' \
      "$DIR/registry-data" "$REGISTRY_ADDR" >"$DIR/registry.yml"
    nohup docker-registry serve "$DIR/registry.yml" >"$DIR/registry.log" 2>&1 &
    echo $! >"$DIR/registry.pid"
    wait_for "registry" curl -sf "http://$REGISTRY_ADDR/v2/"
  fi
  sweep_dead_scopes
  "$(dirname "$0")/test-images.sh"
}

# Test and benchmark scopes are named <prefix>-<pid>-<random> (test-support/engine.ts newScope) and clean up after
# themselves; one killed mid-run leaves its containers, networks and app-isolation table (agent/src/firewall) behind.
# A left table is not harmless: its "no LAN" drop rules name subnets podman hands to the next networks it creates,
# so a later test's app with permissions.lan is cut off (seen in CI on a machine where benchmarks had been killed).
# Removes what belongs to scopes whose process is gone.
dead_scope() { [[ $1 =~ ^[a-z-]+-([0-9]+)-[a-z0-9]+$ ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; }

sweep_dead_scopes() {
  local id scope table
  podman ps -a --filter label=io.hearth.scope --format '{{.ID}} {{index .Labels "io.hearth.scope"}}' |
    while read -r id scope; do if dead_scope "$scope"; then podman rm -f -t 0 "$id" >/dev/null; fi; done
  podman network ls --filter label=io.hearth.scope --format '{{.Name}}' | while read -r id; do
    scope=$(podman network inspect --format '{{index .Labels "io.hearth.scope"}}' "$id")
    if dead_scope "$scope"; then podman network rm -f "$id" >/dev/null; fi
  done
  command -v nft >/dev/null || return 0
  nft list tables inet | while read -r _ _ table; do
    # hearth_<prefix>_<pid>_<random>: isolationTableName() turns the scope's '-' into '_'.
    if [[ $table =~ ^hearth_[a-z_]+_[0-9]+_[a-z0-9]+$ ]] && dead_scope "$(tr _ - <<<"${table#hearth_}")"; then
      nft delete table inet "$table"
    fi
  done
}

down() {
  for name in registry podman; do
    if alive "$name"; then kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true; fi
    rm -f "$DIR/$name.pid"
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
