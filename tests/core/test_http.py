"""HTTP policy: secure URLs, body caps, deadlines, redirects, strict JSON, status mapping, Basic auth."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import gzip
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from idpbridge import ConfigurationError, MalformedResponse, ProviderError, ProviderUnavailable, RateLimited
from idpbridge.http import (
    NO_RETRY,
    HttpClient,
    HttpPolicy,
    Response,
    Timeouts,
    is_loopback_url,
    parse_json_object,
    parse_retry_after,
    redact_url,
    require_secure_url,
)
from tests.support.loopback import QuietHandler, serving

MiB = 1024 * 1024
IDP = "https://idp.example.com"
Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


class Recorder:
    """A transport handler wrapper that counts calls."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self.handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        assert isinstance(result, httpx.Response)
        return result


def make_client(handler: Handler, **policy: Any) -> tuple[HttpClient, Recorder]:
    policy.setdefault("retry", NO_RETRY)
    recorder = Recorder(handler)
    client = HttpClient(HttpPolicy(**policy), httpx.AsyncClient(transport=httpx.MockTransport(recorder)))
    return client, recorder


def json_response(body: dict[str, Any] | None = None, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {"ok": True}, headers=headers)


# -- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://idp.example.com/x", True),
        ("http://127.0.0.1:8080/x", True),
        ("http://127.8.9.10/x", True),
        ("http://localhost/x", True),
        ("http://[::1]:9000/x", True),
        ("http://idp.example.com/x", False),
        ("http://localhost.evil.example/x", False),
        ("http://127.0.0.1.nip.io/x", False),
        ("http://0.0.0.0/x", False),
        ("ftp://idp.example.com/x", False),
        ("https:///nohost", False),
        ("not a url", False),
    ],
)
def test_require_secure_url(url: str, ok: bool) -> None:
    if ok:
        assert require_secure_url(url) == url
    else:
        with pytest.raises(ConfigurationError, match=r"https|valid URL|spaces"):
            require_secure_url(url)


async def test_plain_http_to_a_remote_host_is_never_sent() -> None:
    client, calls = make_client(lambda r: json_response())
    with pytest.raises(ConfigurationError):
        await client.get("http://idp.example.com/.well-known/openid-configuration")
    assert calls.requests == []
    await client.get("http://127.0.0.1:9/x")  # loopback is allowed (tests, sandboxes)
    assert len(calls.requests) == 1


def test_redact_url_and_loopback() -> None:
    assert redact_url("https://user:pw@idp.example.com/cb?code=abc#frag") == "https://idp.example.com/cb"
    assert is_loopback_url("http://127.0.0.1")
    assert not is_loopback_url("https://idp.example.com")


# -- body caps -----------------------------------------------------------------------------------


async def test_gzip_bomb_is_cut_on_decompressed_size() -> None:
    compressed = gzip.compress(b'{"a": "' + b"A" * (2 * MiB) + b'"}')
    assert len(compressed) < 16 * 1024  # small on the wire
    client, _ = make_client(
        lambda r: httpx.Response(
            200, content=compressed, headers={"content-encoding": "gzip", "content-type": "application/json"}
        )
    )
    with pytest.raises(MalformedResponse) as caught:
        await client.get(f"{IDP}/jwks")
    assert caught.value.code == "provider.response_too_large"


