"""A scripted browser for login pages: follows an authorization URL, fills the forms over plain
HTTP (with a cookie jar), and returns what the IdP sends to the redirect URI.

``idpbridge demo`` drives the sandbox's Keycloak login page with it; it reads the forms the way a
person would (by the field names of Keycloak's login theme: ``username``, ``password``, ``otp``),
so nothing in the sandbox is special-cased for it. It uses the standard library only and is meant
for loopback pages: it refuses any URL that is not ``http(s)`` to a loopback host.
"""

from __future__ import annotations

import dataclasses
import http.cookiejar
import urllib.error
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

__all__ = ["LoginAgent", "LoginRefused"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_MAX_STEPS = 6


class LoginRefused(Exception):
    """The login page refused: ``message`` is what it showed (e.g. "Invalid username or password.")."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclasses.dataclass
class _Form:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    id: str = ""


class _Page(HTMLParser):
    """The forms of a page and the text of its error messages."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self.errors: list[str] = []
        self._error_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(_Form(a.get("action", ""), a.get("method", "get").lower(), {}, a.get("id", "")))
        elif tag == "input" and self.forms and a.get("name") and a.get("type") != "submit":
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        if a.get("id", "").startswith(("input-error", "kc-error-message")):
            self._error_depth = 1
            self.errors.append("")
        elif self._error_depth:
            self._error_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._error_depth:
            self._error_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._error_depth and self.errors:
            self.errors[-1] += data.strip()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _check(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in _LOOPBACK:
        raise ValueError("the login agent only visits loopback URLs")
    return url


class LoginAgent:
    """Sign in through a login page; one agent is one browser (its cookies persist)."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )
        self._timeout = timeout

    def _fetch(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """``(status, location, body)`` without following redirects."""
        body = urlencode(data).encode() if data is not None else None
        method = "POST" if body is not None else "GET"
        request = urllib.request.Request(_check(url), data=body, method=method)  # noqa: S310 - http(s) loopback only
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return response.status, "", response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            with err:
                text = err.read().decode("utf-8", "replace")
                return err.code, err.headers.get("Location") or "", text

    def sign_in(
        self,
        url: str,
        redirect_uri: str,
        *,
        username: str,
        password: str,
        otp: Callable[[], str] | None = None,
    ) -> dict[str, str]:
        """Follow ``url`` to the login page, sign in, and return the parameters sent to
        ``redirect_uri`` (from its query, fragment or ``form_post`` form).

        ``otp`` is called for a code when the page asks for one. Raises :class:`LoginRefused`
        with the page's message when it refuses.
        """
        status, location, text = self._fetch(url)
        submitted: set[str] = set()
        for _ in range(_MAX_STEPS):
            if status in (301, 302, 303, 307):
                target = urljoin(url, location)
                if target.startswith(redirect_uri):
                    parts = urlsplit(target)
                    return dict(parse_qsl(parts.fragment or parts.query, keep_blank_values=True))
                url = target
                status, location, text = self._fetch(url)
                continue
            page = _Page()
            page.feed(text)
            shown = " ".join(e for e in page.errors if e)
            form = page.forms[0] if page.forms else None
            if form is not None and form.action.startswith(redirect_uri):
                return form.fields  # response_mode=form_post
            kind = (
                "otp"
                if form and "otp" in form.fields
                else "password"
                if form and "password" in form.fields
                else ""
            )
            if form is None or form.method != "post" or not kind:
                raise LoginRefused(shown or f"unexpected page (HTTP {status})")
            if kind in submitted:  # the same form again: what we typed was refused
                raise LoginRefused(shown or "the login page refused")
            submitted.add(kind)
            if kind == "otp":
                if otp is None:
                    raise LoginRefused("the page asks for a one-time code")
                fields = {**form.fields, "otp": otp()}
            else:
                fields = {**form.fields, "username": username, "password": password}
            url = urljoin(url, form.action)
            status, location, text = self._fetch(url, fields)
        raise LoginRefused("too many steps")
