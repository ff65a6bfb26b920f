# bench/lib.sh — shared by the benchmarks: installs what they use, starts Debian's dockerd (with its own
# containerd) and a berthd side by side on throwaway roots under /tmp/berth-bench.*, and cleans up.
# Source it from a bench script that has done `cd` to the repo root; then call bench_start.
# Sets: W (work dir), DSOCK, BSOCK, DPID, BPID, D (docker CLI → dockerd), B (docker CLI → berthd),
# BB (berth CLI → berthd). Traffic goes over unix sockets only (dockerd runs with --bridge=none
# --iptables=false, berthd with --allowed-registry 127.0.0.0/8).
set -euo pipefail
RUNS=${RUNS:-5}
DOCKER=${DOCKER:-/usr/local/bin/docker}
# The programs measured; point these at a copy of dist/ to bench while dist/ is being rebuilt.
BERTHD_JS=${BERTHD_JS:-dist/berthd.js}
BERTH_CJS=${BERTH_CJS:-dist/berth.cjs}

log() { printf '%s\n' "$*" >&2; }

bench_prereqs() {
  [ "$(id -u)" = 0 ] || { echo "bench: needs root (dockerd)" >&2; exit 1; }
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  for p in hyperfine jq curl bc; do command -v "$p" >/dev/null || need+=("$p"); done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  fi
  for c in dockerd hyperfine jq curl "$DOCKER"; do command -v "$c" >/dev/null || { echo "bench: $c missing" >&2; exit 1; }; done
  [ "${NO_BUILD:-}" = 1 ] || node scripts/build.mjs >/dev/null
  [ -f "$BERTHD_JS" ] && [ -f "$BERTH_CJS" ] || { echo "bench: $BERTHD_JS or $BERTH_CJS missing (build failed?)" >&2; exit 1; }
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# A process and its children (dockerd + the containerd it started; with SHIMS=1 also containerd's shims).
tree_rss() {
  local total c g; total=$(rss_kb "$1")
  for c in $(pgrep -P "$1" || true); do
    total=$((total + $(rss_kb "$c")))
    if [ "${2:-}" = deep ]; then for g in $(pgrep -P "$c" || true); do total=$((total + $(rss_kb "$g"))); done; fi
  done
  echo "$total"
}
wait_ping() { for _ in $(seq 1 200); do curl -sf --unix-socket "$1" http://x/_ping >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "bench: $1 does not answer" >&2; return 1; }

bench_cleanup() {
  set +e
  [ -n "${BEFORE_CLEANUP:-}" ] && eval "$BEFORE_CLEANUP"
  [ -n "$BPID" ] && kill "$BPID" 2>/dev/null
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
  for _ in $(seq 1 100); do
    { [ -z "$BPID" ] || ! kill -0 "$BPID" 2>/dev/null; } && { [ -z "$DPID" ] || ! kill -0 "$DPID" 2>/dev/null; } && break
    sleep 0.1
  done
  [ -n "$BPID" ] && kill -9 "$BPID" 2>/dev/null
  [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
  grep -o " $W[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  [ -f "$W/berthd.log" ] && cp "$W/berthd.log" /tmp/berth-bench-last-berthd.log
  rm -rf "$W"
}

bench_start() {
  W=$(mktemp -d /tmp/berth-bench.XXXXXX)
  DSOCK=$W/docker.sock
  BSOCK=$W/berth.sock
  mkdir -p "$W/cfg" "$W/docker" "$W/berth"
  export DOCKER_CONFIG=$W/cfg
  DPID= BPID=
  trap bench_cleanup EXIT
  log "starting dockerd ($(dockerd --version)) and berthd in $W"
  dockerd --data-root "$W/docker/root" --exec-root "$W/docker/exec" -H "unix://$DSOCK" --pidfile "$W/docker.pid" \
    ${DOCKERD_NET_ARGS---iptables=false --ip6tables=false --bridge=none} >"$W/dockerd.log" 2>&1 &
  DPID=$!
  # dockerd first: it makes docker0 before it answers, so berthd then sees 172.17.0.0/16 in use and takes
  # another subnet (both starting at once could pick the same one in a shared network namespace)
  wait_ping "$DSOCK"
  node "$BERTHD_JS" --data-root "$W/berth/root" --exec-root "$W/berth/exec" -H "unix://$BSOCK" ${BERTHD_ARGS:-} \
    --allowed-registry 127.0.0.0/8 >"$W/berthd.log" 2>&1 &
  BPID=$!
  wait_ping "$DSOCK"
  wait_ping "$BSOCK"
  D="env DOCKER_HOST=unix://$DSOCK $DOCKER"
  B="env DOCKER_HOST=unix://$BSOCK $DOCKER"
  # the berth CLI as the installed command runs it: the file itself (its first line starts node)
  BB="env BERTH_HOST=unix://$BSOCK BERTH_NO_AUTOSTART=1 $BERTH_CJS"
}

# bench_start, then the busybox image (from busybox-static) loaded into both daemons; containers left
# behind are removed at cleanup.
bench_start_with_busybox() {
  node out/test/fixtures/make-busybox.js /tmp/berth-bench-busybox.tar busybox:latest >/dev/null
  bench_start
  BEFORE_CLEANUP='for c in "$D" "$B"; do ids=$($c ps -aq 2>/dev/null); [ -n "$ids" ] && $c rm -f $ids >/dev/null 2>&1; done'
  $D load -q -i /tmp/berth-bench-busybox.tar >/dev/null
  $B load -q -i /tmp/berth-bench-busybox.tar >/dev/null
}

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$W/$1.json"; }
ratio() { printf "%.3f" "$(echo "scale=4; $1 / $2" | bc)"; }
row() { printf '%-48s %12s %12s %8s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"; }
header() {
  echo
  echo "berth vs Docker $(dockerd --version | awk '{print $3}' | tr -d ,) — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, runs=$RUNS"
  printf '%-48s %12s %12s %8s\n' "metric" "docker" "berth" "ratio"
}
