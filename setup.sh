#!/usr/bin/env bash
# Set up orgsim on a fresh machine. `bash setup.sh` installs the package;
# `bash setup.sh --dev` also installs what the tests need.
set -euo pipefail
cd "$(dirname "$0")"
extras=""
if [ "${1:-}" = "--dev" ]; then extras="[dev]"; fi
python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
