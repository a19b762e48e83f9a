#!/bin/sh
# tests/runtime/oom.sh SYSC LIBFAILALLOC SAMPLES: a compiled kernel whose work buffers cannot
# be allocated fails its launch with a message (no crash), and runs when they can. conv2d
# with 32 filter rows and 40 x 40 filters needs a 26 MB panel of weights per chunk, while
# the tensors and the interpreter need at most 8 MB; allocations of 16 MB or more fail.
set -u
sysc=$1 lib=$2 samples=$3
spec=${TMPDIR:-/tmp}/sysc_oom_$$.sys
trap 'rm -f "$spec"' EXIT
sed 's/tile k by 8, q by 16;/tile k by 32, q by 16;/' "$samples/conv2d.sys" > "$spec"
run() {
  "$sysc" run "$spec" --mapping output_stationary --size K=1,C=128,H=40,W=40,R=40,S=40 --threads 2
}
out=$(LD_PRELOAD=$lib SYSC_FAIL_ALLOC=16000000 run 2>&1)
rc=$?
echo "$out"
[ $rc -eq 1 ] || { echo "FAIL: exit status $rc under failing allocations, want 1"; exit 1; }
echo "$out" | grep -q "launch failed: kernel 'sysk_conv2d_output_stationary': out of memory for its work buffers" ||
  { echo "FAIL: no out-of-memory message"; exit 1; }
out=$(LD_PRELOAD=$lib run 2>&1) || { echo "$out"; echo "FAIL: the same run without the limit"; exit 1; }
echo "$out" | grep -q "0 not bit-identical: ok" || { echo "$out"; echo "FAIL: no match without the limit"; exit 1; }
echo "ok"
