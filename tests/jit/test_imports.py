"""``import idpbridge.jit`` needs no SQLAlchemy; the SQL store names the extra when it is missing."""

from __future__ import annotations

import subprocess
import sys

CHECK_LAZY = """
import sys
import idpbridge.jit
assert "sqlalchemy" not in sys.modules, "idpbridge.jit imported sqlalchemy eagerly"
idpbridge.jit.SQLUserStore
assert "sqlalchemy" in sys.modules
"""

CHECK_MISSING = """
import sys
sys.modules["sqlalchemy"] = None  # as if the [jit] extra were not installed
import idpbridge.jit
from idpbridge import PluginError
try:
    idpbridge.jit.SQLUserStore
except PluginError as exc:
    assert exc.code == "plugin.unavailable", exc.code
    assert exc.install_hint == 'pip install "idpbridge[jit]"', exc.install_hint
else:
    raise AssertionError("no PluginError")
"""


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_sql_store_is_imported_lazily() -> None:
    done = run(CHECK_LAZY)
    assert done.returncode == 0, done.stderr


def test_missing_sqlalchemy_is_a_plugin_error_with_install_hint() -> None:
    done = run(CHECK_MISSING)
    assert done.returncode == 0, done.stderr
