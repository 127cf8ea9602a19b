# Sourced by scripts/demo and scripts/test: find a Python >= 3.12 and make .venv with it.
# Order: $PYTHON, python3.14..python3.12 and python3 on PATH, then pyenv's installed versions
# (pyenv keeps them off PATH unless selected, as on our CI machines).
set -euo pipefail

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
  local c v root
  if [ -n "${PYTHON:-}" ] && ok "$PYTHON"; then echo "$PYTHON"; return; fi
  for c in python3.14 python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")"; then command -v "$c"; return; fi
  done
  root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for v in $(ls -1 "$root/versions" 2>/dev/null | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3n -r); do
    if ok "$root/versions/$v/bin/python3"; then echo "$root/versions/$v/bin/python3"; return; fi
  done
  echo "syncd needs Python 3.12 or newer; none found (set \$PYTHON to one)" >&2
  exit 2
}

make_venv() {
  local py
  py="$(find_python)"
  if [ ! -x .venv/bin/python ] || ! ok .venv/bin/python; then
    rm -rf .venv
    "$py" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null || true
}
