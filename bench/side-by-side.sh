#!/usr/bin/env bash
# The conv layers of ResNet-20 or ResNet-18 on two builds at once: the working tree's and that of a git revision,
# each build's classes through its own class loader in one JVM, their calls alternating pass by pass
# (peekaboo.bench.BuildsSideBySide). On this VM separate runs drift by 10-20% within minutes; side by side both
# builds meet the same drift. Prints per layer and pass the median ms of the revision (A), of the working tree (B),
# and B/A.
set -euo pipefail

usage() {
  cat <<'EOF2'
usage: bench/side-by-side.sh REVISION [options]
  REVISION        the git revision to compare the working tree against (A); the working tree is B
  --model M       resnet20 (batch 128) or resnet18 (batch 32) (default resnet20)
  --layers LIST   indices of the model's layers in ConvLayersTimer.layers, comma-separated (default all)
  --rounds N      timed calls of each pass on each side, after 40 untimed ones (default 30)
  --density D     keep this fraction of every layer's weights, the rest zero at random, as pruned layers
                  (PaB's 30%: 0.3; default 1)
  -h, --help      this text
EOF2
}
die() { echo "side-by-side.sh: $*" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
rev=$1; shift
model=resnet20 layers="" rounds=30 density=1
while [ $# -gt 0 ]; do
  case "$1" in
    --model|--layers|--rounds|--density)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)."
      case "$1" in --model) model=$2 ;; --layers) layers=$2 ;; --rounds) rounds=$2 ;; --density) density=$2 ;; esac
      shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)." ;;
  esac
  shift
done
[[ $model == resnet20 || $model == resnet18 ]] || die "--model must be resnet20 or resnet18, got '$model'."
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a whole number of at least 1, got '$rounds'."
[[ -z $layers || $layers =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--layers must be indices like 1,3, got '$layers'."
[[ $density =~ ^(0?\.[0-9]+|1(\.0*)?)$ && ! $density =~ ^0?\.0*$ ]] \
  || die "--density must be a fraction in (0, 1] such as 0.3, got '$density'."
sha=$(git rev-parse --verify --quiet "$rev^{commit}") || die "'$rev' is not a commit of this repository."

# revision A: exported (not a worktree) and built once per commit under target/side-by-side/
base=target/side-by-side/${sha:0:12}
if [ ! -d "$base/target/classes" ]; then
  echo "Building $rev (${sha:0:12}) in $base ..."
  rm -rf "$base" && mkdir -p "$base"
  git archive "$sha" | tar -x -C "$base"
  (cd "$base" && mvn -q -B package -DskipTests >/dev/null 2>&1) || die "the build of $rev failed (see mvn -f $base/pom.xml package)."
fi
echo "Building the working tree ..."
mvn -q -B test-compile >/dev/null 2>&1 || die "the working tree does not build (see mvn test-compile)."
java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -Ddensity="$density" -cp target/test-classes \
  peekaboo.bench.BuildsSideBySide "$base/target/classes,target/classes" "$rounds" "$model" ${layers:+"$layers"} 2>/dev/null
