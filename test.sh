#!/usr/bin/env bash
# Restores tools and packages once, builds once, runs every test project.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
dotnet paket restore >/dev/null
dotnet build HighDimSgd.Hybrid.sln -c Release --nologo -v q
# Without arguments, everything but the acceptance matrices that take minutes (run those with
# ./test.sh --filter Category=Large).
if [ $# -eq 0 ]; then set -- --filter "Category!=Large"; fi
dotnet test HighDimSgd.Hybrid.sln -c Release --no-build --nologo -v q "$@"
