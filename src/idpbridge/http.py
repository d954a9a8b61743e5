"""The one place idpbridge talks HTTP: timeouts, size caps, redirects, retries, JSON, redaction.

Every request a connector makes goes through :class:`HttpClient`, which enforces the transport
rules that are defaults, not options:

* TLS always; plain ``http`` only for loopback addresses (tests and local sandboxes).
* Connect and read timeouts, plus a total deadline per call that includes retries, never past
  the deadline of the ``authenticate()`` call the request is part of (``_deadline``).
* A streamed body cap (1 MiB by default) counted on decompressed bytes, inflated by us in bounded
  steps from the raw bytes (gzip and deflate only; stacked or other codings are refused).
* No redirects on POST; GET redirects only to the same origin over https.
* JSON bodies must be objects; NaN/Infinity, huge numbers and duplicate keys are refused.
* No cookie jar: a request carries only the ``Cookie`` header its caller passes, never cookies an
  earlier response set (one user's IdP session cookie must not reach another user's request).
* 429 and 5xx become :class:`~idpbridge.RateLimited`/:class:`~idpbridge.ProviderUnavailable`
  after the :class:`RetryPolicy` gives up; other statuses are returned for the caller to classify.

All imports of ``httpx`` live here (plus the type of the injectable client), so moving to another
client library is a one-module change. The parts that need no HTTP library live in small private
modules and are re-exported here: strict JSON (``_json``), :class:`RetryPolicy` and ``Retry-After``
parsing (``_retry``), :class:`Timeouts` and :class:`HttpPolicy` (``_policy``).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email.utils
import functools
import http.cookiejar
import ipaddress
import logging
import re
import ssl
import time
import unicodedata
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn
from urllib.parse import quote_plus

import httpx

from . import _deadline, _json, _logging, _otel, _retry
from ._inflate import ACCEPT_ENCODING, BadEncoding, BodyTooLarge, CappedBody, content_coding
from ._policy import HttpPolicy, Timeouts
from ._retry import NO_RETRY, RetryPolicy, parse_retry_after
from .errors import (
    ConfigurationError,
    MalformedResponse,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    sanitize,
)

__all__ = [
    "NO_RETRY",
    "AsyncClient",
    "HttpClient",
    "HttpPolicy",
    "RequestSigner",
    "Response",
    "RetryPolicy",
    "Timeouts",
    "is_loopback_url",
    "new_client",
    "parse_json_object",
    "parse_retry_after",
    "redact_url",
    "require_secure_url",
]

#: The type callers inject: an ``httpx.AsyncClient`` (or compatible).
AsyncClient = httpx.AsyncClient

# The policy objects live in small httpx-free modules; they are documented (and pickled) as ours.
for _public in (HttpPolicy, RetryPolicy, Timeouts, parse_retry_after):
    _public.__module__ = __name__
del _public

log = logging.getLogger("idpbridge.http")

_JSON_TYPES = ("application/json",)


# ---------------------------------------------------------------------------------------------
# URL rules


def is_loopback_url(url: str | httpx.URL) -> bool:
    """Whether ``url`` points at this machine (``localhost``, 127.0.0.0/8 or ``::1``)."""
    host = httpx.URL(str(url)).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, *, what: str = "URL") -> str:
    """Return ``url`` if idpbridge may call it (or trust it as a base); else raise.

    The URL must be ``https``, or ``http`` to a loopback address, with a host, and without user
    info (``user:password@``, which the HTTP client would turn into an ``Authorization`` header),
    backslashes, spaces or control characters. Raises :class:`~idpbridge.ConfigurationError`
    (whose message never shows the URL).
    """
    problem = _url_problem(url) if isinstance(url, str) else "is not a valid URL"
    if problem is not None:
        raise ConfigurationError(f"{what} {problem}")
    return url


#: Characters no URL we call may contain: controls, space, DEL and the backslash that some
#: parsers read as "/" (so a URL means one host to us and another to the next parser).
_URL_ODD = re.compile(r"[\x00-\x20\x7f\\]")
_AUTHORITY_END = re.compile(r"[/?#]")


def _authority(url: str) -> str:
    """The raw ``host[:port]`` part (with any user info) of an absolute or scheme-relative URL."""
    rest = url.partition("//")[2] if url.startswith("//") or "://" in url else ""
    return _AUTHORITY_END.split(rest, maxsplit=1)[0]


@functools.lru_cache(maxsize=512)
def _url_problem(url: str) -> str | None:
    """Why ``url`` is refused, or ``None``; memoized for the few endpoint URLs a process calls."""
    if _URL_ODD.search(url) or any(not c.isascii() and unicodedata.category(c)[0] in "CZ" for c in url):
        return "must not contain spaces, control characters or backslashes"
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return "is not a valid URL"
    if parsed.userinfo or "@" in _authority(url):
        return "must not carry user info (user:password@)"
    if not parsed.host:
        return "is not a valid URL (no host)"
    if parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback_url(parsed)):
        return None
    return "must use https (plain http is allowed only for loopback)"


#: What logs and errors show instead of the URL while a request made with
#: ``HttpClient.request(shown_as=...)`` is in flight (its URL carries a session handle).
_SHOWN_AS = _logging.SHOWN_AS


def redact_url(url: str | httpx.URL) -> str:
    """``url`` without user info, query string and fragment, for logs and messages."""
    shown = _SHOWN_AS.get()
    if shown is not None:
        return shown
    u = httpx.URL(str(url))
    return str(u.copy_with(query=None, fragment=None, userinfo=b""))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


# ---------------------------------------------------------------------------------------------
# Responses and JSON


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    """A fully read, size-capped response."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str
    elapsed: float = 0.0

    def __repr__(self) -> str:
        # The body may hold tokens; never show it.
        return (
            f"Response(status={self.status}, url={redact_url(self.url)!r}, "
            f"content_type={self.content_type!r}, body=<{len(self.body)} bytes>)"
        )

    @property
    def content_type(self) -> str:
        """The media type, lower-cased, without parameters."""
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        """Whether the content type is JSON (``application/json`` or ``*+json``)."""
        ct = self.content_type
        return ct in _JSON_TYPES or ct.endswith("+json")

    def json(self, *, any_content_type: bool = False) -> dict[str, Any]:
        """The body as a JSON object; raises :class:`~idpbridge.MalformedResponse` otherwise."""
        if not any_content_type and not self.is_json:
            raise MalformedResponse(
                f"expected JSON from {redact_url(self.url)}, got {self.content_type or 'no content type'}",
                status=self.status,
                excerpt=self.excerpt(),
            )
        return parse_json_object(self.body, status=self.status, url=self.url)

    def excerpt(self, limit: int = 120) -> str:
        """A short, sanitized excerpt of the body for error messages."""
        return sanitize(self.body[: _json.EXCERPT_WINDOW].decode("utf-8", "replace"), limit=limit)

    def retry_after(self) -> float | None:
        """The ``Retry-After`` header in seconds (delta or HTTP date), if present and sane."""
        return parse_retry_after(self.headers.get("retry-after"))

    def date(self) -> float | None:
        """The ``Date`` header as a POSIX timestamp, if present."""
        value = self.headers.get("date")
        if not value:
            return None
        try:
            return email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            return None


