"""The authorization-code + PKCE flow with a TOTP second factor, against the real glewlwyd 2.7.5 peer.

Each connector starts the flow; glewlwyd's REST login API takes the password, then a code of the
user's enrolled secret (computed here, tests/support/otp.py) for scope ``mfa``, which requires the
TOTP scheme ``otp``; the redirect's code goes back to the connector. Window facts (provisioning in
tests/peers/glewlwyd/provision.py, source upstream v2.7.5 ``src/scheme/otp.c``):

* scheme ``otp`` sets ``"window": 1`` — the key 2.7.5 reads — so the previous and next 30 s step
  are accepted and two steps away refused;
* scheme ``otp-doc`` is set as the documentation says (``"totp-window": 90``, "in seconds") and
  accepts the current step only: 2.7.5 ignores ``totp-window`` when validating;
* a user's TOTP step passes at most once per time step size (30 s), whatever the code: each
  successful login here has a user of its own (``glewlwyd.totp_user()``).

A refused code leaves the session without the ``mfa`` scope: glewlwyd sends the browser back to its
login page and issues no code, so the connector never reaches the token endpoint.
"""

from __future__ import annotations

import re

import httpx
import pytest

from idpbridge import Method, RedirectRequired, StartOIDC
from tests.peers import glewlwyd as gw
from tests.support import otp

from .conftest import Connect, Requests, sign_in

pytestmark = pytest.mark.peer("glewlwyd")


def _refused_code(secret: str) -> str:
    """A six-digit code that is none of the codes within three steps of now."""
    near = {otp.code(secret, s) for s in range(-3, 4)}
    return next(c for c in ("000000", "123456", "999999", "424242") if c not in near)


@pytest.mark.parametrize("provider", ["oidc", "okta", "keycloak"])
async def test_code_flow_with_totp(connect: Connect, glewlwyd: gw.GlewlwydPeer, provider: str) -> None:
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    result = await sign_in(connect(provider), user, otp.code(user.secret))
    assert result.method is Method.OIDC
    ident = result.identity
    # glewlwyd's sub is a random, stable 32-character pseudonym, not the username.
    assert re.fullmatch(r"[A-Za-z0-9]{32}", ident.subject)
    assert ident.key == (glewlwyd.issuer, ident.subject)
    assert ident.provider == provider
    assert (ident.email, ident.name) == (
        f"{user.username}@example.test",
        f"{user.username.capitalize()} Example",
    )
    assert ident.email_verified is None  # glewlwyd sends no email_verified: unknown, not False
    assert ident.amr == ("password", "otp")
    assert "mfa" in result.tokens.scope
    # glewlwyd 2.7.5 puts auth_time 0 in code-flow ID tokens: no authentication time, not 1970.
    assert ident.claims["auth_time"] == 0
    assert ident.auth_time is None
    assert result.userinfo is not None
    assert result.userinfo["sub"] == ident.subject
    assert (
        ident.tenant == {"oidc": None, "okta": f"127.0.0.1:{glewlwyd.port}", "keycloak": "glewlwyd"}[provider]
    )
    for token in (result.tokens.id_token, result.tokens.access_token, result.tokens.refresh_token):
        assert token is not None
        assert token.get_secret_value() not in repr(result)


@pytest.mark.parametrize("steps", [-1, 1], ids=["previous", "next"])
async def test_codes_of_the_neighbouring_steps_are_accepted(
    connect: Connect, glewlwyd: gw.GlewlwydPeer, steps: int
) -> None:
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    result = await sign_in(connect(), user, otp.code(user.secret, steps))
    assert result.identity.amr == ("password", "otp")


@pytest.mark.parametrize("steps", [-2, 2])
async def test_codes_two_steps_away_are_refused(
    connect: Connect,
    glewlwyd: gw.GlewlwydPeer,
    requests: tuple[Requests, httpx.AsyncClient],
    steps: int,
) -> None:
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    code = otp.code(user.secret, steps)
    assert code not in {otp.code(user.secret, s) for s in (-1, 0, 1)}  # a coincidence would prove nothing
    await _refused(connect, requests, user, code)


async def test_wrong_code_is_refused(
    connect: Connect, glewlwyd: gw.GlewlwydPeer, requests: tuple[Requests, httpx.AsyncClient]
) -> None:
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    await _refused(connect, requests, user, _refused_code(user.secret))


async def _refused(
    connect: Connect, requests: tuple[Requests, httpx.AsyncClient], user: gw.TOTPUser, code: str
) -> None:
    log, client = requests
    conn = connect(http_client=client)
    start = await conn.authenticate(StartOIDC(gw.REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    login = await gw.rest_login(start.url, user.username, user.password, otp=code)
    assert login.refused == ("otp",)
    assert login.callback is None  # no code issued: back to the login page
    assert login.landing.endswith("/login.html")
    assert code not in login.landing
    metadata = await conn.metadata()
    assert metadata.token_endpoint is not None
    assert httpx.URL(metadata.token_endpoint).path not in log.paths()
    assert log.paths() == ["/api/oidc/.well-known/openid-configuration"]


@pytest.mark.parametrize("steps", [-1, 1], ids=["previous", "next"])
async def test_documented_window_setting_accepts_the_current_step_only(
    connect: Connect, glewlwyd: gw.GlewlwydPeer, steps: int
) -> None:
    """``otp-doc`` has ``totp-window: 90`` (seconds, per the docs) and no ``window``: ±1 step refused."""
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    conn = connect(scope="mfa-doc")
    start = await conn.authenticate(StartOIDC(gw.REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    code = otp.code(user.secret, steps)
    login = await gw.rest_login(start.url, user.username, user.password, otp=code, scheme="otp-doc")
    assert login.refused == ("otp-doc",)
    assert login.callback is None


async def test_documented_window_setting_accepts_the_current_code(
    connect: Connect, glewlwyd: gw.GlewlwydPeer
) -> None:
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    result = await sign_in(connect(scope="mfa-doc"), user, otp.code(user.secret), scheme="otp-doc")
    assert result.identity.amr == ("password", "otp")
    assert "mfa-doc" in result.tokens.scope


async def test_a_user_passes_the_totp_step_once_per_time_step(
    connect: Connect, glewlwyd: gw.GlewlwydPeer
) -> None:
    """After a successful code, the same code and the next step's are refused for 30 s."""
    user = glewlwyd.totp_user()
    await otp.fresh_step()
    conn = connect()
    await sign_in(conn, user, otp.code(user.secret))
    for steps in (0, 1):
        start = await conn.authenticate(StartOIDC(gw.REDIRECT_URI))
        assert isinstance(start, RedirectRequired)
        login = await gw.rest_login(start.url, user.username, user.password, otp=otp.code(user.secret, steps))
        assert login.refused == ("otp",)
        assert login.callback is None
