"""No trace of a password, the client secret, the authorization code, the PKCE verifier or a token
in any log record (every logger at DEBUG, httpx/httpcore/urllib3/botocore included) across real
logins against the sandbox: the generic OIDC connector's password grant (on its own client and on
one passed in) and code-flow callback,
Keycloak's password grant, and Cognito's InitiateAuth through boto3. The passwords carry quotes,
backslashes and non-ASCII characters."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from idpbridge import Authenticated, FinishOIDC, IdpBridgeError, Password, RedirectRequired, StartOIDC
from idpbridge.connector import Connector
from idpbridge.sandbox import Sandbox
from idpbridge.sandbox.agent import LoginAgent
from idpbridge.sandbox.connectors import COGNITO, KEYCLOAK, OIDC
from idpbridge.sandbox.seed import Seed
from tests.support.logcapture import PLANTED, capture_all_logs, find_leaks

from .conftest import SEED

Make = Callable[..., Connector[Any]]
CALLBACK = "http://127.0.0.1:8765/callback"
COGNITO_USER = "dave@acme.example"
PASSWORD = f"Pw-{secrets.token_hex(6)}{PLANTED}"


def _hostile_seed() -> Seed:
    """The default seed, carol's (Keycloak) and dave's (Cognito) passwords now :data:`PASSWORD`."""
    assert SEED.keycloak is not None
    assert SEED.cognito is not None
    kc_users = tuple(
        u.model_copy(update={"password": SecretStr(PASSWORD)}) if u.username == "carol" else u
        for u in SEED.keycloak.users
    )
    cg_users = tuple(
        u.model_copy(update={"password": SecretStr(PASSWORD)}) if u.username == COGNITO_USER else u
        for u in SEED.cognito.users
    )
    return Seed(
        keycloak=SEED.keycloak.model_copy(update={"users": kc_users}),
        cognito=SEED.cognito.model_copy(update={"users": cg_users}),
    )


def _tokens(result: Authenticated) -> list[str]:
    t = result.tokens
    return [x.get_secret_value() for x in (t.access_token, t.id_token, t.refresh_token) if x]


async def test_logins_leave_no_trace_in_any_logger(make_connector: Make) -> None:
    with Sandbox(_hostile_seed()) as sandbox, capture_all_logs() as logs:
        planted = [PASSWORD]
        for name, user in ((OIDC, "carol"), (KEYCLOAK, "carol"), (COGNITO, COGNITO_USER)):
            conn = make_connector(sandbox, name)  # password grants / InitiateAuth
            result = await conn.authenticate(Password(user, PASSWORD))
            assert isinstance(result, Authenticated), name
            planted += _tokens(result)
            with pytest.raises(IdpBridgeError):
                await conn.authenticate(Password(user, PASSWORD + "x"))
        # through a client the caller passes in, httpx logs each request URL at INFO as well
        async with httpx.AsyncClient() as raw:
            conn = make_connector(sandbox, OIDC, http_client=raw)
            result = await conn.authenticate(Password("carol", PASSWORD))
            assert isinstance(result, Authenticated)
            planted += _tokens(result)
        # the generic connector's code flow: only idpbridge's side is logged (the test's own
        # "browser" carries the code in URLs it fetches itself)
        conn = make_connector(sandbox, OIDC)
        start = await conn.authenticate(StartOIDC(CALLBACK))
        assert isinstance(start, RedirectRequired)
        with logs.pause():
            params = LoginAgent().sign_in(start.url, CALLBACK, username="carol", password=PASSWORD)
        result = await conn.authenticate(FinishOIDC(params, start.continuation))
        assert isinstance(result, Authenticated)
        verifier = conn.continuations.open(start.continuation).data["v"]  # type: ignore[attr-defined]
        planted += [params["code"], verifier, start.continuation.get_secret_value(), *_tokens(result)]
        client_secret = sandbox.connector_tables()[OIDC].get("client_secret")
    assert {"httpx", "httpcore.http11", "botocore.endpoint"} <= logs.names
    assert find_leaks(planted, logs.texts) == []
    assert client_secret is None or not [t for t in logs.texts if client_secret in t]
