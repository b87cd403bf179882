#!/usr/bin/env bash
# Builds and runs the native SGD floor (sgd_floor.c) pinned to one core: the reference for `hdsgd bench`'s
# "against the floor" figure. Needs gcc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O3 -march=native -o "$out/sgd_floor" "$here/sgd_floor.c" -lm
taskset -c "${CORE:-0}" "$out/sgd_floor"
