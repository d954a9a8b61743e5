"""Redaction at the source for the libraries that carry idpbridge's requests.

* :func:`idpbridge._redact.redact` on the class of inputs: secrets with quotes, backslashes and
  non-ASCII characters, raw, JSON-escaped, inside Python ``str``/``bytes`` reprs (at any depth),
  in URLs, headers, cookies; no 6-character slice survives and redaction is idempotent;
* the filter is on every logger of httpx, httpcore, botocore and urllib3, children included, also
  on loggers created after the first client, and rewrites messages, arguments and tracebacks;
* a real exchange with a loopback server, logged by httpx and httpcore at DEBUG: the query string
  and the ``Set-Cookie`` header values are gone.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idpbridge._logging import LIBRARIES, RedactingFilter, install_log_redaction
from idpbridge._redact import redact
from idpbridge.http import HttpClient
from tests.support.logcapture import PLANTED, capture_all_logs, find_leaks
from tests.support.loopback import QuietHandler, serving


def _shapes(key: str, value: str) -> list[str]:
    """How libraries log a credential: botocore's request dict and response body, reprs, JSON in
    JSON, form bodies, URLs, httpcore's header tuples, header lines."""
    body = json.dumps({"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "u", key: value}})
    return [
        f"Making request for OperationModel(name=InitiateAuth) with params: {{'url_path': '/', "
        f"'body': {body.encode()!r}, 'headers': {{'X-Amz-Target': 'x'}}}}",
        f"Response body:\n{json.dumps({key: value}, ensure_ascii=False).encode()!r}",
        repr({"AuthParameters": {key: value}}),
        repr({"params": repr({key: value})}),
        json.dumps({"message": json.dumps({key: value})}),
        f"{key}={quote_plus(value)}&grant_type=password",
        f'HTTP Request: GET https://graph.example/debug_token?input_token={quote(value)} "HTTP/1.1 200 OK"',
        f"https://user:{quote(value, safe='')}@idp.example/cb#access_token={quote(value)}",
        f'"POST /token?{key}={quote(value)} HTTP/1.1" 200 12',
        "receive_response_headers.complete return_value="
        + repr((b"HTTP/1.1", 200, b"OK", [(b"Set-Cookie", f"ST={value}; Path=/".encode()), (b"X-A", b"b")])),
        f"Set-Cookie: ST={value.replace(chr(10), '')}; Path=/",
        "Encoding " + repr((b":path", f"/debug_token?input_token={quote(value, safe='')}".encode())),
        repr({"Authorization": f"SSWS {value}", "Cookie": f"sid={value}"}),
    ]


_KEYS = ["PASSWORD", "password", "SECRET_HASH", "Session", "AccessToken", "client_secret", "code"]
_PIECES = st.sampled_from([*"abcXYZ019\"'\\ üé€«»ключ{}[]():,=&;/?#%@\t\n", "\u2028", "\\u", "\\x"])


@settings(max_examples=300, deadline=None)
@given(
    value=st.lists(_PIECES, min_size=6, max_size=24).map(lambda v: "Zq" + "".join(v) + "9k"),
    key=st.sampled_from(_KEYS),
)
def test_no_slice_of_a_keyed_secret_survives_any_shape(value: str, key: str) -> None:
    for text in _shapes(key, value):
        out = redact(text)
        assert find_leaks([value], [out]) == [], (text, out)
        assert redact(out) == out


@pytest.mark.parametrize(
    "text",
    [
        'HTTP Request: GET https://idp.example.com/.well-known/openid-configuration "HTTP/1.1 200 OK"',
        "connect_tcp.started host='127.0.0.1' port=8080 local_address=None timeout=5.0",
        "Event before-parameter-build.cognito-identity-provider.InitiateAuth: calling handler <function x>",
        '{"errorCode":"E0000004","errorSummary":"Authentication failed"}',
        "Response headers: {'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': '42'}",
    ],
)
def test_harmless_diagnostics_are_kept(text: str) -> None:
    assert redact(text) == text


def test_the_bytes_repr_of_a_json_body_is_redacted_whole() -> None:
    """The reported defect: ``_SECRET_PAIR`` stopped at the escaped quote, leaving the tail."""
    body = json.dumps({"AuthParameters": {"PASSWORD": 'ab"cd\\ef-tail-visible'}}).encode()
    out = redact(f"params: {{'body': {body!r}}}")
    assert "tail-visible" not in out
    assert '"PASSWORD": [redacted]' in out


def test_every_library_logger_has_the_filter_children_and_late_ones_included() -> None:
    import botocore.endpoint  # noqa: F401 - its loggers must exist before the check
    import httpcore  # noqa: F401

    HttpClient()
    for name in ("httpx", "httpcore.http11", "httpcore.connection", "botocore.endpoint", "botocore.parsers"):
        assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters), name
    late = logging.getLogger(f"botocore.not_imported_yet_{secrets.token_hex(4)}")
    assert not late.filters
    install_log_redaction()  # what making the next client does
    assert any(isinstance(f, RedactingFilter) for f in late.filters)
    install_log_redaction()
    assert sum(isinstance(f, RedactingFilter) for f in late.filters) == 1  # idempotent
    other = logging.getLogger("someapp.http")
    assert not any(isinstance(f, RedactingFilter) for f in other.filters)  # only the libraries
    assert set(LIBRARIES) >= {"httpx", "httpcore", "botocore", "urllib3"}


def test_a_record_is_rewritten_never_dropped_tracebacks_included() -> None:
    install_log_redaction()
    secret = f"s3cr{secrets.token_hex(6)}{PLANTED}"
    with capture_all_logs() as logs:
        logging.getLogger("botocore.endpoint").debug(
            "params: %s", {"body": json.dumps({"Password": secret}).encode()}
        )
        try:
            raise ValueError(f"failed GET https://idp.example/x?token={quote(secret)}")
        except ValueError:
            logging.getLogger("urllib3.connectionpool").debug("Exception received", exc_info=True)
    assert len(logs.records) == 2
    assert find_leaks([secret], logs.texts) == []
    assert "Traceback" in logs.texts[1]


class _CookieSetter(QuietHandler):
    secret = ""

    def do_GET(self) -> None:
        self.answer(b'{"ok": true}', headers=(("Set-Cookie", f"ST={quote(self.secret)}; Path=/; HttpOnly"),))


@pytest.fixture
def cookie_server() -> Iterator[tuple[str, str]]:
    _CookieSetter.secret = f"st-{secrets.token_hex(8)}{PLANTED}"
    with serving(_CookieSetter) as url:
        yield url, _CookieSetter.secret


@pytest.mark.parametrize("injected", [False, True], ids=["own client", "injected client"])
async def test_httpx_and_httpcore_lines_of_a_real_exchange(
    cookie_server: tuple[str, str], injected: bool
) -> None:
    # Our own client sends through its transport (httpcore logs); an injected one through
    # httpx.AsyncClient.send, which adds httpx's own "HTTP Request:" line with the full URL.
    url, session = cookie_server
    token = f"tk-{secrets.token_hex(8)}{PLANTED}"
    raw = httpx.AsyncClient() if injected else None
    client = HttpClient(client=raw)
    try:
        with capture_all_logs() as logs:
            response = await client.get(f"{url}/debug_token", params={"input_token": token})
    finally:
        await client.aclose()
        if raw is not None:
            await raw.aclose()
    assert response.status == 200
    assert quote(session) in response.headers["set-cookie"]  # it was really sent
    assert ({"httpx", "httpcore.http11"} if injected else {"httpcore.http11"}) <= logs.names
    assert any("Set-Cookie" in t and "[redacted]" in t for t in logs.texts)
    assert find_leaks([token, session], logs.texts) == []


@pytest.mark.parametrize(
    "value",
    ['Zq"Wv', "Zq'Wv", "Zq)W}v]K", "Zq,W;v", "Zq\"W'v)K}J]X"],
)
def test_a_bare_credential_value_is_redacted_whole_whatever_it_holds(value: str) -> None:
    # A bare value used to stop at the first quote, bracket, comma or semicolon, so the rest of a
    # password holding one of them survived in exception messages and log lines.
    from idpbridge.errors import sanitize

    for text in (f"login failed: password={value} for alice", f"password={value}&client_id=app"):
        out = sanitize(text)
        assert not any(part in out for part in ("Zq", "Wv", "v]K", "W;v", "J]X")), out
        assert "[redacted]" in out
    assert "client_id=app" in redact(f"password={value}&client_id=app")
