"""DNS rebinding: every route of a sandbox answers only requests addressed to its own loopback port.

A page on ``http://evil.example:PORT`` whose name an attacker re-points at ``127.0.0.1`` sends
``Host: evil.example:PORT``: the browser then treats the sandbox as the attacker's own origin
and lets the page read its answers. So every route — the admin routes and the IdP faces, whose
seeded passwords are public and whose issuer comes from the ``Host`` — refuses any ``Host`` but
``127.0.0.1:PORT``, ``localhost:PORT`` or ``[::1]:PORT`` (421 Misdirected Request).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from idpbridge.sandbox import Sandbox
from idpbridge.sandbox._http import HttpAnswer, LoopbackServer, Request
from idpbridge.sandbox.cognito import FakeCognito

from .conftest import CLIENT_ID, KEYCLOAK_SECRET, seed_password

REALM = "/realms/acme"


@pytest.fixture(scope="module")
def server() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def routes(sandbox: Sandbox) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(method, path, headers, body) of one request per kind of route."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    grant = (
        f"grant_type=password&client_id={CLIENT_ID}&client_secret={KEYCLOAK_SECRET}"
        f"&username=alice&password={seed_password('alice')}"
    ).encode()
    amz = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    }
    initiate = json.dumps(
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": "idpbridgesandbox",
            "AuthParameters": {"USERNAME": "dave@acme.example", "PASSWORD": "x"},
        }
    ).encode()
    pool = sandbox.seed.cognito.user_pool_id  # type: ignore[union-attr]
    return [
        ("GET", "/_sandbox", {}, b""),
        ("POST", "/_sandbox/rotate-keys", {"Authorization": f"Bearer {sandbox.admin_token}"}, b""),
        ("GET", f"{REALM}/.well-known/openid-configuration", {}, b""),
        ("GET", f"{REALM}/protocol/openid-connect/certs", {}, b""),
        ("GET", f"{REALM}/protocol/openid-connect/auth?client_id={CLIENT_ID}", {}, b""),
        ("POST", f"{REALM}/protocol/openid-connect/token", form, grant),
        ("POST", "/", amz, initiate),
        ("GET", f"/{pool}/.well-known/jwks.json", {}, b""),
        ("GET", "/oauth2/authorize", {}, b""),
        ("GET", "/nothing-here", {}, b""),
    ]


def bad_hosts(port: int) -> list[str]:
    return [
        f"evil.example:{port}",
        "evil.example",
        f"127.0.0.1:{port + 1}",
        f"localhost:{port + 1}",
        "localhost",
        "127.0.0.1",
        f"127.0.0.2:{port}",
        f"127.0.0.1.nip.io:{port}",
        f"localhost.evil.example:{port}",
        f"0.0.0.0:{port}",
        f"[::1]:{port + 1}",
        f"127.0.0.1:{port}@evil.example",
        f"127.0.0.1:0{port}",
        "",
    ]


def test_every_route_refuses_a_foreign_host(server: Sandbox) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        before = client.get(f"{REALM}/protocol/openid-connect/certs").json()
        for method, path, headers, body in routes(server):
            for host in bad_hosts(server.port):
                response = client.request(method, path, headers={**headers, "Host": host}, content=body)
                assert response.status_code == 421, (method, path, host, response.text)
                assert response.json()["error"] == "misdirected_request"
        assert client.get(f"{REALM}/protocol/openid-connect/certs").json() == before  # nothing rotated


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_every_route_answers_its_own_loopback_names(server: Sandbox, name: str) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        for method, path, headers, body in routes(server):
            host = f"{name}:{server.port}"
            response = client.request(method, path, headers={**headers, "Host": host}, content=body)
            assert response.status_code != 421, (method, path, host)
        discovery = client.get(
            f"{REALM}/.well-known/openid-configuration", headers={"Host": f"{name}:{server.port}"}
        )
        assert discovery.json()["issuer"] == f"http://{name.lower()}:{server.port}{REALM}"


def raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_missing_or_repeated_host_is_refused(server: Sandbox) -> None:
    missing = raw(server.port, b"GET /_sandbox HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert missing.startswith(b"HTTP/1.1 400 "), missing[:200]
    twice = raw(
        server.port,
        f"GET /_sandbox HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nHost: evil.example\r\n"
        "Connection: close\r\n\r\n".encode(),
    )
    assert twice.startswith(b"HTTP/1.1 400 "), twice[:200]


def test_the_cognito_emulator_checks_the_host_too() -> None:
    with FakeCognito() as fake, httpx.Client(base_url=fake.endpoint_url, timeout=10) as client:
        port = int(fake.endpoint_url.rsplit(":", 1)[1])
        assert client.get("/oauth2/userInfo", headers={"Host": f"evil.example:{port}"}).status_code == 421
        assert client.get("/oauth2/userInfo").status_code != 421


def echo_base(request: Request) -> HttpAnswer:
    return HttpAnswer.json(200, {"base": request.base_url})


def test_an_ipv6_loopback_server_answers_its_own_names_only() -> None:
    with (
        LoopbackServer(echo_base, host="::1") as v6,
        httpx.Client(base_url=v6.base_url, timeout=10) as client,
    ):
        assert client.get("/").json() == {"base": f"http://[::1]:{v6.port}"}
        named = client.get("/", headers={"Host": f"localhost:{v6.port}"})
        assert named.json() == {"base": f"http://localhost:{v6.port}"}
        for host in (f"evil.example:{v6.port}", f"[::1]:{v6.port + 1}", f"[::2]:{v6.port}"):
            assert client.get("/", headers={"Host": host}).status_code == 421
