from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._service import LegacyService, serve


@pytest.fixture(scope="module")
def service() -> Iterator[LegacyService]:
    with serve() as running:
        yield running
