#!/bin/sh
# bench/gpu/ab.sh prepare REV [BUILD] | run [ROUNDS]: the sample kernels of an earlier
# commit against today's on the same GPU, in one process tree, alternating.
#   prepare  (where sysc is built) builds sysc at REV in a git worktree and writes its
#            PTX into bench/gpu/out/old/ (bench/gpu/prepare.sh writes today's);
#            modules whose PTX is the same byte for byte are left out
#   run      (on the GPU machine, after bench/gpu/run.sh built gpu_check) times each
#            module old, new, old, new, ... ROUNDS times (default 3), 5 runs each
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/gpu/out
old=$out/old
# MODULE SPEC SIZES, one per line: the kernels compared
list() {
  s=$root/samples
  cat <<END
gemm $s/gemm.sys M=4096,N=4096,K=4096
gemm_blocked $s/gemm_blocked.sys M=4096,N=4096,K=4096
conv1d $s/conv1d.sys N=1000000,K=63
conv2d $s/conv2d.sys K=128,C=64,H=58,W=58,R=3,S=3
conv2d_3x3 $s/conv2d.sys K=128,C=64,H=58,W=58,R=3,S=3
conv2d_batch_3x3 $s/conv2d_batch.sys N=32,K=128,C=128,H=58,W=58,R=3,S=3
conv3x3 $s/conv3x3.sys N=32,K=128,C=128,P=56,Q=56
gemm_lowp $s/gemm_lowp.sys M=4096,N=4096,K=4096
gemm_mx $s/gemm_mx.sys M=4096,N=4096,K=4096
gemm_lanes32 $root/bench/gpu/gemm_lanes32.sys M=4096,N=4096,K=4096
conv3x3_crsk $root/bench/gpu/conv3x3_crsk.sys N=32,K=128,C=128,P=56,Q=56
END
}
case $1 in
prepare)
  [ -n "$2" ] || { echo "usage: sh bench/gpu/ab.sh prepare REV [BUILD]"; exit 2; }
  wt=${TMPDIR:-/tmp}/sysc_ab
  git -C "$root" worktree remove --force "$wt" 2>/dev/null || true
  git -C "$root" worktree add -f --detach "$wt" "$2" >/dev/null
  cmake -S "$wt" -B "$wt/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$wt/build" compiler/sysc >/dev/null
  sysc=$wt/build/compiler/sysc
  rm -rf "$old" && mkdir -p "$old/var"
  list | while read -r m spec sizes; do
    flags=
    case $m in *_3x3) flags="--specialize R=3,S=3" ;; esac
    "$sysc" build "$spec" --target=ptx $flags -o "$old/$m.ptx"
    if cmp -s "$old/$m.ptx" "$out/$m.ptx"; then rm "$old/$m.ptx"; echo "$m: the same"; else echo "$m: differs"; fi
  done
  git -C "$root" worktree remove --force "$wt" ;;
run)
  check=${TMPDIR:-/tmp}/gpu_check/gpu_check
  [ -x "$check" ] || { echo "no $check: run bench/gpu/run.sh first"; exit 2; }
  rounds=${2:-3}
  list | while read -r m spec sizes; do
    [ -f "$old/$m.ptx" ] || continue
    i=0
    while [ $i -lt "$rounds" ]; do
      for v in old new; do
        mod=$out/$m.ptx
        [ $v = old ] && mod=$old/$m.ptx
        "$check" --device=cuda --bench 5 "$spec" "$mod" "$sizes" | sed "s|^|$v $m |"
      done
      i=$((i + 1))
    done
  done ;;
*)
  echo "usage: sh bench/gpu/ab.sh prepare REV [BUILD] | run [ROUNDS]"; exit 2 ;;
esac
