"""Install the plugin distributions under tests/plugins/hostile/ into a private directory.

They must not be installed into the test environment (``nox -s tests`` installs only
``tests/plugins/*/``): one of them never finishes importing and the others are meant to break
listings. The tests install them with pip into a ``--target`` directory and put it on the
``PYTHONPATH`` of a real ``idpbridge`` process only.

The test environment has no build backend and the tests have no network, so this module builds
each project's wheel itself from its ``pyproject.toml`` (name, version, entry points, the hatch
``packages`` list): a plain PEP 427 archive that pip then installs like any other wheel.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

HOSTILE = Path(__file__).resolve().parents[1] / "plugins" / "hostile"


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def build_wheel(project: Path, out: Path) -> Path:
    """A wheel of ``project`` (a directory with a hatch-style ``pyproject.toml``) in ``out``."""
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    name, version = meta["project"]["name"], meta["project"]["version"]
    dist = re.sub(r"[-_.]+", "_", name).lower()
    info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for package in meta["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]:
        src = project / package
        for path in sorted(src.rglob("*.py")):
            files[f"{src.name}/{path.relative_to(src).as_posix()}"] = path.read_bytes()
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: idpbridge-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    groups = meta["project"].get("entry-points", {})
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in eps.items()) + "\n"
        for group, eps in groups.items()
    )
    files[f"{info}/entry_points.txt"] = entry_points.encode()
    record = [_record_line(arc, data) for arc, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = out / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in files.items():
            zf.writestr(arc, data)
    return wheel


def install_hostile(target: Path, work: Path) -> list[str]:
    """pip-install every distribution under tests/plugins/hostile/ into ``target``; their names."""
    projects = sorted(p.parent for p in HOSTILE.glob("*/pyproject.toml"))
    wheels = [str(build_wheel(p, work)) for p in projects]
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
            "--disable-pip-version-check", "--target", str(target), *wheels,
        ],
        check=True,
        timeout=300,
    )  # fmt: skip
    return [tomllib.loads((p / "pyproject.toml").read_text())["project"]["name"] for p in projects]
