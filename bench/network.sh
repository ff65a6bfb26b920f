#!/usr/bin/env bash
# bench/network.sh — networking, Debian's docker.io (dockerd 20.10 with its bridge, iptables and
# docker-proxy) vs berthd (bridge, nftables DNAT, no proxy), side by side in one run, inside a network
# namespace of its own (nothing touches the host's links or firewall):
#   1. what bridge networking adds to `run --rm busybox true` over `--network none` (hyperfine)
#   2. throughput of 200 MB into a container: through a port published on 127.0.0.1 vs straight to the
#      container's address (node sender, busybox `nc -l` receiving)
#   3. N_SCALE (default 100) containers started on one user network, then every one resolving and pinging
#      another by name (wall time of each phase; berth only unless SCALE_DOCKER=1)
# Goals (networking issue): published-port throughput ≥ 0.95× direct; bridge setup adds ≤ 15 ms to run;
# 100 containers on one network start and resolve each other.
#
#   sudo bench/network.sh           # NO_BUILD=1 to skip the build; RUNS=10 MB=200
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BERTH_BENCH_NETNS:-}" ]; then
  exec unshare -n -- env BERTH_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
RUNS=${RUNS:-10}
MB=${MB:-200}
TRIALS=${TRIALS:-7}                                  # throughput: published and direct alternate, median of each
DOCKERD_NET_ARGS=""                                  # docker's defaults: docker0, iptables, userland proxy
BERTHD_ARGS="--nft-table berth_bench --bridge-prefix bb"
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_prereqs
bench_start_with_busybox

log "run --rm: bridge vs --network none"
hyperfine -N -r "$RUNS" -w 3 --export-json "$W/run.json" --style basic \
  -n "dockerd: none" "$D run --rm --pull=never --network none busybox true" \
  -n "dockerd: bridge" "$D run --rm --pull=never busybox true" \
  -n "berthd: none" "$B run --rm --pull=never --network none busybox true" \
  -n "berthd: bridge" "$B run --rm --pull=never busybox true" >&2

# One receiver per measurement. nc's stdin must stay open (an EOF there would end the connection at
# once); it counts what arrived, so a short transfer is caught.
receive() { # $1 CLI, $2 port publish spec or "", prints the container id
  $1 run -d --pull=never ${2:+-p $2} busybox sh -c 'tail -f /dev/null | nc -l -p 80 | wc -c > /tmp/got'
}
check_got() { # $1 CLI, $2 container: the receiver got all MB
  local got=""
  for _ in $(seq 1 50); do got=$($1 exec "$2" cat /tmp/got 2>/dev/null || true); [ -n "$got" ] && break; sleep 0.1; done
  [ "$got" = "$((MB * 1024 * 1024))" ] || { echo "bench: the receiver got ${got:-nothing} of $((MB * 1024 * 1024)) bytes" >&2; exit 1; }
}
wait_listen() { # $1 CLI, $2 container
  for _ in $(seq 1 50); do $1 exec "$2" sh -c 'netstat -ltn 2>/dev/null | grep -q ":80 "' && return 0; sleep 0.1; done
}
throughput() { # $1 CLI, $2 label: prints "published direct" in MB/s (medians of TRIALS, alternating)
  local pub=() dir=() c ip i
  for i in $(seq 1 "$TRIALS"); do
    c=$(receive "$1" "127.0.0.1:18${i}80:80"); wait_listen "$1" "$c"
    pub+=("$(node out/bench/tcp-send.js 127.0.0.1 "18${i}80" "$MB")"); check_got "$1" "$c"; $1 rm -f "$c" >/dev/null
    c=$(receive "$1" ""); wait_listen "$1" "$c"
    ip=$($1 inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c")
    dir+=("$(node out/bench/tcp-send.js "$ip" 80 "$MB")"); check_got "$1" "$c"; $1 rm -f "$c" >/dev/null
  done
  printf '%s %s\n' "$(printf '%s\n' "${pub[@]}" | sort -n | sed -n "$(( (TRIALS + 1) / 2 ))p")" "$(printf '%s\n' "${dir[@]}" | sort -n | sed -n "$(( (TRIALS + 1) / 2 ))p")"
}
log "throughput, $MB MB: published port vs direct"
read -r DPUB DDIR < <(throughput "$D" docker)
read -r BPUB BDIR < <(throughput "$B" berth)

N_SCALE=${N_SCALE:-100}
scale() { # $1: CLI, $2: label; prints "<start ms> <resolve ms> <failures>"
  local c=$1 t0 t1 t2 fails=0 i
  $c network create --subnet 10.201.0.0/16 scale >/dev/null
  t0=$(date +%s%N)
  for i in $(seq 1 "$N_SCALE"); do $c run -d --pull=never --network scale --name "s$i" busybox sleep 600 >/dev/null; done
  t1=$(date +%s%N)
  for i in $(seq 1 "$N_SCALE"); do
    j=$(( i % N_SCALE + 1 ))
    $c exec "s$i" ping -c 1 -W 2 "s$j" >/dev/null 2>&1 || fails=$((fails + 1))
  done
  t2=$(date +%s%N)
  $c rm -f $(seq -f 's%g' 1 "$N_SCALE") >/dev/null
  $c network rm scale >/dev/null
  echo "$(( (t1 - t0) / 1000000 )) $(( (t2 - t1) / 1000000 )) $fails"
}
log "$N_SCALE containers on one network: start, then each pings the next by name"
read -r BS_START BS_RES BS_FAIL < <(scale "$B" berthd)
DS_START=- DS_RES=- DS_FAIL=-
if [ "${SCALE_DOCKER:-}" = 1 ]; then read -r DS_START DS_RES DS_FAIL < <(scale "$D" dockerd); fi

header
row "run --rm true, --network none (ms, median)" "$(printf %.0f "$(med run "dockerd: none")")" "$(printf %.0f "$(med run "berthd: none")")"
row "run --rm true, default bridge (ms, median)" "$(printf %.0f "$(med run "dockerd: bridge")")" "$(printf %.0f "$(med run "berthd: bridge")")"
row "bridge setup over none (ms)" "$(printf %.0f "$(echo "$(med run "dockerd: bridge") - $(med run "dockerd: none")" | bc)")" "$(printf %.0f "$(echo "$(med run "berthd: bridge") - $(med run "berthd: none")" | bc)")"
row "published port on 127.0.0.1 (MB/s)" "$DPUB" "$BPUB"
row "straight to the container (MB/s)" "$DDIR" "$BDIR"
printf '%-48s %12s %12s\n' "published / direct (goal ≥ 0.95)" "$(ratio "$DPUB" "$DDIR")" "$(ratio "$BPUB" "$BDIR")"
printf '%-48s %12s %12s\n' "$N_SCALE containers on one network: start (ms)" "$DS_START" "$BS_START"
printf '%-48s %12s %12s\n' "  then each pings the next by name (ms)" "$DS_RES" "$BS_RES"
printf '%-48s %12s %12s\n' "  names that did not resolve or answer" "$DS_FAIL" "$BS_FAIL"