def parse_json_object(
    body: bytes | str, *, status: int | None = None, url: str | None = None
) -> dict[str, Any]:
    """Strictly parse a JSON object.

    Raises :class:`~idpbridge.MalformedResponse` for invalid UTF-8 or JSON, a top level that is
    not an object, duplicate keys, ``NaN``/``Infinity``, or integers over 20 digits.
    """
    return _json.parse_object(body, status=status, url=url, redact=redact_url)


#: RFC 9110 §5.5 field values: visible ASCII, space and tab (no CR/LF, no obs-text).
_FIELD_VALUE = re.compile(r"[\x20-\x7e\t]*")


def _check_header_values(headers: Mapping[str, str]) -> None:
    """Refuse a header value that cannot be sent as is (non-ASCII, CR/LF, other controls).

    Such values come from an earlier IdP answer (an access token, a session cookie), so this is a
    :class:`~idpbridge.MalformedResponse`, raised before anything is sent; the value is never shown.
    """
    for name, value in headers.items():
        if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value):
            raise MalformedResponse(
                f"a value for the {sanitize(name, limit=40)!r} request header is not plain ASCII text "
                "(a token or cookie the IdP sent earlier?); not sent",
                code="provider.malformed_response",
            )


def _merge_headers(
    user_agent: str, extra: Mapping[str, str] | None, authorization: str | None
) -> dict[str, str]:
    """The headers of a request: ours, then the caller's (names compared without case, so one
    ``Accept`` replaces ours instead of joining it), then the ones only we may set."""
    hdrs = {"user-agent": user_agent, "accept": "application/json"}
    if extra:
        for name, value in extra.items():
            low = name.lower()
            if low == "accept-encoding" or (low == "authorization" and authorization is not None):
                continue
            if low in hdrs and low != name:
                del hdrs[low]
            hdrs[name] = value
    hdrs["accept-encoding"] = ACCEPT_ENCODING  # exactly what _read_capped decodes
    if authorization is not None:
        hdrs["authorization"] = authorization
    return hdrs


