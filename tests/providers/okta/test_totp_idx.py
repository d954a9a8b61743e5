"""Okta TOTP through the Identity Engine's Interaction Code flow (``totp_flow = "idx"``), replayed
from cassettes (transcribed from okta-idx-golang / okta-auth-js shapes; see each file's header).
The ID token is minted with the nonce the test fixes; requests are read off the wire."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from idpbridge import (
    TOTP,
    Answer,
    Authenticated,
    ConfigurationError,
    ExpiredCode,
    FlowError,
    IdpBridgeError,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    MalformedResponse,
    Method,
    MFARequired,
    Password,
)
from idpbridge.providers.okta import idx
from tests.peers import oidc_provider as op
from tests.support import otp
from tests.support.minted import TestKey, replay
from tests.support.providers import Connectors
from tests.support.replayed import answer_refused_again, replayed_error, replayed_login, replayed_totp_step
from tests.support.wire import Recorder

from .conftest import CLIENT_SECRET, ISSUER, SUBJECT, id_token_values, refuse_callbacks

pytestmark = pytest.mark.cassette

PASSWORD = "correct-horse-battery"
NONCE = "cassette-nonce-0001"
REDIRECT = "https://app.acme.example/idx/callback"
HANDLES = {
    "REDACTED-INTERACTION-HANDLE": "interaction-handle-from-the-cassette",
    "REDACTED-STATE-HANDLE": "02state-handle-from-the-cassette",
    "REDACTED-INTERACTION-CODE": "interaction-code-from-the-cassette",
}


@pytest.fixture(autouse=True)
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idx, "new_nonce", lambda: NONCE)


@pytest.fixture
def fields(cassette_fields: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    return {
        **cassette_fields,
        "methods": ["password", "totp"],
        "totp_flow": "idx",
        "interaction_redirect_uri": REDIRECT,
        "http_client": recorder.http_client,
    }


def _values(key: TestKey) -> dict[str, str]:
    return {**id_token_values(key, nonce=NONCE, amr=["pwd", "otp"]), **HANDLES}


def _idx_bodies(recorder: Recorder) -> list[tuple[str, Any]]:
    return [(r.url.path, Recorder.json(r)) for r in recorder.requests if "/idp/idx/" in r.url.path]


async def test_totp_in_one_call(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    code = otp.code(op.TOTP_SECRET)
    result = await replayed_login(
        make(**fields),
        "okta",
        "totp_idx_success",
        TOTP("jane@acme.example", code, PASSWORD),
        values=_values(test_key),
    )
    assert result.method is Method.TOTP
    assert result.identity.key == (ISSUER, SUBJECT)

    (interact,) = recorder.to("/v1/interact")
    assert str(interact.url) == f"{ISSUER}/v1/interact"
    form = Recorder.form(interact)
    assert form["redirect_uri"] == [REDIRECT]
    assert form["code_challenge_method"] == ["S256"]
    assert form["nonce"] == [NONCE]
    assert form["client_secret"] == [CLIENT_SECRET]
    handle, state = HANDLES["REDACTED-INTERACTION-HANDLE"], HANDLES["REDACTED-STATE-HANDLE"]
    assert _idx_bodies(recorder) == [
        ("/idp/idx/introspect", {"interactionHandle": handle}),
        (
            "/idp/idx/identify",
            {"identifier": "jane@acme.example", "credentials": {"passcode": PASSWORD}, "stateHandle": state},
        ),
        (
            "/idp/idx/challenge",
            {"authenticator": {"id": "aut1cassette0google", "methodType": "otp"}, "stateHandle": state},
        ),
        ("/idp/idx/challenge/answer", {"credentials": {"passcode": code}, "stateHandle": state}),
    ]
    introspect = recorder.to("/introspect")[0]
    assert introspect.headers["accept"] == "application/ion+json; okta-version=1.0.0"
    assert recorder.to("/identify")[0].headers["content-type"] == "application/json; okta-version=1.0.0"
    (exchange,) = recorder.to("/v1/token")
    token_form = Recorder.form(exchange)
    assert token_form["grant_type"] == ["interaction_code"]
    assert token_form["interaction_code"] == [HANDLES["REDACTED-INTERACTION-CODE"]]
    verifier = token_form["code_verifier"][0]
    assert len(verifier) >= 43
    assert verifier not in interact.content.decode()  # only its S256 challenge went to /interact


async def test_two_steps(
    make: Connectors,
    fields: dict[str, Any],
    test_key: TestKey,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Password -> InputRequired(totp) sealing the stateHandle -> Answer -> Authenticated; single-use."""
    caplog.set_level(logging.DEBUG)
    conn = make(**fields)
    asked = await replayed_totp_step(
        conn, "okta", "totp_idx_success", Password("jane@acme.example", PASSWORD), values=_values(test_key)
    )
    assert asked.play_count == 5  # discovery, interact, introspect, identify, challenge
    step, sealed = asked.step, asked.sealed
    assert sealed["sh"] == HANDLES["REDACTED-STATE-HANDLE"]
    assert sealed["password"] is None  # the password was used: it is not kept
    code = otp.code(op.TOTP_SECRET)
    recorder.requests.clear()
    done = await replayed_login(
        conn, "okta", "totp_idx_resume", Answer(step.continuation, {"totp": code}), values=_values(test_key)
    )
    assert done.method is Method.TOTP
    assert _idx_bodies(recorder)[0] == (
        "/idp/idx/introspect",
        {"stateHandle": HANDLES["REDACTED-STATE-HANDLE"]},
    )
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))
    assert "/idp/idx/challenge/answer" in logged
    for secret in (PASSWORD, code, *HANDLES.values()):
        assert secret not in logged + repr(step) + repr(done)
    await answer_refused_again(conn, step, code)


