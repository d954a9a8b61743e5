"""Fixtures for the core tests: an injected registry with the demo connector, keys, a clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from idpbridge import ContinuationKeys
from idpbridge.registry import Registry
from tests.support.clock import FixedClock

from ._support import make_dist, registry_of

#: A settable POSIX clock.
FakeClock = FixedClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keys() -> ContinuationKeys:
    return ContinuationKeys.generate()


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    """A registry that knows only the demo connector, from a fake ``idpbridge-demo`` distribution."""
    return registry_of(make_dist(tmp_path, "idpbridge-demo", {"demo": "tests.core._support:DEMO_PLUGIN"}))


@pytest.fixture
def demo_fields() -> dict[str, object]:
    from ._support import CLIENT_SECRET

    return {"domain": "idp.example.com", "client_id": "demo-client", "client_secret": CLIENT_SECRET}
