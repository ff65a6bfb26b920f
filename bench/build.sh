#!/usr/bin/env bash
# bench/build.sh — builder benchmark: Docker's legacy builder (dockerd 20.10, DOCKER_BUILDKIT=0) against
# berthd, side by side in one run, with the same docker CLI, plus the berth CLI against berthd.
# The Dockerfile has 10 steps over a CONTEXT_MB (default 51) MB context, as issue 4 describes. Three
# timings, each a hyperfine median:
#   cold       --no-cache build
#   unchanged  rebuild with nothing changed (every step cached)
#   one late   rebuild after changing a file copied by a late step
# BuildKit is not on these machines (no buildx plugin); its figures from the issue are printed for reference.
#
#   sudo bench/build.sh                # builds first; NO_BUILD=1 to skip; RUNS=5 CONTEXT_MB=51
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
CONTEXT_MB=${CONTEXT_MB:-51}
bench_prereqs
bench_start_with_busybox

CTX=$W/ctx
mkdir -p "$CTX/big"
log "making a ${CONTEXT_MB} MB context"
for i in $(seq 1 "$CONTEXT_MB"); do head -c 1048576 /dev/urandom >"$CTX/big/f$i.bin"; done
echo one >"$CTX/small.txt"
echo 0 >"$CTX/late.txt"
cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox:latest
WORKDIR /app
ENV MODE=bench
COPY big/ /app/big/
RUN mkdir -p /app/x && echo built > /app/x/f
COPY small.txt /app/
LABEL bench=build
RUN ls /app > /app/list
COPY late.txt /app/
CMD ["sh"]
EOF

export DOCKER_BUILDKIT=0
DB="$D build -q --pull=false"
BDB="$B build -q --pull=false"
BBB="$BB build -q"
# warm both daemons' page caches and base-image state once
$DB -t warm "$CTX" >/dev/null
$BDB -t warm "$CTX" >/dev/null

log "cold (--no-cache)"
hyperfine -r "$RUNS" -w 1 --export-json "$W/cold.json" --style basic \
  -n "dockerd" "$DB --no-cache -t b:cold $CTX" \
  -n "berthd (docker CLI)" "$BDB --no-cache -t b:cold $CTX" \
  -n "berthd (berth CLI)" "$BBB --no-cache -t b:cold $CTX" >&2

log "unchanged rebuild"
hyperfine -r "$RUNS" -w 1 --export-json "$W/same.json" --style basic \
  -n "dockerd" "$DB -t b:same $CTX" \
  -n "berthd (docker CLI)" "$BDB -t b:same $CTX" \
  -n "berthd (berth CLI)" "$BBB -t b:same $CTX" >&2

log "rebuild after changing the late file"
# each run changes late.txt first, so only the last COPY and CMD rebuild
hyperfine -r "$RUNS" -w 1 --export-json "$W/late.json" --style basic \
  --prepare "date +%s%N >$CTX/late.txt" -n "dockerd" "$DB -t b:late $CTX" \
  --prepare "date +%s%N >$CTX/late.txt" -n "berthd (docker CLI)" "$BDB -t b:late $CTX" \
  --prepare "date +%s%N >$CTX/late.txt" -n "berthd (berth CLI)" "$BBB -t b:late $CTX" >&2

# BuildKit's figures from issue 4 (ms), measured on this kind of machine
BK_COLD=2000 BK_SAME=156 BK_LATE=463
header
for m in cold:"cold build (ms)":$BK_COLD same:"unchanged rebuild (ms)":$BK_SAME late:"rebuild, one late file changed (ms)":$BK_LATE; do
  IFS=: read -r key title bk <<<"$m"
  d=$(printf %.0f "$(med "$key" dockerd)")
  b=$(printf %.0f "$(med "$key" "berthd (docker CLI)")")
  bb=$(printf %.0f "$(med "$key" "berthd (berth CLI)")")
  row "$title, docker CLI" "$d" "$b"
  row "$title, berth CLI" "$d" "$bb"
  printf '%-48s %12s %12s %8s\n' "  vs BuildKit (issue figure)" "$bk" "$bb" "$(ratio "$bb" "$bk")"
done
echo "goals: berth at or under BuildKit on all three; <= 0.3x the legacy builder"
