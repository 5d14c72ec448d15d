# Sourced by bin/serve and bin/test: find Python >= 3.12, create .venv and
# install the pinned dependencies (again only when requirements/ changed).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

python_ok() {
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

find_python() {
  local candidates=() version
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.13 python3.12 python3.14 python3 python)
  if command -v pyenv >/dev/null 2>&1; then
    # pyenv's shims only run the active version; ask for the installed ones.
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.[0-9]+)?$' | sort -rV); do
      candidates+=("$(pyenv root)/versions/$version/bin/python3")
    done
  fi
  for candidate in "${candidates[@]}"; do
    if python_ok "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! python_ok .venv/bin/python; then
  if ! PY=$(find_python); then
    echo "Afterword needs Python 3.12 or newer, and none was found (tried python3.13, python3.12, python3 and pyenv). Install one, or point PYTHON at it." >&2
    exit 1
  fi
  echo "Creating .venv with $("$PY" --version) ($PY)"
  rm -rf .venv
  "$PY" -m venv .venv
fi

stamp=".venv/.installed-$(cat requirements/base.txt requirements/dev.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing pinned dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi
PYTHON_BIN="$ROOT/.venv/bin/python"

# The page checkers the tests run (the Nu Html Checker) and bench/lighthouse.py
# uses, pinned in package-lock.json; installed again only when it changes.
install_page_checkers() {
  local lock_stamp
  lock_stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$lock_stamp" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "The HTML checks need Node.js and npm (sudo apt-get install nodejs npm)." >&2
      exit 1
    fi
    echo "Installing the page checkers (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    touch "$lock_stamp"
  fi
}
