"""The sandbox's admin routes: a per-start token, same-origin only, POST only, no form content types.

A web page the operator visits must not be able to drive ``/_sandbox/*`` (cross-site request
forgery): every state-changing admin route requires the token printed by ``idpbridge sandbox``
(``Authorization: Bearer …``, a header no cross-site form or no-cors fetch can send), refuses a
cross-site ``Origin``/``Sec-Fetch-Site``, every method but POST, and the content types an HTML
form sends. Refusals change nothing: the signing keys stay the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from idpbridge.sandbox import Sandbox

ROTATE = "/_sandbox/rotate-keys"
CERTS = "/realms/acme/protocol/openid-connect/certs"


@pytest.fixture(scope="module")
def admin() -> Iterator[tuple[Sandbox, httpx.Client]]:
    with Sandbox() as server, httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield server, client


def kids(client: httpx.Client) -> list[str]:
    return [k["kid"] for k in client.get(CERTS).json()["keys"] if k["use"] == "sig"]


def bearer(server: Sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.admin_token}"}


def assert_refused(client: httpx.Client, response: httpx.Response, status: int, before: list[str]) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert kids(client) == before  # nothing rotated


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-the-token", "Basic YWRtaW46YWRtaW4=", "Bearer {prefix}", "{token}"],
    ids=["none", "empty", "wrong", "basic", "prefix", "no-scheme"],
)
def test_rotate_keys_needs_the_admin_token(
    admin: tuple[Sandbox, httpx.Client], authorization: str | None
) -> None:
    server, client = admin
    before = kids(client)
    token = server.admin_token
    headers = {"Authorization": authorization.format(prefix=token[:-1], token=token)} if authorization else {}
    refused = client.post(ROTATE, headers=headers)
    assert_refused(client, refused, 401, before)
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert server.admin_token not in refused.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},  # another loopback port is another origin
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["evil-origin", "null-origin", "other-port", "cross-site", "same-site", "both"],
)
def test_rotate_keys_refuses_cross_site_requests(
    admin: tuple[Sandbox, httpx.Client], headers: dict[str, str]
) -> None:
    server, client = admin
    before = kids(client)
    assert_refused(client, client.post(ROTATE, headers={**bearer(server), **headers}), 403, before)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"a=1"),
        ("multipart/form-data; boundary=x", b"--x--\r\n"),
        ("text/plain", b"{}"),
        ("text/plain;charset=UTF-8", b""),
        (None, b"{}"),  # a body needs a JSON content type
    ],
    ids=["urlencoded", "multipart", "text-plain", "text-plain-empty", "body-without-type"],
)
def test_rotate_keys_refuses_form_content_types(
    admin: tuple[Sandbox, httpx.Client], content_type: str | None, body: bytes
) -> None:
    server, client = admin
    before = kids(client)
    headers = bearer(server) | ({"Content-Type": content_type} if content_type else {})
    assert_refused(client, client.post(ROTATE, headers=headers, content=body), 415, before)


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_rotate_keys_is_post_only(admin: tuple[Sandbox, httpx.Client], method: str) -> None:
    server, client = admin
    before = kids(client)
    refused = client.request(method, ROTATE, headers=bearer(server))
    assert refused.headers["allow"] == "POST"
    if method == "HEAD":  # no body to read: the status and that nothing rotated
        assert refused.status_code == 405
        assert not refused.content
        assert kids(client) == before
    else:
        assert_refused(client, refused, 405, before)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json"},
        {"Origin": "{base}", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost:{port}"},
    ],
    ids=["plain", "json", "same-origin", "localhost-origin"],
)
def test_rotate_keys_with_the_token(admin: tuple[Sandbox, httpx.Client], headers: dict[str, str]) -> None:
    server, client = admin
    old = kids(client)[0]
    filled = {k: v.format(base=server.base_url, port=server.port) for k, v in headers.items()}
    body = b"{}" if headers.get("Content-Type") else b""
    rotated = client.post(ROTATE, headers={**bearer(server), **filled}, content=body)
    assert rotated.status_code == 200, rotated.text
    assert kids(client) == [rotated.json()["keycloak"]["acme"], old]


def test_unknown_admin_paths_never_reach_the_idps(admin: tuple[Sandbox, httpx.Client]) -> None:
    """Everything under ``/_sandbox`` is the admin router's: no fall-through to the Cognito API."""
    server, client = admin
    sent = len(server.outbox)
    target = {"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"}
    body = {
        "AuthFlow": "USER_AUTH",
        "ClientId": "idpbridgesandbox",
        "AuthParameters": {"USERNAME": "erin@acme.example", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    }
    for path in ("/_sandbox/anything", "/_sandbox/rotate-keys/x", "/_sandbox/"):
        response = client.post(
            path,
            headers={**target, **bearer(server), "Content-Type": "application/x-amz-json-1.1"},
            content=json.dumps(body),
        )
        assert response.status_code in (404, 405), (path, response.text)
    assert len(server.outbox) == sent


def test_the_token_is_new_at_every_start_and_never_described() -> None:
    sandbox = Sandbox()
    with sandbox:
        first = sandbox.admin_token
        info = httpx.get(f"{sandbox.base_url}/_sandbox")
        assert info.status_code == 200
        assert first not in info.text
        assert first not in json.dumps(sandbox.describe())
        assert first not in repr(sandbox)
    with sandbox:
        assert sandbox.admin_token != first
        refused = httpx.post(f"{sandbox.base_url}{ROTATE}", headers={"Authorization": f"Bearer {first}"})
        assert refused.status_code == 401
    assert len(first) >= 32
