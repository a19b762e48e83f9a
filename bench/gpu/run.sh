#!/bin/sh
# bench/gpu/run.sh: the GPU checks and timings in one command, on a machine with a GPU
# and gcc but no LLVM. `bench/gpu/prepare.sh` (on a machine with sysc built) first
# writes the modules and the generated parser into bench/gpu/out/; then here:
#   sh bench/gpu/run.sh [cuda|opencl] [check]      (default cuda; check: the checks only)
# builds gpu_check (the front end, the interpreter and the runtime with its GPU drivers,
# from source) and runs every sample mapping at several sizes, odd ones included, bit
# for bit against the interpreter, then the timings, and on cuda cuBLAS and cuDNN and
# sysc's times as shares of theirs (bench/gpu/ratios.py). Output: a table on stdout.
set -e
kind=${1:-cuda}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/gpu/out
build=${TMPDIR:-/tmp}/gpu_check
mkdir -p "$build"
ext=ptx
[ "$kind" = cuda ] || ext=spv
[ -f "$out/gemm.$ext" ] || { echo "no $out/gemm.$ext: run bench/gpu/prepare.sh first"; exit 2; }

c=$root/compiler r=$root/runtime f=$root/runtime/formats
flags="-O2 -std=gnu11 -w -I$c -I$root/lang -I$out/gen -I$r -I$r/include"
for s in util diag types ast affine sema ure spacetime interp sim inputs; do
  gcc $flags -c "$c/$s.c" -o "$build/$s.o" &
done
for s in sysc.tab sysc.lex; do gcc $flags -c "$out/gen/$s.c" -o "$build/$s.o" & done
for s in desc scalar array pack mx dfp dot bulk_portable dispatch; do
  gcc $flags -ffp-contract=off -c "$f/$s.c" -o "$build/f_$s.o" &
done
gcc $flags -ffp-contract=off -mavx2 -mfma -mf16c -mbmi2 -c "$f/bulk_avx2.c" -o "$build/f_bulk_avx2.o" &
gcc $flags -ffp-contract=off -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c -mbmi2 \
  -c "$f/bulk_avx512.c" -o "$build/f_bulk_avx512.o" &
for s in api desc host/os cuda/cuda level0/level0 opencl/opencl opencl/gpu; do
  gcc $flags -c "$r/$s.c" -o "$build/rt_$(basename $s).o" &
