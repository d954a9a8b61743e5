"""Reading Okta IDX documents (ion+json): remediations, their form fields, authenticator options and
``messages`` (https://github.com/okta/okta-idx-golang/blob/master/response.go,
https://github.com/okta/okta-idx-golang/blob/master/error.go). Pure functions over parsed JSON; anything
malformed reads as absent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...kit import dig
from .sheet import CREDENTIAL_FIELDS

__all__ = ["credential_field", "current_key", "fields", "items", "message", "options", "remediations"]

#: Keys and i18n keys idpbridge reads (anything else is ignored).
SAFE = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def _safe(value: Any) -> str | None:
    return value if isinstance(value, str) and SAFE.fullmatch(value) else None


def items(value: Any) -> list[Any]:
    """An ion collection (``{"type": "array", "value": [...]}``) or a plain list, as a list."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return value if isinstance(value, list) else []


def _named(value: Any) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for entry in items(value):
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            out.setdefault(entry["name"], entry)
    return out


def remediations(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The state's remediations by name (the first of each name)."""
    return _named(doc.get("remediation"))


def fields(remediation: Any) -> dict[str, Mapping[str, Any]]:
    """The form fields of a remediation (or of a nested ``form``) by name."""
    return _named(dig(remediation, "value"))


def credential_field(credentials: Any) -> str:
    """Where the secret goes inside ``credentials``: the first of ``passcode``/``totp`` the form names."""
    names = fields(dig(credentials, "form"))
    return next((name for name in CREDENTIAL_FIELDS if name in names), CREDENTIAL_FIELDS[0])


def current_key(doc: Mapping[str, Any]) -> str:
    """The key of the authenticator being challenged (``google_otp``, ``okta_password``, …)."""
    keys = (
        _safe(dig(doc, name, "value", "key"))
        for name in ("currentAuthenticatorEnrollment", "currentAuthenticator")
    )
    return next((key for key in keys if key is not None), "unknown")


def options(doc: Mapping[str, Any], remediation: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(key, authenticator id, method types)`` of each authenticator the remediation offers."""
    keys = {  # authenticator (and enrollment) id -> key; authenticators win
        entry["id"]: entry["key"]
        for collection in ("authenticatorEnrollments", "authenticators")
        for entry in items(doc.get(collection))
        if isinstance(dig(entry, "id"), str) and isinstance(dig(entry, "key"), str)
    }
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for option in items(dig(fields(remediation).get("authenticator"), "options")):
        form = fields(dig(option, "value", "form"))
        authenticator_id = dig(form, "id", "value")
        key = _safe(keys.get(authenticator_id)) if isinstance(authenticator_id, str) else None
        if key is None:
            continue
        fixed = dig(form, "methodType", "value")
        choices = [dig(o, "value") for o in items(dig(form, "methodType", "options"))]
        methods = (fixed,) if isinstance(fixed, str) else tuple(c for c in choices if isinstance(c, str))
        out.append((key, authenticator_id, methods))
    return out


def message(doc: Mapping[str, Any] | None, *, errors_only: bool) -> tuple[str | None, str | None] | None:
    """``(i18n key, text)`` of the first message (ERROR ones first), top level or in a form field."""
    found: list[Mapping[str, Any]] = []

    def collect(node: Any, depth: int) -> None:  # the document (depth -1), its remediations, their forms
        if depth <= 6 and isinstance(node, Mapping):
            found.extend(m for m in items(node.get("messages")) if isinstance(m, Mapping))
            nested = [*items(node.get("value")), node.get("form")]
            for child in remediations(node).values() if depth < 0 else nested:
                collect(child, depth + 1)

    collect(doc, -1)
    errors = [m for m in found if m.get("class") == "ERROR"]
    chosen = errors[0] if errors else (None if errors_only or not found else found[0])
    if chosen is None:
        return None
    text = chosen.get("message")
    return _safe(dig(chosen, "i18n", "key")), text if isinstance(text, str) else None
