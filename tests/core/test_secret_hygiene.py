"""No secret reaches a log record (any logger, DEBUG) or the text of a raised error.

One run drives: the example plugin's password login with a TOTP step resumed through a
continuation (plus a wrong code and a tampered continuation), and real HTTP exchanges through
HttpClient to a loopback server, with the client secret in the Authorization header and the
user's password in the form body, answered by tokens, by an error echoing the request, and by a
non-JSON page echoing it.
"""

from __future__ import annotations

import base64
import http.server
import json
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from urllib.parse import parse_qs, quote_plus

import pytest

import idpbridge
from idpbridge import (
    Answer,
    Authenticated,
    ContinuationKeys,
    FlowError,
    IdpBridgeError,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    MalformedResponse,
    Password,
    ProviderUnavailable,
)
from idpbridge.http import HttpClient
from idpbridge.registry import Registry

from ._support import CLIENT_SECRET, USER_PASSWORD

ACCESS_TOKEN = "AT.opaque-access-token-7Q2xWm9"
REFRESH_TOKEN = "RT.opaque-refresh-token-P4kLz8"
ID_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJ1LTEiLCJub25jZSI6Im4ifQ.c2lnbmF0dXJl"
EXAMPLE_PASSWORD = "correct horse battery staple"


def secret_forms(value: str) -> set[str]:
    """A secret as it may appear on the wire or in text."""
    return {value, quote_plus(value), json.dumps(value)[1:-1]}


class Capture(logging.Handler):
    """Formats every record the way a log file would, extras and tracebacks included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.formatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.texts.append(self.format(record) + "\n" + repr(vars(record)))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        if not lg.propagate or lg is logging.getLogger():
            lg.addHandler(handler)
    yield handler
    for lg, level, disabled in saved:
        lg.setLevel(level)
        lg.disabled = disabled
        lg.removeHandler(handler)


class IdP(http.server.BaseHTTPRequestHandler):
    """A token endpoint that answers well, then badly (echoing what it got)."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"])).decode()
        auth = self.headers.get("authorization", "")
        if self.path == "/token":
            ok = parse_qs(body).get("password") == [USER_PASSWORD] and auth.startswith("Basic ")
            payload = (
                {
                    "access_token": ACCESS_TOKEN,
                    "refresh_token": REFRESH_TOKEN,
                    "id_token": ID_TOKEN,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "sub": "u-1",
                    "email": "jane@example.com",
                    "email_verified": True,
                }
                if ok
                else {"error": "invalid_grant", "error_description": f"bad password in {body}"}
            )
            self.reply(200 if ok else 400, "application/json", json.dumps(payload))
        elif self.path == "/echo-500":
            self.reply(500, "text/plain", f"upstream failed for {body} with {auth}")
        elif self.path == "/echo-html":
            self.reply(200, "text/html", f"<html><pre>{body}\nAuthorization: {auth}</pre></html>")
        else:
            self.reply(404, "text/plain", "no")

    def reply(self, status: int, content_type: str, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the server is not under test


@pytest.fixture(scope="module")
def idp_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), IdP)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def error_text(exc: BaseException) -> str:
    parts = ["".join(traceback.format_exception(exc)), repr(exc), str(exc), repr(exc.args)]
    if isinstance(exc, IdpBridgeError):
        parts += [exc.message, repr(exc.details), str(getattr(exc, "excerpt", "")), str(exc.provider_code)]
    return "\n".join(parts)


async def test_no_secret_in_logs_or_errors(capture: Capture, idp_url: str, registry: Registry) -> None:
    from idpbridge_plugin_example.connector import TOTP_SECRET, totp_code

    secrets: set[str] = set()
    errors: list[BaseException] = []

    # 1. the plugin connector: password, TOTP step through a continuation, wrong code, tampering
    example = idpbridge.connect("example", continuation_keys=ContinuationKeys.generate())
    secrets |= secret_forms(EXAMPLE_PASSWORD) | {TOTP_SECRET}
    step = await example.authenticate(Password("mfa@example.com", EXAMPLE_PASSWORD))
    assert isinstance(step, InputRequired)
    continuation = step.continuation.get_secret_value()
    secrets.add(continuation)
    with pytest.raises(InvalidCode) as wrong:
        await example.authenticate(Answer(continuation, {"totp": "999999x"}))
    errors.append(wrong.value)
    assert wrong.value.continuation is not None
    secrets.add(wrong.value.continuation.get_secret_value())
    tampered = continuation[:-6] + ("AAAAAA" if not continuation.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(FlowError) as flow:
        await example.authenticate(Answer(tampered, {"totp": "123456"}))
    errors.append(flow.value)
    code = totp_code(TOTP_SECRET, time.time())
    secrets.add(code)
    done = await example.authenticate(Answer(wrong.value.continuation, {"totp": code}))
    assert isinstance(done, Authenticated)
    with pytest.raises(InvalidCredentials) as bad_password:
        await example.authenticate(Password("jane@example.com", EXAMPLE_PASSWORD + "!"))
    errors.append(bad_password.value)

    # 2. a connector talking HTTP to a real (loopback) server through HttpClient
    basic = base64.b64encode(f"demo-client:{quote_plus(CLIENT_SECRET)}".encode()).decode()
    secrets |= secret_forms(USER_PASSWORD) | secret_forms(CLIENT_SECRET) | {basic}
    secrets |= {ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN}
    demo = idpbridge.connect(
        "demo",
        registry=registry,
        domain="idp.example.com",
        client_id="demo-client",
        client_secret=CLIENT_SECRET,
        endpoints={"token": f"{idp_url}/token"},
    )
    async with demo:
        result = await demo.authenticate(Password("jane@example.com", USER_PASSWORD))
        assert isinstance(result, Authenticated)
        assert result.tokens.access_token is not None
        assert result.tokens.access_token.get_secret_value() == ACCESS_TOKEN
        with pytest.raises(InvalidCredentials) as rejected:
            await demo.authenticate(Password("jane@example.com", USER_PASSWORD + "x"))
        errors.append(rejected.value)

    form = {"grant_type": "password", "username": "jane", "password": USER_PASSWORD}
    client = HttpClient()
    try:
        with pytest.raises(ProviderUnavailable) as unavailable:
            await client.post(f"{idp_url}/echo-500", data=form, auth=("demo-client", CLIENT_SECRET))
        errors.append(unavailable.value)
        page = await client.post(f"{idp_url}/echo-html", data=form, auth=("demo-client", CLIENT_SECRET))
        with pytest.raises(MalformedResponse) as malformed:
            page.json()
        errors.append(malformed.value)
        assert USER_PASSWORD not in repr(page)
    finally:
        await client.aclose()

    # the capture really saw library logging (so a leak there would have been caught)
    names = {r.name for r in capture.records}
    assert any(n.startswith(("httpx", "httpcore")) for n in names), names
    assert "idpbridge.http" in names

    leaks = [(s, t) for t in capture.texts for s in secrets if s in t]
    assert not leaks, leaks[:3]
    for exc in errors:
        text = error_text(exc)
        assert not [s for s in secrets if s in text], (type(exc).__name__, text[:500])


def test_the_capture_would_notice_a_leak(capture: Capture) -> None:
    logging.getLogger("some.library").debug("sending password=%s", "hunter2-leaked")
    assert any("hunter2-leaked" in t for t in capture.texts)
