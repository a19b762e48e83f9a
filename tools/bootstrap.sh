#!/usr/bin/env bash
# Installs the Debian 12 packages sysc needs, when they are missing.
# Run as root (or with sudo available). Safe to run again: it installs only what is absent.
set -euo pipefail

# One list, kept here alone; docs/building.md explains what each is for.
PKGS=(
  cmake ninja-build gcc clang python3 git
  llvm-22-dev llvm-22-tools           # LLVM 22 C API, llc, FileCheck, lit
  re2c bison                          # lexer and parser generators
  libze-dev libze1                    # oneAPI Level Zero loader
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd   # OpenCL, run on the CPU by PoCL
  spirv-tools llvm-spirv-15           # spirv-val; SPIR-V -> SPIR 1.2 for PoCL
  libopenblas-dev libdnnl-dev         # peers for the CPU benchmarks
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
