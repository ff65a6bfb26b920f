#!/usr/bin/env bash
# Sets berth up on a fresh Debian 12 machine of this kind, as root: installs the Debian packages berth and
# its tests use (only those missing), installs npm dependencies (npm ci), builds, and puts `berth` and
# `berthd` on PATH (/usr/local/bin). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pkgs=(runc crun conmon isal nftables iproute2 skopeo docker-registry docker-compose busybox-static debootstrap hyperfine attr
      tini catatonit zstd xz-utils bzip2 tar util-linux procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "setup: missing Debian packages (${missing[*]}); run as root" >&2; exit 1; fi
  echo "setup: installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.berth-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  if ! npm ci --no-audit --no-fund; then
    # npm 11 calls this lock out of sync because node-unix-socket lists per-platform optional packages that
    # npm leaves out of the lock; npm install installs the same pinned versions from it.
    echo "setup: npm ci refused the lock; npm install with the same pins"
    npm install --no-audit --no-fund
    git checkout -- package-lock.json 2>/dev/null || true
  fi
  cp package-lock.json "$stamp"
fi

# npm ci builds binding.gyp's targets; a tree set up before a target was added (or whose C source is
# newer) rebuilds them: the native addon and berth-crun-launcher (crun on hybrid cgroup hosts).
if [ ! -x build/Release/berth-crun-launcher ] || [ src/runtime/crun-launcher.c -nt build/Release/berth-crun-launcher ] ||
  [ ! -f build/Release/berth_native.node ] || [ src/native/berth_native.cc -nt build/Release/berth_native.node ]; then
  echo "setup: node-gyp rebuild"
  npm run --silent install
fi

echo "setup: build"
node scripts/build.mjs

if [ "$(id -u)" = 0 ]; then
  ln -sf "$root/dist/berth.cjs" /usr/local/bin/berth
  ln -sf "$root/dist/berthd.js" /usr/local/bin/berthd
  echo "setup: berth and berthd are on PATH ($(command -v berth), $(command -v berthd))"
fi
