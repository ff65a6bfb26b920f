#!/usr/bin/env bash
# The demo: starts berthd (unless one answers already), makes a busybox image from Debian's busybox-static,
# lists, inspects, saves and loads it — with berth, and once with the docker CLI against berthd.
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
if [ -x /usr/local/bin/docker ]; then
  echo; echo "# the docker CLI against berthd:"
  step env DOCKER_HOST=$BERTH_HOST /usr/local/bin/docker images
  echo; echo "# a container, run by runc under conmon (the berth CLI's run comes with the containers issue):"
  step env DOCKER_HOST=$BERTH_HOST /usr/local/bin/docker run --rm --pull=never busybox echo hello from a berth container
fi
step berth system df
