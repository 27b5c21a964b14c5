# Sourced by test.sh: Debian's Chromium, its driver and CJK fonts for the browser tests.
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
ensure_browser() {
  local packages=(chromium chromium-driver fonts-noto-cjk)
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "==> cannot install ${missing[*]} (needs root and apt-get): browser tests will be skipped"
    return 0
  fi
  echo "==> installing ${missing[*]} for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/jobmatch-apt.log 2>&1; then
    apt-get update -q >>/tmp/jobmatch-apt.log 2>&1 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/jobmatch-apt.log 2>&1 \
      || echo "==> apt-get could not install ${missing[*]} (see /tmp/jobmatch-apt.log): browser tests will be skipped"
  fi
}
