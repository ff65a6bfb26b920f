#!/usr/bin/env bash
# bench/images.sh — image benchmark, Debian's docker.io (dockerd 20.10 + its own containerd) vs berthd,
# side by side in one run, both driven by the same docker CLI (and berth's CLI for load/save too):
#   1. load and save of a BIG_MB (default 100) MB image of random data in 4 layers (hyperfine, RUNS each;
#      each load starts from an empty store: the image is removed in hyperfine's --prepare)
#   2. GET /images/json with N_IMAGES (default 500) distinct images, timed inside one node process
#      (median of 30), plus `docker images` wall time (hyperfine)
#   3. `berth version` against a bare `node -e 0` start (hyperfine -N)
#   4. idle RSS: dockerd + containerd vs berthd, fresh and after the loads (each read after 15 s idle)
# Prints a table with berth/docker ratios (< 1 means berth is faster/smaller).
#
#   sudo bench/images.sh                 # builds first; NO_BUILD=1 to skip; RUNS=5 BIG_MB=100 N_IMAGES=500
#
# Both daemons get their own throwaway roots under /tmp/berth-bench.*; traffic goes over unix sockets only
# (dockerd runs with --bridge=none --iptables=false, berthd with --allowed-registry 127.0.0.0/8).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BIG_MB=${BIG_MB:-100}
N_IMAGES=${N_IMAGES:-500}
DOCKER=${DOCKER:-/usr/local/bin/docker}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (dockerd)" >&2; exit 1; }
# Debian's docker.io (the engine compared against) and the tools the benchmark uses, when missing.
need=()
command -v dockerd >/dev/null || need+=(docker.io)
for p in hyperfine jq curl bc; do command -v "$p" >/dev/null || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
for c in dockerd hyperfine jq curl "$DOCKER"; do command -v "$c" >/dev/null || { echo "bench: $c missing" >&2; exit 1; }; done
[ "${NO_BUILD:-}" = 1 ] || node scripts/build.mjs >/dev/null
[ -f dist/berthd.js ] && [ -f dist/berth.cjs ] || { echo "bench: dist/berthd.js or dist/berth.cjs missing (build failed?)" >&2; exit 1; }

