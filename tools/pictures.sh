#!/usr/bin/env bash
# Regenerates the pictures of docs/pictures.md: every mapping of every sample, drawn
# by `sysc show` from a fresh build into docs/img/SAMPLE-MAPPING.svg. The sizes are
# small on purpose (a few PEs a side, a few steps), so that every point in the
# space-time diagram can be read; the output is deterministic, so a picture changes
# in git only when the array it shows does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh" >/dev/null
sysc=${SYSC_BUILD_DIR:-$root/build}/compiler/sysc
out=$root/docs/img
mkdir -p "$out"

# the sizes each sample is drawn at (every kernel of a sample has these sizes)
sizes_of() {
	case $1 in
	gemm | gemm_lowp | gemm_dfp16 | gemm_mx | gemm_blocked) echo M=4,N=4,K=4 ;;
	conv1d) echo N=6,K=3 ;;
	conv2d) echo K=4,C=3,H=4,W=5,R=2,S=2 ;;
	conv2d_batch) echo N=1,K=4,C=3,H=4,W=5,R=2,S=2 ;;
	conv3x3) echo N=1,K=4,C=3,P=2,Q=5 ;;
	*) echo "" ;;
	esac
}

for spec in "$root"/samples/*.sys; do
	name=$(basename "$spec" .sys)
	sizes=$(sizes_of "$name")
	rm -f "$out/$name"-*.svg
	for m in $(sed -n 's/^mapping \([A-Za-z0-9_]*\) of .*/\1/p' "$spec"); do
		"$sysc" show "$spec" --mapping "$m" ${sizes:+--size "$sizes"} -o "$out/$name-$m.svg"
		echo "docs/img/$name-$m.svg"
	done
done