async def test_compressed_body_under_the_cap_is_decoded() -> None:
    body = b'{"keys": []}'
    client, _ = make_client(
        lambda r: httpx.Response(
            200,
            content=gzip.compress(body),
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
    )
    resp = await client.get(f"{IDP}/jwks")
    assert resp.body == body
    assert resp.json() == {"keys": []}


class CountingStream(httpx.AsyncByteStream):
    """An endless body that counts how many chunks were pulled from it."""

    def __init__(self, chunk: bytes = b"x" * 65536, delay: float = 0.0) -> None:
        self.chunk = chunk
        self.delay = delay
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            if self.delay:
                await asyncio.sleep(self.delay)
            self.pulled += 1
            yield self.chunk


async def test_declared_content_length_over_the_cap_is_refused_unread() -> None:
    stream = CountingStream()
    client, _ = make_client(
        lambda r: httpx.Response(200, headers={"content-length": str(MiB + 1)}, stream=stream)
    )
    with pytest.raises(MalformedResponse) as caught:
        await client.get(f"{IDP}/big")
    assert caught.value.code == "provider.response_too_large"
    assert stream.pulled == 0


async def test_streamed_body_stops_at_the_cap() -> None:
    stream = CountingStream()
    client, _ = make_client(lambda r: httpx.Response(200, stream=stream), max_body=256 * 1024)
    with pytest.raises(MalformedResponse) as caught:
        await client.get(f"{IDP}/endless")
    assert caught.value.code == "provider.response_too_large"
    assert stream.pulled <= 256 * 1024 // 65536 + 1  # stopped reading, never buffered the rest


async def test_body_exactly_at_the_cap_is_fine() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, content=b"x" * 2048), max_body=2048)
    assert len((await client.get(f"{IDP}/x")).body) == 2048


# -- deadlines -----------------------------------------------------------------------------------


async def test_total_deadline_on_a_server_that_never_answers() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    client, _ = make_client(hang, timeouts=Timeouts(total=0.05))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.post(f"{IDP}/token", data={"grant_type": "password"})
    assert caught.value.code == "provider.timeout"
    assert caught.value.retryable


async def test_total_deadline_on_a_body_that_drips() -> None:
    # every read makes progress (a per-read timeout never fires), but the call must still end
    stream = CountingStream(chunk=b" ", delay=0.005)
    client, _ = make_client(lambda r: httpx.Response(200, stream=stream), timeouts=Timeouts(total=0.1))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get(f"{IDP}/slow")
    assert caught.value.code == "provider.timeout"
    assert stream.pulled > 1


# -- redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_post_redirects_are_never_followed(status: int) -> None:
    client, calls = make_client(lambda r: httpx.Response(status, headers={"location": f"{IDP}/elsewhere"}))
    with pytest.raises(ProviderError) as caught:
        await client.post(f"{IDP}/token", data={"password": "pw"})
    assert caught.value.code == "provider.redirect"
    assert caught.value.status == status
    assert len(calls.requests) == 1


@pytest.mark.parametrize("location", ["/v2/keys", f"{IDP}/v2/keys", "https://idp.example.com:443/v2/keys"])
async def test_get_follows_same_origin_redirects(location: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/keys":
            return httpx.Response(302, headers={"location": location})
        return json_response({"keys": []})

    client, calls = make_client(handler)
    resp = await client.get(f"{IDP}/keys", headers={"authorization": "Bearer abcdefgh"})
    assert resp.status == 200
    assert resp.url == f"{IDP}/v2/keys"
    assert [r.url.path for r in calls.requests] == ["/keys", "/v2/keys"]
    assert calls.requests[1].headers["authorization"] == "Bearer abcdefgh"


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example.com/keys",  # another host
        "http://idp.example.com/keys",  # https -> http
        "https://idp.example.com:8443/keys",  # another port
        "https://sub.idp.example.com/keys",
    ],
)
async def test_get_refuses_cross_origin_redirects(location: str) -> None:
    client, calls = make_client(lambda r: httpx.Response(302, headers={"location": location}))
    with pytest.raises(ProviderError) as caught:
        await client.get(f"{IDP}/keys")
    assert caught.value.code == "provider.redirect"
    assert "another origin" in str(caught.value)
    assert len(calls.requests) == 1


async def test_redirect_loops_end() -> None:
    client, calls = make_client(
        lambda r: httpx.Response(302, headers={"location": "/again"}), max_redirects=3
    )
    with pytest.raises(ProviderError, match="too many times"):
        await client.get(f"{IDP}/start")
    assert len(calls.requests) == 4


