#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine with Node 20: system packages (only those missing), the engine's npm
# packages, the organism's package store (what the sandbox provides offline to every artifact), and the build.
# `--containers` also sets up the docker and podman backends and builds their image (scripts/setup-containers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
containers=no
for arg in "$@"; do
  case "$arg" in
    --containers) containers=yes ;;
    *) echo "setup: unknown option $arg (known: --containers)" >&2; exit 2 ;;
  esac
done

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm ci --no-audit --no-fund --prefix test-rig/store
# gen-0 is a standalone artifact; locally its node_modules is the same read-only store the rig binds in.
ln -sfn ../../test-rig/store/node_modules generations/gen-0/node_modules 2>/dev/null || true
npm run build
[ "$containers" = no ] || bash scripts/setup-containers.sh
