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
