#!/usr/bin/env bash
# Prepares a checkout: Debian packages (when root and missing), npm ci (offline-safe), build.
# Usage: tools/setup.sh run|test   (test also installs what the test suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

# Packages: command that proves it is there -> Debian package.
declare -A wanted=([redis-server]=redis-server [ffmpeg]=ffmpeg [ffprobe]=ffmpeg)
if [ "$mode" = test ]; then
  wanted+=([/usr/bin/chromium]=chromium [espeak-ng]=espeak-ng [sox]=sox [/usr/share/fonts/truetype/wqy/wqy-microhei.ttc]=fonts-wqy-microhei)
fi
missing=()
for cmd in "${!wanted[@]}"; do
  if [[ "$cmd" == /* ]]; then [ -e "$cmd" ] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
  pkg="${wanted[$cmd]}"
  [[ " ${missing[*]:-} " == *" $pkg "* ]] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them (sudo apt-get install ${missing[*]})" >&2
  fi
fi

# onnxruntime-node must not fetch CUDA binaries and Electron must not fetch its binary:
# neither host is reachable offline (see README for enabling CUDA / the desktop app).
export ONNXRUNTIME_NODE_INSTALL=skip ELECTRON_SKIP_BINARY_DOWNLOAD=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
node tools/build.mjs >&2
