#!/usr/bin/env bash
# The machine's fp32 FMA peak, one thread then all threads (two lines: peak_fp32_gflops=G threads=T), the 100% of
# every "% of peak" figure: ../shared/tools/peak-fp32 where the CPU has AVX-512 (it needs it), otherwise our AVX2
# probe bench/peak/peak_avx2.c (the same method with 256-bit vectors), built with gcc into a temporary folder.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if grep -q avx512f /proc/cpuinfo; then
  [ -x ../shared/tools/peak-fp32 ] || { echo "peak-fp32.sh: this CPU has AVX-512; measure with ../shared/tools/peak-fp32 (not found beside this clone)." >&2; exit 2; }
  exec ../shared/tools/peak-fp32
fi
grep -q ' fma ' /proc/cpuinfo || { echo "peak-fp32.sh: this CPU has neither AVX-512 nor FMA; no probe for it." >&2; exit 2; }
command -v gcc >/dev/null || { echo "peak-fp32.sh: gcc is needed to build the AVX2 probe (apt-get install gcc)." >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
gcc -O2 -mavx2 -mfma -fopenmp bench/peak/peak_avx2.c -o "$dir/peak"
OMP_NUM_THREADS=1 "$dir/peak"
"$dir/peak"