# -- JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"[1, 2]", "JSON object"),
        (b'"just a string"', "JSON object"),
        (b"42", "JSON object"),
        (b"null", "JSON object"),
        (b'{"exp": NaN}', "NaN"),
        (b'{"exp": Infinity}', "Infinity"),
        (b'{"exp": -Infinity}', "Infinity"),
        (b'{"exp": 1e999}', "out of range"),
        (b'{"sub": "a", "sub": "b"}', "duplicate key"),
        (b'{"n": 123456789012345678901}', "too large"),
        (b'{"n": -123456789012345678901}', "too large"),
        (b'{"name": "\xff\xfe"}', "invalid JSON"),
        (b"<html>Service Unavailable</html>", "invalid JSON"),
        (b"", "invalid JSON"),
        (b"[" * 100_000, "invalid JSON"),
    ],
)
def test_strict_json(body: bytes, why: str) -> None:
    with pytest.raises(MalformedResponse, match=why) as caught:
        parse_json_object(body, status=200, url=f"{IDP}/token?code=secret")
    exc = caught.value
    assert exc.code == "provider.malformed_response"
    if body:
        assert exc.excerpt is not None
        assert 0 < len(exc.excerpt) <= 200
    assert "code=secret" not in str(exc)  # the URL is redacted


def test_strict_json_accepts_ordinary_objects() -> None:
    assert parse_json_object(b'{"a": [1, 2.5, {"b": null}], "n": 12345678901234567890}') == {
        "a": [1, 2.5, {"b": None}],
        "n": 12345678901234567890,
    }


def test_malformed_excerpt_is_short_and_sanitized() -> None:
    body = ('{"access_token": "AT-SECRET-0123456789", "note": "' + "x" * 5000).encode()
    with pytest.raises(MalformedResponse) as caught:
        parse_json_object(body)
    assert caught.value.excerpt is not None
    assert "AT-SECRET-0123456789" not in caught.value.excerpt
    assert len(caught.value.excerpt) <= 200


async def test_wrong_content_type_is_malformed() -> None:
    client, _ = make_client(
        lambda r: httpx.Response(
            200,
            content=b"<html>login page, id_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.</html>",
            headers={"content-type": "text/html"},
        )
    )
    resp = await client.get(f"{IDP}/userinfo")
    with pytest.raises(MalformedResponse, match="expected JSON") as caught:
        resp.json()
    assert caught.value.excerpt is not None
    assert "eyJzdWIiOiIxIn0" not in caught.value.excerpt


def test_any_content_type_opt_in() -> None:
    resp = Response(
        status=200, headers=httpx.Headers({"content-type": "text/plain"}), body=b'{"a": 1}', url=IDP
    )
    with pytest.raises(MalformedResponse):
        resp.json()
    assert resp.json(any_content_type=True) == {"a": 1}


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/jwk-set+json"]
)
async def test_json_content_types(content_type: str) -> None:
    client, _ = make_client(
        lambda r: httpx.Response(200, content=b'{"a": 1}', headers={"content-type": content_type})
    )
    resp, data = await client.get_json(f"{IDP}/x")
    assert data == {"a": 1}
    assert resp.is_json


async def test_get_json_refuses_error_statuses() -> None:
    client, _ = make_client(lambda r: json_response({"error": "not_found"}, status=404))
    with pytest.raises(ProviderError) as caught:
        await client.get_json(f"{IDP}/x")
    assert caught.value.status == 404
    assert caught.value.excerpt is not None
    assert "not_found" in caught.value.excerpt


# -- statuses ------------------------------------------------------------------------------------


async def test_429_is_rate_limited_with_retry_after() -> None:
    client, _ = make_client(
        lambda r: json_response({"error": "slow_down"}, status=429, **{"retry-after": "7"})
    )
    with pytest.raises(RateLimited) as caught:
        await client.get(f"{IDP}/x")
    exc = caught.value
    assert exc.retry_after == 7.0
    assert exc.status == 429
    assert exc.retryable
    assert exc.code == "provider.rate_limited"


