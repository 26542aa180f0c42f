#!/usr/bin/env bash
# Installs what NewsDedup needs from Debian, only when missing (safe to run twice):
# the generic BLAS and LAPACK (linked by name, so update-alternatives can swap them), the
# <lapack.h> header (shipped by liblapacke-dev on Debian 12), OpenBLAS as the fast drop-in, and
# SQLite's headers for GRDB (the history database across nights).
set -euo pipefail
packages=(libblas-dev liblapack-dev liblapacke-dev libopenblas0-pthread libsqlite3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
