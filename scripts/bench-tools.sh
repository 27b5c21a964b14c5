#!/usr/bin/env bash
# The load generator of the standard figure (bench/wrk_mix.py): Debian's wrk, installed for the bench only
# (make test never needs it). Run as root, or have wrk installed already.
set -euo pipefail
if command -v wrk >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "==> wrk is missing and cannot be installed here (needs root and apt-get): apt-get install wrk" >&2
  exit 1
fi
echo "==> installing wrk for the bench"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends wrk >/tmp/jobmatch-apt.log 2>&1; then
  apt-get update -q >>/tmp/jobmatch-apt.log 2>&1 || true
  apt-get install -y -q --no-install-recommends wrk >>/tmp/jobmatch-apt.log 2>&1 \
    || { echo "==> apt-get could not install wrk (see /tmp/jobmatch-apt.log)" >&2; exit 1; }
fi
