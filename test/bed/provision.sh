#!/usr/bin/env bash
# Provision the real test bed for the e2e tests (test equipment, not product):
#   1. a Docker engine answering on unix:///var/run/docker.sock (Debian's docker.io, started here if needed),
#   2. a local registry on 127.0.0.1:5000 (Debian's docker-registry),
#   3. the gateway double image (test/double/ on the host's node, no network needed), pushed to that registry
#      as 127.0.0.1:5000/higress/all-in-one:double-<hash> and .../mirror-b/higress/all-in-one:double-<hash>,
#   4. tmux (a terminal test needs it),
#   5. the real OpenClaw from npm, with the Node >= 24 it needs (test/bed/openclaw.sh, into .test-bed/openclaw/),
# then writes .test-bed/bed.json. Idempotent: whatever already runs is reused. Never skips: exits 1 with the
# reason when something cannot be provisioned.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BED_DIR="$ROOT/.test-bed"
STATE_DIR=/var/lib/get-ai-gateway-test-bed         # logs and configs of the services started here
REGISTRY_STORAGE=/var/lib/get-ai-gateway-test-registry
REGISTRY=127.0.0.1:5000
IMAGE_REPO="$REGISTRY/higress/all-in-one"
MIRROR_REPO="$REGISTRY/mirror-b/higress/all-in-one"
export DOCKER_HOST=unix:///var/run/docker.sock
# Never let a registry look-up or the daemon wait for a terminal.
export DEBIAN_FRONTEND=noninteractive

