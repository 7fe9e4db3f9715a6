#!/usr/bin/env bash
# Builds the test classpath with Maven and runs JMH benchmarks from bench/src/main/java.
# Usage: bench/run-jmh.sh [JMH options] [benchmark regex]
#   e.g. bench/run-jmh.sh -wi 3 -i 5 -f 1 GemmBench
#        bench/run-jmh.sh -wi 3 -i 5 -f 1 -jvmArgsAppend -Dpeekaboo.threads=1 GemmBench
# The forks inherit this JVM's options (-XX:PerMethodTrapLimit: see pab) unless -jvmArgs replaces them.
# GFLOP/s: see the class comments (GEMM: 2*m*n*k flops per op; each conv pass:
# 2*n*k*outH*outW*(c/groups)*r*s flops per op); with -bm thrpt -tu s, GFLOP/s = ops/s * flops / 1e9.
set -euo pipefail
cd "$(dirname "$0")/.."
cp_file=target/jmh-classpath.txt
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
exec java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
    org.openjdk.jmh.Main "$@"
