"""Drive real OPs' login pages with httpx, the way a browser would (no JavaScript needed).

Each driver takes the authorization URL idpbridge produced, logs in (or cancels), follows the
OP's redirects with one cookie jar and stops at the redirect URI, returning the authorization
response parameters exactly as the relying party would receive them: from the ``Location`` query
(``response_mode=query``) or from the auto-submitting HTML form (``form_post``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import struct
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def form_fields(page: str) -> dict[str, str]:
    """``name -> value`` of every ``<input>`` on an HTML page."""
    out: dict[str, str] = {}
    for tag in _INPUT.findall(page):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}
        if "name" in attrs:
            out[attrs["name"]] = attrs.get("value", "")
    return out


def form_action(page: str) -> str:
    match = re.search(r'<form\b[^>]*action="([^"]*)"', page, re.I)
    assert match, page[:300]
    return html.unescape(match.group(1))


@dataclass
class Callback:
    """An authorization response as it reached the redirect URI."""

    mode: str  # "query" or "form_post"
    url: str  # where the browser was sent (GET) or posted to (form_post)
    params: dict[str, list[str]]


def totp(secret_b32: str, at: float | None = None) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return str((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6).zfill(6)


async def _follow(browser: httpx.AsyncClient, response: httpx.Response, redirect_prefix: str) -> Callback:
    """Follow GET redirects until the OP hands the browser to ``redirect_prefix``."""
    for _ in range(12):
        if response.status_code in (302, 303):
            location = str(response.url.join(response.headers["location"]))
            if location.startswith(redirect_prefix):
                return Callback("query", location, parse_qs(urlsplit(location).query, keep_blank_values=True))
            response = await browser.get(location)
            continue
        if response.status_code == 200 and "<form" in response.text:
            action = str(response.url.join(form_action(response.text)))
            if action.startswith(redirect_prefix):  # form_post: the page auto-submits to the RP
                fields = form_fields(response.text)
                return Callback("form_post", action, {k: [v] for k, v in fields.items()})
        raise AssertionError(f"unexpected OP answer {response.status_code}: {response.text[:300]}")
    raise AssertionError("too many redirects")


class LoginFailed(AssertionError):
    """The OP's login page refused the credentials (the page came back with an error)."""


async def oidc_provider_login(
    auth_url: str,
    username: str,
    password: str,
    *,
    redirect_prefix: str,
    otp_secret: str | None = None,
    otp: str | None = None,
    cancel: bool = False,
) -> Callback:
    """Log in at panva/oidc-provider's custom login page (tests/peers/oidc-provider/server.mjs).

    A TOTP step is answered with ``otp`` or, by default, the current code of ``otp_secret``; a
    refused code raises :class:`LoginFailed`.
    """
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        r = await browser.get(auth_url)
        assert r.status_code == 303, r.text[:300]
        interaction = str(r.url.join(r.headers["location"]))
        r = await browser.get(interaction)
        assert 'name="password"' in r.text
        if cancel:
            r = await browser.get(interaction + "/abort")
            return await _follow(browser, r, redirect_prefix)
        r = await browser.post(interaction, data={"step": "login", "login": username, "password": password})
        if r.status_code == 401:
            raise LoginFailed(re.search(r'class="error">([^<]*)', r.text).group(1))  # type: ignore[union-attr]
        if r.status_code == 200 and 'name="otp"' in r.text:
            assert otp or otp_secret, "the OP asks for a TOTP code"
            code = otp if otp is not None else totp(str(otp_secret))
            r = await browser.post(interaction, data={"step": "otp", "otp": code})
            if r.status_code == 400 and 'name="otp"' in r.text:
                raise LoginFailed("the OP refused the TOTP code")
        return await _follow(browser, r, redirect_prefix)


async def lemonldap_login(auth_url: str, username: str, password: str, *, redirect_prefix: str) -> Callback:
    """Log in at the LemonLDAP::NG portal form (hidden CSRF token etc. posted back)."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        r = await browser.get(auth_url)
        assert r.status_code == 200, r.text[:300]
        fields = {k: v for k, v in form_fields(r.text).items() if k in ("url", "token", "skin", "timezone")}
        r = await browser.post(str(r.url), data={**fields, "user": username, "password": password})
        if r.status_code == 200 and "<form" in r.text and 'name="password"' in r.text:
            raise LoginFailed("the portal showed the login form again")
        return await _follow(browser, r, redirect_prefix)
