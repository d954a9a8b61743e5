"""No committed cassette holds an unscrubbed secret, and every cassette names its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cassettes import CASSETTES, find_unscrubbed, scrub_request, scrub_response, scrub_text

ALL = sorted(CASSETTES.glob("**/*.yaml"))


@pytest.mark.parametrize("path", ALL, ids=[str(p.relative_to(CASSETTES)) for p in ALL])
def test_cassette_is_scrubbed_and_sourced(path: Path) -> None:
    text = path.read_text()
    assert find_unscrubbed(text) == [], f"{path} holds what looks like a secret"
    first = text.splitlines()[0]
    assert first.startswith("#"), f"{path} must start with a comment naming its source"


def test_the_patterns_catch_secrets() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZTEyMyJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    for leaked in (
        jwt,
        "Authorization: Basic dGVzdC1jbGllbnQ6dGVzdC1zZWNyZXQ=",
        "grant_type=password&password=hunter2",
        "client_secret=abcdef123456",
        '{"refresh_token": "8xLOxBtZp8"}',
    ):
        assert find_unscrubbed(leaked), leaked


def test_scrubbers_remove_secrets() -> None:
    form = scrub_text("grant_type=password&username=alice&password=hunter2&client_secret=s3cr3t-value")
    assert "hunter2" not in form
    assert "s3cr3t" not in form
    assert "username=alice" in form
    body = scrub_text('{"access_token": "at-123", "nested": {"Session": "sess"}, "expires_in": 3600}')
    assert "at-123" not in body
    assert "sess" not in body
    assert "3600" in body

    class Req:
        headers = {"Authorization": "Basic xyz", "Accept": "application/json"}  # noqa: RUF012
        body = b"code=abc&code_verifier=def&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
        uri = "https://idp.test/cb?code=abc&state=s"

    req = scrub_request(Req())
    assert "Authorization" not in req.headers
    assert b"abc" not in req.body
    assert "code=abc" not in req.uri
    resp = scrub_response({"headers": {"Set-Cookie": ["sid=1"]}, "body": {"string": b'{"id_token": "x"}'}})
    assert resp["headers"] == {}
    assert b'"x"' not in resp["body"]["string"]


def test_a_recording_is_scrubbed_and_stamped(tmp_path: Path) -> None:
    """Record a real exchange full of secrets through the recorder's own hooks, then stamp it."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx
    import vcr

    from tests.providers import fidelity
    from tests.support.cassettes import stamp_recorded

    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZTEyMyJ9.c2lnbmF0dXJlc2lnbmF0dXJl"

    class Tenant(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps(
                {"access_token": "at-live-123", "id_token": jwt, "refresh_token": "rt-live-456"}
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Set-Cookie", "sid=live-session-cookie")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tenant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = tmp_path / "cassettes" / "acme"
    folder.mkdir(parents=True)
    recorder = vcr.VCR(
        cassette_library_dir=str(folder),
        record_mode="all",
        before_record_request=scrub_request,
        before_record_response=scrub_response,
    )
    try:
        with recorder.use_cassette("wrong_password.yaml"):
            httpx.post(
                f"http://127.0.0.1:{server.server_port}/token?code=auth-code-789",
                data={"grant_type": "password", "username": "alice", "password": "hunter2-live"},
                auth=("client-id", "client-secret-live"),
            )
    finally:
        server.shutdown()
    path = folder / "wrong_password.yaml"
    raw = path.read_text()
    for secret in ("hunter2-live", "client-secret-live", "at-live-123", "rt-live-456", "auth-code-789", jwt):
        assert secret not in raw
    assert "live-session-cookie" not in raw
    assert "authorization" not in raw.lower()
    assert "username=alice" in raw  # not a secret: the scrubber keeps what a reviewer needs
    assert stamp_recorded("acme", directory=folder, rename={"127.0.0.1": "acme.idp.test"}) == [path]
    assert "127.0.0.1" not in path.read_text()
    assert "acme.idp.test" in path.read_text()
    assert fidelity.cassette_source(path) == "rec:cassettes/acme/wrong_password.yaml"
    assert fidelity.level(fidelity.cassette_source(path)) == "recorded"
    # A leak is refused, not stamped over.
    path.write_text(path.read_text() + f"\n# {jwt}\n")
    with pytest.raises(AssertionError, match="unscrubbed"):
        stamp_recorded("acme", directory=folder)
