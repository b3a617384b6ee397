"""A PEP 517 build backend with no dependencies (standard library only) for scs_client.

Why not setuptools: pip builds in an isolated environment and would download setuptools
there, which a machine without a package index cannot. This backend writes the pure-Python
wheel (and an sdist) itself; the metadata comes from pyproject.toml's [project] table.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "scs_client"
TAG = "py3-none-any"


def _project():
    """The few [project] fields this package uses, read without tomllib (Python 3.9 has none)."""
    fields = {}
    section = None
    scripts = {}
    extras = {}
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = (part.strip() for part in line.partition("="))
            value = value.strip()
            if section == "project" and value.startswith('"'):
                fields[key] = value.strip('"')
            elif section == "project.scripts":
                scripts[key] = value.strip('"')
            elif section == "project.optional-dependencies":
                extras[key] = [v.strip().strip('"') for v in value.strip("[]").split(",") if v.strip()]
    return fields, scripts, extras


def _names():
    fields, scripts, extras = _project()
    name = fields["name"]
    dist = name.replace("-", "_")
    return fields, scripts, extras, dist, f"{dist}-{fields['version']}"


def _metadata():
    fields, _, extras, _, _ = _names()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {fields['name']}",
        f"Version: {fields['version']}",
        f"Summary: {fields['description']}",
        f"Requires-Python: {fields['requires-python']}",
        "License: Apache-2.0",
    ]
    for extra, reqs in extras.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in reqs]
    lines.append("Description-Content-Type: text/markdown")
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return "\n".join(lines) + "\n\n" + f.read()


def _sources():
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, PACKAGE)):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                yield path, os.path.relpath(path, ROOT).replace(os.sep, "/")


def _digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _dist_info(scripts):
    _, _, _, _, stem = _names()
    info = f"{stem}.dist-info"
    files = {
        f"{info}/METADATA": _metadata().encode("utf-8"),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: scs_build\nRoot-Is-Purelib: true\nTag: {TAG}\n"
        ).encode(),
    }
    if scripts:
        body = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())
        files[f"{info}/entry_points.txt"] = body.encode()
    return info, files


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _, scripts, _, _, _ = _names()
    info, files = _dist_info(scripts)
    for name, data in files.items():
        path = os.path.join(metadata_directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _, scripts, _, _, stem = _names()
    info, files = _dist_info(scripts)
    wheel_name = f"{stem}-{TAG}.whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, arcname in _sources():
            with open(path, "rb") as f:
                data = f.read()
            z.writestr(arcname, data)
            records.append(f"{arcname},{_digest(data)},{len(data)}")
        for arcname, data in files.items():
            z.writestr(arcname, data)
            records.append(f"{arcname},{_digest(data)},{len(data)}")
        records.append(f"{info}/RECORD,,")
        z.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    _, _, _, _, stem = _names()
    name = f"{stem}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for rel in ("pyproject.toml", "README.md", "_build/scs_build.py"):
            tar.add(os.path.join(ROOT, rel), f"{stem}/{rel}")
        for path, arcname in _sources():
            tar.add(path, f"{stem}/{arcname}")
        data = _metadata().encode("utf-8")
        pkg_info = tarfile.TarInfo(f"{stem}/PKG-INFO")
        pkg_info.size = len(data)
        tar.addfile(pkg_info, io.BytesIO(data))
    return name
