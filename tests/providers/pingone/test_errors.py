"""PingOne platform error bodies: where a flow may put its error code."""

from __future__ import annotations

import pytest

from idpbridge import AccountLocked, InvalidCredentials
from idpbridge.classify import PASSWORD, classify
from idpbridge.providers.pingone.errors import FLOW_RULES, parse_platform_error


def _classify(body: dict[str, object]) -> Exception:
    info = parse_platform_error(body)
    return classify(
        FLOW_RULES,
        error=info.error,
        description=info.description,
        provider_code=info.provider_code,
        status=400,
        context=PASSWORD,
    )


@pytest.mark.parametrize(
    "body",
    [
        # The platform envelope: the lock code in details[0].
        {
            "code": "INVALID_DATA",
            "message": "The request could not be completed.",
            "details": [{"code": "PASSWORD_LOCKED_OUT", "message": "locked"}],
        },
        # A flow answer carrying an error object (as a public flow client reads it).
        {"status": "FAILED", "error": {"code": "PASSWORD_LOCKED_OUT", "message": "locked"}},
    ],
)
def test_a_lock_is_found_in_either_place(body: dict[str, object]) -> None:
    assert isinstance(_classify(body), AccountLocked)


def test_an_error_object_without_a_known_code_is_not_a_lock() -> None:
    info = parse_platform_error({"error": {"code": "INVALID_DATA", "message": "bad password"}})
    assert (info.error, info.provider_code) == ("INVALID_DATA", "INVALID_DATA")
    assert info.description == "bad password"
    assert isinstance(_classify({"error": {"code": "INVALID_DATA"}}), InvalidCredentials)
