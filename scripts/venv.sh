#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs the pinned requirements; a no-op when the
# requirement files have not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-requirements.txt}
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
stamp=".venv/.installed-$(basename "$want")"
sum=$(cat requirements*.txt | sha256sum | cut -c1-16)
# requirements-dev.txt starts with -r requirements.txt: its install covers the runtime one.
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ] &&
  [ "$(cat .venv/.installed-requirements-dev.txt 2>/dev/null)" != "$sum" ]; then
  echo "Installing $want into .venv …"
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$want"
  echo "$sum" > "$stamp"
fi
