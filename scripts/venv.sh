# Sourced by run.sh and test.sh: make .venv and install a requirements file into it
# (again only when the file changed).
ensure_venv() {
  local requirements="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $($python --version 2>&1)"
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat "$requirements" requirements.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> installing $requirements"
    # Local pip configurations may warn about mirror folders they cannot see; keep only real messages.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip \
      2> >(grep -v "is ignored: it is neither" >&2)
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements" \
      2> >(grep -v "is ignored: it is neither" >&2)
    echo "$digest" > "$stamp"
  fi
}
