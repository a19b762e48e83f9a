#!/bin/sh
# run_device.sh SYSC KIND ARGS...: `SYSC run ARGS... --device=KIND`, or exit 77 (ctest:
# skipped) when `sysc devices` shows no device of that kind on this machine.
sysc=$1 kind=$2
shift 2
if ! "$sysc" devices | grep -q "^  $kind:0 "; then
  echo "no $kind device here: skipped"
  "$sysc" devices | grep "^$kind "
  exit 77
fi
exec "$sysc" run "$@" --device="$kind"