W=$(mktemp -d /tmp/berth-bench.XXXXXX)
DSOCK=$W/docker.sock
BSOCK=$W/berth.sock
mkdir -p "$W/cfg" "$W/docker" "$W/berth"
export DOCKER_CONFIG=$W/cfg
DPID= BPID=
cleanup() {
  set +e
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
trap cleanup EXIT
log() { printf '%s\n' "$*" >&2; }

wait_ping() { for _ in $(seq 1 200); do curl -sf --unix-socket "$1" http://x/_ping >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "bench: $1 does not answer" >&2; return 1; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
docker_rss() { # dockerd + the containerd it started (and its shims, none here)
  local total; total=$(rss_kb "$DPID")
  for c in $(pgrep -P "$DPID" || true); do total=$((total + $(rss_kb "$c"))); done
  echo "$total"
}

log "starting dockerd ($(dockerd --version)) and berthd in $W"
dockerd --data-root "$W/docker/root" --exec-root "$W/docker/exec" -H "unix://$DSOCK" --pidfile "$W/docker.pid" \
  --iptables=false --ip6tables=false --bridge=none >"$W/dockerd.log" 2>&1 &
DPID=$!
node dist/berthd.js --data-root "$W/berth/root" --exec-root "$W/berth/exec" -H "unix://$BSOCK" \
  --allowed-registry 127.0.0.0/8 >"$W/berthd.log" 2>&1 &
BPID=$!
wait_ping "$DSOCK"
wait_ping "$BSOCK"
# Idle means settled: V8's memory reducer gives back start-up garbage about 8 s after the last activity,
# and dockerd/containerd settle too. Both are read at the same moment.
sleep 15
RSS_D0=$(docker_rss) RSS_B0=$(rss_kb "$BPID")

log "making inputs: ${BIG_MB} MB image, ${N_IMAGES} images"
node out/bench/make-images.js big "$W/big.tar" "$BIG_MB" >/dev/null
node out/bench/make-images.js many "$W/many.tar" "$N_IMAGES" >/dev/null

D="env DOCKER_HOST=unix://$DSOCK $DOCKER"
B="env DOCKER_HOST=unix://$BSOCK $DOCKER"
BB="env BERTH_HOST=unix://$BSOCK BERTH_NO_AUTOSTART=1 node dist/berth.cjs"

log "load ${BIG_MB} MB"
hyperfine -r "$RUNS" --export-json "$W/load.json" --style basic \
  --prepare "$D rmi -f bench/big:1 >/dev/null 2>&1; true" -n "dockerd load" "$D load -q -i $W/big.tar" \
  --prepare "$B rmi -f bench/big:1 >/dev/null 2>&1; true" -n "berthd load (docker CLI)" "$B load -q -i $W/big.tar" \
  --prepare "$BB rmi -f bench/big:1 >/dev/null 2>&1; true" -n "berthd load (berth CLI)" "$BB load -q -i $W/big.tar" >&2
$D image inspect bench/big:1 >/dev/null && $BB image inspect bench/big:1 >/dev/null

log "save ${BIG_MB} MB"
hyperfine -r "$RUNS" --export-json "$W/save.json" --style basic \
  -n "dockerd save" "$D save -o $W/d-out.tar bench/big:1" \
  -n "berthd save (docker CLI)" "$B save -o $W/b-out.tar bench/big:1" \
  -n "berthd save (berth CLI)" "$BB save -o $W/bb-out.tar bench/big:1" >&2

log "load ${N_IMAGES} images"
T0=$EPOCHREALTIME; $D load -q -i "$W/many.tar" >/dev/null; T1=$EPOCHREALTIME
$B load -q -i "$W/many.tar" >/dev/null; T2=$EPOCHREALTIME
MANY_D=$(echo "($T1 - $T0) * 1000" | bc) MANY_B=$(echo "($T2 - $T1) * 1000" | bc)
ND=$($D images -q | wc -l) NB=$($B images -q | wc -l)
log "images listed: dockerd $ND, berthd $NB"

log "GET /images/json with $N_IMAGES images"
read -r API_D _ _ BYTES_D < <(node out/bench/api-latency.js "$DSOCK" /images/json 30)
read -r API_B _ _ BYTES_B < <(node out/bench/api-latency.js "$BSOCK" /images/json 30)
hyperfine -r "$((RUNS * 2))" -w 2 --export-json "$W/images.json" --style basic \
  -n "dockerd: docker images" "$D images" -n "berthd: docker images" "$B images" -n "berthd: berth images" "$BB images" >&2

log "CLI start: berth version vs a bare node start (the engine-core goal: at most 1.3x)"
hyperfine -N -r "$((RUNS * 10))" -w 5 --export-json "$W/start.json" --style basic \
  -n "node -e 0" "node -e 0" -n "berth version" "env BERTH_HOST=unix://$BSOCK BERTH_NO_AUTOSTART=1 node dist/berth.cjs version" >&2

sleep 15
RSS_D1=$(docker_rss) RSS_B1=$(rss_kb "$BPID")

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$W/$1.json"; }
ratio() { printf "%.3f" "$(echo "scale=4; $1 / $2" | bc)"; }
row() { printf '%-44s %12s %12s %8s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"; }
L_D=$(med load "dockerd load") L_B=$(med load "berthd load (docker CLI)") L_BB=$(med load "berthd load (berth CLI)")
S_D=$(med save "dockerd save") S_B=$(med save "berthd save (docker CLI)") S_BB=$(med save "berthd save (berth CLI)")
I_D=$(med images "dockerd: docker images") I_B=$(med images "berthd: docker images") I_BB=$(med images "berthd: berth images")

echo
echo "berth vs Docker $(dockerd --version | awk '{print $3}' | tr -d ,) — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, runs=$RUNS"
printf '%-44s %12s %12s %8s\n' "metric" "docker" "berth" "ratio"
row "load ${BIG_MB} MB, docker CLI (ms, median)" "$(printf %.0f "$L_D")" "$(printf %.0f "$L_B")"
row "load ${BIG_MB} MB, berth CLI on berthd (ms)" "$(printf %.0f "$L_D")" "$(printf %.0f "$L_BB")"
row "save ${BIG_MB} MB, docker CLI (ms, median)" "$(printf %.0f "$S_D")" "$(printf %.0f "$S_B")"
row "save ${BIG_MB} MB, berth CLI on berthd (ms)" "$(printf %.0f "$S_D")" "$(printf %.0f "$S_BB")"
row "load of $N_IMAGES tiny images, one archive (ms)" "$(printf %.0f "$MANY_D")" "$(printf %.0f "$MANY_B")"
row "GET /images/json, $N_IMAGES images (ms, median)" "$API_D" "$API_B"
row "docker images, $N_IMAGES images (ms, wall)" "$(printf %.0f "$I_D")" "$(printf %.0f "$I_B")"
row "berth images vs docker images (ms, wall)" "$(printf %.0f "$I_D")" "$(printf %.0f "$I_BB")"
NODE0=$(med start "node -e 0") BVER=$(med start "berth version")
row "berth version vs node -e 0 (ms, median)" "$(printf %.1f "$NODE0")" "$(printf %.1f "$BVER")"
row "idle RSS fresh (KiB; dockerd+containerd)" "$RSS_D0" "$RSS_B0"
row "idle RSS after loads (KiB)" "$RSS_D1" "$RSS_B1"
echo "(/images/json body: docker $BYTES_D bytes, berth $BYTES_B bytes)"
