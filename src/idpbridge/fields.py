"""Reusable checks for connector config fields (pydantic ``Annotated`` metadata).

``region: Annotated[str, matching(REGION, "not an AWS region name")]`` replaces a hand-written
``field_validator`` that only matches a pattern; the refusal reads like any field error.
``names: Annotated[tuple[str, ...], split_words]`` takes a list, or one string of items.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import AfterValidator, BeforeValidator

__all__ = ["matching", "split_words"]


def matching(pattern: str | re.Pattern[str], message: str) -> AfterValidator:
    """The whole value must match ``pattern`` (``re.fullmatch``); else ``ValueError(message)``."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


def _split(value: Any) -> Any:
    return value.replace(",", " ").split() if isinstance(value, str) else value


#: A list field that also takes one string of items separated by commas and/or white space
#: (``"otp, totp"``, as environment variables and command lines give them).
split_words = BeforeValidator(_split)
