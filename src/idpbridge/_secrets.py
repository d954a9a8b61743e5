"""pydantic's :class:`~pydantic.SecretStr`, imported on first use.

Secrets (passwords, codes, tokens, continuations) are held as ``SecretStr`` everywhere. Importing
pydantic costs tens of milliseconds, so modules that only *declare* secret fields (requests,
outcomes, identities, errors) take the class from here when a value is first wrapped, and
``import idpbridge`` or listing connectors loads no pydantic.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["secret", "secret_type"]


@functools.cache
def secret_type() -> type[SecretStr]:
    """The ``SecretStr`` class (pydantic is imported on the first call)."""
    from pydantic import SecretStr

    return SecretStr


def secret(value: str) -> SecretStr:
    """``value`` wrapped in a ``SecretStr``."""
    return secret_type()(value)
