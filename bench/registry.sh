#!/usr/bin/env bash
# bench/registry.sh — registry push/pull throughput, Debian's docker.io (dockerd 20.10) vs berthd, side by
# side in one run, both driven by the same docker CLI, against the same registry program on 127.0.0.1:
#   1. an image of BENCH_MB (default 200) MB of random, incompressible data in BENCH_LAYERS (default 10)
#      layers, made by out/bench/registry-image.js and loaded into both daemons
#   2. push to Debian's docker-registry (distribution 2.8): a fresh registry (empty root) for every push, so
#      no layer is skipped; the image is re-loaded from the archive before every push, so each engine
#      starts from a loaded image (Docker re-gzips every layer; berth may keep what it has)
#   3. rmi, then pull from that registry into an empty store
#   4. the same pushes and pulls against `berth registry serve` (berth's own registry)
# Throughput is MB (10^6 bytes) of uncompressed layer data per second of wall time of the CLI command,
# median of RUNS (default 3). Prints berth/docker ratios (> 1 means berth is faster) and berth/Podman
# ratios against Podman's measured 106 MB/s push and 125 MB/s pull (issue 7's goals: ≥ 1.2× Podman;
# `berth registry serve` at least as fast as distribution).
#
#   sudo bench/registry.sh               # builds first; NO_BUILD=1 to skip; RUNS=3 BENCH_MB=200 BENCH_LAYERS=10
#   SKIP_BERTH=1 bench/registry.sh       # Docker's numbers only
#   BENCH_DATA=binary bench/registry.sh  # compressible layers (program code) instead of random bytes
#
# All traffic is on 127.0.0.1 (both daemons treat 127.0.0.0/8 registries as insecure: plain HTTP).
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
# shellcheck source=bench/lib.sh
. bench/lib.sh
BENCH_MB=${BENCH_MB:-200}
BENCH_LAYERS=${BENCH_LAYERS:-10}
# random: incompressible layers (berth pushes them as plain tars); binary: program code, which gzip shrinks
BENCH_DATA=${BENCH_DATA:-random}
PODMAN_PUSH=106
PODMAN_PULL=125
REPO=bench/reg

bench_prereqs
command -v docker-registry >/dev/null || { echo "bench: docker-registry missing (apt-get install docker-registry)" >&2; exit 1; }
bench_start
REG_PIDS=()
BEFORE_CLEANUP='for p in "${REG_PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.2; for p in "${REG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done'

log "making a ${BENCH_MB} MB image in ${BENCH_LAYERS} layers"
read -r IMG_ID LAYER_BYTES < <(node out/bench/registry-image.js "$W/img.tar" "$BENCH_MB" "$BENCH_LAYERS" "$BENCH_DATA")
MB=$(echo "scale=3; $LAYER_BYTES / 1000000" | bc)
log "image $IMG_ID, $MB MB of layer data"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# start_registry KIND NAME: KIND is distribution or berth; sets REG (host:port) and REG_PID.
start_registry() {
  local kind=$1 dir=$W/reg-$2 port
  mkdir -p "$dir"
  if [ "$kind" = distribution ]; then
    port=$(free_port)
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
    docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
    REG_PID=$!
    REG=127.0.0.1:$port
  else
    node "$BERTH_CJS" registry serve --addr 127.0.0.1:0 --root "$dir/root" >"$dir/log" 2>&1 &
    REG_PID=$!
    REG=
    for _ in $(seq 1 100); do
      REG=$(sed -n 's/.*listening on \(https\?:\/\/\)\?\([^ ]*\).*/\2/p' "$dir/log" | head -1)
      [ -n "$REG" ] && break
      kill -0 "$REG_PID" 2>/dev/null || break
      sleep 0.1
    done
    [ -n "$REG" ] || { echo "bench: berth registry serve did not start: $(head -3 "$dir/log")" >&2; return 1; }
  fi
  REG_PIDS+=("$REG_PID")
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://$REG/v2/" && return 0; sleep 0.1; done
  echo "bench: registry $kind does not answer on $REG" >&2
  return 1
}
stop_registry() { kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; rm -rf "$W/reg-$1"; }

