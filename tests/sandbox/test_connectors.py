"""The real connectors against the sandbox: nothing in them knows it is a sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import idpbridge
from idpbridge import (
    AccountDisabled,
    Authenticated,
    CodeSent,
    FinishOIDC,
    InvalidCode,
    InvalidCredentials,
    Password,
    PasswordChangeRequired,
    RedirectRequired,
    StartOIDC,
    StartOTP,
    VerifyOTP,
)
from idpbridge.connector import Connector
from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.sandbox.agent import LoginAgent, LoginRefused
from idpbridge.sandbox.connectors import COGNITO, KEYCLOAK, OIDC
from idpbridge.sandbox.seed import Seed

from .conftest import SEED, seed_password

Make = Callable[..., Connector[Any]]
CALLBACK = "http://127.0.0.1:8765/callback"
BOB_TOTP = next(u for u in SEED.keycloak.users if u.username == "bob").totp_secret  # type: ignore[union-attr]


async def test_keycloak_password(sandbox: Sandbox, make_connector: Make) -> None:
    conn = make_connector(sandbox, KEYCLOAK)
    result = await conn.authenticate(Password("alice", seed_password("alice")))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert (ident.provider, ident.connector, ident.issuer) == (
        "keycloak",
        KEYCLOAK,
        sandbox.keycloak_issuer(),
    )
    assert ident.email == "alice@acme.example"
    assert ident.email_verified is True
    assert ident.username == "alice"
    assert ident.groups == ("staff",)
    assert ident.tenant == "acme"
    assert ident.roles == ()  # Keycloak's default roles mapper leaves realm_access out of ID tokens


async def test_keycloak_roles_when_the_mapper_adds_them(make_connector: Make) -> None:
    seed = Seed(keycloak=SEED.keycloak.model_copy(update={"roles_in_id_token": True}))  # type: ignore[union-attr]
    with Sandbox(seed) as server:
        result = await make_connector(server, KEYCLOAK).authenticate(
            Password("alice", seed_password("alice"))
        )
        assert isinstance(result, Authenticated)
        assert {"user", "default-roles-acme"} <= set(result.identity.roles)


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("alice", "wrong", InvalidCredentials),
        ("nobody", "wrong", InvalidCredentials),
        ("mallory", "Ma11ory-Locked", AccountDisabled),
        ("bob", "Bob-Bui1der!", InvalidCredentials),  # has TOTP: the password alone is not enough
    ],
)
async def test_keycloak_password_refusals(
    sandbox: Sandbox, make_connector: Make, username: str, password: str, error: type[Exception]
) -> None:
    conn = make_connector(sandbox, KEYCLOAK)
    with pytest.raises(error):
        await conn.authenticate(Password(username, password))


async def test_keycloak_required_actions(sandbox: Sandbox, make_connector: Make) -> None:
    carol = sandbox.keycloak.realms["acme"].find_user("carol")
    assert carol is not None
    carol.required_actions = ("UPDATE_PASSWORD",)
    try:
        with pytest.raises(PasswordChangeRequired):
            await make_connector(sandbox, KEYCLOAK).authenticate(Password("carol", seed_password("carol")))
    finally:
        carol.required_actions = ()


async def oidc_login(conn: Connector[Any], username: str, password: str, **kw: Any) -> Authenticated:
    start = await conn.authenticate(StartOIDC(CALLBACK))
    assert isinstance(start, RedirectRequired)
    params = LoginAgent().sign_in(start.url, CALLBACK, username=username, password=password, **kw)
    result = await conn.authenticate(FinishOIDC(params, start.continuation))
    assert isinstance(result, Authenticated)
    return result


@pytest.mark.parametrize("name", [KEYCLOAK, OIDC])
async def test_oidc_through_the_login_page(sandbox: Sandbox, make_connector: Make, name: str) -> None:
    result = await oidc_login(make_connector(sandbox, name), "carol", seed_password("carol"))
    assert result.identity.issuer == sandbox.keycloak_issuer()
    assert result.identity.email == "carol@acme.example"


async def test_oidc_with_the_otp_page(sandbox: Sandbox, make_connector: Make) -> None:
    def otp() -> str:
        return totp_code(BOB_TOTP.get_secret_value(), sandbox.keycloak.clock())  # type: ignore[union-attr]

    result = await oidc_login(make_connector(sandbox, KEYCLOAK), "bob", seed_password("bob"), otp=otp)
    assert result.identity.username == "bob"
    assert set(result.identity.groups) == {"staff", "admins"}


async def test_login_page_refuses_a_wrong_password(sandbox: Sandbox, make_connector: Make) -> None:
    start = await make_connector(sandbox, KEYCLOAK).authenticate(StartOIDC(CALLBACK))
    assert isinstance(start, RedirectRequired)
    with pytest.raises(LoginRefused, match=r"^Invalid username or password\.$") as caught:
        LoginAgent().sign_in(start.url, CALLBACK, username="carol", password="not-her-password")
    assert "not-her-password" not in str(caught.value)


async def test_key_rotation_between_logins(sandbox: Sandbox, make_connector: Make) -> None:
    conn = make_connector(sandbox, KEYCLOAK)
    assert isinstance(await conn.authenticate(Password("alice", seed_password("alice"))), Authenticated)
    sandbox.rotate_keys()
    sandbox.rotate_keys()  # the key the connector cached is no longer published
    result = await conn.authenticate(Password("alice", seed_password("alice")))
    assert isinstance(result, Authenticated)


async def test_cognito_password(sandbox: Sandbox, make_connector: Make) -> None:
    result = await make_connector(sandbox, COGNITO).authenticate(
        Password("dave@acme.example", seed_password("dave@acme.example"))
    )
    assert isinstance(result, Authenticated)
    cognito = SEED.cognito
    assert cognito is not None
    assert result.identity.issuer == f"https://cognito-idp.eu-west-1.amazonaws.com/{cognito.user_pool_id}"
    assert result.identity.subject == cognito.user_sub(cognito.users[0])
    assert result.identity.email == "dave@acme.example"


@pytest.mark.parametrize(
    ("username", "channel"), [("erin@acme.example", "email"), ("frank@acme.example", "sms")]
)
async def test_cognito_otp(sandbox: Sandbox, make_connector: Make, username: str, channel: str) -> None:
    conn = make_connector(sandbox, COGNITO)
    before = len(sandbox.outbox)
    sent = await conn.authenticate(StartOTP(username, channel))  # type: ignore[arg-type]
    assert isinstance(sent, CodeSent)
    message = sandbox.outbox[-1]
    assert len(sandbox.outbox) == before + 1
    assert message.channel == channel.upper()
    result = await conn.authenticate(VerifyOTP(message.code, sent.continuation))
    assert isinstance(result, Authenticated)
    assert result.method.value == f"{channel}_otp"


async def test_cognito_wrong_code(sandbox: Sandbox, make_connector: Make) -> None:
    conn = make_connector(sandbox, COGNITO)
    sent = await conn.authenticate(StartOTP("erin@acme.example", "email"))  # type: ignore[arg-type]
    assert isinstance(sent, CodeSent)
    wrong = f"{(int(sandbox.outbox[-1].code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidCode):
        await conn.authenticate(VerifyOTP(wrong, sent.continuation))


@pytest.mark.parametrize("name", [KEYCLOAK, OIDC, COGNITO])
async def test_check_passes(sandbox: Sandbox, make_connector: Make, name: str) -> None:
    report = await make_connector(sandbox, name).check()
    assert report.ok, report.as_dict()


async def test_connectors_file_loads(sandbox: Sandbox, tmp_path: Any) -> None:
    path = tmp_path / "idpbridge.toml"
    path.write_text(sandbox.connectors_toml(continuation_key=idpbridge.ContinuationKeys.new_key()))
    async with idpbridge.load(path) as connectors:
        assert set(connectors) == {KEYCLOAK, OIDC, COGNITO}
        result = await connectors[KEYCLOAK].authenticate(Password("alice", seed_password("alice")))
        assert isinstance(result, Authenticated)