async def test_the_idx_walk_never_calls_back_into_the_connector(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Password -> step -> Answer -> Authenticated runs on the engine and a step context only."""
    conn = make(**fields)
    refuse_callbacks(monkeypatch, conn)
    asked = await replayed_totp_step(
        conn, "okta", "totp_idx_success", Password("jane@acme.example", PASSWORD), values=_values(test_key)
    )
    code = otp.code(op.TOTP_SECRET)
    done = await replayed_login(
        conn,
        "okta",
        "totp_idx_resume",
        Answer(asked.step.continuation, {"totp": code}),
        values=_values(test_key),
    )
    assert done.method is Method.TOTP


async def test_okta_verify_totp(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    code = otp.code(op.TOTP_SECRET)
    await replayed_login(
        make(**fields),
        "okta",
        "totp_idx_okta_verify",
        TOTP("jane@acme.example", code, PASSWORD),
        values=_values(test_key),
    )
    bodies = dict(_idx_bodies(recorder))
    assert bodies["/idp/idx/challenge"]["authenticator"]["methodType"] == "totp"
    assert bodies["/idp/idx/challenge/answer"]["credentials"] == {"totp": code}


async def test_wrong_code_then_a_retry(make: Connectors, fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**fields)
    with (
        replay("okta", "totp_idx_wrong_code", values=_values(test_key)) as cas,
        pytest.raises(InvalidCode) as info,
    ):
        await conn.authenticate(TOTP("jane@acme.example", "000000", PASSWORD))
    assert cas.all_played
    err = info.value
    assert err.provider_code == "api.authn.error.PASSCODE_INVALID"
    assert err.continuation is not None
    assert HANDLES["REDACTED-STATE-HANDLE"] not in str(err) + repr(err)
    with replay("okta", "totp_idx_resume", values=_values(test_key)):
        done = await conn.authenticate(Answer(err.continuation, {"totp": otp.code(op.TOTP_SECRET)}))
    assert isinstance(done, Authenticated)
    assert done.method is Method.TOTP


async def test_expired_state_handle(make: Connectors, fields: dict[str, Any], test_key: TestKey) -> None:
    conn = make(**fields)
    with replay("okta", "totp_idx_success", values=_values(test_key)):
        step = await conn.authenticate(Password("jane@acme.example", PASSWORD))
    assert isinstance(step, InputRequired)
    err = await replayed_error(
        conn, "okta", "totp_idx_expired", Answer(step.continuation, {"totp": "123456"}), ExpiredCode
    )
    assert err.provider_code == "idx.session.expired"
    assert err.details["status"] == 401


async def test_locked_out_looks_like_a_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    # Identity Engine does not tell a locked user apart (okta/okta-auth-js#1592).
    err = await replayed_error(
        make(**fields),
        "okta",
        "totp_idx_locked_out",
        TOTP("jane@acme.example", "123456", PASSWORD),
        InvalidCredentials,
        values=HANDLES,
    )
    assert err.provider_code == "incorrectPassword"


async def test_authenticator_not_enrolled(make: Connectors, fields: dict[str, Any]) -> None:
    err = await replayed_error(
        make(**fields),
        "okta",
        "totp_idx_not_enrolled",
        TOTP("jane@acme.example", "123456", PASSWORD),
        MFARequired,
        values=HANDLES,
    )
    assert err.code == "mfa_enrollment_required"
    assert err.factors == ("google_otp",)


async def test_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    with replay("okta", "totp_idx_wrong_password", values=HANDLES), pytest.raises(InvalidCredentials) as info:
        await make(**fields).authenticate(Password("jane@acme.example", "Wr0ng-Passw0rd"))
    assert info.value.provider_code == "incorrectPassword"
    assert "Wr0ng-Passw0rd" not in str(info.value)


async def test_totp_without_the_password_asks_for_it(
    make: Connectors, fields: dict[str, Any], test_key: TestKey, recorder: Recorder
) -> None:
    """The identify form wants a password the TOTP request lacks: one InputRequired step for it."""
    conn = make(**fields)
    code = otp.code(op.TOTP_SECRET)
    with replay("okta", "totp_idx_success", values=_values(test_key)) as cas:
        step = await conn.authenticate(TOTP("jane@acme.example", code))
    assert cas.play_count == 3  # discovery, interact, introspect
    assert isinstance(step, InputRequired)
    assert step.field_names == ("password",)
    assert code not in str(conn.continuations.open(step.continuation, method="totp").data)  # not kept
    recorder.requests.clear()
    with replay("okta", "totp_idx_success", values=_values(test_key)):
        step = await conn.authenticate(Answer(step.continuation, {"password": PASSWORD}))
    # The password answered the identify form; the code is asked for at the TOTP challenge.
    assert isinstance(step, InputRequired)
    assert step.field_names == ("totp",)
    identify = dict(_idx_bodies(recorder))["/idp/idx/identify"]
    assert identify["credentials"] == {"passcode": PASSWORD}
    with replay("okta", "totp_idx_resume", values=_values(test_key)):
        done = await conn.authenticate(Answer(step.continuation, {"totp": code}))
    assert isinstance(done, Authenticated)
    assert done.method is Method.TOTP


def test_idx_needs_an_interaction_redirect_uri(make: Connectors, cassette_fields: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as info:
        make(**{**cassette_fields, "methods": ["totp"], "totp_flow": "idx"})
    assert "interaction_redirect_uri" in str(info.value)


@pytest.mark.parametrize(
    "href", ["https://evil.example/idp/idx/identify", "https://acme.okta.test/api/v1/users"]
)
async def test_a_remediation_outside_the_org_is_refused(
    make: Connectors, fields: dict[str, Any], href: str
) -> None:
    """Credentials are only ever posted to the configured org's IDX API."""
    conn = make(**fields)
    doc = {
        "stateHandle": "s",
        "remediation": {"value": [{"name": "identify", "href": href, "value": [{"name": "identifier"}]}]},
    }
    state = idx._Login("jane", PASSWORD, "v", NONCE, ISSUER)
    step = idx._next(conn._totp, state, doc, "s")
    assert isinstance(step, tuple)
    with pytest.raises(MalformedResponse) as info:
        idx._href(conn._totp, step[0])
    assert info.value.code == "provider.idx_response"


async def test_empty_credentials_are_refused_before_sending(
    make: Connectors, fields: dict[str, Any], recorder: Recorder
) -> None:
    conn = make(**fields)
    for request in (Password("jane@acme.example", ""), TOTP("", "123456", PASSWORD)):
        with pytest.raises(InvalidCredentials):
            await conn.authenticate(request)
    with pytest.raises(InvalidCode):
        await conn.authenticate(TOTP("jane@acme.example", "", PASSWORD))
    assert recorder.requests == []


def _challenge(key: str) -> dict[str, Any]:
    form = {"name": "credentials", "form": {"value": [{"name": "passcode"}]}}
    rem = {"name": "challenge-authenticator", "href": "https://x/idp/idx/challenge/answer", "value": [form]}
    return {"remediation": {"value": [rem]}, "currentAuthenticatorEnrollment": {"value": {"key": key}}}


@pytest.mark.parametrize(
    ("key", "used", "expected"),
    [
        ("okta_password", False, {"credentials": {"passcode": PASSWORD}}),
        ("okta_password", True, "provider.idx_unsupported"),
        ("google_otp", False, {"credentials": {"passcode": "123456"}}),
        ("google_otp", True, "provider.idx_unsupported"),
        ("okta_verify", False, {"credentials": {"passcode": "123456"}}),
        ("okta_email", False, "mfa_unsupported_factor"),
    ],
)
async def test_each_challenge_is_answered_once_with_its_value(
    make: Connectors, fields: dict[str, Any], key: str, used: bool, expected: Any
) -> None:
    """The password answers the password challenge, the code a TOTP one, each once; any other
    authenticator is a factor idpbridge cannot answer."""
    conn = make(**fields)
    state = idx._Login(
        "jane", PASSWORD, "v", NONCE, ISSUER, code="123456", password_used=used, code_used=used
    )
    if isinstance(expected, str):
        with pytest.raises(IdpBridgeError) as info:
            idx._next(conn._totp, state, _challenge(key), "s")
        assert info.value.code == expected
        return
    step = idx._next(conn._totp, state, _challenge(key), "s")
    assert isinstance(step, tuple)
    assert step[1] == expected
    assert (state.password_used, state.code_used) == (key == "okta_password", key != "okta_password")


async def test_a_challenge_without_its_value_asks_for_it(make: Connectors, fields: dict[str, Any]) -> None:
    conn = make(**fields)
    state = idx._Login("jane", None, "v", NONCE, ISSUER)
    for key, name in (("okta_password", "password"), ("google_otp", "totp")):
        step = idx._next(conn._totp, state, _challenge(key), "s")
        assert isinstance(step, InputRequired)
        assert [f.name for f in step.fields] == [name]


def _select(*options: tuple[str, str, Any]) -> dict[str, Any]:
    authenticators = [{"id": auth_id, "key": key} for key, auth_id, _ in options]
    forms = [
        {"value": {"form": {"value": [{"name": "id", "value": auth_id}, {"name": "methodType", **method}]}}}
        for _, auth_id, method in options
    ]
    rem = {
        "name": "select-authenticator-authenticate",
        "value": [{"name": "authenticator", "options": forms}],
    }
    return {"authenticators": {"value": authenticators}, "remediation": {"value": [rem]}}


@pytest.mark.parametrize(
    ("selected", "password", "expected"),
    [
        (set(), PASSWORD, ("aut-pw", "password")),
        ({"okta_password"}, PASSWORD, ("aut-ga", "otp")),
        (set(), None, ("aut-ga", "otp")),
        ({"google_otp"}, None, ("aut-ov", "totp")),
        ({"google_otp", "okta_verify"}, None, "mfa_unsupported_factor"),
        ({"okta_email", "okta_password", "google_otp", "okta_verify"}, PASSWORD, "provider.idx_unsupported"),
    ],
)
async def test_the_authenticator_chosen(
    make: Connectors, fields: dict[str, Any], selected: set[str], password: str | None, expected: Any
) -> None:
    """The password first (while unused), then the TOTP authenticators in the configured order, each
    selected once; an email authenticator is never chosen. Nothing left: the flow is stuck once every
    option was tried, else it offers only factors idpbridge cannot answer."""
    conn = make(**fields)
    doc = _select(
        ("okta_email", "aut-em", {"value": "email"}),
        ("okta_password", "aut-pw", {"options": []}),
        ("google_otp", "aut-ga", {"options": [{"value": "otp"}]}),
        ("okta_verify", "aut-ov", {"options": [{"value": "push"}, {"value": "totp"}]}),
    )
    state = idx._Login("jane", password, "v", NONCE, ISSUER, selected=set(selected))
    if isinstance(expected, str):
        with pytest.raises(IdpBridgeError) as info:
            idx._next(conn._totp, state, doc, "s")
        assert info.value.code == expected
        return
    step = idx._next(conn._totp, state, doc, "s")
    assert isinstance(step, tuple)
    assert step[1] == {"authenticator": {"id": expected[0], "methodType": expected[1]}}


async def test_a_step_sealed_by_an_earlier_version_is_a_typed_refusal(
    make: Connectors, fields: dict[str, Any], recorder: Recorder
) -> None:
    conn = make(**fields)
    old = {"f": "okta-idx", "k": "totp", "sh": "s", "u": "jane", "p": None, "v": "v", "n": NONCE, "i": ISSUER}
    token, _ = conn.seal(Method.TOTP, old)
    with pytest.raises(FlowError) as info:
        await conn.authenticate(Answer(token, {"totp": "123456"}))
    assert info.value.code == "flow.wrong_method"
    assert recorder.requests == []
