#!/bin/sh
# translate_fail.sh SYSC SPEC ARGS...: on an OpenCL device that takes SPIR 1.2 (PoCL), a
# SPIR-V translator that fails makes the load fail with what it said, or with how it
# ended when it said nothing: stand-ins given by SYSRT_LLVM_SPIRV, one that prints an
# error and exits 1, one that aborts. Exit 77 (skipped) without an OpenCL device, or
# where the device took the SPIR-V itself (the stand-in never ran).
sysc=$1
shift
"$sysc" devices | grep -q "^  opencl:0 " || { echo "no opencl device: skipped"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
printf '#!/bin/sh\ntouch "%s/ran"\necho "stand-in: cannot read the module" >&2\nexit 1\n' "$dir" > "$dir/says"
printf '#!/bin/sh\ntouch "%s/ran"\nkill -ABRT $$\n' "$dir" > "$dir/aborts"
chmod +x "$dir/says" "$dir/aborts"
fail=0
for tool in says aborts; do
  rm -f "$dir/ran"
  out=$(SYSRT_LLVM_SPIRV="$dir/$tool" "$sysc" run "$@" --device=opencl 2>&1)
  [ -f "$dir/ran" ] || { echo "the device took the SPIR-V itself: skipped"; exit 77; }
  case $tool in
    says) want="could not translate it.*(stand-in: cannot read the module)" ;;
    aborts) want="could not translate it.*(killed by signal 6)" ;;
  esac
  echo "$out" | grep "refused"
  echo "$out" | grep -q "$want" || { echo "FAIL: $tool: no refusal saying '$want'"; fail=1; }
done
exit $fail
