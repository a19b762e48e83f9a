#!/usr/bin/env bash
# The main job of the README's quick start: set up, build, and take the GEMM sample
# through the compiler: check it, explain the array its mapping builds, and run it
# on random data on the host CPU (odd sizes, then 1024^3 for throughput), checked bit
# for bit against the interpreter.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh" >/dev/null
sysc=$root/build/compiler/sysc
spec=${1:-$root/samples/gemm.sys}
echo "== sysc check $spec"
"$sysc" check "$spec" && echo "ok: the spec and its mappings are legal"
echo "== sysc explain $spec --mapping output_stationary"
"$sysc" explain "$spec" --mapping output_stationary
echo "== sysc run $spec --size M=37,N=45,K=19"
"$sysc" run "$spec" --size M=37,N=45,K=19
echo "== sysc run $spec --mapping output_stationary --size M=1024,N=1024,K=1024 --bench 5"
"$sysc" run "$spec" --mapping output_stationary --size M=1024,N=1024,K=1024 --bench 5
