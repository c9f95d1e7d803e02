# Sourced by scripts/*.sh: make .venv with a Python >= 3.12 if it does not exist.
# pyenv's shims answer `command -v python3.12` even when that version is not selected,
# so each candidate is asked for its version before it is trusted.
if [ ! -x .venv/bin/python ]; then
  py=""
  for v in 3.12 3.13; do
    if command -v pyenv >/dev/null 2>&1; then
      full=$(pyenv versions --bare 2>/dev/null | grep -E "^$v\.[0-9]+$" | sort -V -r | head -n 1)
      if [ -n "$full" ] && PYENV_VERSION=$full python3 -V >/dev/null 2>&1; then
        py="env PYENV_VERSION=$full python3"; break
      fi
    fi
    if "python$v" -V >/dev/null 2>&1; then py="python$v"; break; fi
  done
  [ -n "$py" ] || { echo "mcdimer needs Python >= 3.12 (pyenv 3.12 or 3.13)" >&2; exit 1; }
  $py -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
