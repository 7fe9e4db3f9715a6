#!/usr/bin/env bash
# Our engine next to PyTorch CPU (Debian's python3-torch 1.13, 2 threads) on this machine, in one run
# (issue 8, Performance). Runs from the repository root of a fresh clone; builds what it needs.
#
# Cases (each measures ours, then PyTorch, one after the other):
#   resnet20  ResNet-20 dense SGD training step, batch 128          target: ours >= 1.2x PyTorch
#   resnet18  ResNet-18 (CIFAR) dense SGD training step, batch 32   target: ours >= 1.1x PyTorch
#   pab       PsgResNet20 batch 128: SynFlow 30% density, Bop, the seed's PSG flags, against the
#             reference's two-branch PSG in PyTorch (random 30% masks there: timing is the same)
#                                                                   target: ours >= 2.5x PyTorch, and
#                                                                   ours >= our dense ResNet-20 step,
#                                                                   run in the same rounds as ours, and
#                                                                   again with the two steps taken in
#                                                                   turn in one process
#   memory    peak resident memory of a real ResNet-20 batch-128 run (ImageFolder CIFAR-10 JPEGs,
#             2 loader workers, N steps, then the test pass)        target: ours <= 1.5x PyTorch
#   data      our loader alone (CIFAR-10 JPEGs, training transform, 2 workers) against our fastest
#             training step                                         target: loader >= step
# Step figures are the median images/s of full training steps (zero grad, forward, loss, backward,
# optimiser) on random data after warm-up steps: `pab bench` and bench/torch/step.py use the same method.
# PyTorch steps run with OpenMP's default wait policy and with OMP_WAIT_POLICY=PASSIVE; the faster counts
# (spinning OpenMP threads lose badly when the cores are shared with other jobs; see --torch-omp).
# Results: a table on stdout and bench/results/compare.json (overwritten).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/compare.sh [options]
  --quick            few steps and short passes (a smoke test, not a measurement)
  --no-torch         only our engine
  --cases LIST       comma-separated subset of resnet20,resnet18,pab,memory,data (default: all)
  --steps N          timed training steps per step case (default 10; --quick 3)
  --warmup N         untimed steps first, on both sides (default 100: the JIT compiles our kernels in
                     the first ~10 steps, but C2 goes on compiling the less frequent methods for ~100
                     steps, on a core the step needs; each of our runs prints how long the JIT
                     compiled during its timed steps; --quick 1)
  --rounds N         step cases run ours and PyTorch alternately N times, each a fresh process; the
                     medians pool the timed steps of all rounds (default 1; this VM's step times drift
                     by +-10% between runs, and alternating spreads the drift over both sides)
  --data DIR         CIFAR-10 JPEGs in ImageFolder layout, train/ and test/ (default ../shared/data/cifar10-jpeg)
  --python PY        the python with torch (default: /usr/bin/python3, then python3 on the PATH)
  --torch-omp P      PyTorch step runs with OpenMP wait policy default, passive or both (default both:
                     the faster counts; spinning threads suffer badly on cores shared with other jobs)
  --out FILE         JSON results (default bench/results/compare.json)
  -h, --help         this text
EOF
}

die() { echo "compare.sh: $*" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
all_cases="resnet20,resnet18,pab,memory,data"
quick=0 torch=1 torch_omp=both cases=$all_cases steps="" warmup="" rounds=1 data=../shared/data/cifar10-jpeg python="" out=bench/results/compare.json
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-torch) torch=0 ;;
    --cases|--steps|--warmup|--rounds|--data|--python|--out|--torch-omp)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)."
      case "$1" in
        --cases) cases=$2 ;; --steps) steps=$2 ;; --warmup) warmup=$2 ;; --rounds) rounds=$2 ;;
        --data) data=$2 ;; --python) python=$2 ;; --out) out=$2 ;; --torch-omp) torch_omp=$2 ;;
      esac
      shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)." ;;
  esac
  shift
