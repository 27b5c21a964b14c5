# Sourced by run.sh and test.sh: Debian packages the service and its tests use.
# The employment cards' PDF embeds a Chinese TrueType font from fonts-wqy-microhei (never downloaded at
# run time); the tests read the PDFs back with poppler-utils (pdffonts, pdftotext).
ensure_debs() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "==> cannot install ${missing[*]} (needs root and apt-get): install them to print cards with Chinese names"
    return 0
  fi
  echo "==> installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/jobmatch-apt-debs.log 2>&1; then
    apt-get update -q >>/tmp/jobmatch-apt-debs.log 2>&1 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/jobmatch-apt-debs.log 2>&1 \
      || echo "==> apt-get could not install ${missing[*]} (see /tmp/jobmatch-apt-debs.log)"
  fi
}
