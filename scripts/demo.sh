#!/usr/bin/env bash
# The demo: starts berthd (unless one answers already), makes a busybox image from Debian's busybox-static,
# lists, inspects, saves and loads it, runs containers, then the seed's walkthrough: a Python base image
# from the machine's apt sources, `build -t hello:v1 examples/hello`, create/start/logs/stop/rm.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/bin:$PATH"
sock=/run/berth/berth.sock
export BERTH_HOST=unix://$sock
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

if ! BERTH_NO_AUTOSTART=1 berth version >/dev/null 2>&1; then
  mkdir -p /var/log/berth
  echo "starting berthd (log: /var/log/berth/berthd.log)"
  nohup berthd --allowed-registry 127.0.0.0/8 >>/var/log/berth/berthd.log 2>&1 &
  for _ in $(seq 1 100); do BERTH_NO_AUTOSTART=1 berth version >/dev/null 2>&1 && break; sleep 0.1; done
fi

work=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
node out/test/fixtures/make-busybox.js "$work/busybox-src.tar" busybox:latest
step berth version
step berth load -i "$work/busybox-src.tar"
step berth images
step berth image inspect --format '{{.Id}} {{.Os}}/{{.Architecture}} {{.RootFS.Layers}}' busybox
step berth history busybox
step berth tag busybox demo/busybox:v1
step berth save -o "$work/busybox.tar" busybox demo/busybox:v1
ls -l "$work/busybox.tar"
step berth rmi busybox demo/busybox:v1
step berth load -i "$work/busybox.tar"
step berth images
echo; echo "# containers, run by runc under conmon:"
step berth run --rm --pull=never busybox echo hello from a berth container
step berth run -d --name demo-ticker --pull=never busybox sh -c 'while true; do date; sleep 1; done'
sleep 2
step berth exec demo-ticker uname -a
step berth logs --tail 2 demo-ticker
step berth rm -f demo-ticker
if [ -x /usr/local/bin/docker ]; then
  echo; echo "# the docker CLI against berthd:"
  step env DOCKER_HOST=$BERTH_HOST /usr/local/bin/docker images
  step env DOCKER_HOST=$BERTH_HOST /usr/local/bin/docker run --rm --pull=never busybox echo hello through the docker CLI
fi

# The seed's walkthrough: a Python base image made with debootstrap from this machine's apt sources
# (the first time takes about a minute; later runs reuse it), then examples/hello built and run.
if [ "${BERTH_DEMO_SKIP_DEBIAN:-}" != 1 ]; then
  echo; echo "# the hello example (examples/hello):"
  step berth image debian --suite bookworm --packages python3 -t debian-python:bookworm
  step berth build -t hello:v1 examples/hello
  step berth create -it --name hello_container hello:v1
  step berth start hello_container
  step berth wait hello_container
  step berth logs hello_container
  step berth stop hello_container
  step berth rm hello_container
fi
# Registries: berth's own registry on loopback, a push to it, and a pull back into an empty name.
echo; echo "# a private registry (berth registry serve), push and pull:"
berth registry serve --addr 127.0.0.1:0 --root "$work/registry" >"$work/registry.log" 2>&1 &
reg_pid=$!
trap 'kill "$reg_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q '^listening on ' "$work/registry.log" 2>/dev/null && break; sleep 0.1; done
reg=$(sed -n 's/^listening on //p' "$work/registry.log" | head -1)
step berth tag busybox "$reg/demo/busybox:v1"
step berth push "$reg/demo/busybox:v1"
step berth rmi "$reg/demo/busybox:v1"
step berth pull "$reg/demo/busybox:v1"
step berth run --rm --pull=never "$reg/demo/busybox:v1" echo pulled from berth\'s own registry
step berth rmi "$reg/demo/busybox:v1"
kill "$reg_pid" 2>/dev/null || true

step berth system df
