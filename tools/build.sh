#!/usr/bin/env bash
# Configures and builds sysc into build/ (or $SYSC_BUILD_DIR), installing missing
# Debian packages first. Extra arguments go to cmake's configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/bootstrap.sh"
build=${SYSC_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja "$@" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
