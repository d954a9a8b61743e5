"""Validation of the host names and base URLs provider configurations are built from.

Provider configs take a tenant domain (``acme.okta.com``), a custom domain, or a server URL
(``https://sso.example.com/auth``) and derive the issuer and endpoints from it. :func:`base_url`
turns any of these into one canonical base: ``https://host[:port][/path]`` without a trailing
slash, query, fragment or user info. Plain ``http`` is accepted only for loopback addresses
(tests and local sandboxes), as everywhere in idpbridge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigurationError

Inputs = Callable[[Mapping[str, Any]], Mapping[str, str] | None]

__all__ = ["base_url", "domain", "secure_url", "url_inputs"]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})+(?::[0-9]{{1,5}})?")


def secure_url(value: str, *, what: str) -> str:
    """:func:`~idpbridge.http.require_secure_url` for pydantic validators: raises ``ValueError``."""
    try:
        from ..http import require_secure_url  # httpx loads on use, not when sheets are read

        return require_secure_url(value, what=what)
    except ConfigurationError as exc:
        raise ValueError(exc.message) from None


def base_url(value: str, *, what: str, allow_path: bool = False) -> str:
    """The canonical base URL for a configured host name or URL; raises ``ValueError``.

    ``value`` is a host name (``acme.okta.com`` becomes ``https://acme.okta.com``) or an
    ``https`` URL (``http`` only for loopback). ``allow_path`` admits a path prefix such as
    Keycloak's legacy ``/auth``; otherwise only scheme, host and port are allowed.
    """
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValueError(f"{what} must be a host name or URL without surrounding spaces")
    if "://" not in value:
        host = value.rstrip("/")
        if not _HOST.fullmatch(host):
            raise ValueError(f"{what} must be a host name such as login.example.com, or an https URL")
        return f"https://{host}"
    secure_url(value, what=what)
    parts = urlsplit(value)
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(f"{what} must not carry a query or fragment")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{what} must not carry user info")
    path = parts.path.rstrip("/")
    if path and not allow_path:
        raise ValueError(f"{what} must be only scheme, host and port (no path)")
    return f"{parts.scheme}://{parts.netloc}{path}"


def domain(value: str) -> str:
    """A tenant or custom domain (or its ``https`` URL) kept as given, once :func:`base_url` accepts it."""
    base_url(value, what="domain")
    return value


def url_inputs(fields: Mapping[str, str], *, also: Inputs | None = None) -> Inputs:
    """Inputs of a :class:`~idpbridge.kit.DerivedEndpoints` that apply only when optional URL
    fields are set: each template value in ``fields`` is the :func:`base_url` (path allowed) of
    the config field named, joined to ``also``'s values. ``None`` while a field is unset or
    ``also`` gives ``None``; an invalid URL raises ``ValueError`` (its field's validator reports it).
    """

    def inputs(data: Mapping[str, Any]) -> Mapping[str, str] | None:
        if not all(isinstance(data.get(field), str) for field in fields.values()):
            return None
        values = {} if also is None else also(data)
        if values is None:
            return None
        return {**values, **{k: base_url(data[f], what=f, allow_path=True) for k, f in fields.items()}}

    return inputs
