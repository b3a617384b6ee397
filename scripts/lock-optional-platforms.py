#!/usr/bin/env python3
"""Completes package-lock.json with the other platforms' optional binary packages.

The registry this project installs from serves only the binaries of the platforms it
runs on (e.g. @biomejs/cli-linux-x64), so `npm install` writes no lock entries for the
others, and `npm ci` then refuses the lock as out of sync. Entries for them, with the
platform restrictions their names state, let `npm ci` skip them as it would anyway on
this platform. Run after changing dependencies: python3 scripts/lock-optional-platforms.py
"""
import json
import re
import sys

PLATFORM = re.compile(r"-(android|darwin|linux|win32|freebsd)-(arm64|x64|arm|ia32)(-(musl|gnu))?$")

path = sys.argv[1] if len(sys.argv) > 1 else "package-lock.json"
lock = json.load(open(path))
packages = lock["packages"]
added = []
for key, meta in list(packages.items()):
    for name, spec in (meta.get("optionalDependencies") or {}).items():
        entry = f"node_modules/{name}"
        if entry in packages:
            continue
        m = PLATFORM.search(name)
        if not m or not re.fullmatch(r"\d+\.\d+\.\d+", spec):
            continue
        stub = {"version": spec, "optional": True, "os": [m.group(1)], "cpu": [m.group(2)]}
        if m.group(4):
            stub["libc"] = [m.group(4) if m.group(4) == "musl" else "glibc"]
        if meta.get("dev"):
            stub["dev"] = True
        packages[entry] = stub
        added.append(name)
lock["packages"] = dict(sorted(packages.items(), key=lambda kv: kv[0]))
json.dump(lock, open(path, "w"), indent=2)
open(path, "a").write("\n")
print(f"added {len(added)} platform entries" + (": " + ", ".join(added) if added else ""))
