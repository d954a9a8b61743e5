"""Reusable checks for connector config fields (pydantic ``Annotated`` metadata).

``region: Annotated[str, matching(REGION, "not an AWS region name")]`` replaces a hand-written
``field_validator`` that only matches a pattern; the refusal reads like any field error.
"""

from __future__ import annotations

import re

from pydantic import AfterValidator

__all__ = ["matching"]


def matching(pattern: str | re.Pattern[str], message: str) -> AfterValidator:
    """The whole value must match ``pattern`` (``re.fullmatch``); else ``ValueError(message)``."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)
