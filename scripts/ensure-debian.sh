#!/usr/bin/env bash
# Installs the Debian packages named (e.g. scripts/ensure-debian.sh prometheus libxml2-utils) that
# are not installed yet; idempotent, and a no-op in well under a second when all are there. Tests
# and CI call it for the tools they need. Only Debian's archive is used (apt-get; we are root or
# have sudo). Services a package ships are not started (a test starts what it needs itself).
set -euo pipefail
need=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "ensure-debian: apt-get install ${need[*]}" >&2
# Another apt-get on the machine may hold the dpkg lock for a while: wait for it rather than fail.
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
# policy-rc.d exit 101: "do not start services" while this runs (e.g. prometheus.service).
policy=/usr/sbin/policy-rc.d
added=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && added=1
fi
trap '[ -n "$added" ] && $SUDO rm -f "$policy"' EXIT
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  --no-install-recommends "${need[@]}" >/dev/null
