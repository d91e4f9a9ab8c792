#!/usr/bin/env bash
# Runs the whole test suite: unit tests of the pure core, and integration tests that start real mosquitto
# brokers on free 127.0.0.1 ports and real SQLite files. Installs missing system packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Build everything first: the crash and fuzz tests run the real `gatewayd` executable as a child process.
swift build --build-tests
swift test --skip-build "$@"
