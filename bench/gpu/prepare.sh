#!/bin/sh
# bench/gpu/prepare.sh [BUILD]: on a machine with sysc built (BUILD, default build/),
# writes what bench/gpu/run.sh needs on a GPU machine without LLVM into bench/gpu/out/
# (git-ignored): the samples' modules (PTX for sm_90, SPIR-V for OpenCL; conv2d also
# specialized for 3 x 3 filters), those of bench/gpu's specs and the front end's
# generated parser.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
out=$root/bench/gpu/out
mkdir -p "$out/gen"
for f in gemm gemm_blocked gemm_lowp gemm_dfp16 gemm_mx conv1d conv2d conv2d_batch conv3x3; do
  "$build/compiler/sysc" build "$root/samples/$f.sys" --target=ptx --gpu=${SYSC_GPU:-sm_90} -o "$out/$f.ptx"
  "$build/compiler/sysc" build "$root/samples/$f.sys" --target=spirv --gpu=generic -o "$out/$f.spv"
done
# conv2d compiled for 3 x 3 filters only (the filter loops unroll)
"$build/compiler/sysc" build "$root/samples/conv2d.sys" --specialize R=3,S=3 --target=ptx --gpu=${SYSC_GPU:-sm_90} \
  -o "$out/conv2d_3x3.ptx"
"$build/compiler/sysc" build "$root/samples/conv2d.sys" --specialize R=3,S=3 --target=spirv --gpu=generic \
  -o "$out/conv2d_3x3.spv"
# bench/gpu's own specs for GPUs: conv3x3.sys with the filters on the lanes (stored
# [C][3][3][K]), gemm_blocked.sys on 32 lanes
for f in conv3x3_crsk gemm_lanes32; do
  "$build/compiler/sysc" build "$root/bench/gpu/$f.sys" --target=ptx --gpu=${SYSC_GPU:-sm_90} -o "$out/$f.ptx"
  "$build/compiler/sysc" build "$root/bench/gpu/$f.sys" --target=spirv --gpu=generic -o "$out/$f.spv"
done
for f in conv2d_batch; do
  "$build/compiler/sysc" build "$root/samples/$f.sys" --specialize R=3,S=3 --target=ptx --gpu=${SYSC_GPU:-sm_90} \
    -o "$out/${f}_3x3.ptx"
done
cp "$build"/compiler/gen/sysc.tab.c "$build"/compiler/gen/sysc.tab.h "$build"/compiler/gen/sysc.lex.c "$out/gen/"
ls -l "$out"
