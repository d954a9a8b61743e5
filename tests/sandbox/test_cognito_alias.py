"""The Cognito emulator lives in the sandbox; its old documented path still works, with a warning."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import idpbridge.sandbox.cognito as emulator


def test_old_path_warns_and_gives_the_same_objects() -> None:
    old = importlib.import_module("idpbridge.providers.cognito.fake")
    for name in old.__all__:
        with pytest.warns(DeprecationWarning, match=rf"import {name} from idpbridge\.sandbox\.cognito"):
            assert getattr(old, name) is getattr(emulator, name)
    with pytest.raises(AttributeError):
        old.NoSuchName  # noqa: B018


def test_the_connector_never_loads_the_sandbox() -> None:
    code = (
        "import sys, idpbridge.providers.cognito, idpbridge.providers.cognito.connector\n"
        "print(sorted(m for m in sys.modules if m.startswith('idpbridge.sandbox')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
