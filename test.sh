#!/usr/bin/env bash
# Restores tools and packages once, builds once, runs every test project.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
dotnet paket restore >/dev/null
dotnet build HighDimSgd.Hybrid.sln -c Release --nologo -v q
dotnet test HighDimSgd.Hybrid.sln -c Release --no-build --nologo -v q "$@"
