# Shared helpers for image/build.sh: progress per stage with elapsed time, errors that say what is wrong.
# shellcheck shell=bash

BUILD_T0=$(date +%s.%N)

elapsed() { awk -v a="$BUILD_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1fs", b - a }'; }
log() { printf '\033[1m[image %s]\033[0m %s\n' "$(elapsed)" "$*" >&2; }
die() { printf '\033[1;31m[image] error:\033[0m %s\n' "$*" >&2; exit 1; }

# stage NAME CMD...: run one build stage, print its start, end and duration.
stage() {
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  log "==> $name"
  "$@"
  log "<== $name ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s)"
}

need() {
  local missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] || die "missing host tools: ${missing[*]} (run: ./build.sh setup, or apt-get install the package providing them)"
}

# A stable UUID from a name: disks built from one commit carry the same identifiers (reproducible images).
uuid_of() {
  local h; h=$(printf '%s' "$1" | sha256sum | cut -c1-32)
  printf '%s-%s-4%s-8%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}

# Package list file -> space-separated names (comments and blank lines dropped).
read_list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$1" | grep -v '^$' | paste -sd, -; }

# Atomic write of a file we produced: temp name, fsync, rename, fsync the directory.
commit_file() {
  local tmp=$1 dest=$2
  sync "$tmp"
  mv -f "$tmp" "$dest"
  sync "$(dirname "$dest")"
}