async def test_5xx_is_unavailable_with_retry_after_date() -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    client, _ = make_client(lambda r: httpx.Response(503, text="maintenance", headers={"retry-after": when}))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.post(f"{IDP}/token", data={})
    exc = caught.value
    assert exc.status == 503
    assert exc.retry_after is not None
    assert 0 < exc.retry_after <= 121
    assert exc.excerpt == "maintenance"


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_server_errors(status: int) -> None:
    client, _ = make_client(lambda r: httpx.Response(status))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get(f"{IDP}/x")
    assert caught.value.status == status
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [200, 201, 400, 401, 403, 404])
async def test_other_statuses_are_returned_for_the_caller(status: int) -> None:
    client, _ = make_client(lambda r: json_response({"error": "invalid_grant"}, status=status))
    assert (await client.post(f"{IDP}/token", data={})).status == status


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 10 ", 10.0),
        ("0", 0.0),
        ("99999999999", 86400.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_past_date_is_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (httpx.ConnectError("refused"), "provider.unavailable"),
        (httpx.ReadTimeout("slow"), "provider.timeout"),
        (httpx.RemoteProtocolError("reset"), "provider.unavailable"),
    ],
)
async def test_transport_failures(exc: Exception, code: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    client, _ = make_client(fail)
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get(f"{IDP}/x?token=abc")
    assert caught.value.code == code
    assert "token=abc" not in str(caught.value)


# -- requests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_id", "secret", "encoded"),
    [
        ("demo-client", "s3cret", "demo-client:s3cret"),
        # RFC 6749 Appendix B's example value, then characters httpx would not encode
        ("id", " %&+£€", "id:+%25%26%2B%C2%A3%E2%82%AC"),
        ("client:1", "p@ss w/rd=é", "client%3A1:p%40ss+w%2Frd%3D%C3%A9"),
    ],
)
async def test_basic_auth_form_urlencodes_id_and_secret(client_id: str, secret: str, encoded: str) -> None:
    client, calls = make_client(lambda r: json_response())
    await client.post(f"{IDP}/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    header = calls.requests[0].headers["authorization"]
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode() == encoded


async def test_default_headers_and_form_body() -> None:
    client, calls = make_client(lambda r: json_response())
    await client.post(
        f"{IDP}/token", data={"username": "jane", "password": "a b&c"}, headers={"x-extra": "1"}
    )
    request = calls.requests[0]
    assert request.headers["user-agent"].startswith("idpbridge/")
    assert request.headers["accept"] == "application/json"
    assert request.headers["x-extra"] == "1"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.content == b"username=jane&password=a+b%26c"


async def test_response_repr_hides_the_body() -> None:
    client, _ = make_client(lambda r: json_response({"access_token": "AT-SECRET-0123456789"}))
    resp = await client.post(f"{IDP}/token?x=1", data={})
    assert "AT-SECRET" not in repr(resp)
    assert repr(resp).startswith("Response(status=200, url='https://idp.example.com/token'")


def test_response_helpers() -> None:
    resp = Response(
        status=200,
        headers=httpx.Headers(
            {"content-type": "Application/JSON; charset=utf-8", "date": "Wed, 21 Oct 2015 07:28:00 GMT"}
        ),
        body=b"{}",
        url=f"{IDP}/x",
    )
    assert resp.content_type == "application/json"
    assert resp.date() == 1445412480.0
    assert Response(status=200, headers=httpx.Headers({"date": "garbage"}), body=b"", url=IDP).date() is None


async def test_owned_client_is_closed_injected_one_is_not() -> None:
    owned = HttpClient()
    inner = owned.client
    await owned.aclose()
    assert inner.is_closed
    injected = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: json_response()))
    shared = HttpClient(client=injected)
    await shared.aclose()
    assert not injected.is_closed
    await injected.aclose()


@respx.mock(assert_all_called=True)
async def test_respx_mocked_exchange(respx_mock: respx.MockRouter) -> None:
    # the same policy holds when the caller's own client is mocked with respx
    route = respx_mock.post(f"{IDP}/token").mock(return_value=httpx.Response(200, json={"access_token": "x"}))
    async with httpx.AsyncClient() as raw:
        client = HttpClient(HttpPolicy(retry=NO_RETRY), raw)
        resp = await client.post(f"{IDP}/token", data={"grant_type": "password"}, auth=("a b", "c"))
    assert resp.json() == {"access_token": "x"}
    assert route.calls.last.request.headers["authorization"] == "Basic " + base64.b64encode(b"a+b:c").decode()