secs() { echo "$2 - $1" | bc; }
mbps() { printf "%.1f" "$(echo "scale=4; $MB / $1" | bc)"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# one_round CLI KIND TAG: fresh registry, load, push (timed), rmi, pull (timed). Appends to PUSH_S / PULL_S.
one_round() {
  local cli=$1 kind=$2 name=$3 t0 t1 t2 ref id
  start_registry "$kind" "$name"
  ref=$REG/$REPO:1
  $cli rmi -f "$IMG_ID" >/dev/null 2>&1 || true
  $cli load -q -i "$W/img.tar" >/dev/null
  $cli tag bench/reg:1 "$ref"
  t0=$EPOCHREALTIME
  $cli push "$ref" >"$W/push.out" 2>&1 || { cat "$W/push.out" >&2; return 1; }
  t1=$EPOCHREALTIME
  $cli rmi -f "$IMG_ID" >/dev/null
  t2=$EPOCHREALTIME
  $cli pull "$ref" >"$W/pull.out" 2>&1 || { cat "$W/pull.out" >&2; return 1; }
  t3=$EPOCHREALTIME
  id=$($cli image inspect -f '{{.Id}}' "$ref")
  [ "$id" = "$IMG_ID" ] || { echo "bench: $name pulled image $id, expected $IMG_ID" >&2; return 1; }
  PUSH_S+=("$(secs "$t0" "$t1")")
  PULL_S+=("$(secs "$t2" "$t3")")
  $cli rmi -f "$IMG_ID" >/dev/null
  stop_registry "$name"
}

# measure LABEL CLI KIND: RUNS rounds; sets PUSH and PULL (MB/s, from the median times).
measure() {
  local label=$1 cli=$2 kind=$3 i
  PUSH_S=() PULL_S=()
  for i in $(seq 1 "$RUNS"); do
    log "$label: round $i/$RUNS"
    one_round "$cli" "$kind" "$label-$i"
  done
  PUSH=$(mbps "$(median "${PUSH_S[@]}")") PULL=$(mbps "$(median "${PULL_S[@]}")")
  log "$label: push ${PUSH_S[*]} s → $PUSH MB/s; pull ${PULL_S[*]} s → $PULL MB/s"
}

measure docker-dist "$D" distribution; D_PUSH=$PUSH D_PULL=$PULL
if [ "${SKIP_BERTH:-}" = 1 ]; then
  # Docker's side only (to check the bench itself while berth's registry support is missing).
  printf 'docker: push %s MB/s, pull %s MB/s (%s MB in %s layers, runs=%s)\n' "$D_PUSH" "$D_PULL" "$MB" "$BENCH_LAYERS" "$RUNS"
  exit 0
fi
measure berth-dist "$B" distribution; B_PUSH=$PUSH B_PULL=$PULL
SERVE_OK=1
if node "$BERTH_CJS" registry serve --help >/dev/null 2>&1; then
  measure berth-serve "$B" berth; BS_PUSH=$PUSH BS_PULL=$PULL
  measure docker-serve "$D" berth; DS_PUSH=$PUSH DS_PULL=$PULL
else
  SERVE_OK=0
  log "berth registry serve is not available: its rows are skipped"
fi

# server_only KIND NAME: the registry alone, driven by curl: 10 monolithic uploads of distinct 20 MB blobs,
# then 20 downloads of one of them. Sets S_PUT and S_GET (MB/s) and S_CPU (registry CPU seconds, both phases).
server_only() {
  local kind=$1 name=$2 i loc sep c0 c1 t0 t1 t2
  start_registry "$kind" "$name"
  c0=$(awk '{print $14+$15}' "/proc/$REG_PID/stat")
  t0=$EPOCHREALTIME
  for i in $(seq 1 10); do
    loc=$(curl -sf -D - -o /dev/null -X POST "http://$REG/v2/bench/raw/blobs/uploads/" | awk -F': ' 'tolower($1)=="location"{print $2}' | tr -d '\r')
    case "$loc" in http*) ;; *) loc="http://$REG$loc" ;; esac
    sep='?'; [[ "$loc" == *\?* ]] && sep='&'
    curl -sf -o /dev/null -X PUT -H "Content-Type: application/octet-stream" --data-binary "@$W/blob-$i" "$loc${sep}digest=${BLOB_DIGESTS[$i]}" || { echo "bench: upload to $kind failed" >&2; return 1; }
  done
  t1=$EPOCHREALTIME
  for i in $(seq 1 20); do curl -sf -o /dev/null "http://$REG/v2/bench/raw/blobs/${BLOB_DIGESTS[1]}" || { echo "bench: download from $kind failed" >&2; return 1; }; done
  t2=$EPOCHREALTIME
  c1=$(awk '{print $14+$15}' "/proc/$REG_PID/stat")
  S_PUT=$(printf "%.1f" "$(echo "scale=4; 200 / ($t1 - $t0)" | bc)")
  S_GET=$(printf "%.1f" "$(echo "scale=4; 400 / ($t2 - $t1)" | bc)")
  S_CPU=$(printf "%.2f" "$(echo "scale=4; ($c1 - $c0) / $(getconf CLK_TCK)" | bc)")
  stop_registry "$name"
}
if [ "$SERVE_OK" = 1 ]; then
  log "the registries alone (curl): 10 uploads and 20 downloads of 20 MB blobs"
  declare -A BLOB_DIGESTS
  for i in $(seq 1 10); do head -c 20000000 /dev/urandom >"$W/blob-$i"; BLOB_DIGESTS[$i]=sha256:$(sha256sum "$W/blob-$i" | cut -d' ' -f1); done
  server_only distribution alone-dist; SD_PUT=$S_PUT SD_GET=$S_GET SD_CPU=$S_CPU
  server_only berth alone-berth; SB_PUT=$S_PUT SB_GET=$S_GET SB_CPU=$S_CPU