@functools.lru_cache(maxsize=512)
def _endpoint(url: str) -> httpx.URL:
    """``url`` parsed, once it passed :func:`require_secure_url` (memoized like ``_url_problem``)."""
    return httpx.URL(require_secure_url(url, what="endpoint URL"))


class _StatusFailure(_retry.RetryableStatus):
    """Internal: a response whose status the retry policy may act on."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status, response.retry_after())
        self.response = response


def _transport_failure(failure: BaseException) -> _retry.TransportKind | None:
    """For :meth:`RetryPolicy.should_retry`: whether ``failure`` is an HTTP transport failure, and
    whether the request certainly never reached the server."""
    if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return "unsent"
    return "transport" if isinstance(failure, httpx.TransportError) else None


_retry.register_transport(_transport_failure)


# ---------------------------------------------------------------------------------------------
# The client


#: Extra headers for a request about to be sent, from ``(method, url, body bytes)`` (HMAC signing).
RequestSigner = Callable[[str, str, bytes], Mapping[str, str]]


def new_client(
    policy: HttpPolicy, *, verify: ssl.SSLContext | bool = True, signer: RequestSigner | None = None
) -> httpx.AsyncClient:
    """A pooled ``httpx.AsyncClient`` under ``policy`` (no redirects, no environment, no cookie jar).

    ``verify`` may be an SSL context carrying a client certificate (mTLS); ``signer`` adds headers
    computed over the exact bytes sent (the final URL and body), just before each send.

    :class:`HttpClient` sends through such a client's transport directly: the client's own
    redirect, auth, cookie and event-hook layers have nothing to do under these settings, and
    skipping them is most of the cost of a request on a warm connection.
    """
    t = policy.timeouts
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    transport = httpx.AsyncHTTPTransport(verify=verify, trust_env=False, limits=limits)

    async def sign(request: httpx.Request) -> None:
        if signer is not None:
            _sign(signer, request)

    client = httpx.AsyncClient(
        timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect),
        follow_redirects=False,
        transport=transport,
        trust_env=False,
        cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
        event_hooks={"request": [sign]} if signer is not None else None,
    )
    ours = {name.lower() for name in _merge_headers("", None, None)}
    defaults = {name: value for name, value in client.headers.items() if name not in ours}
    _DIRECT[client] = _Direct(transport, signer, defaults, {"timeout": client.timeout.as_dict()})
    return client


def _sign(signer: RequestSigner, request: httpx.Request) -> None:
    request.headers.update(signer(request.method, str(request.url), request.content))


@dataclasses.dataclass(frozen=True, slots=True)
class _Direct:
    """How to send for a client :func:`new_client` built: its transport, and its signer."""

    transport: httpx.AsyncHTTPTransport
    signer: RequestSigner | None
    headers: dict[str, str]  # the client's default headers that requests do not set themselves
    extensions: dict[str, Any]  # the client's timeouts, as httpx passes them to the transport


_DIRECT: weakref.WeakKeyDictionary[httpx.AsyncClient, _Direct] = weakref.WeakKeyDictionary()


class HttpClient:
    """A pooled, policy-enforcing HTTP client for one connector.

    Pass ``client`` to share your own ``httpx.AsyncClient`` (its transport makes tests trivial);
    idpbridge then never closes it. ``sleep`` is injectable for tests of the retry policy.
    """

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        _logging.install_log_redaction()  # httpx/httpcore log URLs and headers: redact at the source
        self.policy = policy or HttpPolicy()
        self._owns_client = client is None
        self._client = client
        self._sleep = sleep
        self._auth_headers: dict[tuple[str, str], str] = {}

    @property
    def client(self) -> httpx.AsyncClient:
        """The underlying ``httpx.AsyncClient`` (created on first use)."""
        if self._client is None:
            self._client = new_client(self.policy)
        return self._client

    async def aclose(self) -> None:
        """Close the pooled client, unless it was injected."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(
        self, url: str, *, headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None
    ) -> Response:
        """An idempotent GET (retried per policy; same-origin https redirects followed)."""
        return await self.request("GET", url, headers=headers, params=params, idempotent=True)

    async def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        idempotent: bool = False,
        return_errors: bool = False,
    ) -> Response:
        """A POST. Unless ``idempotent``, it is treated as a credential submission."""
        return await self.request(
            "POST",
            url,
            data=data,
            json_body=json_body,
            headers=headers,
            auth=auth,
            idempotent=idempotent,
            return_errors=return_errors,
        )

    async def get_json(
        self, url: str, *, headers: Mapping[str, str] | None = None
    ) -> tuple[Response, dict[str, Any]]:
        """GET a JSON object; non-2xx is a :class:`~idpbridge.ProviderError`."""
        resp = await self.get(url, headers=headers)
        if not 200 <= resp.status < 300:
            raise ProviderError(
                f"{redact_url(url)} answered HTTP {resp.status}", status=resp.status, excerpt=resp.excerpt()
            )
        return resp, resp.json()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        idempotent: bool,
        return_errors: bool = False,
        shown_as: str | None = None,
    ) -> Response:
        """Send a request under the policy. See the module docstring for the rules.

        ``return_errors`` returns the last 429/5xx response (once the retry policy gives up)
        instead of raising, for callers that classify error bodies themselves (token endpoints).
        ``shown_as`` replaces the URL in logs and error messages, for URLs that carry a session
        handle (a PingOne flow id).
        """
        if shown_as is not None:
            context = _SHOWN_AS.set(shown_as)
            try:
                return await self.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json_body=json_body,
                    headers=headers,
                    auth=auth,
                    idempotent=idempotent,
                    return_errors=return_errors,
                )
            finally:
                _SHOWN_AS.reset(context)
        target = _endpoint(url)
        policy = self.policy
        credentials = self._basic_auth(auth) if auth is not None else None
        hdrs = _merge_headers(policy.user_agent, headers, credentials)
        _check_header_values(hdrs)
        client = self.client
        direct = _DIRECT.get(client)
        if direct is not None:  # our own client: its defaults are known, its jar is always empty
            request = httpx.Request(
                method,
                target,
                params=params,
                data=data,
                json=json_body,
                headers={**direct.headers, **hdrs},
                extensions=direct.extensions,
            )
        else:
            request = client.build_request(
                method, target, params=params, data=data, json=json_body, headers=hdrs
            )
            # An injected client's jar is never used (ours refuses every cookie, so it stays empty).
            if client.cookies and "cookie" not in {k.lower() for k in hdrs}:
                request.headers.pop("cookie", None)

        async def once() -> Response:
            response = await self._send_once(request, idempotent=idempotent)
            if response.status == 429 or response.status >= 500:
                raise _StatusFailure(response)
            return response

        started = time.monotonic()
        budget, left = policy.timeouts.total, _deadline.remaining()
        if left is not None and left < budget:  # inside authenticate(): never outlive its deadline
            budget = max(left, 0.0)
        try:
            async with asyncio.timeout(budget):
                call = policy.retry.run(once, idempotent=idempotent, sleep=self._sleep)
                if _otel.STATE is None:  # the one check while OpenTelemetry is off
                    return await call
                return await _otel.http_call(call, method, redact_url(url))
        except _StatusFailure as failure:
            if return_errors:
                return failure.response
            self._raise_status(failure.response)
        except TimeoutError:
            limit = "timeouts.total" if budget == policy.timeouts.total else "timeouts.authenticate"
            raise ProviderUnavailable(
                f"{redact_url(url)} did not answer within {budget:.3g} s ({limit})",
                code="provider.timeout",
            ) from None
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(
                f"timed out talking to {redact_url(url)}", code="provider.timeout"
            ) from exc
        except (httpx.TransportError, ssl.SSLError) as exc:
            # a TLS 1.3 server refusing the client certificate alerts after the handshake: the
            # alert surfaces as a bare ssl.SSLError on the first read, not as an httpx error
            raise ProviderUnavailable(f"cannot reach {redact_url(url)}: {type(exc).__name__}") from exc
        finally:
            if log.isEnabledFor(logging.DEBUG):  # redact_url parses the URL: only when logged
                log.debug("%s %s (%.1f ms)", method, redact_url(url), (time.monotonic() - started) * 1e3)
        raise AssertionError("unreachable")  # pragma: no cover

    def _basic_auth(self, auth: tuple[str, str]) -> str:
        """The ``Authorization`` value for client credentials (built once per pair)."""
        value = self._auth_headers.get(auth)
        if value is None:
            # RFC 6749 §2.3.1: form-urlencode id and secret before base64 (httpx does not).
            user, password = (quote_plus(part, safe="") for part in auth)
            value = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if len(self._auth_headers) >= 8:
                self._auth_headers.clear()
            self._auth_headers[auth] = value
        return value

    def _raise_status(self, response: Response) -> NoReturn:
        retry_after = response.retry_after()
        where = redact_url(response.url)
        if response.status == 429:
            raise RateLimited(
                f"{where} is rate limiting (HTTP 429)",
                status=429,
                retry_after=retry_after,
                excerpt=response.excerpt(),
            )
        raise ProviderUnavailable(
            f"{where} answered HTTP {response.status}",
            status=response.status,
            retry_after=retry_after,
            excerpt=response.excerpt(),
        )

    async def _send_once(self, request: httpx.Request, *, idempotent: bool) -> Response:
        url = request.url
        for _ in range(self.policy.max_redirects + 1):
            if request.url.userinfo:  # never an Authorization header made from a URL
                raise ConfigurationError("endpoint URL must not carry user info (user:password@)")
            t0 = time.monotonic()
            resp = await self._send(request)
            try:
                if resp.is_redirect:
                    location = resp.headers.get("location")
                    target = url.join(location) if location else None
                    if request.method != "GET" or target is None or location is None:
                        raise ProviderError(
                            f"{redact_url(url)} answered a {request.method} with a redirect",
                            code="provider.redirect",
                            status=resp.status_code,
                        )
                    if _origin(target) != _origin(url) or (
                        target.scheme != "https" and not is_loopback_url(target)
                    ):
                        raise ProviderError(
                            f"{redact_url(url)} redirected to another origin; not followed",
                            code="provider.redirect",
                            status=resp.status_code,
                        )
                    problem = _url_problem(str(target))
                    if _URL_ODD.search(location):
                        problem = "must not contain spaces, control characters or backslashes"
                    elif "@" in _authority(location):
                        problem = "must not carry user info (user:password@)"
                    if problem is not None:
                        raise ProviderError(
                            f"{redact_url(url)} redirected to a URL that {problem}; not followed",
                            code="provider.redirect",
                            status=resp.status_code,
                        )
                    had_cookie = "cookie" in request.headers
                    request = self.client.build_request("GET", target, headers=request.headers)
                    if not had_cookie:
                        request.headers.pop("cookie", None)
                    url = target
                    continue
                body = await self._read_capped(resp)
                return Response(
                    status=resp.status_code,
                    headers=resp.headers,
                    body=body,
                    url=str(url),
                    elapsed=time.monotonic() - t0,
                )
            finally:
                await resp.aclose()
        raise ProviderError(f"{redact_url(url)} redirected too many times", code="provider.redirect")

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send one request; the response's body is not read yet."""
        client = self.client
        direct = _DIRECT.get(client)
        if direct is None:  # an injected client: its own layers (hooks, mounts, auth) apply
            return await client.send(request, stream=True, follow_redirects=False)
        if client.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        if direct.signer is not None:
            _sign(direct.signer, request)
        response = await direct.transport.handle_async_request(request)
        response.request = request
        return response

    async def _read_capped(self, resp: httpx.Response) -> bytes:
        """The body, decoded by us in bounded steps from the raw bytes (httpx never inflates it)."""
        cap = self.policy.max_body
        declared = resp.headers.get("content-length")
        try:
            if declared and declared.isdigit() and int(declared) > cap:
                raise BodyTooLarge
            coding = content_coding(resp.headers.get_list("content-encoding", split_commas=True))
            if resp.is_stream_consumed:
                # An injected transport built this response in memory (MockTransport, respx): httpx
                # decoded it there, in the caller's own process, before we ever saw it.
                in_memory = CappedBody("identity", cap)
                for _ in in_memory.feed(resp.content):
                    pass
                return in_memory.value()
            body = CappedBody(coding, cap)
            async for chunk in resp.aiter_raw():
                for _ in body.feed(chunk):
                    await asyncio.sleep(0)  # let the event loop run between inflation steps
                if body.done:
                    break  # the compressed stream ended; anything after it is not read
            for _ in body.finish():
                await asyncio.sleep(0)
            return body.value()
        except BodyTooLarge:
            raise MalformedResponse(
                f"{redact_url(resp.url)} sent more than {cap} bytes",
                code="provider.response_too_large",
                status=resp.status_code,
            ) from None
        except BadEncoding as exc:
            raise MalformedResponse(
                f"{redact_url(resp.url)} sent a body with {exc.reason}",
                code="provider.bad_encoding",
                status=resp.status_code,
            ) from None
