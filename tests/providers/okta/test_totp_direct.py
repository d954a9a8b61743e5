"""Okta TOTP through the Direct Authentication grants (``totp_flow = "direct"``), replayed from
cassettes (transcribed; see each file's header). What the connector sends is read off the wire."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from idpbridge import (
    TOTP,
    Answer,
    Authenticated,
    ExpiredCode,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Method,
    MFARequired,
    Password,
)
from tests.peers import oidc_provider as op
from tests.support import otp
from tests.support.minted import TestKey, replay
from tests.support.providers import Connectors
from tests.support.replayed import answer_refused_again, replayed_login, replayed_totp_step
from tests.support.wire import Recorder

from .conftest import ISSUER, SUBJECT, id_token_values, refuse_callbacks

pytestmark = pytest.mark.cassette

PASSWORD = "correct-horse-battery"
MFA_TOKEN = "okta-mfa-token-from-the-cassette-0001"
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"


@pytest.fixture
def fields(cassette_fields: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    return {**cassette_fields, "methods": ["password", "totp"], "http_client": recorder.http_client}


def _values(key: TestKey, **extra: str) -> dict[str, str]:
    return {**id_token_values(key, amr=["pwd", "otp"]), "REDACTED-MFA-TOKEN": MFA_TOKEN, **extra}


def _forms(recorder: Recorder) -> list[dict[str, list[str]]]:
    return [Recorder.form(r) for r in recorder.to("/v1/token")]


async def test_totp_with_the_password_in_one_call(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    code = otp.code(op.TOTP_SECRET)
    result = await replayed_login(
        make(**fields),
        "okta",
        "totp_direct_success",
        TOTP("jane@acme.example", code, PASSWORD),
        values=_values(test_key),
    )
    assert result.method is Method.TOTP
    assert result.identity.key == (ISSUER, SUBJECT)
    assert result.identity.amr == ("pwd", "otp")
    password, mfa = _forms(recorder)
    assert password["grant_type"] == ["password"]
    assert password["password"] == [PASSWORD]
    assert "otp" not in password
    assert mfa["grant_type"] == [MFA_OTP]
    assert mfa["mfa_token"] == [MFA_TOKEN]
    assert mfa["otp"] == [code]
    assert "password" not in mfa
    assert mfa["scope"] == ["openid email profile"]


async def test_the_direct_paths_never_call_back_into_the_connector(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TOTP in one call, and the Answer to the mfa_required step, run on the engine and a step context."""
    conn = make(**fields)
    asked = await replayed_totp_step(
        conn,
        "okta",
        "mfa_required",
        Password("jane@acme.example", PASSWORD),
        values={"REDACTED-MFA-TOKEN": MFA_TOKEN},
    )
    refuse_callbacks(monkeypatch, conn)
    code = otp.code(op.TOTP_SECRET)
    with replay("okta", "totp_direct_mfa_otp", values=_values(test_key)):
        done = await conn.authenticate(Answer(asked.step.continuation, {"totp": code}))
    assert isinstance(done, Authenticated)
    assert done.method is Method.TOTP
    fresh = make(**fields)
    refuse_callbacks(monkeypatch, fresh)
    result = await replayed_login(
        fresh,
        "okta",
        "totp_direct_success",
        TOTP("jane@acme.example", code, PASSWORD),
        values=_values(test_key),
    )
    assert result.method is Method.TOTP


