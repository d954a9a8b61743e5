"""Keycloak TOTP: the direct grant with the code, single call and two steps, replayed from cassettes
(transcribed; see each file's header). What the connector sends is read off the wire."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from idpbridge import (
    TOTP,
    Answer,
    Authenticated,
    AuthenticationFailed,
    ConfigurationError,
    ContinuationKeys,
    FlowError,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Method,
    Password,
)
from idpbridge.cache import Cache, MemoryCache
from idpbridge.providers.keycloak import PLUGIN
from idpbridge.providers.keycloak.connector import KeycloakConnector
from tests.oidc.integration._drive import totp
from tests.peers import oidc_provider as op
from tests.support.minted import ID_TOKEN, JWK, TestKey, replay
from tests.support.providers import Connectors
from tests.support.replayed import answer_refused_again, replayed_error, replayed_login, replayed_totp_step
from tests.support.wire import Recorder

from .conftest import CLIENT_ID, ISSUER, SERVER_URL, SUBJECT

pytestmark = pytest.mark.cassette

SECRET = op.TOTP_SECRET
PASSWORD = "correct-horse-battery"


def _values(key: TestKey, issuer: str = ISSUER) -> dict[str, str]:
    token = key.mint(
        iss=issuer,
        aud=CLIENT_ID,
        sub=SUBJECT,
        typ="ID",
        azp=CLIENT_ID,
        acr="1",
        preferred_username="jane",
        email="jane@acme.example",
        email_verified=True,
    )
    return {ID_TOKEN: token, JWK: key.public_jwk}


@pytest.fixture
def fields(cassette_fields: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    return {
        **cassette_fields,
        "methods": ["password", "totp"],
        "http_client": recorder.http_client,
    }


def _token_form(recorder: Recorder) -> dict[str, list[str]]:
    (request,) = recorder.to("/token")
    return Recorder.form(request)


async def test_totp_in_one_call(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    code = totp(SECRET)
    result = await replayed_login(
        make(**fields), "keycloak", "totp_success", TOTP("jane", code, PASSWORD), values=_values(test_key)
    )
    assert result.method is Method.TOTP
    assert result.identity.key == (ISSUER, SUBJECT)
    form = _token_form(recorder)
    assert form["grant_type"] == ["password"]
    assert form["username"] == ["jane"]
    assert form["password"] == [PASSWORD]
    # The code goes as 'otp' and as 'totp' (older servers read only 'totp'; newer ones 'otp' first).
    assert form["otp"] == [code]
    assert form["totp"] == [code]


async def test_wrong_otp_is_invalid_credentials(make: Connectors, fields: dict[str, Any]) -> None:
    """Keycloak answers a wrong OTP exactly like a wrong password: InvalidCredentials."""
    err = await replayed_error(
        make(**fields), "keycloak", "totp_wrong_otp", TOTP("jane", "000000", PASSWORD), InvalidCredentials
    )
    assert type(err) is InvalidCredentials
    assert err.provider_code == "invalid_grant"
    assert PASSWORD not in str(err)


async def test_missing_otp_looks_like_a_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    """Default ``totp_step = on_signal``: stock Keycloak gives no signal, so no TOTP step."""
    with replay("keycloak", "totp_missing_otp") as cas, pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(Password("jane", PASSWORD))
    assert cas.all_played


async def test_two_steps_after_invalid_credentials(
    make: Connectors,
    fields: dict[str, Any],
    test_key: TestKey,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make(**fields, totp_step="after_invalid_credentials")
    asked = await replayed_totp_step(conn, "keycloak", "totp_missing_otp", Password("jane", PASSWORD))
    step = asked.step
    assert step.fields[0].kind == "totp"
    assert step.fields[0].secret
    # The password waits only inside the sealed continuation.
    shown = repr(step) + str(step.fields) + "\n".join(r.getMessage() for r in caplog.records)
    assert PASSWORD not in shown
    assert PASSWORD not in step.continuation.get_secret_value()
    assert asked.sealed["p"] == PASSWORD

    code = totp(SECRET)
    recorder.requests.clear()
    with replay("keycloak", "totp_success", values=_values(test_key)) as cas:
        done = await conn.authenticate(Answer(step.continuation, {"totp": code}))
    assert cas.play_count == 3  # token, keys, userinfo: discovery is cached from the first step
    assert isinstance(done, Authenticated)
    assert done.method is Method.TOTP
    form = _token_form(recorder)
    assert form["password"] == [PASSWORD]
    assert form["otp"] == [code]
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))
    assert "POST" in logged
    assert PASSWORD not in logged
    assert code not in logged + repr(done)

    # Single-use: the same continuation again is refused before anything is sent.
    recorder.requests.clear()
    await answer_refused_again(conn, step, code)
    assert recorder.requests == []


async def test_signal_gives_the_totp_step(
    make: Connectors, fields: dict[str, Any], test_key: TestKey
) -> None:
    """A server that says so ('Invalid OTP credentials', UNCONFIRMED[keycloak.otp-signal]) gets the
    step by default."""
    conn = make(**fields)
    with replay("keycloak", "totp_signal") as cas:
        step = await conn.authenticate(Password("jane", PASSWORD))
    assert cas.all_played
    assert isinstance(step, InputRequired)
    with replay("keycloak", "totp_signal_wrong_otp"), pytest.raises(InvalidCode) as info:
        await conn.authenticate(Answer(step.continuation, {"totp": "000000"}))
    assert info.value.code == "invalid_code"
    assert info.value.provider_code == "invalid_grant"


async def test_signal_without_the_totp_method_stays_an_error(
    make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    with replay("keycloak", "totp_signal"), pytest.raises(AuthenticationFailed) as info:
        await make(**{**cassette_fields, "methods": ["password"]}).authenticate(Password("jane", PASSWORD))
    assert info.value.code == "mfa_required"


async def test_old_totp_parameter_name(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    """A pre-10 server behind /auth reads only 'totp': configure that one name."""
    legacy_issuer = f"{SERVER_URL}/auth/realms/acme"
    legacy = {
        **{k: v for k, v in fields.items() if k != "backchannel_url"},
        "server_url": f"{SERVER_URL}/auth",
        "otp_param_names": "totp",
    }
    conn = make(**legacy)
    assert conn.config.issuer == legacy_issuer
    code = totp(SECRET)
    result = await replayed_login(
        conn,
        "keycloak",
        "totp_old_param",
        TOTP("jane", code, PASSWORD),
        values=_values(test_key, legacy_issuer),
    )
    assert result.identity.issuer == legacy_issuer
    form = _token_form(recorder)
    assert form["totp"] == [code]
    assert "otp" not in form


async def test_refused_before_sending(make: Connectors, fields: dict[str, Any], recorder: Recorder) -> None:
    conn = make(**fields)
    with pytest.raises(AuthenticationFailed) as info:
        await conn.authenticate(TOTP("jane", "123456"))
    assert info.value.code == "password_required"
    with pytest.raises(InvalidCode):
        await conn.authenticate(TOTP("jane", "", PASSWORD))
    assert recorder.requests == []


async def test_a_malformed_answer_does_not_spend_the_step(
    make: Connectors, fields: dict[str, Any], test_key: TestKey
) -> None:
    conn = make(**fields)
    with replay("keycloak", "totp_signal"):
        step = await conn.authenticate(Password("jane", PASSWORD))
    assert isinstance(step, InputRequired)
    with pytest.raises(FlowError) as info:
        await conn.authenticate(Answer(step.continuation, {"code": "123456"}))
    assert info.value.code == "flow.bad_answer"
    with replay("keycloak", "totp_success", values=_values(test_key)):
        assert isinstance(
            await conn.authenticate(Answer(step.continuation, {"totp": "123456"})), Authenticated
        )


async def test_totp_needs_the_method_enabled(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    conn = make(**{**cassette_fields, "methods": ["password"]})
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(TOTP("jane", "123456", PASSWORD))
    assert info.value.code == "config.method_not_enabled"


@pytest.mark.parametrize(
    ("names", "problem"),
    [("", "at least one"), ("password", "grant parameter"), ("otp otp", "once"), ("o tp!", "letters")],
)
def test_otp_param_names_are_checked(
    make: Connectors, cassette_fields: dict[str, Any], names: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        make(**cassette_fields, otp_param_names=names)
    assert problem in str(info.value)


async def _spent_once_across_workers(cache: Cache, fields: dict[str, Any], key: TestKey) -> None:
    """Two workers share keys and a cache: a TOTP step continued on one is spent on both."""
    factory = Connectors("keycloak", ContinuationKeys.generate(), retries=1, cache=cache)
    first, second = (factory(**{**fields, "methods": ["password", "totp"]}) for _ in range(2))
    try:
        with replay("keycloak", "totp_signal"):
            step = await first.authenticate(Password("jane", PASSWORD))
        assert isinstance(step, InputRequired)
        with replay("keycloak", "totp_success", values=_values(key)):
            result = await second.authenticate(Answer(step.continuation, {"totp": "123456"}))
        assert isinstance(result, Authenticated)
        await answer_refused_again(first, step, "123456")
    finally:
        await factory.aclose()


async def test_spent_once_across_workers_in_memory(
    cassette_fields: dict[str, Any], test_key: TestKey
) -> None:
    await _spent_once_across_workers(MemoryCache(), cassette_fields, test_key)


@pytest.mark.peer("redis")
async def test_spent_once_across_workers_with_redis(
    cassette_fields: dict[str, Any], test_key: TestKey, redis_cache: Cache
) -> None:
    await _spent_once_across_workers(redis_cache, cassette_fields, test_key)


def test_totp_is_registered_and_opt_in() -> None:
    assert Method.TOTP in PLUGIN.methods
    assert Method.TOTP in KeycloakConnector.methods
    conn = KeycloakConnector(server_url=SERVER_URL, realm="acme", client_id="app")
    assert Method.TOTP not in conn.enabled_methods
    assert conn.config.otp_param_names == ("otp", "totp")
    assert conn.config.totp_step == "on_signal"


async def test_the_password_walk_never_calls_back_into_the_connector(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Password -> TOTP step -> Answer runs on the engine and its step context alone."""
    conn = make(**fields, totp_step="after_invalid_credentials")

    def called_back(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the password walk called back into the connector")

    for name in ("metadata", "discover", "oauth", "endpoint", "token_policy", "seal"):
        monkeypatch.setattr(conn, name, called_back)
    asked = await replayed_totp_step(conn, "keycloak", "totp_missing_otp", Password("jane", PASSWORD))
    with replay("keycloak", "totp_success", values=_values(test_key)):
        done = await conn.authenticate(Answer(asked.step.continuation, {"totp": totp(SECRET)}))
    assert isinstance(done, Authenticated)
    assert done.method is Method.TOTP
