#!/bin/sh
# bench/gpu/profile.sh SPEC MODULE SIZES [NCU ARGS...]: one launch of a kernel under
# Nsight Compute (ncu) on the GPU machine, after bench/gpu/run.sh built gpu_check: the
# speed-of-light, warp-state (stall reasons) and instruction sections by default.
#   sh bench/gpu/profile.sh bench/gpu/conv3x3_crsk.sys bench/gpu/out/conv3x3_crsk.ptx \
#     N=32,K=128,C=128,P=56,Q=56
set -e
[ $# -ge 3 ] || { echo "usage: sh bench/gpu/profile.sh SPEC MODULE SIZES [NCU ARGS...]"; exit 2; }
check=${TMPDIR:-/tmp}/gpu_check/gpu_check
[ -x "$check" ] || { echo "no $check: run bench/gpu/run.sh first"; exit 2; }
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "no ncu (Nsight Compute) on this machine"; exit 2; }
spec=$1 module=$2 sizes=$3
shift 3
[ $# -gt 0 ] || set -- --section SpeedOfLight --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis \
  --section WarpStateStats --section InstructionStats --section LaunchStats --section Occupancy
"$ncu" --launch-count 1 "$@" "$check" --device=cuda "$spec" "$module" "$sizes"
