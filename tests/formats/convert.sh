#!/bin/sh
# formats.convert: runs `sysc convert` (through its test driver) on every convert/*.in and diffs
# stdout, stderr and the exit status against convert/*.expected.
# Each .in file starts with "# args: ..." (the command-line arguments); the rest is stdin.
# Usage: convert.sh DRIVER DIR.  To refresh an expected file after a reviewed change:
#   convert.sh DRIVER DIR --update
set -u
bin=$1
dir=$2
update=${3:-}
tmp=${TMPDIR:-/tmp}/formats_convert.$$
trap 'rm -f "$tmp"' EXIT INT TERM
n=0
failed=0
for input in "$dir"/*.in; do
  name=${input%.in}
  args=$(sed -n '1s/^# args: *//p' "$input")
  {
    # shellcheck disable=SC2086 # word splitting of args is intended
    "$bin" convert $args < "$input" 2> "$tmp.err"
    echo "--- exit $?"
    echo "--- stderr"
    cat "$tmp.err"
  } > "$tmp" 2>&1
  rm -f "$tmp.err"
  n=$((n + 1))
  if [ "$update" = "--update" ]; then
    cp "$tmp" "$name.expected"
  elif ! diff -u "$name.expected" "$tmp"; then
    echo "FAIL: $(basename "$input")"
    failed=$((failed + 1))
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "formats.convert: $failed of $n cases FAILED"
  exit 1
fi
echo "formats.convert: $n cases passed"
