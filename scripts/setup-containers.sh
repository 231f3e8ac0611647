#!/usr/bin/env bash
# Optional: the rig's container backends on a Debian machine without an image registry (root, no systemd needed).
# Installs podman + runc, docker.io and debootstrap if missing, configures root podman for a cgroup v1/hybrid host
# (runc, cgroupfs, explicit default ulimits), starts dockerd by hand when nothing answers, and builds the rig image
# once per engine (offline; cached by the hash of its inputs, so a rerun costs seconds). `scripts/setup.sh
# --containers` runs this; CI does. See docs/sandbox.md.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-containers: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# crun refuses a hybrid cgroup layout and there is no systemd to manage cgroups: runc + cgroupfs. Podman asks for
# ulimits root may not grant here unless the defaults are explicit (within this machine's hard limits).
conf=/etc/containers/containers.conf
if [ ! -e "$conf" ]; then
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] || [ "$nofile" -gt 10000 ] && nofile=10000
  [ "$nproc" = unlimited ] || [ "$nproc" -gt 10000 ] && nproc=10000
  $sudo mkdir -p /etc/containers
  printf '%s\n' '# written by cambrian scripts/setup-containers.sh (docs/sandbox.md)' '[containers]' \
    "default_ulimits = [\"nofile=${nofile}:${nofile}\", \"nproc=${nproc}:${nproc}\"]" '' '[engine]' \
    'runtime = "runc"' 'cgroup_manager = "cgroupfs"' 'events_logger = "file"' | $sudo tee "$conf" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    $sudo systemctl start docker
  else
    echo "setup-containers: starting dockerd (no bridge, no iptables: the rig uses --network none)" >&2
    $sudo sh -c 'nohup dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
fi

[ -e dist/src/cli/bin.js ] || npm run build
for engine in docker podman; do
  $sudo node dist/src/cli/bin.js sandbox image --engine "$engine" --if-stale
done
