#!/usr/bin/env bash
# Install the Debian packages a target needs, only those missing. Usage: system-deps.sh test|demo
# gcc and libc6-dev build the detection kernel (src/epibridge/detection/farrington/kernel.c) on first use.
set -euo pipefail
target="${1:-test}"
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
case "$target" in
  test) wanted=(gcc libc6-dev postgresql sqlite3 chromium fonts-noto-core fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils) ;;
  demo) wanted=(gcc libc6-dev libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk) ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
for pkg in "${wanted[@]}"; do have "$pkg" || need+=("$pkg"); done
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
# Debian starts a cluster of its own on install; the tests start theirs and need no service.
if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(pg_lsclusters -h | awk '{print $1}' | head -1)" main stop 2>/dev/null || true
fi
