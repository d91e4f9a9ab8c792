#!/usr/bin/env bash
# A long fuzz soak of the push routes: the real daemon as a child process, COUNT mutated and random bodies
# per content type (JSON, XML, multipart, Dahua text), a fresh seed each run unless SEED is given.
# Usage: scripts/fuzz-soak.sh [COUNT] [SEED]      (default 25000 per content type, seed from the clock)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
count="${1:-25000}"
seed="${2:-$(date +%s)}"
swift build --build-tests
echo "push fuzz soak: ${count} bodies per content type, seed ${seed}"
GATEWAYD_FUZZ_COUNT="$count" GATEWAYD_FUZZ_SEED="$seed" swift test --skip-build \
  --filter 'PushFuzzTests|DecoderFuzzTests' 2>&1 | grep -E 'push fuzz|✔|✘|Expectation|error'
