"""The transport-free private modules stay transport-free; one timeout type feeds the other."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

import idpbridge
from idpbridge import _retry
from idpbridge.config import ConnectorConfig, TimeoutSettings
from idpbridge.http import RetryPolicy, Timeouts

SRC = Path(idpbridge.__file__).parent
#: Private core modules that must import neither httpx nor idpbridge.http (which imports them).
TRANSPORT_FREE = [
    "_deadline.py",
    "_inflate.py",
    "_json.py",
    "_logging.py",
    "_policy.py",
    "_redact.py",
    "_retry.py",
]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (relative imports resolved within idpbridge)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ("idpbridge." if node.level else "") + (node.module or "")
            found.add(base.rstrip("."))
            found.update(f"{base}.{alias.name}".replace("..", ".") for alias in node.names)
    return found


@pytest.mark.parametrize("name", TRANSPORT_FREE)
def test_private_core_modules_do_not_import_the_transport(name: str) -> None:
    imports = imported_modules(SRC / name)
    assert not {m for m in imports if m == "httpx" or m.startswith("httpx.")}, name
    assert "idpbridge.http" not in imports, f"{name} imports idpbridge.http back"


def test_httpx_failures_are_still_classified_for_the_policy() -> None:
    policy = RetryPolicy()
    request = httpx.Request("GET", "https://idp.example.com/")
    assert _retry.transport_kind(httpx.ConnectError("down", request=request)) == "unsent"
    assert _retry.transport_kind(httpx.ReadTimeout("slow", request=request)) == "transport"
    assert _retry.transport_kind(ValueError("not a transport failure")) is None
    assert policy.should_retry(httpx.ConnectError("down", request=request), idempotent=False)
    assert not policy.should_retry(httpx.ReadTimeout("slow", request=request), idempotent=False)
    assert policy.should_retry(httpx.ReadTimeout("slow", request=request), idempotent=True)


def test_timeout_settings_build_the_transport_timeouts() -> None:
    assert TimeoutSettings().transport() == Timeouts()  # one set of defaults
    settings = TimeoutSettings(connect=1.5, read=2.5, total=3.5, authenticate=9)
    assert settings.transport() == Timeouts(connect=1.5, read=2.5, total=3.5)
    config = ConnectorConfig(timeouts={"connect": 1.5, "read": 2.5, "total": 3.5})  # type: ignore[arg-type]
    assert config.http_policy().timeouts == Timeouts(connect=1.5, read=2.5, total=3.5)
