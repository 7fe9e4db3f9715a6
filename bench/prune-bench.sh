#!/usr/bin/env bash
# Pruning timings: `pab prune` next to our PyTorch implementation of the same pruners
# (src/test/python/make_prune_goldens.py, run with Debian's python3-torch at /usr/bin/python3; skipped
# when absent). SynFlow x100 on ResNet20 and ResNet18 (CIFAR), SNIP and GraSP on one batch of 100.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh-classpath.txt -Dmdep.includeScope=test
java --add-modules jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat target/jmh-classpath.txt)" \
  peekaboo.bench.MakeBatch "$tmp/batch.safetensors" 100 3 32 32 10 0 2>/dev/null
./pab --help >/dev/null
run() {
  local s
  s=$(./pab prune --arch "$1" --pruner "$2" --prune-ratio 0.3 --prune-iters "$3" --prune-batch "$tmp/batch.safetensors" \
        --pruned-save-name "$tmp/out.safetensors" | sed -n 's/=> pruning took \(.*\) s/\1/p')
  printf 'ours    %-9s %-8s x%-3d %7.2f s\n' "$1" "$2" "$3" "$s"
}
run ResNet20 SynFlow 100
run ResNet18 SynFlow 100
run ResNet20 SNIP 1
run ResNet20 GraSP 1
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  /usr/bin/python3 bench/torch/prune_timing.py "$tmp/batch.safetensors"
else
  echo "python3-torch not found: PyTorch timings skipped"
fi