@pytest.mark.parametrize(
    "value",
    ["Bearer t\u00f6ken", "Bearer a\r\nX-Injected: 1", "Bearer a\nb", "Bearer \x00", "Bearer \u2028"],
)
async def test_header_values_that_cannot_be_sent_are_typed_errors(value: str) -> None:
    """A non-ASCII or CR/LF-carrying value (an IdP's token reused in a header) is refused before
    sending, as a typed error that never shows the value."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = HttpClient(client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises(MalformedResponse) as info:
        await client.get("https://op.example/me", headers={"authorization": value})
    assert info.value.code == "provider.malformed_response"
    assert "t\u00f6ken" not in str(info.value)
    assert "Injected" not in str(info.value)
    assert sent == []


# -- how a request is sent ------------------------------------------------------------------------


class _Echo(QuietHandler):
    """Answers every GET with the header lines it received, as JSON."""

    def do_GET(self) -> None:
        self.answer(json.dumps([[name.lower(), value] for name, value in self.headers.items()]).encode())


@pytest.fixture
def echo_server() -> Iterator[str]:
    with serving(_Echo) as url:
        yield url


async def test_an_own_client_sends_through_its_transport_with_its_defaults(
    echo_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client idpbridge builds has no hooks, auth, cookies or redirects to run, so requests skip
    # AsyncClient.send (most of a warm request's cost) and go to its transport with its timeouts.
    def no_send(*args: object, **kwargs: object) -> None:
        raise AssertionError("AsyncClient.send was used")

    monkeypatch.setattr(httpx.AsyncClient, "send", no_send)
    seen: list[httpx.Request] = []
    real = httpx.AsyncHTTPTransport.handle_async_request

    async def spy(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return await real(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", spy)
    client = HttpClient(HttpPolicy(timeouts=Timeouts(connect=2, read=3, total=9)))
    try:
        resp = await client.get(f"{echo_server}/x", headers={"Accept": "application/samlmetadata+xml"})
    finally:
        await client.aclose()
    lines = json.loads(resp.body)
    names = [name for name, _ in lines]
    assert names.count("accept") == 1
    assert ["accept", "application/samlmetadata+xml"] in lines
    assert ["accept-encoding", "gzip, deflate"] in lines
    assert ["connection", "keep-alive"] in lines  # the client's own default still goes out
    assert any(name == "user-agent" and value.startswith("idpbridge/") for name, value in lines)
    assert seen[0].extensions["timeout"] == {"connect": 2, "read": 3, "write": 3, "pool": 2}


async def test_a_closed_own_client_refuses_to_send() -> None:
    client = HttpClient()
    inner = client.client
    await inner.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.get("https://idp.example.com/x")


async def test_a_caller_header_replaces_ours_whatever_its_case() -> None:
    # "Accept" from a caller used to go out next to our "accept": two Accept headers.
    client, calls = make_client(lambda r: json_response())
    await client.get(f"{IDP}/md", headers={"Accept": "application/samlmetadata+xml", "X-Trace": "1"})
    await client.post(f"{IDP}/token", data={}, headers={"Authorization": "Bearer x"}, auth=("id", "pw"))
    await client.get(f"{IDP}/me", headers={"AUTHORIZATION": "Bearer y", "Accept-Encoding": "br"})
    md, token, me = calls.requests
    assert md.headers.get_list("accept") == ["application/samlmetadata+xml"]
    assert md.headers["x-trace"] == "1"
    assert token.headers.get_list("authorization") == ["Basic " + base64.b64encode(b"id:pw").decode()]
    assert me.headers.get_list("authorization") == ["Bearer y"]
    assert me.headers.get_list("accept-encoding") == ["gzip, deflate"]  # only what we decode
