#!/bin/sh
# bench/gpu/variants.sh prepare [BUILD] | run: mappings that docs/backends.md compares with
# the samples' own, made from the samples by sed (one spec and one PTX module each, in
# bench/gpu/out/var/). `prepare` runs where sysc is built, `run` on the GPU machine after
# bench/gpu/run.sh (which builds gpu_check).
#   gemm_strided   gemm_blocked.sys with its 4 column registers interleaved with the lanes
#                  (j = 64 jo + 4 jl + jj) instead of 16 consecutive columns each
#   conv_blocked   conv2d_batch.sys with a block of 8 filters x 4 column groups per lane
#                  (q = 64 qo + 16 qj + ql), compiled for 3 x 3 filters
#   gemm_inplace, gemm_blocked_inplace   gemm.sys's output_stationary and gemm_blocked.sys
#                  built with --no-stage-panels (a[i][k] read in place, not through
#                  shared memory as by default)
#   conv3x3_crsk   bench/gpu/conv3x3_crsk.sys: 32 filters on the lanes, 4 x 4 pixels
#                  per lane on registers (filters stored [C][3][3][K])
#   crsk_4x8, crsk_8x4, crsk_2x8   the same with 4 x 8, 8 x 4 and 2 x 8 pixels per lane
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
var=$root/bench/gpu/out/var
case $1 in
prepare)
  sysc=${2:-$root/build}/compiler/sysc
  mkdir -p "$var"
  sed -e 's/jr by 16 as (jj, jl);/jr by 4 as (jl, jj);/' -e 's/spacetime (ii, jj, jl, k)/spacetime (ii, jl, jj, k)/' \
      -e 's/schedule (1, 16, 1, 1)/schedule (1, 4, 1, 1)/' -e 's/links <= 15;/links <= 3;/' \
      "$root/samples/gemm_blocked.sys" > "$var/gemm_strided.sys"
  sed -e 's/tile k by 8, q by 16;/tile k by 8, q by 64 as (qo, qr), qr by 16 as (qj, ql);/' \
      -e 's/spacetime (ki, qi, c) project (0, 0, 1) schedule (1, 1, 1);/spacetime (ki, qj, ql, c) project (0, 0, 0, 1) schedule (1, 16, 1, 1);/' \
      -e 's/lanes qi;/lanes ql;/' -e 's/registers ki;/registers ki, qj;\n  links <= 15;/' -e 's/parallel n, ko, p, qo;/parallel n, ko, p, qo;/' \
      -e '/^\/\/ The form GPUs want/,$d' "$root/samples/conv2d_batch.sys" > "$var/conv_blocked.sys"
  "$sysc" build "$var/gemm_strided.sys" --target=ptx -o "$var/gemm_strided.ptx"
  "$sysc" build "$var/conv_blocked.sys" --target=ptx --specialize R=3,S=3 -o "$var/conv_blocked.ptx"
  "$sysc" build "$root/bench/gpu/conv3x3_crsk.sys" --target=ptx -o "$var/conv3x3_crsk.ptx"
  for t in 4x8 8x4 2x8; do
    sed "s/tile k by 32, p by 4, q by 4;/tile k by 32, p by ${t%x*}, q by ${t#*x};/" \
      "$root/bench/gpu/conv3x3_crsk.sys" > "$var/crsk_$t.sys"
    "$sysc" build "$var/crsk_$t.sys" --target=ptx -o "$var/crsk_$t.ptx"
  done
  "$sysc" build "$root/samples/gemm.sys" --mapping output_stationary --target=ptx --no-stage-panels -o "$var/gemm_inplace.ptx"
  "$sysc" build "$root/samples/gemm_blocked.sys" --target=ptx --no-stage-panels -o "$var/gemm_blocked_inplace.ptx"
  ls "$var" ;;
run)
  check=${TMPDIR:-/tmp}/gpu_check/gpu_check
  [ -x "$check" ] || { echo "no $check: run bench/gpu/run.sh first"; exit 2; }
  for m in gemm_strided conv_blocked conv3x3_crsk crsk_4x8 crsk_8x4 crsk_2x8 gemm_inplace gemm_blocked_inplace; do
    printf '%s: ' $m
    ptxas -arch=sm_90 -v "$var/$m.ptx" -o "$var/$m.cubin" 2>&1 | grep -E "registers|spill" | tr -s ' \n' ' '
    echo
  done
  "$check" --device=cuda "$var/gemm_strided.sys" "$var/gemm_strided.ptx" M=257,N=131,K=67
  "$check" --device=cuda --bench 5 "$var/gemm_strided.sys" "$var/gemm_strided.ptx" M=4096,N=4096,K=4096
  "$check" --device=cuda "$var/conv_blocked.sys" "$var/conv_blocked.ptx" N=2,K=9,C=3,H=7,W=73,R=3,S=3
  "$check" --device=cuda --bench 5 "$var/conv_blocked.sys" "$var/conv_blocked.ptx" N=32,K=128,C=128,H=58,W=58,R=3,S=3
  "$check" --device=cuda --bench 5 "$var/conv_blocked.sys" "$var/conv_blocked.ptx" N=1,K=128,C=64,H=58,W=58,R=3,S=3
  c=$root/bench/gpu/conv3x3_crsk.sys
  "$check" --device=cuda "$c" "$var/conv3x3_crsk.ptx" N=2,K=37,C=5,P=9,Q=11
  "$check" --device=cuda "$c" "$var/conv3x3_crsk.ptx" N=3,K=70,C=6,P=13,Q=17
  "$check" --device=cuda --bench 5 "$c" "$var/conv3x3_crsk.ptx" N=32,K=128,C=128,P=56,Q=56
  "$check" --device=cuda --bench 5 "$c" "$var/conv3x3_crsk.ptx" N=1,K=128,C=64,P=56,Q=56
  for t in 4x8 8x4 2x8; do
    "$check" --device=cuda "$var/crsk_$t.sys" "$var/crsk_$t.ptx" N=3,K=70,C=6,P=13,Q=17
    "$check" --device=cuda --bench 5 "$var/crsk_$t.sys" "$var/crsk_$t.ptx" N=32,K=128,C=128,P=56,Q=56
  done
  s=$root/samples
  "$check" --device=cuda "$s/gemm.sys" "$var/gemm_inplace.ptx" M=257,N=129,K=67
  "$check" --device=cuda --bench 5 "$s/gemm.sys" "$var/gemm_inplace.ptx" M=4096,N=4096,K=4096
  "$check" --device=cuda "$s/gemm_blocked.sys" "$var/gemm_blocked_inplace.ptx" M=1000,N=999,K=77
  "$check" --device=cuda --bench 5 "$s/gemm_blocked.sys" "$var/gemm_blocked_inplace.ptx" M=4096,N=4096,K=4096 ;;
*)
  echo "usage: sh bench/gpu/variants.sh prepare [BUILD] | run"; exit 2 ;;
esac
