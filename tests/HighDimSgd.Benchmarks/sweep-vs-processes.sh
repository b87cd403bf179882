#!/usr/bin/env bash
# The talk's critical-learning-rate sweep (7 spectra x 11 step sizes, D^2) as one `hdsgd sweep` against 77 separate
# `hdsgd solve` processes run one after the other (the hand-written script it replaces), measured in one run.
# Usage: tests/HighDimSgd.Benchmarks/sweep-vs-processes.sh [taskset CPU list, e.g. 0 to pin both sides to core 0]
set -euo pipefail
cd "$(dirname "$0")/../.."
./hdsgd --help >/dev/null   # builds once, outside the timings
bin=src/HighDimSgd.Cli/bin/Release/net10.0/linux-x64/hdsgd.dll
pin=()
if [ $# -ge 1 ]; then pin=(taskset -c "$1"); fi
problem=examples/sweeps/critical-lr.toml
spectra=(
  '{ kind = "marchenko-pastur", ratio = 0.25 }'
  '{ kind = "sigma-power", q = 2.0, lo = 1, hi = 2, normalize = "mean" }'
  '{ kind = "sigma-power", q = 2.5, lo = 1, hi = 2, normalize = "mean" }'
  '{ kind = "sigma-power", q = 3.0, lo = 1, hi = 2, normalize = "mean" }'
  '{ kind = "sigma-power", q = 3.5, lo = 1, hi = 2, normalize = "mean" }'
  '{ kind = "sigma-power", q = 4.0, lo = 1, hi = 2, normalize = "mean" }'
  '{ kind = "sigma-power", q = 8.0, lo = 1, hi = 2, normalize = "mean" }'
)
rates=$(seq 1 1.5 16)
out=$(mktemp -d)
grid=$(IFS=,; echo "${spectra[*]}")

start=$(date +%s.%N)
"${pin[@]}" dotnet "$bin" sweep "$problem" --no-cache --out "$out/sweep" --grid "data.spectrum=$grid" --grid optimizer.learning-rate=lin:1:16:11 | head -1
sweep=$(echo "$(date +%s.%N) - $start" | bc)

start=$(date +%s.%N)
k=0
for spectrum in "${spectra[@]}"; do
  for rate in $rates; do
    "${pin[@]}" dotnet "$bin" solve "$problem" --out "$out/solve-$k" --set "data.spectrum=$spectrum" --set "optimizer.learning-rate=$rate" >/dev/null
    k=$((k + 1))
  done
done
separate=$(echo "$(date +%s.%N) - $start" | bc)

echo "one sweep of 77 points: ${sweep} s; 77 separate solve processes: ${separate} s; ratio $(echo "scale=2; $separate / $sweep" | bc)"
rm -rf "$out"
