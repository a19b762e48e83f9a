#!/bin/sh
# device_time.sh SYSC KIND SPEC ARGS...: a launch on a GPU device reports the kernel's own
# time (the driver's clock: CUDA events, OpenCL profiling), which is shorter than the
# launch call around it; a driver that fell back to the wall time would print the two
# equal. Exit 77 (skipped) without a device of that kind.
sysc=$1 kind=$2
shift 2
if ! "$sysc" devices | grep -q "^  $kind:0 "; then
  echo "no $kind device here: skipped"
  exit 77
fi
out=$("$sysc" run "$@" --device="$kind") || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | awk '/ms on the device \(the last launch call: / {
    dev = $1; call = $10; n++
    if (!(dev > 0 && dev < call + 0)) { print "device time", dev, "ms, not below the launch call,", call, "ms"; bad = 1 }
  }
  END { if (!n) print "no device time printed"; exit bad || !n }'
