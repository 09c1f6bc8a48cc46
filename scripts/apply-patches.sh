#!/usr/bin/env bash
# Applies patches/*.patch to node_modules once (make install runs it after npm install). Each patch fixes a bug of a
# dependency that upstream has not released yet; its header comment names the upstream issue. Re-running is harmless.
set -euo pipefail
cd "$(dirname "$0")/.."
for patch_file in patches/*.patch; do
  if patch -p1 -R -s -f --dry-run < "$patch_file" > /dev/null 2>&1; then
    continue # already applied
  fi
  patch -p1 -N -s < "$patch_file"
  echo "applied $patch_file"
done
