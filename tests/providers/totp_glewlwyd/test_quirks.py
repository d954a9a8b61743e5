"""glewlwyd 2.7.5 quirks the connectors meet around the TOTP path (shared/reference/local-peers.md §4.4),
against the real peer, and how the unmodified generic connector reports them.

* A scope that needs the TOTP scheme is dropped, not refused, when the session lacks it: by the
  password grant, and by the code flow when the user has not consented to it yet (glewlwyd issues
  the code for the granted, authenticated scopes only). The connector reports what was granted
  (``tokens.scope``) and how the user authenticated (``identity.amr``); an application that needs
  the second factor checks those.
* A refused password grant is ``403`` with an empty body: no OAuth error code says why, so it is a
  :class:`~idpbridge.ProviderError` (status 403), not ``InvalidCredentials``, and is not retried.
"""

from __future__ import annotations

import httpx
import pytest

from idpbridge import Authenticated, InvalidCredentials, Method, Password, ProviderError
from tests.peers import glewlwyd as gw

from .conftest import Connect, Requests, sign_in

pytestmark = pytest.mark.peer("glewlwyd")


async def test_code_flow_without_consent_drops_the_totp_scope(
    connect: Connect, glewlwyd: gw.GlewlwydPeer
) -> None:
    user = glewlwyd.totp_user()  # enrolled, but never consented to mfa for this client
    result = await sign_in(connect(), user, None, grant=False)
    assert result.tokens.scope == ("openid",)
    assert result.identity.amr == ("password",)


async def test_password_grant_drops_the_totp_scope(connect: Connect) -> None:
    result = await connect().authenticate(Password("alice", gw.USERS["alice"]))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    assert result.tokens.scope == ("openid", "email", "profile")
    assert result.identity.amr == ("password",)
    assert result.identity.email == "alice@example.test"


@pytest.mark.parametrize(("user", "password"), [("alice", "WRONG-pass"), ("nobody", "x-pass")])
async def test_refused_password_grant(
    connect: Connect, requests: tuple[Requests, httpx.AsyncClient], user: str, password: str
) -> None:
    log, client = requests
    with pytest.raises(ProviderError) as info:
        await connect(http_client=client).authenticate(Password(user, password))
    error = info.value
    assert not isinstance(error, InvalidCredentials)
    assert (error.code, error.status, error.retryable) == ("provider.error", 403, False)
    assert log.paths().count("/api/oidc/token") == 1
    assert password not in str(error)
    assert password not in repr(error)
