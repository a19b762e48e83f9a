#!/usr/bin/env bash
# Builds sysc twice, plainly and with AddressSanitizer + UndefinedBehaviorSanitizer,
# and runs the whole test suite (ctest: unit, lit + FileCheck, formats) in each.
# Ends with one summary line, "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0

run_suite() { # name build-dir cmake-args...
	local name=$1 dir=$2
	shift 2
	echo "== $name build ($dir)"
	if ! SYSC_BUILD_DIR=$dir bash "$root/tools/build.sh" -DSYSC_WERROR=ON "$@"; then
		echo "== $name build FAILED"
		failed=$((failed + 1))
		return
	fi
	local log
	log=$(mktemp)
	(cd "$dir" && ctest --output-on-failure --timeout 900 -j "$(nproc)") 2>&1 | tee "$log"
	local line
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
	else
		local nfail total
		nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
		total=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
		passed=$((passed + total - nfail))
		failed=$((failed + nfail))
	fi
	rm -f "$log"
}

run_suite release "$root/build"
# Intel's OpenCL driver, where it is installed, dlopens WSL's libdxcore with
# RTLD_DEEPBIND, which stops any process running under AddressSanitizer: the
# sanitized suite sees PoCL alone.
if [ -f /etc/OpenCL/vendors/pocl.icd ]; then
	icd=$(mktemp -d)
	cp /etc/OpenCL/vendors/pocl.icd "$icd/"
	export OCL_ICD_VENDORS=$icd
fi
run_suite sanitize "$root/build-asan" -DSYSC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
