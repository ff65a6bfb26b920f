#!/usr/bin/env bash
# bench/containers.sh — container benchmark, Debian's docker.io (dockerd 20.10 + containerd + runc) vs berthd
# (runc under conmon), side by side in one run, both with the busybox image made from busybox-static:
#   1. `run --rm busybox true`: docker CLI → dockerd, docker CLI → berthd, berth CLI → berthd (hyperfine)
#   2. 20 × create+start+wait+rm through the docker CLI, per daemon (hyperfine, one run = 20 cycles)
#   3. `ps -a` with 200 created containers (same docker CLI against each daemon)
#   4. RSS with 50 running containers: dockerd + containerd vs berthd (and both with their per-container
#      monitors: containerd shims vs conmons)
# Containers run with --network none on both sides (dockerd here has --bridge=none; bench/network.sh
# measures networking). Prints a table with berth/docker ratios (< 1 means berth is faster/smaller). Goals (containers issue):
# run ≤ 0.5× with the berth CLI and ≤ 0.4× with the docker CLI; 20 cycles ≤ 0.5×; ps -a ≤ 0.5×; RSS ≤ 0.5×.
#
#   sudo bench/containers.sh             # builds first; NO_BUILD=1 to skip; RUNS=10
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_prereqs
bench_start_with_busybox

log "run --rm busybox true"
hyperfine -N -r "$RUNS" -w 2 --export-json "$W/run.json" --style basic \
  -n "dockerd: docker run" "$D run --rm --pull=never --network none busybox true" \
  -n "berthd: docker run" "$B run --rm --pull=never --network none busybox true" \
  -n "berthd: berth run" "$BB run --rm --pull=never --network none busybox true" >&2

cycle() { # $1 = CLI command line; 20 × create+start+wait+rm
  local i id
  for i in $(seq 1 20); do
    id=$($1 create --pull=never --network none busybox true)
    $1 start "$id" >/dev/null
    $1 wait "$id" >/dev/null
    $1 rm "$id" >/dev/null
  done
}
export -f cycle
log "20 × create+start+wait+rm"
hyperfine --shell=bash -r "$(( (RUNS + 4) / 5 ))" --export-json "$W/cycle.json" --style basic \
  -n "dockerd: 20 cycles" "bash -c 'cycle \"$D\"'" -n "berthd: 20 cycles" "bash -c 'cycle \"$B\"'" >&2

log "ps -a with 200 containers"
for i in $(seq 1 200); do $D create --pull=never --network none busybox true >/dev/null; $B create --pull=never --network none busybox true >/dev/null; done
hyperfine -N -r "$RUNS" -w 2 --export-json "$W/ps.json" --style basic \
  -n "dockerd: docker ps -a" "$D ps -a" -n "berthd: docker ps -a" "$B ps -a" -n "berthd: berth ps -a" "$BB ps -a" >&2
$D rm $($D ps -aq) >/dev/null
$B rm $($B ps -aq) >/dev/null

log "RSS with 50 running containers"
for i in $(seq 1 50); do $D run -d --pull=never --network none busybox sleep 3600 >/dev/null; $B run -d --pull=never --network none busybox sleep 3600 >/dev/null; done
sleep 15
RSS_D=$(tree_rss "$DPID") RSS_B=$(rss_kb "$BPID")
RSS_DS=$(tree_rss "$DPID" deep)
RSS_BS=$RSS_B
for c in $(pgrep -x conmon || true); do
  grep -q "$W" "/proc/$c/cmdline" 2>/dev/null && RSS_BS=$((RSS_BS + $(rss_kb "$c")))
done
# containerd-shim processes are reparented away from containerd; count the ones serving this dockerd.
for s in $(pgrep -f containerd-shim || true); do
  grep -q "$W" "/proc/$s/cmdline" 2>/dev/null && RSS_DS=$((RSS_DS + $(rss_kb "$s")))
done

header
row "run --rm busybox true, docker CLI (ms, median)" "$(printf %.0f "$(med run "dockerd: docker run")")" "$(printf %.0f "$(med run "berthd: docker run")")"
row "run --rm busybox true, berth CLI on berthd (ms)" "$(printf %.0f "$(med run "dockerd: docker run")")" "$(printf %.0f "$(med run "berthd: berth run")")"
row "20 × create+start+wait+rm, docker CLI (ms)" "$(printf %.0f "$(med cycle "dockerd: 20 cycles")")" "$(printf %.0f "$(med cycle "berthd: 20 cycles")")"
row "ps -a, 200 containers, docker CLI (ms, median)" "$(printf %.1f "$(med ps "dockerd: docker ps -a")")" "$(printf %.1f "$(med ps "berthd: docker ps -a")")"
row "ps -a, 200 containers, berth CLI on berthd (ms)" "$(printf %.1f "$(med ps "dockerd: docker ps -a")")" "$(printf %.1f "$(med ps "berthd: berth ps -a")")"
row "RSS, 50 running (KiB; dockerd+containerd)" "$RSS_D" "$RSS_B"
row "RSS, 50 running, with shims / conmons (KiB)" "$RSS_DS" "$RSS_BS"
