"""A ``Password`` login answered with ``mfa_required``: the sealed continuation that carries the
provider's MFA token, which nothing shown may reveal (okta, auth0: replayed or respx-mocked)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from idpbridge import MFARequired, Password
from idpbridge.connector import Connector

__all__ = ["sealed_mfa_required"]


async def sealed_mfa_required(
    conn: Connector[Any],
    username: str,
    password: str,
    mfa_token: str,
    *,
    caplog: pytest.LogCaptureFixture | None = None,
) -> tuple[MFARequired, Any]:
    """The login raises :class:`~idpbridge.MFARequired` with a continuation sealed for ``totp``
    that holds ``mfa_token``; neither the token nor the password shows in the error's ``str``,
    ``repr``, message or details, the sealed text, or (with ``caplog``, at DEBUG) the logs.
    Returns the error and the opened continuation."""
    if caplog is not None:
        caplog.set_level(logging.DEBUG)
    with pytest.raises(MFARequired) as info:
        await conn.authenticate(Password(username, password))
    err = info.value
    assert err.continuation is not None
    sealed = err.continuation.get_secret_value()
    opened = conn.continuations.open(sealed, method="totp")
    assert opened.data["mfa_token"] == mfa_token
    logged = caplog.text if caplog is not None else ""
    for text in (str(err), repr(err), err.message, str(err.details), logged, sealed):
        assert mfa_token not in text
        assert password not in text
    return err, opened
