#!/bin/sh
# Set everything up, then run the whole test suite on both cores. Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
exec .venv/bin/python -m pytest -n 2 "$@"
