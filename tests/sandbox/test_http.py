"""The shared loopback server: loopback only, body cap, request host, errors inside an app, and
each response sent in one write on a TCP_NODELAY socket."""

from __future__ import annotations

import http.client
import socket
from typing import Any

import httpx
import pytest

from idpbridge.sandbox import _http
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
        # A Host that is not this server's loopback address and port is refused (DNS rebinding),
        # so it never becomes the base URL (no issuer spoofing either).
        spoofed = client.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"})
        assert spoofed.status_code == 421
        other_port = client.get(f"http://127.0.0.1:{port}/", headers={"Host": f"localhost:{port + 1}"})
        assert other_port.status_code == 421
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


class CountingWriter:
    """Wraps a handler's ``wfile``: records every write (a response must be exactly one)."""

    def __init__(self, inner: Any, log: list[bytes]) -> None:
        self.inner, self.log = inner, log

    def write(self, data: bytes) -> int:
        self.log.append(bytes(data))
        return int(self.inner.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_each_response_is_one_write_on_a_nodelay_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers and body in separate small writes stall ~40 ms each (Nagle + delayed ACK)."""
    writes: list[bytes] = []
    nodelay: list[int] = []
    setup = _http._Handler.setup

    def counting_setup(self: Any) -> None:
        setup(self)
        nodelay.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        self.wfile = CountingWriter(self.wfile, writes)

    monkeypatch.setattr(_http._Handler, "setup", counting_setup)

    def app(request: Request) -> HttpAnswer:
        size = int(request.query.get("size", "10"))
        return HttpAnswer(200, {"Content-Type": "text/plain"}, b"x" * size, cookies=("a=b",))

    with LoopbackServer(app) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for size in (0, 10, 2000, 100_000):  # one keep-alive connection, several requests
                before = len(writes)
                conn.request("GET", f"/?size={size}")
                response = conn.getresponse()
                assert response.read() == b"x" * size
                assert response.getheader("Set-Cookie") == "a=b"
                assert len(writes) - before == 1, [len(w) for w in writes[before:]]
                assert writes[-1].endswith(b"\r\n\r\n" + b"x" * size)
        finally:
            conn.close()
    assert nodelay
    assert all(nodelay)


def test_a_header_value_with_a_line_break_never_splits_the_response() -> None:
    """A ``Location`` built from a decoded ``%0d%0a`` must not inject a header (response splitting)."""

    def app(request: Request) -> HttpAnswer:
        return HttpAnswer.redirect(request.query["to"])

    with LoopbackServer(app) as server, httpx.Client(follow_redirects=False) as client:
        url = f"http://127.0.0.1:{server.port}/"
        response = client.get(url, params={"to": "http://127.0.0.1/x\r\nSet-Cookie: injected=1"})
        assert response.status_code == 500
        assert "set-cookie" not in response.headers
        assert (
            client.get(url, params={"to": "http://127.0.0.1/ok"}).headers["location"] == "http://127.0.0.1/ok"
        )
