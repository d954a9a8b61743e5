"""URLs with user info (or backslashes, spaces, controls, no host) are refused at every entry point.

``https://op.example@attacker.test/token`` is a request to attacker.test, and httpx would turn the
user info into an ``Authorization: Basic`` header replacing the client's own. Every URL idpbridge
calls or trusts as a base is checked: configured issuers, hosts and base URLs of every provider,
endpoint overrides, discovery documents, redirects, JWKS URIs and the request itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import idpbridge
from idpbridge import ConfigurationError, MalformedResponse, ProviderError
from idpbridge.cache import MemoryCache
from idpbridge.http import NO_RETRY, HttpClient, HttpPolicy, require_secure_url
from idpbridge.oidc import Discovery, JWKSManager
from idpbridge.oidc.metadata import ENDPOINT_FIELDS, ProviderMetadata

from ._loopback import LoopbackServer, Route, serve

GOOD = "https://op.example.com"
PORT = "{port}"  # replaced by the loopback server's port
BAD = {
    "userinfo": "https://op.example.com@attacker.test",
    "user-and-password": "https://op:secret@op.example.com",
    "empty-userinfo": "https://@op.example.com",
    "loopback-userinfo": f"http://op@127.0.0.1:{PORT}",
    "backslash": "https://attacker.test\\@op.example.com",
    "space": "https://op.example.com /x",
    "tab": "https://op.example.com\t",
    "newline": "https://op.example.com\n.attacker.test",
    "nul": "https://op.example.com\x00.attacker.test",
    "zero-width": "https://op.example.com\u200b",
    "no-host": "https://",
}
KINDS = sorted(BAD)


def bad(kind: str, port: int = 9, path: str = "") -> str:
    return BAD[kind].replace(PORT, str(port)) + path


# -- the function every check goes through ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_require_secure_url_refuses(kind: str) -> None:
    url = bad(kind, path="/token")
    for _ in range(2):  # the second call takes the memoized path
        with pytest.raises(ConfigurationError) as caught:
            require_secure_url(url, what="token_endpoint")
        assert "attacker" not in str(caught.value)
        assert "secret" not in str(caught.value)


@pytest.mark.parametrize("url", [f"{GOOD}/p@th", f"{GOOD}/cb?next=a@b", "https://bücher.example/x"])
def test_at_signs_after_the_host_and_idn_hosts_are_fine(url: str) -> None:
    assert require_secure_url(url) == url


# -- configuration: issuers, hosts, base URLs, endpoint overrides --------------------------------

SECRET = {"client_secret": "s3cret-value-for-tests"}
P8 = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)
#: (provider, valid fields, the field holding a URL or host)
CONFIG_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    ("oidc", {"client_id": "c"}, "issuer"),
    ("oidc", {"client_id": "c", "issuer": GOOD}, "endpoints.token_endpoint"),
    ("oidc", {"client_id": "c", "issuer": GOOD}, "endpoints.discovery"),
    ("oidc", {"client_id": "c", "issuer": GOOD}, "endpoints.jwks_uri"),
    ("okta", {"client_id": "c"}, "domain"),
    ("auth0", {"client_id": "c"}, "domain"),
    ("keycloak", {"client_id": "c", "realm": "demo"}, "server_url"),
    ("keycloak", {"client_id": "c", "realm": "demo", "server_url": GOOD}, "backchannel_url"),
    ("entra", {"client_id": "c", "tenant": "contoso.onmicrosoft.com"}, "instance"),
    ("onelogin", {"client_id": "c"}, "base_url"),
    ("pingone", {"client_id": "c", "environment_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}, "base_url"),
    ("cognito", {"client_id": "c", "region": "eu-west-1", "user_pool_id": "eu-west-1_Ab1"}, "endpoint_url"),
    (
        "cognito",
        {"client_id": "c", "region": "eu-west-1", "user_pool_id": "eu-west-1_Ab1"},
        "hosted_ui_domain",
    ),
    ("google", {"client_id": "c"}, "endpoints.token_endpoint"),
    (
        "apple",
        {"client_id": "c", "team_id": "ABCDE12345", "key_id": "KEY1234567", "private_key": P8},
        "endpoints.jwks_uri",
    ),
    ("meta", {"client_id": "123456789012345", **SECRET}, "endpoints.authorization_endpoint"),
]


def _fields(base: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    if field.startswith("endpoints."):
        return {**base, "endpoints": {field.split(".", 1)[1]: value}}
    return {**base, field: value}


@pytest.mark.parametrize(
    ("provider", "base", "field"), CONFIG_FIELDS, ids=lambda v: v if isinstance(v, str) else ""
)
async def test_configured_urls_are_checked(provider: str, base: dict[str, Any], field: str) -> None:
    good = GOOD if field != "domain" else "op.example.com"
    conn = idpbridge.connect(provider, **_fields(base, field, good))  # the control: a good value builds
    await conn.aclose()
    for kind in KINDS:
        with pytest.raises(ConfigurationError) as caught:
            idpbridge.connect(provider, **_fields(base, field, bad(kind)))
        assert caught.value.field is not None, kind
        assert "attacker" not in str(caught.value), kind


# -- provider metadata: built by hand, overridden, discovered -----------------------------------


@pytest.mark.parametrize("name", ["issuer", *ENDPOINT_FIELDS])
@pytest.mark.parametrize("kind", KINDS)
def test_metadata_fields(name: str, kind: str) -> None:
    fields: dict[str, Any] = {
        "issuer": GOOD,
        "authorization_endpoint": None,
        "token_endpoint": None,
        "jwks_uri": None,
    }
    with pytest.raises(ConfigurationError):
        ProviderMetadata(**{**fields, name: bad(kind)})
    doc = {**fields, name: bad(kind)}
    with pytest.raises(MalformedResponse) as caught:
        ProviderMetadata.from_document(doc, expected_issuer=None)
    assert caught.value.code == "provider.metadata"
    if name != "issuer":
        with pytest.raises(ConfigurationError):
            ProviderMetadata(**fields).with_overrides({name: bad(kind)})


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with serve({}) as s:
        s.routes["/ok"] = Route(b'{"keys": []}')
        yield s


@pytest.fixture
async def client() -> Any:
    http = HttpClient(HttpPolicy(retry=NO_RETRY))
    yield http
    await http.aclose()


@pytest.mark.parametrize("field", ["token_endpoint", "jwks_uri", "userinfo_endpoint"])
async def test_discovered_endpoints_with_user_info_are_refused(
    server: LoopbackServer, client: HttpClient, field: str
) -> None:
    issuer = server.url("/op")
    doc = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        field: f"http://op@127.0.0.1:{server.port}/{field}",
    }
    server.routes["/op/.well-known/openid-configuration"] = Route(json.dumps(doc).encode())
    with pytest.raises(MalformedResponse) as caught:
        await Discovery(client, MemoryCache()).get(issuer)
    assert caught.value.code == "provider.metadata"
    assert "user info" in str(caught.value)


# -- the request itself, redirects, JWKS ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["loopback-userinfo", "backslash", "space", "no-host"])
async def test_request_entry_refuses_before_sending(
    server: LoopbackServer, client: HttpClient, kind: str
) -> None:
    before = len(server.requests)
    for send in (client.get, client.post):
        with pytest.raises(ConfigurationError):
            await send(bad(kind, server.port, "/ok"))
    assert len(server.requests) == before  # nothing reached the server


@pytest.mark.parametrize(
    "location",
    [
        "http://op@127.0.0.1:{port}/ok",
        "http://op:pw@127.0.0.1:{port}/ok",
        "http://@127.0.0.1:{port}/ok",
        "//op@127.0.0.1:{port}/ok",
        "/\\attacker.test/ok",
        "/ok two",
    ],
)
async def test_redirects_to_urls_with_user_info_are_not_followed(
    server: LoopbackServer, client: HttpClient, location: str
) -> None:
    server.routes["/moved"] = Route(
        b"", {"location": location.replace("{port}", str(server.port))}, status=302
    )
    before = len(server.requests)
    with pytest.raises(ProviderError) as caught:
        await client.get(server.url("/moved"), headers={"authorization": "Bearer the-clients-own"})
    assert caught.value.code == "provider.redirect"
    assert [path for _, path, _ in server.requests[before:]] == ["/moved"]  # /ok was never requested


async def test_same_origin_redirect_still_keeps_the_clients_authorization(
    server: LoopbackServer, client: HttpClient
) -> None:
    server.routes["/moved-ok"] = Route(b"", {"location": "/ok"}, status=302)
    resp = await client.get(server.url("/moved-ok"), headers={"authorization": "Bearer the-clients-own"})
    assert resp.json() == {"keys": []}
    assert server.requests[-1][2]["authorization"] == "Bearer the-clients-own"


async def test_jwks_uri_with_user_info_is_never_fetched(server: LoopbackServer, client: HttpClient) -> None:
    before = len(server.requests)
    jwks = JWKSManager(client, MemoryCache())
    with pytest.raises(ConfigurationError):
        await jwks.get_key(f"http://op@127.0.0.1:{server.port}/ok", kid="k1", alg="RS256")
    assert len(server.requests) == before
