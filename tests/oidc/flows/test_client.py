"""Client authentication and token-endpoint handling (respx)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from pydantic import SecretStr

from idpbridge import (
    ConfigurationError,
    ExpiredCode,
    InvalidCredentials,
    MalformedResponse,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from idpbridge.classify import STANDARD_OAUTH_RULES
from idpbridge.http import HttpClient, HttpPolicy, RetryPolicy
from idpbridge.oidc.client import ClientCredentials, OAuthClient, choose_auth_method

TOKEN = "https://op.example.test/token"
OK = {"access_token": "at", "token_type": "Bearer", "expires_in": 60}


async def _noop(_: float) -> None:
    return None


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    client = HttpClient(HttpPolicy(retry=RetryPolicy(attempts=3)), sleep=_noop)
    yield client
    await client.aclose()


def _client(
    http: HttpClient, method: str = "client_secret_basic", secret: str | None = "s3cr:et+/% ü"
) -> OAuthClient:
    creds = ClientCredentials("my client:1", SecretStr(secret) if secret else None, method)  # type: ignore[arg-type]
    return OAuthClient(http, creds, rules=STANDARD_OAUTH_RULES)


def _form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode(), keep_blank_values=True)


@respx.mock
async def test_basic_auth_form_urlencodes_before_base64(http: HttpClient) -> None:
    route = respx.post(TOKEN).respond(json=OK)
    await _client(http).token(TOKEN, "password", {"username": "u", "password": "p"})
    request = route.calls.last.request
    scheme, _, value = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert (
        base64.b64decode(value).decode() == "my+client%3A1:s3cr%3Aet%2B%2F%25+%C3%BC"
    )  # form-urlencoded: space is +
    form = _form(request)
    assert "client_secret" not in form
    assert "client_id" not in form
    assert form["grant_type"] == ["password"]


@respx.mock
async def test_post_auth_puts_credentials_in_the_body_only(http: HttpClient) -> None:
    route = respx.post(TOKEN).respond(json=OK)
    await _client(http, "client_secret_post").token(TOKEN, "password", {"client_secret": "smuggled"})
    request = route.calls.last.request
    assert "authorization" not in request.headers
    form = _form(request)
    assert form["client_id"] == ["my client:1"]
    assert form["client_secret"] == ["s3cr:et+/% ü"]  # exactly one, ours


@respx.mock
async def test_public_client_sends_only_its_id(http: HttpClient) -> None:
    route = respx.post(TOKEN).respond(json=OK)
    await _client(http, "none", secret=None).token(TOKEN, "authorization_code", {"code": "c"})
    request = route.calls.last.request
    assert "authorization" not in request.headers
    assert "client_secret" not in _form(request)
    assert _form(request)["client_id"] == ["my client:1"]


def test_credentials_need_a_secret() -> None:
    with pytest.raises(ConfigurationError) as info:
        ClientCredentials("c", None, "client_secret_basic")
    assert info.value.code == "config.missing_secret"
    assert "hunter2" not in repr(ClientCredentials("c", SecretStr("hunter2"), "client_secret_post"))


@pytest.mark.parametrize(
    ("configured", "supported", "has_secret", "expected"),
    [
        ("client_secret_post", ["client_secret_basic"], True, "client_secret_post"),
        (None, [], True, "client_secret_basic"),
        (None, ["client_secret_post", "client_secret_basic"], True, "client_secret_basic"),
        (None, ["private_key_jwt", "client_secret_post"], True, "client_secret_post"),
        (None, ["client_secret_basic"], False, "none"),
    ],
)
def test_choose_auth_method(
    configured: str | None, supported: list[str], has_secret: bool, expected: str
) -> None:
    assert choose_auth_method(configured, supported, has_secret=has_secret) == expected  # type: ignore[arg-type]


def test_choose_auth_method_refuses_unknown_only() -> None:
    with pytest.raises(ConfigurationError):
        choose_auth_method(None, ["private_key_jwt", "tls_client_auth"], has_secret=True)


@respx.mock
async def test_200_with_error_is_an_error(http: HttpClient) -> None:
    respx.post(TOKEN).respond(200, json={"error": "invalid_grant", "error_description": "bad"})
    with pytest.raises(InvalidCredentials):
        await _client(http).token(TOKEN, "password", {})


@respx.mock
async def test_invalid_grant_depends_on_the_grant(http: HttpClient) -> None:
    respx.post(TOKEN).respond(400, json={"error": "invalid_grant"})
    with pytest.raises(ExpiredCode):
        await _client(http).token(TOKEN, "authorization_code", {"code": "c"})


@respx.mock
async def test_error_body_with_wrong_content_type_is_still_read(http: HttpClient) -> None:
    respx.post(TOKEN).respond(401, text='{"error":"invalid_client"}', headers={"content-type": "text/plain"})
    with pytest.raises(ConfigurationError) as info:
        await _client(http).token(TOKEN, "password", {})
    assert info.value.code == "config.invalid_client"


@respx.mock
async def test_empty_error_body(http: HttpClient) -> None:
    respx.post(TOKEN).respond(403, text="")
    with pytest.raises(ProviderError) as info:
        await _client(http).token(TOKEN, "password", {})
    assert info.value.status == 403


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer"},
        {"access_token": "", "token_type": "Bearer"},
        {"access_token": 5, "token_type": "Bearer"},
        {"access_token": "at", "token_type": "mac"},
        {"access_token": "at", "token_type": "Bearer", "id_token": 7},
    ],
)
@respx.mock
async def test_malformed_success_bodies(http: HttpClient, body: dict[str, object]) -> None:
    respx.post(TOKEN).respond(json=body)
    with pytest.raises(MalformedResponse):
        await _client(http).token(TOKEN, "password", {})


@respx.mock
async def test_token_type_is_case_insensitive(http: HttpClient) -> None:
    respx.post(TOKEN).respond(json={"access_token": "at", "token_type": "bEARER"})
    assert (await _client(http).token(TOKEN, "password", {}))["access_token"] == "at"


@respx.mock
async def test_non_json_success_is_malformed(http: HttpClient) -> None:
    respx.post(TOKEN).respond(200, text="access_token=at&token_type=bearer")
    with pytest.raises(MalformedResponse):
        await _client(http).token(TOKEN, "password", {})


@respx.mock
async def test_credential_post_is_never_replayed_on_5xx(http: HttpClient) -> None:
    route = respx.post(TOKEN).respond(500, text="oops")
    with pytest.raises(ProviderUnavailable):
        await _client(http).token(TOKEN, "password", {"password": "p"})
    assert route.call_count == 1


@respx.mock
async def test_429_with_retry_after_is_retried_then_reported(http: HttpClient) -> None:
    route = respx.post(TOKEN).respond(429, headers={"retry-after": "2"}, json={"error": "too_many"})
    with pytest.raises(RateLimited) as info:
        await _client(http).token(TOKEN, "password", {})
    assert route.call_count == 3  # the IdP asked us to come back; nothing was processed
    assert info.value.retry_after == 2.0


@respx.mock
async def test_revoke(http: HttpClient) -> None:
    route = respx.post("https://op.example.test/revoke").respond(200)
    await _client(http).revoke("https://op.example.test/revoke", "rt", token_type_hint="refresh_token")
    assert _form(route.calls.last.request) == {"token": ["rt"], "token_type_hint": ["refresh_token"]}
    route.respond(400, json={"error": "unsupported_token_type"})
    with pytest.raises(ProviderError) as info:
        await _client(http).revoke("https://op.example.test/revoke", "rt")
    assert info.value.provider_code == "unsupported_token_type"
