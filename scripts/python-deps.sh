#!/usr/bin/env bash
# Debian's Python packages that the Python client's tests use (clients/python): pytest, and the
# optional msgpack and pandas, so both codec paths and the DataFrame helper are tested. No PyPI:
# apt-get only, and only when something is missing (a no-op in well under a second otherwise).
set -euo pipefail
PY=/usr/bin/python3
need=()
if [ -x "$PY" ]; then
  # find_spec only looks for the modules (importing pandas alone takes a second).
  read -r -a need <<<"$("$PY" -c '
import importlib.util as u
mods = {"venv": "python3-venv", "pip": "python3-pip", "setuptools": "python3-setuptools",
        "pytest": "python3-pytest", "msgpack": "python3-msgpack", "pandas": "python3-pandas"}
print(" ".join(pkg for mod, pkg in mods.items() if u.find_spec(mod) is None))')"
else
  need=(python3 python3-venv python3-pip python3-setuptools python3-pytest python3-msgpack python3-pandas)
fi
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "python-deps: apt-get install ${need[*]}" >&2
# Another apt-get on the machine holds the dpkg lock for a while: wait for it rather than fail.
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  --no-install-recommends "${need[@]}" >/dev/null
