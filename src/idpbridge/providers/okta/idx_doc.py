"""Reading Okta IDX documents (ion+json): remediations, their form fields, authenticator options and
``messages`` (https://github.com/okta/okta-idx-golang/blob/master/response.go,
https://github.com/okta/okta-idx-golang/blob/master/error.go). Pure functions over parsed JSON; anything
malformed reads as absent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .sheet import CREDENTIAL_FIELDS

__all__ = [
    "credential_field",
    "current_key",
    "fields",
    "items",
    "keys_by_id",
    "message",
    "options",
    "remediations",
]

#: Keys and i18n keys idpbridge reads (anything else is ignored).
SAFE = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def items(value: Any) -> list[Any]:
    """An ion collection (``{"type": "array", "value": [...]}``) or a plain list, as a list."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return value if isinstance(value, list) else []


def remediations(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The state's remediations by name (the first of each name)."""
    out: dict[str, Mapping[str, Any]] = {}
    for rem in items(doc.get("remediation")):
        if isinstance(rem, Mapping) and isinstance(rem.get("name"), str):
            out.setdefault(rem["name"], rem)
    return out


def fields(remediation: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """The form fields of a remediation (or of a nested ``form``) by name."""
    if remediation is None:
        return {}
    return {
        f["name"]: f
        for f in items(remediation.get("value"))
        if isinstance(f, Mapping) and isinstance(f.get("name"), str)
    }


def credential_field(credentials: Mapping[str, Any] | None) -> str:
    """Where the secret goes inside ``credentials``: the first of ``passcode``/``totp`` the form names."""
    names = set(fields(credentials.get("form")) if credentials is not None else ())
    return next((name for name in CREDENTIAL_FIELDS if name in names), CREDENTIAL_FIELDS[0])


def current_key(doc: Mapping[str, Any]) -> str:
    """The key of the authenticator being challenged (``google_otp``, ``okta_password``, …)."""
    for name in ("currentAuthenticatorEnrollment", "currentAuthenticator"):
        current = doc.get(name)
        value = current.get("value") if isinstance(current, Mapping) else None
        key = value.get("key") if isinstance(value, Mapping) else None
        if isinstance(key, str) and SAFE.fullmatch(key):
            return key
    return "unknown"


def keys_by_id(doc: Mapping[str, Any]) -> dict[str, str]:
    """Authenticator (and enrollment) id -> authenticator key."""
    out: dict[str, str] = {}
    for collection in ("authenticatorEnrollments", "authenticators"):  # authenticators win
        for entry in items(doc.get(collection)):
            if (
                isinstance(entry, Mapping)
                and isinstance(entry.get("id"), str)
                and isinstance(entry.get("key"), str)
            ):
                out[entry["id"]] = entry["key"]
    return out


def options(
    doc: Mapping[str, Any], remediation: Mapping[str, Any] | None
) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(key, authenticator id, method types)`` of each authenticator the remediation offers."""
    keys = keys_by_id(doc)
    out: list[tuple[str, str, tuple[str, ...]]] = []
    authenticator = fields(remediation).get("authenticator")
    for option in items(authenticator.get("options") if authenticator is not None else None):
        value = option.get("value") if isinstance(option, Mapping) else None
        form = fields(value.get("form") if isinstance(value, Mapping) else None)
        authenticator_id = form.get("id", {}).get("value")
        key = keys.get(authenticator_id) if isinstance(authenticator_id, str) else None
        if key is None or not SAFE.fullmatch(key) or not isinstance(authenticator_id, str):
            continue
        method = form.get("methodType", {})
        fixed = method.get("value")
        choices = [o.get("value") for o in items(method.get("options")) if isinstance(o, Mapping)]
        methods = (fixed,) if isinstance(fixed, str) else tuple(c for c in choices if isinstance(c, str))
        out.append((key, authenticator_id, methods))
    return out


def message(doc: Mapping[str, Any] | None, *, errors_only: bool) -> tuple[str | None, str | None] | None:
    """``(i18n key, text)`` of the first message (ERROR ones first), top level or in a form field."""
    found: list[Mapping[str, Any]] = []

    def collect(node: Any, depth: int) -> None:
        if depth > 6 or not isinstance(node, Mapping):
            return
        found.extend(m for m in items(node.get("messages")) if isinstance(m, Mapping))
        for child in items(node.get("value")):
            collect(child, depth + 1)
        collect(node.get("form"), depth + 1)

    if doc is None:
        return None
    found.extend(m for m in items(doc.get("messages")) if isinstance(m, Mapping))
    for rem in remediations(doc).values():
        collect(rem, 0)
    errors = [m for m in found if m.get("class") == "ERROR"]
    chosen = errors[0] if errors else (None if errors_only or not found else found[0])
    if chosen is None:
        return None
    i18n = chosen.get("i18n")
    key = i18n.get("key") if isinstance(i18n, Mapping) else None
    text = chosen.get("message")
    return (
        key if isinstance(key, str) and SAFE.fullmatch(key) else None,
        text if isinstance(text, str) else None,
    )