done
for c in ${cases//,/ }; do
  [[ ",$all_cases," == *",$c,"* ]] || die "unknown case '$c' in --cases; choose from $all_cases."
done
[ -n "${cases//,/}" ] || die "--cases is empty; choose from $all_cases."
want() { [[ ",$cases," == *",$1,"* ]]; }
if [ $quick = 1 ]; then
  steps=${steps:-3} warmup=${warmup:-1} mem_steps=5 loader_passes=1 loader_images=5000 prune_iters=1
else
  steps=${steps:-10} warmup=${warmup:-100} mem_steps=20 loader_passes=3 loader_images=20000 prune_iters=100
fi
[[ $steps =~ ^[1-9][0-9]*$ ]] || die "--steps must be a whole number of at least 1, got '$steps'."
[[ $warmup =~ ^[0-9]+$ ]] || die "--warmup must be a whole number, got '$warmup'."
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a whole number of at least 1, got '$rounds'."
[[ $torch_omp =~ ^(default|passive|both)$ ]] || die "--torch-omp must be default, passive or both, got '$torch_omp'."
psg_flags=(--msb-bits 8 --msb-bits-weight 8 --msb-bits-grad 16 --psg-threshold 1e-7 --psg-no-take-sign --psg-sparsify)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
logs=target/compare-logs  # every command's full output (per-step times), replaced by each run
rm -rf "$logs"
mkdir -p "$logs"

. bench/torch-python.sh
torch_python "$torch" "$python"
torch_version=""
[ -z "$py" ] || torch_version=$("$py" -c 'import torch; print(torch.__version__)')
have_vision=0
[ -z "$py" ] || ! "$py" -c 'import torchvision' 2>/dev/null || have_vision=1

if { want memory || want data; } && [ ! -d "$data/train" ]; then
  echo "CIFAR-10 JPEGs not found at $data (train/ and test/): memory and data cases skipped (use --data DIR)."
  cases=$(echo ",$cases," | sed 's/,memory,/,/; s/,data,/,/; s/^,//; s/,$//')
fi

# Runs a command with its output in a log; on failure prints the log's tail and stops.
run_logged() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    echo "compare.sh: this command failed: $*" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
median_of() { sed -n 's/.*median \([0-9.]*\) images\/s.*/\1/p' "$1" | tail -n 1; }
# The JIT's share of the timed steps of one of our runs, as `pab bench` prints it.
jit_of() { sed -n 's/^JIT compiling during .*: \([0-9]*\) ms of compiler-thread time (\([0-9.]*%\) .*/JIT compiling \1 ms, \2 of the timed time/p' "$1"; }
# The images/s of every timed step in the logs given: PREFIX "step" (`pab bench`'s steps, bench/torch/step.py's) or
# "other step" (the dense twin of `pab bench --alternate-dense`).
step_ips() { local prefix=$1; shift; sed -n "s/^$prefix [0-9]*: [0-9.]* s, \\([0-9.]*\\) images\\/s\$/\\1/p" "$@"; }
best_of() { step_ips step "$@" | sort -g | tail -n 1; }
best_other_of() { step_ips "other step" "$@" | sort -g | tail -n 1; }
# The median images/s of every timed step in the logs given (all rounds of one side).
pooled_median_of() { step_ips step "$@" | median_of_lines; }
pooled_median_other_of() { step_ips "other step" "$@" | median_of_lines; }
median_of_lines() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'
}

echo "== building (./pab builds the jar; bench/src LoaderTimer with javac)"
./pab models >/dev/null
jar=target/peekaboo-java-0.1.0-SNAPSHOT.jar
deps=$(cat target/classpath.txt)
mkdir -p target/bench-classes
javac -nowarn --release 17 -d target/bench-classes -cp "$jar:$deps" bench/src/main/java/peekaboo/bench/LoaderTimer.java \
  bench/src/main/java/peekaboo/bench/CoreLatency.java
# Where the hypervisor has put our two virtual cores right now: a cache line's round trip between two threads,
# 65-70 ns when they share a last-level cache, 330-360 ns when not (two-thread code runs up to ~20% slower
# then). Measured before every timed run and shown with it; the table gives the range per case.
round_trip() { java -cp target/bench-classes peekaboo.bench.CoreLatency | sed -n 's/.*: \([0-9]*\) ns$/\1/p'; }
# span of a list of numbers: "min-max", or one number
span() { printf '%s\n' "$@" | sort -g | awk 'NF { v[++n] = $1 } END { if (n) print (v[1] == v[n] ? v[1] : v[1] "-" v[n]) }'; }

# Results, one row per line: key|case|unit|ours|reference|reference label|target op|target value|load
#   |ours best step|reference best step|note (the PyTorch run that counts)|core round trips (ns)
rows=$tmp/rows
: >"$rows"
add_row() { local IFS='|'; echo "$*" >>"$rows"; }
declare -A ours_ips=() ours_best=() case_load=() case_trips=()
ours_trips=()
declare -A step_name=([resnet20]="our ResNet-20 b128 SGD step" [resnet18]="our ResNet-18 b32 SGD step" [pab]="our PaB step")

