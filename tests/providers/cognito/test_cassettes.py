"""Error shapes neither moto nor the emulator produce, replayed from cassettes through the real
boto3 client (vcrpy intercepts botocore's connections; nothing leaves the machine).

The transcribed cassettes cannot be re-recorded (a real pool does not throttle or lock out on
demand); ``test_wrong_password_recordable`` can: ``nox -s record -- cognito`` with the
``COGNITO_*`` variables of a test pool re-records it, scrubbed by ``tests/support/cassettes.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import vcr

from idpbridge import (
    AccountLocked,
    ConfigurationError,
    ExpiredCode,
    IdpBridgeError,
    InvalidCredentials,
    OTPChannel,
    Password,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    StartOTP,
    VerifyOTP,
)
from idpbridge.outcomes import CodeSent
from idpbridge.providers.cognito.connector import CognitoConnector
from tests.support.cassettes import CASSETTES as CASSETTE_ROOT
from tests.support.cassettes import cassette_vcr, recording

CASSETTES = CASSETTE_ROOT / "cognito"
Make = Callable[..., CognitoConnector]


def _target(r1: Any, r2: Any) -> None:
    def value(r: Any) -> str:
        v = r.headers.get("X-Amz-Target") or r.headers.get("x-amz-target") or ""
        v = v[0] if isinstance(v, list) else v
        return v.decode() if isinstance(v, bytes) else str(v)

    assert value(r1) == value(r2), (value(r1), value(r2))


def _vcr(match_on: tuple[str, ...] = ("method", "scheme", "host", "port", "path", "target")) -> vcr.VCR:
    v = cassette_vcr("cognito", match_on=match_on)
    v.register_matcher("target", _target)
    return v


def _replay_only() -> vcr.VCR:
    """Replay without the shared scrubber: it would turn the cassette's placeholder Session into
    "REDACTED", which botocore refuses (a Session has at least 20 characters). These cassettes are
    transcribed, never recorded, so there is nothing to scrub."""
    v = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        match_on=["method", "scheme", "host", "port", "path", "target"],
    )
    v.register_matcher("target", _target)
    return v


def _conn(make: Make, **extra: Any) -> CognitoConnector:
    fields = {
        "region": "us-east-1",
        "user_pool_id": "us-east-1_Cassette1",
        "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
        "client_secret": "cassette-client-secret-000000000000",
        "endpoint_url": "http://127.0.0.1:9",  # the discard port: nothing would answer
        "methods": ["password", "email_otp"],
        **extra,
    }
    return make(**fields)


@pytest.mark.parametrize(
    ("cassette", "expected", "code", "provider_code"),
    [
        ("password_attempts_exceeded", AccountLocked, "account_locked", "NotAuthorizedException"),
        ("too_many_requests", RateLimited, "provider.rate_limited", "TooManyRequestsException"),
        ("internal_error", ProviderUnavailable, "provider.unavailable", "InternalErrorException"),
        ("lambda_validation", ProviderError, "provider.lambda", "UserLambdaValidationException"),
        ("waf_forbidden", ProviderError, "provider.forbidden", "ForbiddenException"),
        ("flow_not_enabled", ConfigurationError, "config.flow_not_enabled", "InvalidParameterException"),
        ("secret_hash_unverified", ConfigurationError, "config.secret_hash", "NotAuthorizedException"),
        ("custom_challenge", ProviderError, "provider.unsupported_challenge", None),
    ],
)
async def test_password_error_shapes(
    make_connector: Make, cassette: str, expected: type[IdpBridgeError], code: str, provider_code: str | None
) -> None:
    conn = _conn(make_connector)
    with _vcr().use_cassette(f"{cassette}.yaml") as cas, pytest.raises(expected) as info:
        await conn.authenticate(Password("alice", "pw-from-the-user"))
    assert type(info.value) is expected
    assert info.value.code == code
    assert info.value.provider_code == provider_code
    assert cas.all_played


async def test_html_500_is_provider_unavailable(make_connector: Make) -> None:
    with _vcr().use_cassette("html_500.yaml"), pytest.raises(ProviderUnavailable) as info:
        await _conn(make_connector).authenticate(Password("alice", "pw"))
    assert info.value.status == 500


async def test_lambda_text_is_shown_sanitized(make_connector: Make) -> None:
    with _vcr().use_cassette("lambda_validation.yaml"), pytest.raises(ProviderError) as info:
        await _conn(make_connector).authenticate(Password("alice", "pw"))
    assert "Account suspended by policy" in info.value.message


async def test_lite_tier_user_auth_is_a_configuration_error(make_connector: Make) -> None:
    with _vcr().use_cassette("user_auth_lite_tier.yaml"), pytest.raises(ConfigurationError) as info:
        await _conn(make_connector).authenticate(StartOTP("alice", OTPChannel.EMAIL))
    assert info.value.code == "config.unsupported"


@pytest.mark.parametrize(("cassette", "provider_code"), [
    ("otp_expired_code", "ExpiredCodeException"),
    ("otp_session_expired", "NotAuthorizedException"),
])  # fmt: skip
async def test_expired_otp(make_connector: Make, cassette: str, provider_code: str) -> None:
    conn = _conn(make_connector)
    with _replay_only().use_cassette(f"{cassette}.yaml") as cas:
        sent = await conn.authenticate(StartOTP("alice", OTPChannel.EMAIL))
        assert isinstance(sent, CodeSent)
        assert sent.destination == "j***@e***"
        with pytest.raises(ExpiredCode) as info:
            await conn.authenticate(VerifyOTP("123456", sent.continuation))
    assert info.value.provider_code == provider_code
    assert cas.all_played


def test_cassettes_hold_no_credentials() -> None:
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text()
        assert text.startswith("# Cognito:"), path.name  # every cassette names its source
        for needle in (
            '"PASSWORD"',
            '"SECRET_HASH"',
            '_CODE"',
            "eyJ",
            '"AccessToken"',
            '"IdToken"',
            '"RefreshToken"',
        ):
            assert needle not in text, (path.name, needle)


@pytest.mark.cassette
async def test_wrong_password_recordable(make_connector: Make) -> None:
    """A wrong password: replayed here, re-recordable against a real pool."""
    if recording("cognito"):
        env = os.environ
        fields = {
            "region": env["COGNITO_REGION"],
            "user_pool_id": env["COGNITO_USER_POOL_ID"],
            "client_id": env["COGNITO_CLIENT_ID"],
            **({"client_secret": env["COGNITO_CLIENT_SECRET"]} if env.get("COGNITO_CLIENT_SECRET") else {}),
        }
        username, password = env["COGNITO_USERNAME"], env["COGNITO_PASSWORD"] + "-wrong"
    else:
        fields = {
            "region": "us-east-1",
            "user_pool_id": "us-east-1_Cassette1",
            "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
        }
        username, password = "alice", "not-her-password"
    conn = make_connector(**fields, methods=["password"])
    # The host names the tenant's region: match on what every region shares.
    cassette = _vcr(("method", "path", "target")).use_cassette("wrong_password.yaml")
    with cassette as cas, pytest.raises(InvalidCredentials) as info:
        await conn.authenticate(Password(username, password))
    assert info.value.provider_code == "NotAuthorizedException"
    assert cas.play_count == 1 or recording("cognito")
