#!/usr/bin/env bash
# Set up, build, and run the quickstart pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/release/bin/sluice run pipelines/quickstart.toml
