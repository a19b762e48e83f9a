#!/usr/bin/env bash
# The main job of the README's quick start: set up, build, and take the GEMM sample
# through the compiler (today: check it and dump it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh" >/dev/null
sysc=$root/build/compiler/sysc
spec=${1:-$root/samples/gemm.sys}
echo "== sysc check $spec"
"$sysc" check "$spec" && echo "ok: no errors"
echo "== sysc emit --emit=ast $spec"
"$sysc" emit --emit=ast "$spec"