done
gcc $flags -c "$root/bench/gpu/host_stub.c" -o "$build/host_stub.o" &
gcc $flags -c "$root/bench/gpu/check.c" -o "$build/check.o" &
wait
gcc -o "$build/gpu_check" "$build"/*.o -ldl -lpthread -lm
check=$build/gpu_check
s=$root/samples
# spec MODULE: the spec a module was built from (a sample or one of bench/gpu's own),
# named as the module or as it without its last _suffix (conv2d_3x3: conv2d.sys)
spec() {
  for n in "$1" "${1%_*}"; do
    for d in "$s" "$root/bench/gpu"; do
      [ -f "$d/$n.sys" ] && { echo "$d/$n.sys"; return; }
    done
  done
}

echo "== correctness: every mapping, bit for bit against the interpreter ($kind)"
fail=0
while read -r file sizes; do
  "$check" --device=$kind "$(spec "$file")" "$out/$file.$ext" "$sizes" || fail=1
done <<END
gemm M=13,N=11,K=17
gemm M=37,N=45,K=19
gemm M=1,N=33,K=5
gemm M=31,N=17,K=1
gemm M=257,N=129,K=67
gemm M=1000,N=999,K=77
gemm_blocked M=37,N=131,K=19
gemm_blocked M=1000,N=999,K=77
gemm_lowp M=37,N=45,K=41
gemm_lowp M=257,N=131,K=67
gemm_dfp16 M=23,N=19,K=70
gemm_dfp16 M=3,N=33,K=129
gemm_mx M=37,N=45,K=97
gemm_mx M=257,N=131,K=67
conv1d N=70,K=9
conv1d N=5,K=13
conv1d N=1,K=1
conv1d N=1001,K=37
conv2d K=12,C=5,H=10,W=19,R=3,S=3
conv2d K=18,C=5,H=9,W=19,R=3,S=2
conv2d K=7,C=3,H=5,W=5,R=1,S=1
conv2d K=33,C=17,H=31,W=45,R=3,S=3
conv2d_3x3 K=12,C=5,H=10,W=19,R=3,S=3
conv2d_3x3 K=33,C=17,H=31,W=45,R=3,S=3
conv2d_batch N=3,K=12,C=5,H=10,W=19,R=3,S=3
conv2d_batch N=2,K=9,C=3,H=7,W=23,R=2,S=3
conv3x3 N=3,K=12,C=5,P=8,Q=17
conv3x3 N=2,K=9,C=3,P=7,Q=37
conv3x3_crsk N=2,K=37,C=5,P=9,Q=11
conv3x3_crsk N=3,K=70,C=6,P=13,Q=17
conv3x3_crsk N=2,K=70,C=1,P=5,Q=7
conv3x3 N=1,K=5,C=1,P=1,Q=3
gemm_lanes32 M=37,N=131,K=19
gemm_lanes32 M=1000,N=999,K=77
END
[ "$2" = check ] && exit $fail

if [ "$kind" = cuda ] && command -v ptxas >/dev/null; then
  echo "== resource use of the kernels (ptxas -v, sm_90)"
  for m in gemm gemm_blocked gemm_lanes32 conv2d conv2d_3x3 conv2d_batch_3x3 conv3x3 conv3x3_crsk; do
    ptxas -arch=sm_90 -v "$out/$m.ptx" -o "$build/$m.cubin" 2>&1 | grep -E "Compiling entry|registers|spill" |
      sed "s/^/  $m: /"
  done
fi

echo "== timings (sampled check)"
timings=$build/timings.txt
: > "$timings"
# bench MODULE SPEC SIZES: sysc's median of 5, its lines kept (after the module's name)
# for the ratios
bench() {
  "$check" --device=$kind --bench 5 "$(spec "$2")" "$out/$1.$ext" "$3" > "$build/bench.txt" || fail=1
  cat "$build/bench.txt"
  sed "s/^/$1 /" "$build/bench.txt" >> "$timings"
}
bench gemm gemm M=4096,N=4096,K=4096
bench gemm_blocked gemm_blocked M=4096,N=4096,K=4096
bench gemm_lanes32 gemm_lanes32 M=4096,N=4096,K=4096
bench conv2d conv2d K=128,C=64,H=58,W=58,R=3,S=3
bench conv2d_3x3 conv2d K=128,C=64,H=58,W=58,R=3,S=3
[ -f "$out/conv2d_batch_3x3.$ext" ] && bench conv2d_batch_3x3 conv2d_batch N=32,K=128,C=128,H=58,W=58,R=3,S=3
bench conv3x3 conv3x3 N=32,K=128,C=128,P=56,Q=56
bench conv3x3 conv3x3 N=1,K=128,C=64,P=56,Q=56
bench conv3x3_crsk conv3x3_crsk N=32,K=128,C=128,P=56,Q=56
bench conv3x3_crsk conv3x3_crsk N=1,K=128,C=64,P=56,Q=56
bench conv1d conv1d N=1000000,K=63
if [ "$kind" = cuda ] && python3 -c 'import torch' 2>/dev/null; then
  echo "== the vendor libraries on the same GPU (cuBLAS, cuDNN; TF32 off)"
  python3 "$root/bench/gpu/vendor.py" > "$build/vendor.txt" || fail=1
  cat "$build/vendor.txt"
  echo "== sysc against them (vendor time / sysc time: docs/backends.md's ratios)"
  python3 "$root/bench/gpu/ratios.py" "$timings" "$build/vendor.txt" || fail=1
fi
exit $fail
