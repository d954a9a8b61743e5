"""Reusable checks for connector config fields (pydantic ``Annotated`` metadata).

``region: Annotated[str, matching(REGION, "not an AWS region name")]`` replaces a hand-written
``field_validator`` that only matches a pattern; the refusal reads like any field error.
``profile_fields: Words`` takes a list or one comma- or space-separated string.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

__all__ = ["Words", "each_matching", "matching", "split_words"]


def matching(pattern: str | re.Pattern[str], message: str) -> AfterValidator:
    """The whole value must match ``pattern`` (``re.fullmatch``); else ``ValueError(message)``."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


def each_matching(pattern: str | re.Pattern[str], message: str) -> AfterValidator:
    """Every item of a tuple must match ``pattern`` (``re.fullmatch``); else ``ValueError(message)``
    (one refusal for the field, like :func:`matching`)."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        if not all(regex.fullmatch(value) for value in values):
            raise ValueError(message)
        return values

    return AfterValidator(check)


def split_words(value: Any) -> Any:
    """A string of comma- or space-separated words as a list of them; anything else as given."""
    return value.replace(",", " ").split() if isinstance(value, str) else value


#: A tuple of words, given as a list or as one string (``"google_otp, okta_verify"``).
Words = Annotated[tuple[str, ...], BeforeValidator(split_words)]
