#!/usr/bin/env bash
# One thread, ten rounds: the peak probe's register-only FMA chains against an SGEMM micro-kernel on operands in L1
# (bench/peak/l1_kernel_avx2.c). Where the kernel's figure drops and the probe's does not, the core is shared with
# other work and every "% of peak" measured in that minute is low for reasons outside this code. Optional argument:
# the CPU to pin to (taskset), for example 0 or 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
grep -q ' fma ' /proc/cpuinfo && grep -q ' avx2 ' /proc/cpuinfo \
  || { echo "kernel-vs-peak.sh: this CPU lacks AVX2 or FMA; the probe needs both." >&2; exit 2; }
command -v gcc >/dev/null || { echo "kernel-vs-peak.sh: gcc is needed to build the probe (apt-get install gcc)." >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# -O3: at -O2 gcc keeps the probe's 12 accumulators in memory (40 GFLOP/s instead of 100)
gcc -O3 -mavx2 -mfma -fopenmp bench/peak/l1_kernel_avx2.c -o "$dir/probe"
if [ $# -ge 1 ]; then
  [[ $1 =~ ^[0-9]+$ ]] || { echo "kernel-vs-peak.sh: the argument is a CPU number (such as 0), got '$1'." >&2; exit 2; }
  exec taskset -c "$1" "$dir/probe"
fi
exec "$dir/probe"
