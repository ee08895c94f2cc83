#!/bin/sh
# Install what microforge needs on Debian (as root, or with the packages already present) and
# create the virtual environment .venv with the pinned Python dependencies. Safe to re-run.
set -eu
cd "$(dirname "$0")/.."

need_pkgs=""
command -v python3 >/dev/null 2>&1 || need_pkgs="$need_pkgs python3"
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_pkgs="$need_pkgs python3-venv"
command -v cc >/dev/null 2>&1 || need_pkgs="$need_pkgs gcc libc6-dev"
command -v arm-none-eabi-gcc >/dev/null 2>&1 || need_pkgs="$need_pkgs gcc-arm-none-eabi"
[ -d /usr/lib/arm-none-eabi/newlib ] || need_pkgs="$need_pkgs libnewlib-arm-none-eabi"
[ -x /usr/bin/chromium ] || need_pkgs="$need_pkgs chromium"   # the service's browser test (Playwright)
command -v redis-server >/dev/null 2>&1 || need_pkgs="$need_pkgs redis-server"   # the service's scale-out
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_pkgs="$need_pkgs postgresql"   # queue + database test
if [ -n "$need_pkgs" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: missing Debian packages:$need_pkgs; run as root or: sudo apt-get install$need_pkgs" >&2
        exit 1
    fi
    echo "setup: installing$need_pkgs" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_pkgs >/dev/null
fi

python3 - <<'PY' || { echo "setup: microforge needs Python >= 3.11" >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv" >&2
    python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import microforge' >/dev/null 2>&1 || [ requirements.lock -nt .venv/.installed ]; then
    echo "setup: installing pinned Python dependencies into .venv" >&2
    .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
    .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
    touch .venv/.installed
fi
