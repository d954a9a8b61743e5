"""A TOTP code is good for one sign-in, as in Keycloak (its OTP policy's "reusable code" is off
by default): the same user's same code is refused while it could still be valid, by the direct
grant and by the login page's one-time-code form alike, with the answer a wrong code gets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from idpbridge.sandbox import Sandbox, totp_code

from .conftest import SEED, Clock, seed_password
from .test_keycloak_wire import action, callback, error_text, grant, sign_in, start

Own = tuple[Sandbox, httpx.Client]
BOB_TOTP = next(u for u in SEED.keycloak.users if u.username == "bob").totp_secret.get_secret_value()  # type: ignore[union-attr]


@pytest.fixture
def own(clocked: Sandbox) -> Iterator[Own]:
    """A sandbox of this test's own (no code used by another test) and a client on it."""
    with httpx.Client(base_url=clocked.base_url, follow_redirects=False, timeout=10) as client:
        yield clocked, client


def bob_code(server: Sandbox, steps: int = 0) -> str:
    return totp_code(BOB_TOTP, server.keycloak.clock() + 30 * steps)


def otp_page(client: httpx.Client) -> httpx.Response:
    page = sign_in(client, start(client), "bob", seed_password("bob"))
    assert "kc-otp-login-form" in page.text
    return page


@pytest.mark.parametrize(("first", "again"), [("otp", "otp"), ("otp", "totp"), ("totp", "otp")])
def test_direct_grant_refuses_a_reused_code(own: Own, first: str, again: str) -> None:
    server, client = own
    code = bob_code(server)
    ok = grant(client, username="bob", password=seed_password("bob"), **{first: code})
    assert ok.status_code == 200, ok.text
    wrong = grant(
        client, username="bob", password=seed_password("bob"), otp="000000" if code != "000000" else "1"
    )
    reused = grant(client, username="bob", password=seed_password("bob"), **{again: code})
    assert (reused.status_code, reused.json()) == (wrong.status_code, wrong.json())
    assert reused.json() == {"error": "invalid_grant", "error_description": "Invalid user credentials"}
    assert reused.status_code == 401
    assert reused.headers["cache-control"] == wrong.headers["cache-control"]


def test_login_page_refuses_a_reused_code(own: Own) -> None:
    server, client = own
    code = bob_code(server)
    done = client.post(action(otp_page(client).text), data={"otp": code})
    assert "code" in callback(done)
    client.cookies.clear()  # a new browser: no SSO session to fall back on
    page = otp_page(client)
    refused = client.post(action(page.text), data={"otp": code})
    assert refused.status_code == 200
    assert error_text(refused.text) == "Invalid authenticator code."
    assert "kc-otp-login-form" in refused.text
    # The next step's code (inside the look-ahead window) is a new code: accepted.
    again = client.post(action(refused.text), data={"otp": bob_code(server, 1)})
    assert "code" in callback(again)


def test_a_code_used_on_one_path_is_spent_on_the_other(own: Own) -> None:
    server, client = own
    code = bob_code(server)
    assert grant(client, username="bob", password=seed_password("bob"), otp=code).status_code == 200
    refused = client.post(action(otp_page(client).text), data={"otp": code})
    assert error_text(refused.text) == "Invalid authenticator code."


def test_a_refused_or_wrong_password_attempt_does_not_spend_the_code(
    own: Own,
) -> None:
    """Keycloak checks the OTP only after the password; a failed attempt leaves the code usable."""
    server, client = own
    code = bob_code(server)
    assert grant(client, username="bob", password="not-bobs", otp=code).status_code == 401
    assert grant(client, username="bob", password=seed_password("bob"), otp=code).status_code == 200


def test_the_spent_code_is_forgotten_once_it_cannot_be_valid(own: Own, clock: Clock) -> None:
    """The record lives one look-ahead window (3 steps, 90 s), then is pruned: memory stays flat."""
    server, client = own
    assert (
        grant(client, username="bob", password=seed_password("bob"), otp=bob_code(server)).status_code == 200
    )
    assert server.keycloak.used_otps
    clock.advance(91)
    assert (
        grant(client, username="bob", password=seed_password("bob"), otp=bob_code(server)).status_code == 200
    )
    assert len(server.keycloak.used_otps) == 1