T0=$(date +%s%N)
say() { printf 'test-bed: %s\n' "$*" >&2; }
die() { printf 'test-bed: FAILED: %s\n' "$*" >&2; exit 1; }
CLEANUP=()
cleanup() { local d; for d in "${CLEANUP[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT
elapsed() { echo "$(( ($(date +%s%N) - T0) / 1000000 )) ms"; }

# wait_until <seconds> <command...>: poll every 0.2 s until the command succeeds; 1 on timeout.
wait_until() {
  local limit=$1; shift
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

is_root() { [[ $(id -u) == 0 ]]; }
is_debian() { [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null; }

APT_UPDATED=0
# apt_install <package...>: install the packages not installed yet (apt-get update only when needed).
apt_install() {
  local missing=() p
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == *'install ok installed'* ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  is_root && is_debian || die "packages missing (${missing[*]}) and this is not root on Debian: install them yourself"
  local p2 need_update=0
  for p2 in "${missing[@]}"; do
    # (no `| grep -q` under pipefail: grep's early exit would fail the pipeline with SIGPIPE)
    [[ $(apt-cache policy "$p2" 2>/dev/null || true) =~ Candidate:\ [0-9] ]] || need_update=1
  done
  mkdir -p "$STATE_DIR"
  local log="$STATE_DIR/apt.log"
  if ((need_update)) && ((APT_UPDATED == 0)); then
    say "apt-get update (log: $log)"
    apt-get update >>"$log" 2>&1 </dev/null || { tail -n 20 "$log" >&2; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  say "apt-get install ${missing[*]} (log: $log)"
  # policy-rc.d 101: the packages' maintainer scripts must not try to start services (no init here).
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
  local rc=0
  apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1 </dev/null || rc=$?
  ((created_policy)) && rm -f "$policy"
  if ((rc != 0)); then tail -n 20 "$log" >&2; die "apt-get install ${missing[*]} failed (exit $rc)"; fi
}

# alive <command name>: a live (not zombie) process of that name exists
alive() { [[ $(ps -C "$1" -o stat= 2>/dev/null || true) =~ (^|$'\n')[^Z] ]]; }

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# ---------------------------------------------------------------- 1. Docker engine
ensure_engine() {
  if engine_answers; then return 0; fi
  is_root && is_debian || die "no Docker engine answers on /var/run/docker.sock and this is not root on Debian: start one"
  apt_install docker.io
  command -v dockerd >/dev/null || die "dockerd not found after installing docker.io"
  mkdir -p "$STATE_DIR"
  local log="$STATE_DIR/dockerd.log"
  if alive dockerd; then
    say "dockerd is running but not answering yet; waiting"
  else
    say "starting dockerd (log: $log)"
    # Pid files left by a daemon that was killed (the machine's processes do not survive between sessions)
    # would make dockerd refuse to start when the pid has been reused; the stale socket it removes itself.
    rm -f /var/run/docker.pid
    alive containerd || rm -f /var/run/docker/containerd/containerd.pid
    setsid nohup dockerd --host unix:///var/run/docker.sock --storage-driver overlay2 \
      >"$log" 2>&1 </dev/null 9>&- &   # 9>&-: the daemon must not inherit the provisioning lock
  fi
  if ! wait_until 60 engine_answers; then
    say "dockerd did not answer within 60 s; last lines of $log:"
    tail -n 30 "$log" >&2 || true
    die "Docker engine could not be started"
  fi
}

# ---------------------------------------------------------------- 2. local registry
registry_answers() { curl -fsS -m 2 "http://$REGISTRY/v2/" >/dev/null 2>&1; }

ensure_registry() {
  registry_answers && return 0
  apt_install docker-registry
  local bin
  bin=$(command -v docker-registry || true)
  [[ -n $bin ]] || bin=/usr/bin/docker-registry
  [[ -x $bin ]] || die "docker-registry binary not found after installing the package"
  mkdir -p "$STATE_DIR" "$REGISTRY_STORAGE"
  local conf="$STATE_DIR/registry.yml" log="$STATE_DIR/registry.log"
  cat >"$conf" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_STORAGE
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  say "starting docker-registry on $REGISTRY (log: $log)"
  setsid nohup "$bin" serve "$conf" >"$log" 2>&1 </dev/null 9>&- &
  if ! wait_until 30 registry_answers; then
    say "registry did not answer within 30 s; last lines of $log:"
    tail -n 30 "$log" >&2 || true
    die "local registry could not be started on $REGISTRY"
  fi
}

# ---------------------------------------------------------------- 3. gateway double image
NODE_BIN=$(readlink -f "$(command -v node || true)" 2>/dev/null || true)
[[ -x $NODE_BIN ]] || die "node not found on PATH"
NODE_MODULES="$ROOT/node_modules"
DOUBLE_PACKAGES=(yaml re2js)

double_tag() {
  # Content hash of everything that ends up in the image: the double's sources, this script's build
  # recipe, the node binary's version and the copied packages' versions.
  {
    # (paths relative to the repo, so every checkout of the same sources gets the same tag)
    (cd "$ROOT" && find test/double -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum && sha256sum test/bed/provision.sh)
    "$NODE_BIN" --version
    local p
    for p in "${DOUBLE_PACKAGES[@]}"; do
      [[ -f $NODE_MODULES/$p/package.json ]] || die "node_modules/$p missing: run npm ci"
      printf '%s %s\n' "$p" "$("$NODE_BIN" -p "require('$NODE_MODULES/$p/package.json').version")"
    done
  } | sha256sum | cut -c1-12 | sed 's/^/double-/'
}

manifest_exists() { # <repo path without registry> <tag>
  curl -fsS -m 5 -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$1/manifests/$2" 2>/dev/null
}

build_double_image() {
  local tag=$1 ref="$IMAGE_REPO:$1"
  apt_install busybox-static
  local busybox
  busybox=$(command -v busybox || echo /bin/busybox)
  [[ -x $busybox ]] && file_is_static "$busybox" || die "busybox-static not found at $busybox"

  local work
  work=$(mktemp -d /tmp/gateway-double-rootfs.XXXXXX)
  CLEANUP+=("$work")
  local rootfs="$work/rootfs"
  mkdir -p "$rootfs"/{bin,etc,tmp,data,double,usr/local/bin,var/log/higress,var/log/proxy,root}
  chmod 1777 "$rootfs/tmp"

  # node plus every shared library it loads (and the dynamic loader), at their usual paths.
  cp "$NODE_BIN" "$rootfs/usr/local/bin/node"
  local lib
  while read -r lib; do
    [[ -n $lib && -e $lib ]] || continue
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done < <(ldd "$NODE_BIN" | awk '/=>/ { print $3; next } /^[[:space:]]*\// { print $1 }')

  # busybox as the little shell toolbox the real image has (docker exec sh -c 'mv …' etc.).
  cp "$busybox" "$rootfs/bin/busybox"
  local applet
  for applet in sh mv rm cat tail head ls mkdir cp sleep touch echo test ln chmod find grep wc env ps kill \
    true false stat sed printf date id; do
    ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

  # the double and the packages it imports
  cp -r "$ROOT/test/double/." "$rootfs/double/"
  mkdir -p "$rootfs/double/node_modules"
  local p dep
  for p in "${DOUBLE_PACKAGES[@]}"; do
    cp -r "$NODE_MODULES/$p" "$rootfs/double/node_modules/$p"
    dep=$("$NODE_BIN" -p "Object.keys(require('$NODE_MODULES/$p/package.json').dependencies||{}).join(' ')")
    [[ -z $dep ]] || die "package $p has dependencies ($dep): add them to DOUBLE_PACKAGES"
  done

  say "importing $ref"
  tar -C "$rootfs" --numeric-owner -cf "$work/rootfs.tar" .
  docker import \
    --change 'ENV PATH=/usr/local/bin:/bin' \
    --change 'WORKDIR /' \
    --change 'CMD ["/usr/local/bin/node","/double/server.mjs"]' \
    "$work/rootfs.tar" "$ref" >/dev/null || die "docker import failed"
  # The double must at least start its node here (catches a missing library early).
  docker run --rm --entrypoint /usr/local/bin/node "$ref" -e 'require("/double/node_modules/yaml")' \
    >/dev/null || die "the double image cannot run node"
}

file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

ensure_double_image() {
  local tag
  tag=$(double_tag)
  if manifest_exists higress/all-in-one "$tag" && manifest_exists mirror-b/higress/all-in-one "$tag"; then
    say "double image $IMAGE_REPO:$tag already in the registry"
  else
    if ! docker image inspect "$IMAGE_REPO:$tag" >/dev/null 2>&1; then
      build_double_image "$tag"
    fi
    docker tag "$IMAGE_REPO:$tag" "$MIRROR_REPO:$tag"
    say "pushing $IMAGE_REPO:$tag and $MIRROR_REPO:$tag"
    docker push -q "$IMAGE_REPO:$tag" >/dev/null || die "docker push $IMAGE_REPO:$tag failed"
    docker push -q "$MIRROR_REPO:$tag" >/dev/null || die "docker push $MIRROR_REPO:$tag failed"
    # Drop the engine's copies of older doubles (not from the registry; images a container still uses stay).
    local old
    old=$(docker image ls --format '{{.Repository}}:{{.Tag}}' | awk -v a="$IMAGE_REPO:double-" -v b="$MIRROR_REPO:double-" \
      -v keep=":$tag" 'index($0, a) == 1 || index($0, b) == 1 { if (substr($0, length($0) - length(keep) + 1) != keep) print }')
    [[ -z $old ]] || docker image rm $old >/dev/null 2>&1 || true
  fi
  DOUBLE_TAG=$tag
}

# ---------------------------------------------------------------- 4. tmux
ensure_tmux() { command -v tmux >/dev/null || apt_install tmux; }

# ---------------------------------------------------------------- main
# One provisioning at a time on this machine (several test runs may start together).
mkdir -p "$STATE_DIR" 2>/dev/null || die "cannot create $STATE_DIR (not root?)"
exec 9>"$STATE_DIR/provision.lock"
if ! flock -n 9; then
  say "waiting for another provisioning to finish"
  flock -w 600 9 || die "another provisioning held $STATE_DIR/provision.lock for 10 minutes"
fi
command -v docker >/dev/null || { apt_install docker.io; }
command -v curl >/dev/null || apt_install curl
ensure_engine
ensure_registry
ensure_double_image
ensure_tmux
bash "$ROOT/test/bed/openclaw.sh" || die "OpenClaw could not be installed for the e2e tests (see above)"

mkdir -p "$BED_DIR"
bed_tmp=$(mktemp "$BED_DIR/bed.json.XXXXXX")
cat >"$bed_tmp" <<EOF
{
  "dockerHost": "$DOCKER_HOST",
  "registry": "$REGISTRY",
  "imageRepo": "$IMAGE_REPO",
  "imageTag": "$DOUBLE_TAG",
  "mirrorRepo": "$MIRROR_REPO"
}
EOF
chmod 644 "$bed_tmp"
mv "$bed_tmp" "$BED_DIR/bed.json"
say "ready in $(elapsed): engine $(docker version --format '{{.Server.Version}}'), image $IMAGE_REPO:$DOUBLE_TAG"
