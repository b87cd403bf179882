#!/usr/bin/env bash
# Whole-process timing of issue 14's benchmark: 20 SGD runs of logistic regression with a noisy step teacher on a power
# law (exponent 1.2), the loss written as the expression log(1 + exp(g)) - y*g, d = 1000, T = 20, against batched numpy
# of the same problem (peer/numpy_logistic_sgd.py), every process pinned to one core.
# Usage: tests/HighDimSgd.Benchmarks/whole-process.sh [checkpoints]   (needs python3-numpy; hdsgd is the ./hdsgd a user
# runs, ReadyToRun)
set -euo pipefail
cd "$(dirname "$0")/../.."
checkpoints=${1:-200}
hdsgd=./hdsgd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's/^preset = "logistic".*/expression = "log(1 + exp(g)) - y*g"/' examples/logistic.toml > "$work/problem.toml"
export HDSGD_CACHE="$work/cache"
# The first process resolves the formula to the built-in card and caches that; the timed ones read the cache.
"$hdsgd" simulate "$work/problem.toml" --runs 2 --set optimizer.horizon=0.1 --out "$work/warm" > /dev/null
for i in 1 2; do
  /usr/bin/time -f "hdsgd, 20 runs, $checkpoints checkpoints: %e s" taskset -c 1 "$hdsgd" simulate "$work/problem.toml" \
    --runs 20 --set output.checkpoints="$checkpoints" --out "$work/out" > /dev/null
  /usr/bin/time -f "numpy, 20 runs, $checkpoints checkpoints: %e s" taskset -c 1 /usr/bin/python3 \
    tests/HighDimSgd.Benchmarks/peer/numpy_logistic_sgd.py 1000 20 20 "$checkpoints" > /dev/null
done
