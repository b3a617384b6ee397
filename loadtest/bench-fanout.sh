#!/usr/bin/env bash
# `npm run bench:fanout [-- flags]`: the fan-out benchmark (loadtest/fanout.ts; --help lists
# the flags). `npm run bench:e2e` runs loadtest/e2e/main.ts through here (BENCH_SCRIPT). Needs Node 24 (the project's node_modules/.bin/node) and nats-server for the
# baseline, installed here from Debian's package when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

# 1000 client sockets, their server ends and the NATS connections in one process tree.
want=16384
hard=$(ulimit -Hn)
if [[ "$hard" != unlimited && "$hard" -lt "$want" ]]; then want=$hard; fi
ulimit -n "$want"

if ! command -v nats-server >/dev/null 2>&1; then
  echo "bench: installing nats-server (Debian package) for the NATS baseline" >&2
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  if ! "${sudo[@]}" apt-get install -y -qq nats-server >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq nats-server
  fi
fi

exec node "${BENCH_SCRIPT:-loadtest/fanout.ts}" "$@"
