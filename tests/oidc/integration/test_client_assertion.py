"""JWT client authentication (RFC 7523: private_key_jwt, client_secret_jwt) against oidc-provider."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from idpbridge import Authenticated, ConfigurationError, IdpBridgeError, Password
from idpbridge.oidc import OIDCConnector
from idpbridge.oidc.client import ClientCredentials, choose_auth_method
from tests.peers import oidc_provider as op

from .conftest import RequestLog

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _pem(kid: str) -> str:
    return op.PKJWT_KEYS[kid].as_pem(private=True).decode()


def _jwk(kid: str) -> str:
    return json.dumps({**op.PKJWT_KEYS[kid].as_dict(private=True), "kid": kid})


KEY_CASES = {
    "rs256-pem": {"client_assertion_key": _pem("pk-rs256"), "client_assertion_kid": "pk-rs256"},
    "es256-jwk": {"client_assertion_key": _jwk("pk-es256")},
    "ps256-pem": {
        "client_assertion_key": _pem("pk-ps256"),
        "client_assertion_kid": "pk-ps256",
        "client_assertion_alg": "PS256",
    },
}


ALGS = {"rs256-pem": "RS256", "es256-jwk": "ES256", "ps256-pem": "PS256"}


def _token_requests(log: RequestLog, path: str = "/token") -> list[dict[str, list[str]]]:
    return [parse_qs(r.content.decode()) for r in log.requests if r.url.path == path]


@pytest.mark.parametrize("case", sorted(KEY_CASES))
async def test_private_key_jwt_password_grant_refresh_and_revoke(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], case: str
) -> None:
    log = RequestLog()
    fields = {**op_fields, "client_id": op.PKJWT_CLIENT_ID, "client_secret": None, **KEY_CASES[case]}
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**fields, http_client=client)  # method chosen: private_key_jwt
        result = await conn.authenticate(Password("alice", "alice-pass"))
        assert isinstance(result, Authenticated)
        assert result.identity.subject == "alice"
        assert result.tokens.refresh_token is not None
        refreshed = await conn.refresh(result.tokens.refresh_token, subject="alice")
        assert refreshed.refresh_token is not None
        await conn.revoke(refreshed.refresh_token, token_type_hint="refresh_token")
    token_forms = _token_requests(log)
    assert len(token_forms) == 2
    (revocation,) = _token_requests(log, "/token/revocation")
    jtis = set()
    for form in [*token_forms, revocation]:
        assert form["client_assertion_type"] == [ASSERTION_TYPE]
        assert form["client_id"] == [op.PKJWT_CLIENT_ID]
        assert "client_secret" not in form
        claims = jwt.decode(form["client_assertion"][0], _public(case), algorithms=[ALGS[case]]).claims
        assert claims["iss"] == claims["sub"] == op.PKJWT_CLIENT_ID
        assert claims["aud"] == f"{op_fields['issuer']}/token"
        assert claims["exp"] - claims["iat"] <= 60
        jtis.add(claims["jti"])
    assert len(jtis) == 3  # single-use: a fresh jti every request
    assert all("authorization" not in r.headers for r in log.requests if r.url.path.startswith("/token"))


def _public(case: str) -> RSAKey | ECKey:
    kid = {"rs256-pem": "pk-rs256", "es256-jwk": "pk-es256", "ps256-pem": "pk-ps256"}[case]
    return op.PKJWT_KEYS[kid]


async def test_client_secret_jwt(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    log = RequestLog()
    fields = {
        **op_fields,
        "client_id": op.CSJWT_CLIENT_ID,
        "client_secret": op.CSJWT_SECRET,
        "token_endpoint_auth_method": "client_secret_jwt",
    }
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**fields, http_client=client)
        result = await conn.authenticate(Password("alice", "alice-pass"))
        assert isinstance(result, Authenticated)
    (form,) = _token_requests(log)
    token = jwt.decode(form["client_assertion"][0], OctKey.import_key(op.CSJWT_SECRET), algorithms=["HS256"])
    assert token.header["alg"] == "HS256"
    assert token.claims["iss"] == token.claims["sub"] == op.CSJWT_CLIENT_ID
    assert "client_secret" not in form
    assert op.CSJWT_SECRET not in repr(conn)


async def test_issuer_as_assertion_audience(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    log = RequestLog()
    fields = {
        **op_fields,
        "client_id": op.PKJWT_CLIENT_ID,
        "client_secret": None,
        "client_assertion_audience": "issuer",
        **KEY_CASES["rs256-pem"],
    }
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**fields, http_client=client)
        assert isinstance(await conn.authenticate(Password("alice", "alice-pass")), Authenticated)
    (form,) = _token_requests(log)
    assert jwt.decode(form["client_assertion"][0], _public("rs256-pem")).claims["aud"] == op_fields["issuer"]


async def test_a_replayed_client_assertion_is_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    log = RequestLog()
    fields = {**op_fields, "client_id": op.PKJWT_CLIENT_ID, "client_secret": None, **KEY_CASES["rs256-pem"]}
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**fields, http_client=client)
        assert isinstance(await conn.authenticate(Password("alice", "alice-pass")), Authenticated)
        (sent,) = [r for r in log.requests if r.url.path == "/token"]
        replay = await client.post(
            str(sent.url), content=sent.content, headers={"content-type": sent.headers["content-type"]}
        )
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


async def test_an_unregistered_key_is_a_typed_error(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    stranger = RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()
    fields = {
        **op_fields,
        "client_id": op.PKJWT_CLIENT_ID,
        "client_secret": None,
        "client_assertion_key": stranger,
    }
    conn = make_connector(**fields)
    with pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.invalid_client"
    assert "PRIVATE KEY" not in str(info.value)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"client_assertion_key": "not a key"}, "client_assertion_key"),
        ({"client_assertion_key": _pem("pk-rs256"), "client_assertion_alg": "ES256"}, "client_assertion_alg"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "client_assertion_key"),
        ({"token_endpoint_auth_method": "client_secret_jwt", "client_secret": "short"}, "client_secret"),
    ],
    ids=["garbage-key", "alg-mismatch", "missing-key", "short-secret"],
)
def test_bad_assertion_settings_fail_at_configuration(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], extra: dict[str, Any], field: str
) -> None:
    fields = {**op_fields, "client_id": op.PKJWT_CLIENT_ID, "client_secret": None, **extra}
    with pytest.raises(ConfigurationError) as info:
        make_connector(**fields)
    assert field in str(info.value)
    assert "BEGIN" not in str(info.value)
    assert "short" not in str(info.value)  # the too-short secret itself is never quoted


@pytest.mark.parametrize(
    ("supported", "has_secret", "has_key", "chosen"),
    [
        ((), False, True, "private_key_jwt"),
        (("client_secret_basic", "private_key_jwt"), True, True, "private_key_jwt"),
        (("client_secret_jwt",), True, False, "client_secret_jwt"),
        (("client_secret_basic", "client_secret_jwt"), True, False, "client_secret_basic"),
        (("client_secret_basic",), True, True, "client_secret_basic"),
    ],
)
def test_the_method_follows_the_op_metadata(
    supported: tuple[str, ...], has_secret: bool, has_key: bool, chosen: str
) -> None:
    assert choose_auth_method(None, supported, has_secret=has_secret, has_key=has_key) == chosen


def test_a_key_the_op_cannot_use_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as info:
        choose_auth_method(None, ("client_secret_basic",), has_secret=False, has_key=True)
    assert info.value.field == "token_endpoint_auth_method"


def test_keys_never_show_in_reprs(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    pem = _pem("pk-rs256")
    conn = make_connector(
        **{**op_fields, "client_id": op.PKJWT_CLIENT_ID, "client_secret": None}, client_assertion_key=pem
    )
    signer = conn.config.assertion_signer()
    assert signer is not None
    creds = ClientCredentials(
        op.PKJWT_CLIENT_ID, None, "private_key_jwt", signer=signer, assertion_audience="https://a"
    )
    secret_line = pem.splitlines()[1]
    for text in (repr(conn), repr(conn.config), repr(signer), repr(creds), str(conn.config.model_dump())):
        assert secret_line not in text


async def test_refresh_rotation_with_private_key_jwt(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    fields = {**op_fields, "client_id": op.PKJWT_CLIENT_ID, "client_secret": None, **KEY_CASES["rs256-pem"]}
    conn = make_connector(**fields)
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    first = result.tokens.refresh_token
    assert first is not None
    rotated = await conn.refresh(first, subject="alice")
    assert rotated.refresh_token is not None
    assert rotated.refresh_token.get_secret_value() != first.get_secret_value()  # rotated
    again = await conn.refresh(rotated.refresh_token, subject="alice")  # the new one works
    assert again.access_token is not None
    with pytest.raises(IdpBridgeError) as info:  # the retired one is refused
        await conn.refresh(first)
    assert info.value.provider_code == "invalid_grant"