fi

r() { printf "%.2f" "$(echo "scale=4; $1 / $2" | bc)"; }
echo
echo "registry throughput, berth vs Docker $(dockerd --version | awk '{print $3}' | tr -d ,) — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, runs=$RUNS, ${MB} MB in ${BENCH_LAYERS} layers of ${BENCH_DATA} data"
printf '%-46s %9s %9s %9s %9s\n' "MB/s (higher is better)" docker berth "b/docker" "b/podman"
printf '%-46s %9s %9s %9s %9s\n' "push to docker-registry" "$D_PUSH" "$B_PUSH" "$(r "$B_PUSH" "$D_PUSH")" "$(r "$B_PUSH" "$PODMAN_PUSH")"
printf '%-46s %9s %9s %9s %9s\n' "pull from docker-registry" "$D_PULL" "$B_PULL" "$(r "$B_PULL" "$D_PULL")" "$(r "$B_PULL" "$PODMAN_PULL")"
if [ "$SERVE_OK" = 1 ]; then
  printf '%-46s %9s %9s %9s %9s\n' "push to berth registry serve" "$DS_PUSH" "$BS_PUSH" "$(r "$BS_PUSH" "$DS_PUSH")" "$(r "$BS_PUSH" "$PODMAN_PUSH")"
  printf '%-46s %9s %9s %9s %9s\n' "pull from berth registry serve" "$DS_PULL" "$BS_PULL" "$(r "$BS_PULL" "$DS_PULL")" "$(r "$BS_PULL" "$PODMAN_PULL")"
  printf '%-46s %9s %9s\n' "berth serve / docker-registry (berth client)" "push $(r "$BS_PUSH" "$B_PUSH")" "pull $(r "$BS_PULL" "$B_PULL")"
  printf '%-46s %9s %9s\n' "berth serve / docker-registry (docker client)" "push $(r "$DS_PUSH" "$D_PUSH")" "pull $(r "$DS_PULL" "$D_PULL")"
fi
echo "(Podman, measured earlier on this machine: push $PODMAN_PUSH MB/s, pull $PODMAN_PULL MB/s; goal: berth ≥ 1.2× Podman)"
if [ "$SERVE_OK" = 1 ]; then
  printf '%-46s %9s %9s %9s\n' "the registry alone (curl)" distribution "berth" "b/dist"
  printf '%-46s %9s %9s %9s\n' "  uploads, 10 x 20 MB (MB/s)" "$SD_PUT" "$SB_PUT" "$(r "$SB_PUT" "$SD_PUT")"
  printf '%-46s %9s %9s %9s\n' "  downloads, 20 x 20 MB (MB/s)" "$SD_GET" "$SB_GET" "$(r "$SB_GET" "$SD_GET")"
  printf '%-46s %9s %9s %9s\n' "  registry CPU for both (s, lower is better)" "$SD_CPU" "$SB_CPU" "$(r "$SB_CPU" "$SD_CPU")"
fi
