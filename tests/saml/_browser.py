"""Drive a real IdP login page with httpx, like a browser without JavaScript."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import httpx

_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_ATTR = re.compile(r'(\w[\w-]*)\s*=\s*"([^"]*)"|(\w[\w-]*)\s*=\s*\'([^\']*)\'')


def _attrs(tag: str) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(tag):
        key = (m.group(1) or m.group(3)).lower()
        out[key] = html.unescape(m.group(2) if m.group(1) else m.group(4))
    return out


def forms(page: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """``(form attributes, {input name: value})`` for every form of ``page``."""
    found = []
    for m in _FORM.finditer(page):
        text = m.group(0)
        fields = {}
        for tag in _INPUT.findall(text):
            a = _attrs(tag)
            if "name" in a:
                fields[a["name"]] = a.get("value", "")
        found.append((_attrs(text[: text.index(">") + 1]), fields))
    return found


def login(url: str, creds: Mapping[str, str]) -> dict[str, str]:
    """Follow ``url`` to the IdP, fill the form holding every field of ``creds``, return the
    fields of the auto-POST form to the ACS (``SAMLResponse``, ``RelayState``)."""
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        return _sign_in(client, client.get(url), creds)


def post_then_login(url: str, fields: Mapping[str, str], creds: Mapping[str, str]) -> dict[str, str]:
    """Like :func:`login`, starting with an HTTP-POST binding form submission."""
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        return _sign_in(client, client.post(url, data=dict(fields)), creds)


def _sign_in(client: httpx.Client, page: httpx.Response, creds: Mapping[str, str]) -> dict[str, str]:
    for _ in range(4):
        for _form, fields in forms(page.text):
            if "SAMLResponse" in fields:
                return fields
        candidates = [(a, f) for a, f in forms(page.text) if set(creds) <= set(f)]
        if not candidates:
            raise AssertionError(f"no login form at {page.url}: {page.text[:400]}")
        form, fields = candidates[0]
        fields.update(creds)
        page = client.post(str(page.url.join(form.get("action") or str(page.url))), data=fields)
    raise AssertionError(f"no SAMLResponse after signing in: {page.text[:400]}")
