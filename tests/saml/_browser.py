"""Drive a real IdP login page with httpx, like a browser without JavaScript."""

from __future__ import annotations

import html
import re

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
        start = m.group(0)
        fattrs = _attrs(start[: start.index(">") + 1])
        fields = {}
        for tag in _INPUT.findall(start):
            a = _attrs(tag)
            if "name" in a:
                fields[a["name"]] = a.get("value", "")
        found.append((fattrs, fields))
    return found


def login(url: str, user_field: str, username: str, password_field: str, password: str) -> dict[str, str]:
    """Follow ``url`` to the IdP, sign in, return the fields of the auto-POST form to the ACS."""
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = client.get(url)
        for _ in range(4):
            for _attrs_of_form, fields in forms(page.text):
                if "SAMLResponse" in fields:
                    return fields
            login_forms = [(a, f) for a, f in forms(page.text) if password_field in f]
            if not login_forms:
                raise AssertionError(f"no login form at {page.url}: {page.text[:400]}")
            fattrs, fields = login_forms[0]
            fields[user_field], fields[password_field] = username, password
            action = str(page.url.join(fattrs.get("action") or str(page.url)))
            page = client.post(action, data=fields)
        raise AssertionError(f"no SAMLResponse after signing in: {page.text[:400]}")
