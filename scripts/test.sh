#!/usr/bin/env bash
# Runs a test tier on the compiled output (out/). Tiers: unit (no root), root (real mounts,
# namespaces, nftables, runc, conmon), e2e (real berthd driven by berth and the docker CLI), all.
# The root and e2e tiers run inside a network namespace of their own, so nothing they create can
# reach the host's network. A tier with no test files fails: node --test passes silently otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-all}
node scripts/build.mjs

run_tier() {
  local name=$1 dir=$2 wrap=$3
  mapfile -t files < <(find "$dir" -name '*.test.js' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "error: no test files for tier '$name' under $dir" >&2
    return 1
  fi
  echo "== tier $name: ${#files[@]} files"
  if [ "$wrap" = netns ]; then
    if [ "$(id -u)" != 0 ]; then echo "error: tier $name needs root" >&2; return 1; fi
    unshare -n -- bash -c 'ip link set lo up && exec "$@"' _ \
      node --test --test-concurrency=2 --test-timeout=600000 "${files[@]}"
  else
    node --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
  fi
}

case "$tier" in
  unit) run_tier unit out/src plain ;;
  root) run_tier root out/test/root netns ;;
  e2e) run_tier e2e out/test/e2e netns ;;
  all)
    # One node --test run over every tier, so the closing summary counts the whole suite.
    mapfile -t all < <( (find out/src -name '*.test.js'; find out/test/root out/test/e2e -name '*.test.js') 2>/dev/null | sort)
    for d in out/src out/test/root out/test/e2e; do
      if [ -z "$(find "$d" -name '*.test.js' 2>/dev/null | head -1)" ]; then echo "error: no test files under $d" >&2; exit 1; fi
    done
    if [ "$(id -u)" != 0 ]; then echo "error: the full suite needs root (root and e2e tiers)" >&2; exit 1; fi
    echo "== all tiers: ${#all[@]} files"
    unshare -n -- bash -c 'ip link set lo up && exec "$@"' _ \
      node --test --test-concurrency=2 --test-timeout=600000 "${all[@]}"
    ;;
  *) echo "usage: scripts/test.sh unit|root|e2e|all" >&2; exit 2 ;;
esac
