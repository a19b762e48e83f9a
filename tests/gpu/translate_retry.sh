#!/bin/sh
# translate_retry.sh SYSC SPEC ARGS...: on an OpenCL device that takes SPIR 1.2 (PoCL),
# a translator that dies by a signal is run again after a pause (llvm-spirv-15 was seen to
# abort now and then): here a stand-in that aborts on its first 3 runs and translates on
# the 4th, the only translator on PATH. Exit 77 (skipped) without an OpenCL device or
# llvm-spirv-15.
sysc=$1
shift
real=$(command -v llvm-spirv-15) || { echo "no llvm-spirv-15: skipped"; exit 77; }
"$sysc" devices | grep -q "^  opencl:0 " || { echo "no opencl device: skipped"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
cat > "$dir/flaky-spirv" <<END
#!/bin/sh
PATH=/usr/bin:/bin
echo run >> "$dir/runs"
[ \$(wc -l < "$dir/runs") -ge 4 ] || kill -ABRT \$\$
exec "$real" "\$@"
END
chmod +x "$dir/flaky-spirv"
SYSRT_LLVM_SPIRV="$dir/flaky-spirv" PATH="$dir" "$sysc" run "$@" --device=opencl || exit 1
runs=$(wc -l < "$dir/runs")
echo "the translator ran $runs times"
[ "$runs" -ge 4 ]