async def test_two_steps(
    make: Connectors,
    fields: dict[str, Any],
    test_key: TestKey,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Password -> InputRequired(totp) sealing the mfa_token -> Answer -> Authenticated; single-use."""
    caplog.set_level(logging.DEBUG)
    conn = make(**fields)
    asked = await replayed_totp_step(
        conn,
        "okta",
        "mfa_required",
        Password("jane@acme.example", PASSWORD),
        values={"REDACTED-MFA-TOKEN": MFA_TOKEN},
    )
    step = asked.step
    assert asked.sealed["mfa_token"] == MFA_TOKEN
    code = otp.code(op.TOTP_SECRET)
    recorder.requests.clear()
    with replay("okta", "totp_direct_mfa_otp", values=_values(test_key)) as cas:
        done = await conn.authenticate(Answer(step.continuation, {"totp": code}))
    assert cas.play_count == 3  # discovery is cached
    assert isinstance(done, Authenticated)
    assert done.method is Method.TOTP
    (mfa,) = _forms(recorder)
    assert mfa["mfa_token"] == [MFA_TOKEN]
    assert mfa["otp"] == [code]
    shown = (
        repr(step)
        + repr(done)
        + "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))
    )
    for secret in (MFA_TOKEN, PASSWORD, code):
        assert secret not in shown
    await answer_refused_again(conn, step, code)


async def test_without_the_totp_method_mfa_required_is_raised(
    make: Connectors, cassette_fields: dict[str, Any]
) -> None:
    conn = make(**{**cassette_fields, "methods": ["password"]})
    with replay("okta", "mfa_required", values={"REDACTED-MFA-TOKEN": MFA_TOKEN}), pytest.raises(MFARequired):
        await conn.authenticate(Password("jane@acme.example", PASSWORD))


async def test_wrong_code_can_be_retried(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    conn = make(**fields)
    with (
        replay("okta", "totp_direct_wrong_code", values=_values(test_key)) as cas,
        pytest.raises(InvalidCode) as info,
    ):
        await conn.authenticate(TOTP("jane@acme.example", "000000", PASSWORD))
    assert cas.all_played
    err = info.value
    assert err.code == "invalid_code"
    assert err.provider_code == "invalid_grant"
    assert err.continuation is not None
    assert MFA_TOKEN not in str(err) + repr(err)
    retry = conn.continuations.open(err.continuation, method="totp")
    assert retry.data["mfa_token"] == MFA_TOKEN
    with replay("okta", "totp_direct_mfa_otp", values=_values(test_key)):
        done = await conn.authenticate(Answer(err.continuation, {"totp": otp.code(op.TOTP_SECRET)}))
    assert isinstance(done, Authenticated)


async def test_expired_mfa_token(make: Connectors, fields: dict[str, Any]) -> None:
    conn = make(**fields)
    with replay("okta", "mfa_required", values={"REDACTED-MFA-TOKEN": MFA_TOKEN}):
        step = await conn.authenticate(Password("jane@acme.example", PASSWORD))
    assert isinstance(step, InputRequired)
    with replay("okta", "totp_direct_expired"), pytest.raises(ExpiredCode) as info:
        await conn.authenticate(Answer(step.continuation, {"totp": "123456"}))
    assert info.value.code == "expired_code"


async def test_locked_out_looks_like_a_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    """Okta's password grant answers a locked-out user like a wrong password (ropassword use-flow.md)."""
    with replay("okta", "locked_out") as cas, pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(TOTP("jane@acme.example", "123456", PASSWORD))
    assert cas.all_played


async def test_no_authenticator_enrolled(make: Connectors, fields: dict[str, Any]) -> None:
    with (
        replay("okta", "totp_direct_not_enrolled", values={"REDACTED-MFA-TOKEN": MFA_TOKEN}),
        pytest.raises(MFARequired) as info,
    ):
        await make(**fields).authenticate(TOTP("jane@acme.example", "123456", PASSWORD))
    assert info.value.code == "mfa_enrollment_required"


async def test_totp_as_the_only_factor(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    code = otp.code(op.TOTP_SECRET)
    result = await replayed_login(
        make(**fields),
        "okta",
        "totp_direct_primary",
        TOTP("jane@acme.example", code),
        values=_values(test_key),
    )
    assert result.method is Method.TOTP
    (form,) = _forms(recorder)
    assert form["grant_type"] == ["urn:okta:params:oauth:grant-type:otp"]
    assert form["login_hint"] == ["jane@acme.example"]
    assert form["otp"] == [code]
    assert "password" not in form


async def test_a_policy_without_mfa_signs_in_with_the_password(
    make: Connectors, fields: dict[str, Any], test_key: TestKey
) -> None:
    """The code was not checked, and the outcome says so."""
    with replay("okta", "password_success", values=id_token_values(test_key)):
        result = await make(**fields).authenticate(TOTP("jane@acme.example", "123456", PASSWORD))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD


async def test_an_empty_code_is_refused_before_sending(
    make: Connectors, fields: dict[str, Any], recorder: Recorder
) -> None:
    with pytest.raises(InvalidCode):
        await make(**fields).authenticate(TOTP("jane@acme.example", "", PASSWORD))
    assert recorder.requests == []
