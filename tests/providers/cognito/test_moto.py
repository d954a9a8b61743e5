"""The password method against moto_server (a real Cognito IdP API emulator over HTTP)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from idpbridge import (
    TOTP,
    AccountDisabled,
    Answer,
    Authenticated,
    ConfigurationError,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Password,
    PasswordChangeRequired,
    TokenValidationError,
    UserNotConfirmed,
    UserNotFound,
)
from idpbridge.providers.cognito.connector import CognitoConnector
from idpbridge.providers.cognito.secret_hash import secret_hash

from .conftest import PASSWORD, MotoPool

pytestmark = pytest.mark.peer("moto")

Make = Callable[..., CognitoConnector]

# moto hands every user the same TOTP secret (reference/local-peers.md §3.4).
MOTO_TOTP_SECRET = "asdfasdfasdf"


def totp(secret: str, at: float | None = None) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return str((struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6).zfill(6)


async def test_password_success_verifies_id_token_against_pool_jwks(
    moto_pool: Callable[..., MotoPool], make_connector: Make
) -> None:
    pool = moto_pool()
    pool.add_user(
        "alice", attributes={"email": "alice@example.test", "email_verified": "true", "custom:tier": "gold"}
    )
    pool.admin.create_group(GroupName="admins", UserPoolId=pool.pool_id)
    pool.admin.admin_add_user_to_group(UserPoolId=pool.pool_id, Username="alice", GroupName="admins")
    conn = make_connector(**pool.config())

    result = await conn.authenticate(Password("alice", PASSWORD))

    assert isinstance(result, Authenticated)
    who = result.identity
    assert who.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{pool.pool_id}"
    assert who.username == "alice"
    assert who.email == "alice@example.test"
    assert who.email_verified is True  # moto sends the string "true": accepted exactly
    assert who.tenant == pool.pool_id
    assert who.claims["custom:tier"] == "gold"
    assert who.claims["token_use"] == "id"
    assert result.tokens.id_token is not None
    assert result.tokens.refresh_token is not None


async def test_subject_is_sub_not_username(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool()
    pool.add_user("bob")
    attrs = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username="bob")["UserAttributes"]
    sub = next(a["Value"] for a in attrs if a["Name"] == "sub")
    result = await make_connector(**pool.config()).authenticate(Password("bob", PASSWORD))
    assert isinstance(result, Authenticated)
    assert result.identity.subject == sub != "bob"


async def test_wrong_password(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool()
    pool.add_user("carol")
    with pytest.raises(InvalidCredentials) as info:
        await make_connector(**pool.config()).authenticate(Password("carol", "not-the-password"))
    assert info.value.provider_code == "NotAuthorizedException"


@pytest.mark.parametrize(("hide", "expected"), [(True, InvalidCredentials), (False, UserNotFound)])
async def test_unknown_user(
    moto_pool: Callable[..., MotoPool], make_connector: Make, hide: bool, expected: type[Exception]
) -> None:
    pool = moto_pool()
    conn = make_connector(**pool.config(prevent_user_existence_errors=hide))
    with pytest.raises(expected) as info:
        await conn.authenticate(Password("nobody", "whatever-1"))
    assert type(info.value) is expected
    assert info.value.provider_code == "UserNotFoundException"


async def test_unconfirmed_user(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool(secret=False)
    pool.admin.sign_up(ClientId=pool.client_id, Username="dave", Password=PASSWORD)
    with pytest.raises(UserNotConfirmed):
        await make_connector(**pool.config()).authenticate(Password("dave", PASSWORD))


async def test_disabled_user(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool()
    pool.add_user("erin")
    pool.admin.admin_disable_user(UserPoolId=pool.pool_id, Username="erin")
    with pytest.raises(AccountDisabled):
        await make_connector(**pool.config()).authenticate(Password("erin", PASSWORD))


async def test_new_password_required(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool(email_username=True)
    pool.add_user("frank@example.test", attributes={"email": "frank@example.test"}, permanent=False)
    with pytest.raises(PasswordChangeRequired):
        await make_connector(**pool.config()).authenticate(Password("frank@example.test", PASSWORD))


async def _enable_totp(pool: MotoPool, conn: CognitoConnector, username: str) -> None:
    first = await conn.authenticate(Password(username, PASSWORD))
    assert isinstance(first, Authenticated)
    access = first.tokens.access_token
    assert access is not None
    token = access.get_secret_value()
    secret = pool.admin.associate_software_token(AccessToken=token)["SecretCode"]
    assert secret == MOTO_TOTP_SECRET
    pool.admin.verify_software_token(AccessToken=token, UserCode=totp(secret))
    pool.admin.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )


async def test_totp_mfa_challenge_is_surfaced_and_answerable(
    moto_pool: Callable[..., MotoPool], make_connector: Make
) -> None:
    pool = moto_pool()
    pool.add_user("gina", attributes={"email": "gina@example.test"})
    conn = make_connector(**pool.config())
    await _enable_totp(pool, conn, "gina")

    step = await conn.authenticate(Password("gina", PASSWORD))
    assert isinstance(step, InputRequired)
    assert [(f.name, f.kind, f.secret) for f in step.fields] == [("code", "totp", True)]

    with pytest.raises(InvalidCode) as wrong:
        await conn.authenticate(Answer(step.continuation, {"code": "000000"}))
    assert wrong.value.continuation  # Cognito keeps the session: a fresh continuation to retry with
    assert wrong.value.provider_code == "CodeMismatchException"

    done = await conn.authenticate(Answer(wrong.value.continuation, {"code": totp(MOTO_TOTP_SECRET)}))
    assert isinstance(done, Authenticated)
    assert done.identity.username == "gina"


async def test_totp_method_is_not_offered(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool()
    with pytest.raises(ConfigurationError):
        await make_connector(**pool.config()).authenticate(TOTP("x", "123456", password="y"))


async def test_access_token_is_never_accepted_as_id_token(
    moto_pool: Callable[..., MotoPool], make_connector: Make
) -> None:
    pool = moto_pool()
    pool.add_user("hank")
    conn = make_connector(**pool.config())
    result = await conn.authenticate(Password("hank", PASSWORD))
    assert isinstance(result, Authenticated)
    assert result.tokens.access_token is not None
    access = result.tokens.access_token.get_secret_value()
    md = conn.api_metadata()
    with pytest.raises(TokenValidationError) as info:
        await conn.validator.validate(access, conn.token_policy(md), jwks_uri=md.jwks_uri)
    assert info.value.code in {"token.audience", "token.type"}


async def test_wrong_issuer_config_rejects_the_token(
    moto_pool: Callable[..., MotoPool], make_connector: Make
) -> None:
    pool = moto_pool()
    pool.add_user("ivy")
    conn = make_connector(
        **pool.config(issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool.pool_id}/")
    )
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(Password("ivy", PASSWORD))
    assert info.value.code == "token.issuer"


async def test_refresh(moto_pool: Callable[..., MotoPool], make_connector: Make) -> None:
    pool = moto_pool()
    pool.add_user("jack")
    conn = make_connector(**pool.config())
    first = await conn.authenticate(Password("jack", PASSWORD))
    assert isinstance(first, Authenticated)
    assert first.tokens.refresh_token is not None
    tokens = await conn.refresh(
        first.tokens.refresh_token, subject=first.identity.subject, username=first.identity.username
    )
    assert tokens.id_token is not None
    assert tokens.refresh_token == first.tokens.refresh_token
    with pytest.raises(TokenValidationError):
        await conn.refresh(first.tokens.refresh_token, subject="someone-else", username="jack")
    # moto checks SECRET_HASH on refresh and echoes the rejected hash as its message (real Cognito
    # says "Unable to verify secret hash", see the cassettes): it must not reach our error.
    assert pool.client_secret is not None
    rejected = secret_hash("not-jack", pool.client_id, SecretStr(pool.client_secret))
    with pytest.raises(InvalidCredentials) as info:
        await conn.refresh(first.tokens.refresh_token, username="not-jack")
    assert rejected not in f"{info.value} {info.value!r} {info.value.details}"


async def test_unknown_client_is_a_configuration_error(
    moto_pool: Callable[..., MotoPool], make_connector: Make
) -> None:
    pool = moto_pool()
    with pytest.raises(ConfigurationError) as info:
        await make_connector(**pool.config(client_id="doesnotexist")).authenticate(Password("x", "y"))
    assert info.value.code == "config.unknown_client"


async def test_check_reports_jwks_and_client(
    moto_pool: Callable[..., MotoPool], make_connector: Make
) -> None:
    pool = moto_pool()
    report = await make_connector(**pool.config()).check()
    assert report.ok, report.as_dict()
    assert {r.name for r in report.results} >= {"configuration", "jwks", "app client"}
    bad = await make_connector(**pool.config(client_id="doesnotexist")).check()
    assert not bad.ok
    assert any(r.name == "app client" and not r.ok for r in bad.results)