companion_args=()
companion_logs=()
run_companion() {
  local rt
  rt=$(round_trip)
  ours_trips+=("$rt")
  run_logged "$logs/companion.ours.$1.log" ./pab bench "${companion_args[@]}" --steps "$steps" --warmup "$warmup"
  companion_logs+=("$logs/companion.ours.$1.log")
  echo "   ours:    $(tail -n 1 "$logs/companion.ours.$1.log") (round $1 of $rounds; core round trip $rt ns; $(jit_of "$logs/companion.ours.$1.log"))"
}

# step_case KEY "CASE" TARGET [pab args...] -- [step.py args...]
step_case() {
  local key=$1 label=$2 target=$3; shift 3
  local pab_args=() torch_args=()
  while [ "$1" != "--" ]; do pab_args+=("$1"); shift; done
  shift
  torch_args=("$@")
  local l ours ref="" ref_best="" note="" policy m round rt
  local -a ours_logs=() torch_trips=()
  ours_trips=()
  local -A torch_logs=()
  l=$(load)
  case_load[$key]=$l
  echo "== $label (load average $l)"
  for round in $(seq 1 "$rounds"); do
    # A companion (our dense step for the PaB case) runs next to ours in every round, before it in odd
    # rounds and after it in even ones, so that the drift of this VM's speed over minutes falls on both.
    if [ ${#companion_args[@]} -gt 0 ] && [ $((round % 2)) = 1 ]; then run_companion "$round"; fi
    rt=$(round_trip)
    ours_trips+=("$rt")
    run_logged "$logs/$key.ours.$round.log" ./pab bench "${pab_args[@]}" --steps "$steps" --warmup "$warmup"
    ours_logs+=("$logs/$key.ours.$round.log")
    echo "   ours:    $(tail -n 1 "$logs/$key.ours.$round.log") (round $round of $rounds; core round trip $rt ns; $(jit_of "$logs/$key.ours.$round.log"))"
    if [ ${#companion_args[@]} -gt 0 ] && [ $((round % 2)) = 0 ]; then run_companion "$round"; fi
    if [ -n "$py" ]; then
      # PyTorch's OpenMP threads spin at every barrier by default; on cores shared with other jobs that can
      # make a 2-thread PyTorch many times slower. Each policy asked for runs, and the faster one counts.
      for policy in ${torch_omp//both/default passive}; do
        rt=$(round_trip)
        torch_trips+=("$rt")
        if [ "$policy" = passive ]; then
          run_logged "$logs/$key.torch-passive.$round.log" env OMP_WAIT_POLICY=PASSIVE "$py" bench/torch/step.py "${torch_args[@]}" --steps "$steps" --warmup "$warmup"
        else
          run_logged "$logs/$key.torch-default.$round.log" "$py" bench/torch/step.py "${torch_args[@]}" --steps "$steps" --warmup "$warmup"
        fi
        torch_logs[$policy]="${torch_logs[$policy]:-} $logs/$key.torch-$policy.$round.log"
        echo "   PyTorch: $(tail -n 1 "$logs/$key.torch-$policy.$round.log"), OpenMP wait policy $policy (core round trip $rt ns)"
      done
    fi
  done
  ours=$(pooled_median_of "${ours_logs[@]}")
  ours_ips[$key]=$ours ours_best[$key]=$(best_of "${ours_logs[@]}")
  for policy in "${!torch_logs[@]}"; do
    # shellcheck disable=SC2086 # the list of log paths, space-separated
    m=$(pooled_median_of ${torch_logs[$policy]})
    if [ -z "$ref" ] || awk -v a="$m" -v b="$ref" 'BEGIN { exit !(a > b) }'; then
      # shellcheck disable=SC2086
      ref=$m ref_best=$(best_of ${torch_logs[$policy]}) note="OMP_WAIT_POLICY $policy"
    fi
  done
  [ "$rounds" = 1 ] || echo "   medians over $rounds rounds: ours $ours${ref:+, PyTorch $ref ($note)}"
  case_trips[$key]="$(span "${ours_trips[@]}")${torch_trips[0]:+; $(span "${torch_trips[@]}")}"
  add_row "$key" "$label" "images/s" "$ours" "$ref" "PyTorch" ">=" "$target" "$l" "${ours_best[$key]}" "$ref_best" "$note" \
    "${case_trips[$key]}"
}

if want resnet20; then
  step_case resnet20 "ResNet-20 dense SGD step, batch 128" 1.2 \
    --arch ResNet20 --bs 128 --optimizer SGD -- --case dense --arch ResNet20 --bs 128
fi
if want resnet18; then
  step_case resnet18 "ResNet-18 (CIFAR) dense SGD step, batch 32" 1.1 \
    --arch ResNet18 --bs 32 --optimizer SGD -- --case dense --arch ResNet18 --bs 32
fi
if want pab; then
  # our dense ResNet-20 step runs in the same rounds as the PaB step, for the PaB-vs-dense target
  companion_args=(--arch ResNet20 --bs 128 --optimizer SGD)
  step_case pab "PaB PsgResNet20 step, batch 128 (SynFlow 0.3, Bop, seed PSG) vs two-branch PSG" 2.5 \
    --arch PsgResNet20 --bs 128 --optimizer BOP --pruner SynFlow --prune-ratio 0.3 --prune-iters "$prune_iters" "${psg_flags[@]}" \
    -- --case pab --bs 128 --density 0.3
  dense=$(pooled_median_of "${companion_logs[@]}")
  echo "   our dense ResNet-20 step in the same rounds: $dense images/s"
  add_row pab-vs-dense "PaB PsgResNet20 step vs our dense ResNet-20 step in the same rounds, batch 128" "images/s" "${ours_ips[pab]}" \
    "$dense" "our dense step" ">=" 1.0 "${case_load[pab]}" "${ours_best[pab]}" "$(best_of "${companion_logs[@]}")" "" \
    "$(span "${ours_trips[@]}")"
  companion_args=()
  # The same two steps taken in turn in one process (`pab bench --alternate-dense`), so that both see the same
  # machine: separate runs of one step drift by 10-20% within minutes here (bench/HISTORY.md, session 14).
  alt_logs=() alt_trips=()
  for round in $(seq 1 "$rounds"); do
    rt=$(round_trip)
    alt_trips+=("$rt")
    run_logged "$logs/pab-in-turn.ours.$round.log" ./pab bench --arch PsgResNet20 --bs 128 --optimizer BOP --pruner SynFlow \
      --prune-ratio 0.3 --prune-iters "$prune_iters" "${psg_flags[@]}" --alternate-dense --steps "$steps" --warmup "$warmup"
    alt_logs+=("$logs/pab-in-turn.ours.$round.log")
    echo "   ours, steps in turn: $(tail -n 2 "$logs/pab-in-turn.ours.$round.log" | head -n 1) (round $round of $rounds; core round trip $rt ns)"
  done
  add_row pab-vs-dense-in-turn "PaB PsgResNet20 step vs our dense ResNet-20 step, steps taken in turn in one process, batch 128" \
    "images/s" "$(pooled_median_of "${alt_logs[@]}")" "$(pooled_median_other_of "${alt_logs[@]}")" "our dense step" ">=" 1.0 \
    "${case_load[pab]}" "$(best_of "${alt_logs[@]}")" "$(best_other_of "${alt_logs[@]}")" "" "$(span "${alt_trips[@]}")"
fi

# measure_mem LOG CMD...: runs CMD; sets mem_max (kB: the largest process's peak RSS, what /usr/bin/time -v
# reports) and mem_tree (kB: peak of the summed PSS of the whole process tree, loader worker processes
# included, sampled every 0.1 s).
time_bin=""
find_time() {
  if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then time_bin=/usr/bin/time; return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "   installing GNU time (apt-get install time)"
    timeout 180 apt-get install -y -qq time >/dev/null 2>&1 || true
    if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then time_bin=/usr/bin/time; return; fi
  fi
  echo "   no GNU time: the peak RSS is read from /proc (VmHWM, sampled every 0.1 s)"
}
tree_of() {
  ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 }
    END { print root; for (p in parent) { q = p; while ((q in parent) && q != root && q > 1) q = parent[q]; if (q == root && p != root) print p } }'
}
measure_mem() {
  local log=$1; shift
  local tfile=${log%.log}.time st p k v sum hwm
  if [ -n "$time_bin" ]; then "$time_bin" -v -o "$tfile" "$@" >"$log" 2>&1 & else "$@" >"$log" 2>&1 & fi
  local pid=$!
  mem_tree=0 mem_max=0
  while read -r _ _ st _ 2>/dev/null <"/proc/$pid/stat" && [ "$st" != Z ]; do
    sum=0
    for p in $(tree_of "$pid"); do
      while read -r k v _; do if [ "$k" = Pss: ]; then sum=$((sum + v)); fi; done 2>/dev/null <"/proc/$p/smaps_rollup" || true
      hwm=$(sed -n 's/^VmHWM: *\([0-9]*\).*/\1/p' "/proc/$p/status" 2>/dev/null || true)
      if [ -n "$hwm" ] && [ "$hwm" -gt "$mem_max" ]; then mem_max=$hwm; fi
    done
    if [ "$sum" -gt "$mem_tree" ]; then mem_tree=$sum; fi
    sleep 0.1
  done
  if ! wait "$pid"; then
    echo "compare.sh: this command failed: $*" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  if [ -n "$time_bin" ]; then mem_max=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tfile"); fi
}
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

if want memory; then
  find_time
  l=$(load)
  echo "== peak memory: ResNet-20 batch-128 training, $mem_steps steps on the CIFAR-10 JPEGs, 2 loader workers (load average $l)"
  measure_mem "$logs/mem.ours.log" ./pab train --arch ResNet20 --init-method kaiming_normal --dataset imagefolder --data "$data" \
    --epochs 1 --max-steps "$mem_steps" --bs 128 --workers 2 --no-progress --savedir "$tmp/runs" --exp-name mem
  ours_max=$mem_max ours_tree=$mem_tree
  echo "   ours:    peak RSS $(mb "$ours_max") MB (process tree PSS $(mb "$ours_tree") MB)"
  torch_max="" torch_tree=""
  if [ -n "$py" ] && [ $have_vision = 1 ]; then
    measure_mem "$logs/mem.torch.log" "$py" bench/torch/train_run.py "$data" --max-steps "$mem_steps" --workers 2 --out "$tmp/torch.pt"
    torch_max=$mem_max torch_tree=$mem_tree
    echo "   PyTorch: peak RSS $(mb "$torch_max") MB (process tree PSS $(mb "$torch_tree") MB: main and 2 loader processes)"
  elif [ -n "$py" ]; then
    echo "   PyTorch: skipped (no torchvision for ImageFolder)"
  fi
  add_row memory "Peak RSS, ResNet-20 b128 training run ($mem_steps steps + test), /usr/bin/time -v" MB \
    "$(mb "$ours_max")" "${torch_max:+$(mb "$torch_max")}" "PyTorch" "<=" 1.5 "$l"
  add_row memory-tree "Peak memory of the process tree incl. loader workers (PSS sum, sampled)" MB \
    "$(mb "$ours_tree")" "${torch_tree:+$(mb "$torch_tree")}" "PyTorch" info "" "$l"
fi

if want data; then
  l=$(load)
  echo "== data loading: CIFAR-10 JPEGs, training transform, batches of 128, 2 workers, $loader_passes pass(es) of $loader_images images (load average $l)"
  run_logged "$logs/loader.ours.log" java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -cp "target/bench-classes:$jar:$deps" \
    peekaboo.bench.LoaderTimer "$data" 2 "$loader_passes" "$loader_images"
  loader=$(median_of "$logs/loader.ours.log")
  echo "   ours:    $(tail -n 1 "$logs/loader.ours.log")"
  torch_loader=""
  if [ -n "$py" ] && [ $have_vision = 1 ]; then
    run_logged "$logs/loader.torch.log" "$py" bench/torch/loader.py "$data" 2 "$loader_passes" "$loader_images"
    torch_loader=$(median_of "$logs/loader.torch.log")
    echo "   PyTorch: $(tail -n 1 "$logs/loader.torch.log")"
  fi
  add_row loader "CIFAR-10 JPEG loader alone, 2 workers" "images/s" "$loader" "$torch_loader" "PyTorch" info "" "$l"
  # the fastest of our measured training steps (the one the loader must keep up with)
  best="" best_key=""
  for k in "${!ours_ips[@]}"; do
    if [ -z "$best" ] || awk -v a="${ours_ips[$k]}" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=${ours_ips[$k]} best_key=$k; fi
  done
  if [ -z "$best" ]; then
    echo "== our ResNet-20 step, batch 128 (for the data-loading target)"
    run_logged "$logs/dense.ours.log" ./pab bench --arch ResNet20 --bs 128 --optimizer SGD --steps "$steps" --warmup "$warmup"
    best=$(median_of "$logs/dense.ours.log") best_key=resnet20
    echo "   ours:    $(tail -n 1 "$logs/dense.ours.log")"
  fi
  add_row data "Our loader (2 workers) vs our fastest training step" "images/s" "$loader" "$best" "${step_name[$best_key]}" ">=" 1.0 "$l"
fi

# ---- the table and the JSON, from the rows
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
java_version=$(java -version 2>&1 | head -n 1)
mkdir -p "$(dirname "$out")"
awk -F'|' -v quick="$quick" -v rounds="$rounds" -v steps="$steps" -v warmup="$warmup" -v cpu="$cpu" -v cores="$(nproc)" \
    -v java="$java_version" -v torch="$torch_version" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v json="$out" -v endload="$(load)" -v omp="$torch_omp" '
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
function num(s) { return s == "" ? "null" : s + 0 }
{
  ratio = ($5 == "" || $5 + 0 == 0) ? "" : sprintf("%.2f", $4 / $5)
  exact = ratio == "" ? 0 : $4 / $5  # judged unrounded: 1.504 is not <= 1.5
  if ($7 == "info") { target = "info"; met = ratio == "" ? "-" : "info" }
  else {
    target = $7 " " $8 "x"
    if (ratio == "") met = "-"
    else if ($7 == ">=") met = (exact >= $8 + 0) ? "met" : "NOT met"
    else met = (exact <= $8 + 0) ? "met" : "NOT met"
  }
  best = ($10 == "" || $11 == "" || $11 + 0 == 0) ? "" : sprintf("%.2f", $10 / $11)
  ref = $5 == "" ? "-" : $5 ($6 != "PyTorch" ? " (" $6 ")" : $12 ~ /passive/ ? " (OMP passive)" : "")
  n++
  line[n] = sprintf("| %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |", $2, $3, $4, ref, ratio == "" ? "-" : ratio "x", target, met,
                    best == "" ? "" : best "x", $9, $13)
  js[n] = sprintf("    {\"key\": \"%s\", \"case\": \"%s\", \"unit\": \"%s\", \"ours\": %s, \"reference\": %s, \"reference_is\": \"%s\", \"ratio\": %s, \"target\": \"%s\", \"met\": %s, \"load_average\": %s, \"ours_best_step\": %s, \"reference_best_step\": %s, \"best_step_ratio\": %s, \"note\": \"%s\", \"core_round_trip_ns\": \"%s\"}",
                  esc($1), esc($2), esc($3), num($4), num($5), esc($6), ratio == "" ? "null" : ratio + 0, esc(target),
                  met == "met" ? "true" : met == "NOT met" ? "false" : "null", num($9), num($10), num($11), best == "" ? "null" : best + 0, esc($12), esc($13))
}
END {
  print ""
  print "| case | ours | PyTorch (or baseline) | ratio | target | | ratio of best steps | load average | core round trip, ns (ours; PyTorch) |"
  print "|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= n; i++) print line[i]
  printf "{\n  \"date\": \"%s\",\n  \"cpu\": \"%s\",\n  \"cores\": %d,\n  \"java\": \"%s\",\n  \"torch\": %s,\n  \"torch_threads\": 2,\n  \"torch_omp_wait_policies\": \"%s\",\n  \"quick\": %s,\n  \"rounds\": %d,\n  \"steps\": %d,\n  \"warmup\": %d,\n  \"load_average_end\": %s,\n  \"rows\": [\n",
         date, esc(cpu), cores, esc(java), torch == "" ? "null" : "\"" esc(torch) "\"", omp, quick ? "true" : "false", rounds, steps, warmup, endload > json
  for (i = 1; i <= n; i++) printf "%s%s\n", js[i], i < n ? "," : "" > json
  print "  ]\n}" > json
}' "$rows"
echo
if [ -n "$py" ]; then
  echo "ratio: of the medians; ratio of best steps: of each side's fastest timed step (less sensitive to other jobs on"
  echo "shared cores); PyTorch steps: the faster of the OpenMP wait policies run ($torch_omp; see $out). Core round trip:"
  echo "a cache line between two threads before each timed run (bench/src/.../CoreLatency.java), ~70 ns when the two"
  echo "virtual cores share a last-level cache, ~340 when not."
fi
echo "ours: $java_version; PyTorch: ${torch_version:-not run}${torch_version:+ (2 threads)}; $(nproc) cores: $cpu; steps $steps after $warmup warm-up, $rounds round(s); results in $out, logs in $logs/"
