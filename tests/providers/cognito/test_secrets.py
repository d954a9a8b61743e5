"""Passwords, codes, client secrets, SECRET_HASH, Cognito Sessions and tokens never show up in
logs (botocore's DEBUG body dumps included), reprs, error texts or continuations."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from idpbridge import (
    Answer,
    Authenticated,
    CodeSent,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    OTPChannel,
    Password,
    StartOTP,
    VerifyOTP,
)
from idpbridge.providers.cognito.config import CognitoConfig
from idpbridge.providers.cognito.connector import CognitoConnector
from idpbridge.providers.cognito.secret_hash import secret_hash
from idpbridge.sandbox.cognito import FakeCognito
from tests.support.logcapture import PLANTED, capture_all_logs, find_leaks

Make = Callable[..., CognitoConnector]
USER, PASSWORD = "jane@example.com", "Very-S3cret-Passw0rd"


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


async def test_no_secret_reaches_logs_reprs_or_errors(
    fake: FakeCognito, make_connector: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state = fake.state
    pool = state.add_pool(username_attributes=("email",))
    client = state.add_client(pool)
    assert client.secret is not None
    attributes = {"email_verified": "true", "phone_number": "+15555550100", "phone_number_verified": "true"}
    user = state.add_user(pool, USER, password=PASSWORD, mfa="SMS_MFA", attributes=attributes)
    conn = make_connector(
        region="us-east-1",
        user_pool_id=pool.pool_id,
        client_id=client.client_id,
        client_secret=client.secret,
        endpoint_url=fake.endpoint_url,
        methods=["password", "email_otp"],
    )
    seen: list[object] = [conn, conn.config, conn.api]

    # password + SMS MFA, with one wrong code
    step = await conn.authenticate(Password(USER, PASSWORD))
    assert isinstance(step, InputRequired)
    with pytest.raises(InvalidCode) as wrong:
        await conn.authenticate(Answer(step.continuation, {"code": "000001"}))
    mfa_code = fake.outbox[-1].code
    done = await conn.authenticate(Answer(wrong.value.continuation or "", {"code": mfa_code}))
    assert isinstance(done, Authenticated)
    # e-mail OTP
    sent = await conn.authenticate(StartOTP(USER, OTPChannel.EMAIL))
    assert isinstance(sent, CodeSent)
    otp = fake.outbox[-1].code
    done2 = await conn.authenticate(VerifyOTP(otp, sent.continuation))
    assert isinstance(done2, Authenticated)
    # a wrong password
    with pytest.raises(InvalidCredentials) as bad:
        await conn.authenticate(Password(USER, PASSWORD + "x"))
    seen += [step, wrong.value, sent, done, done2, bad.value, done.tokens, done.identity]

    secret = SecretStr(client.secret)
    hashes = {secret_hash(n, client.client_id, secret) for n in (USER, user.username)}
    tokens = {
        t.get_secret_value()
        for r in (done, done2)
        for t in (r.tokens.id_token, r.tokens.access_token, r.tokens.refresh_token)
        if t is not None
    }
    secrets = {
        PASSWORD,
        PASSWORD + "x",
        client.secret,
        mfa_code,
        otp,
        *hashes,
        *tokens,
        *state.issued_sessions,
    }
    assert len(state.issued_sessions) >= 2

    logged = _everything_logged(caplog)
    assert "InitiateAuth" in logged  # botocore's DEBUG records were captured (and redacted)
    texts = [logged, *(repr(o) for o in seen), *(str(o) for o in seen)]
    continuations = [step.continuation, sent.continuation]
    texts += [c.get_secret_value() for c in continuations]
    for text in texts:
        for value in secrets:
            assert value not in text
        for token in tokens:
            assert token[:24] not in text  # not even a prefix of a JWT


def test_config_repr_hides_the_client_secret() -> None:
    cfg = CognitoConfig(
        region="eu-west-1",
        user_pool_id="eu-west-1_abc",
        client_id="c",
        client_secret="super-secret-value-123",
    )
    assert "super-secret-value-123" not in repr(cfg)
    assert "super-secret-value-123" not in str(cfg.model_dump())


async def test_no_trace_of_a_hostile_password_in_any_log_record(
    fake: FakeCognito, make_connector: Make
) -> None:
    """Every logger at DEBUG (botocore's bodies and headers, urllib3, idpbridge) across password +
    SMS MFA, a wrong password and a wrong code, with a password and a client secret full of quotes,
    backslashes and non-ASCII: no 6-character slice of any of their encodings is logged."""
    password = f"Pw-{secrets.token_hex(4)}-{PLANTED}-end"
    state = fake.state
    pool = state.add_pool()
    client = state.add_client(pool)
    client.secret = f"cs-{secrets.token_hex(6)}{PLANTED}"
    attributes = {"phone_number": "+15555550100", "phone_number_verified": "true"}
    state.add_user(pool, "jane", password=password, mfa="SMS_MFA", attributes=attributes)
    conn = make_connector(
        region="us-east-1",
        user_pool_id=pool.pool_id,
        client_id=client.client_id,
        client_secret=client.secret,
        endpoint_url=fake.endpoint_url,
        methods=["password"],
    )
    with capture_all_logs() as logs:
        step = await conn.authenticate(Password("jane", password))
        assert isinstance(step, InputRequired)
        with pytest.raises(InvalidCode) as wrong:
            await conn.authenticate(Answer(step.continuation, {"code": "000001"}))
        code = fake.outbox[-1].code
        done = await conn.authenticate(Answer(wrong.value.continuation or "", {"code": code}))
        assert isinstance(done, Authenticated)
        with pytest.raises(InvalidCredentials):
            await conn.authenticate(Password("jane", password + "x"))
    assert {"botocore.endpoint", "botocore.parsers", "urllib3.connectionpool"} <= logs.names
    assert any('"PASSWORD": [redacted]' in t for t in logs.texts)  # the body was logged, redacted
    tokens = [t.get_secret_value() for t in (done.tokens.access_token, done.tokens.refresh_token) if t]
    planted = [password, client.secret, *state.issued_sessions, *tokens]
    assert find_leaks(planted, logs.texts) == []
