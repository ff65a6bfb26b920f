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
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
BIG_MB=${BIG_MB:-100}
N_IMAGES=${N_IMAGES:-500}
bench_prereqs
bench_start
# Idle means settled: V8's memory reducer gives back start-up garbage about 8 s after the last activity,
# and dockerd/containerd settle too. Both are read at the same moment.
sleep 15
RSS_D0=$(tree_rss "$DPID") RSS_B0=$(rss_kb "$BPID")

log "making inputs: ${BIG_MB} MB image, ${N_IMAGES} images"
node out/bench/make-images.js big "$W/big.tar" "$BIG_MB" >/dev/null
node out/bench/make-images.js many "$W/many.tar" "$N_IMAGES" >/dev/null


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
  -n "node -e 0" "env -u NODE_EXTRA_CA_CERTS node -e 0" -n "berth version" "env BERTH_HOST=unix://$BSOCK BERTH_NO_AUTOSTART=1 $BERTH_CJS version" >&2
# (the berth command starts node without NODE_EXTRA_CA_CERTS, scripts/cli-loader.cjs says why; the bare
# start is measured the same way so the ratio compares like with like)

sleep 15
RSS_D1=$(tree_rss "$DPID") RSS_B1=$(rss_kb "$BPID")

L_D=$(med load "dockerd load") L_B=$(med load "berthd load (docker CLI)") L_BB=$(med load "berthd load (berth CLI)")
S_D=$(med save "dockerd save") S_B=$(med save "berthd save (docker CLI)") S_BB=$(med save "berthd save (berth CLI)")
I_D=$(med images "dockerd: docker images") I_B=$(med images "berthd: docker images") I_BB=$(med images "berthd: berth images")

header
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
