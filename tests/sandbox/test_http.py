"""The shared loopback server: loopback only, body cap, request host, errors inside an app."""

from __future__ import annotations

import httpx
import pytest

from idpbridge.sandbox._http import HttpAnswer, LoopbackServer, Request


def echo(request: Request) -> HttpAnswer:
    if request.path == "/boom":
        raise RuntimeError("app failure")
    return HttpAnswer.json(
        200,
        {"base": request.base_url, "form": dict(request.form()), "cookies": dict(request.cookies())},
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.1", "example.com", "::"])
def test_refuses_non_loopback_addresses(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        LoopbackServer(echo, host=host)


def test_request_host_body_cap_and_app_errors() -> None:
    with LoopbackServer(echo) as server, httpx.Client() as client:
        port = server.port
        assert client.get(f"http://127.0.0.1:{port}/").json()["base"] == f"http://127.0.0.1:{port}"
        assert client.get(f"http://localhost:{port}/").json()["base"] == f"http://localhost:{port}"
        # A Host that is not loopback does not become the base URL (no issuer spoofing).
        spoofed = client.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"}).json()
        assert spoofed["base"] == f"http://127.0.0.1:{port}"
        got = client.post(
            f"http://127.0.0.1:{port}/", data={"a": "1", "b": "2"}, headers={"Cookie": "k=v"}
        ).json()
        assert got["form"] == {"a": "1", "b": "2"}
        assert got["cookies"] == {"k": "v"}
        assert client.post(f"http://127.0.0.1:{port}/", content=b"x" * (300 * 1024)).status_code == 413
        failed = client.get(f"http://127.0.0.1:{port}/boom")
        assert (failed.status_code, failed.json()) == (500, {"error": "server_error"})
        assert "app failure" not in failed.text
    assert not server.running


def test_the_sandbox_listens_on_loopback_only() -> None:
    from idpbridge.sandbox import Sandbox

    with pytest.raises(ValueError, match="loopback"):
        Sandbox(host="0.0.0.0")
    with Sandbox() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
