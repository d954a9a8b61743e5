"""Make the test plugin distributions (``tests/plugins/*/``) importable without ``nox``.

``nox -s tests`` pip-installs them into its environment. A plain ``pip install -e ".[all,test]"``
followed by ``pytest`` does not, so the registry and CLI tests would not find the ``example``,
``future`` and ``broken`` connectors. :func:`ensure_installed` (called once at session start by
``tests/conftest.py``) notices which of them are missing, builds their wheels
(:func:`tests.core._wheels.build_wheel`: no build backend, no network), unpacks them into a
private directory, and puts that directory first on ``sys.path`` and on ``PYTHONPATH`` so that the
``idpbridge`` processes the tests start find them too. Nothing is installed into the environment.
"""

from __future__ import annotations

import atexit
import importlib.metadata as md
import os
import shutil
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

__all__ = ["PLUGINS", "ensure_installed", "private_dir"]

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
_private: Path | None = None


def _projects() -> list[tuple[str, Path]]:
    out = []
    for pyproject in sorted(PLUGINS.glob("*/pyproject.toml")):  # not hostile/*/: see its README
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
        out.append((name, pyproject.parent))
    return out


def _installed(name: str) -> bool:
    try:
        md.distribution(name)
    except md.PackageNotFoundError:
        return False
    return True


def private_dir() -> Path | None:
    """The directory :func:`ensure_installed` unpacked the missing plugins into (``None``: none were)."""
    return _private


def ensure_installed() -> list[str]:
    """Make every test plugin distribution importable; the names it had to unpack."""
    global _private  # noqa: PLW0603 - once per test session
    from tests.core._wheels import build_wheel

    missing = [(name, path) for name, path in _projects() if not _installed(name)]
    if not missing:
        return []
    target = Path(tempfile.mkdtemp(prefix="idpbridge-test-plugins-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    wheels = target / ".wheels"
    wheels.mkdir()
    for _, project in missing:
        with zipfile.ZipFile(build_wheel(project, wheels)) as wheel:  # a pure wheel: unpacking installs it
            wheel.extractall(target)
    shutil.rmtree(wheels)
    sys.path.insert(0, str(target))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH")) if p)
    _private = target
    return [name for name, _ in missing]
