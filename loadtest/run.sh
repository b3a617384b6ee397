#!/usr/bin/env bash
# `npm run loadtest -- --scenario NAME [flags]`: the load-test harness (loadtest/harness/main.ts;
# --help lists the flags). Needs Node 24, the project's node_modules/.bin/node.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

# Thousands of client sockets and their server ends live in one process tree: raise the
# descriptor limit as far as the hard limit allows.
hard=$(ulimit -Hn)
if [[ "$hard" == unlimited ]]; then want=1048576; else want=$hard; fi
ulimit -n "$want" 2>/dev/null || ulimit -n "$hard"

exec node loadtest/harness/main.ts "$@"
