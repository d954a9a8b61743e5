"""From raw claims to an :class:`~idpbridge.Identity`: merging sources and mapping claims.

Claims arrive in layers — the ID token, then UserInfo, then whatever a provider's API adds. A
later layer refreshes profile claims (UserInfo is the fresher source) but never the claims that
describe the token or the authentication event (``iss``, ``sub``, ``aud``, ``nonce``,
``auth_time``, ``amr``, …). :class:`ClaimMap` says which claim feeds which Identity field; a
provider overrides a few entries, a deployment overrides more through configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..claimmap import ClaimMap
from ..errors import TokenValidationError
from ..identity import ClaimSource, Identity, opt_str, str_list, strict_bool, timestamp

__all__ = ["PROTECTED_CLAIMS", "ClaimMap", "build_identity", "check_username", "merge_claims", "subject_of"]

#: Claims only the first layer (the validated token) may set.
PROTECTED_CLAIMS = frozenset(
    {
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "nbf",
        "jti",
        "nonce",
        "azp",
        "at_hash",
        "c_hash",
        "s_hash",
        "sid",
        "auth_time",
        "acr",
        "amr",
        "typ",
        "token_use",
    }
)


def lookup(claims: Mapping[str, Any], name: str | None) -> Any:
    """A claim by name or dotted path, or ``None``."""
    if name is None:
        return None
    if name in claims:
        return claims[name]
    node: Any = claims
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def merge_claims(
    *layers: tuple[ClaimSource, Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, ClaimSource]]:
    """Merge claim layers in order; return ``(claims, sources)``.

    The first layer sets everything it has; each later one adds new claims and refreshes
    existing ones except :data:`PROTECTED_CLAIMS`.
    """
    if len(layers) == 1:  # one layer (a validated token alone): no precedence to decide
        source, layer = layers[0]
        claims = {key: value for key, value in layer.items() if value is not None}
        return claims, dict.fromkeys(claims, source)
    claims = {}
    sources: dict[str, ClaimSource] = {}
    for index, (source, layer) in enumerate(layers):
        for key, value in layer.items():
            if index and key in PROTECTED_CLAIMS and key in claims:
                continue
            if value is None:
                continue
            claims[key] = value
            sources[key] = source
    return claims, sources


def check_username(
    claims: Mapping[str, Any], username: str | None, claim: str, *, source: str = "token"
) -> None:
    """An :class:`~idpbridge.ExternalToken`'s ``username`` (when given) must equal the ``claim`` of
    the claims read from its ``source`` (the token, or a profile read with it), exactly."""
    value = claims.get(claim)
    if username is not None and (not isinstance(value, str) or value != username):
        raise TokenValidationError(
            f"the {source}'s {claim} does not match the username", code="token.username"
        )


def subject_of(claims: Mapping[str, Any], mapping: ClaimMap) -> str:
    """The subject: the first present of the map's subject claims (``token.claim`` when none is)."""
    for name in mapping.subject_claims:
        value = lookup(claims, name)
        if value is not None and value != "":
            return str(value)
    raise TokenValidationError(f"the claims have no {mapping.subject_claims[0]} claim", code="token.claim")


def _auth_time(value: object) -> dt.datetime | None:
    """``auth_time`` as a datetime; ``0`` or less is no authentication time (glewlwyd 2.7 sends
    ``auth_time: 0`` in code-flow ID tokens) and gives ``None``, as an absent claim does."""
    if type(value) is int:  # what IdPs send: no float round trip to tell a positive time
        return timestamp(value) if value > 0 else None
    when = timestamp(value)
    return when if when is not None and when.timestamp() > 0 else None


#: Identity fields read as optional text, as booleans and as lists, in ClaimMap field names.
_TEXT_FIELDS = ("email", "phone_number", "username", "name", "given_name", "family_name", "tenant")
_FLAG_FIELDS = ("email_verified", "phone_number_verified")
_LIST_FIELDS = ("groups", "roles", "amr")


class _Plan:
    """A claim map compiled once: per Identity field, the claim name and whether it is a dotted
    path (plain names are one dict lookup; dotted ones go through :func:`lookup`)."""

    __slots__ = ("auth_time", "flags", "lists", "mapping", "string_booleans", "texts")

    def __init__(self, mapping: ClaimMap) -> None:
        def entry(field: str) -> tuple[str, str, bool] | None:
            name: str | None = getattr(mapping, field)
            return None if name is None else (field, name, "." in name)

        self.mapping = mapping  # kept alive, so the id() key below stays this map's
        self.texts = tuple(e for e in map(entry, _TEXT_FIELDS) if e is not None)
        self.flags = tuple(e for e in map(entry, _FLAG_FIELDS) if e is not None)
        self.lists = tuple(e for e in map(entry, _LIST_FIELDS) if e is not None)
        self.auth_time = entry("auth_time")
        self.string_booleans = mapping.string_booleans


#: id(ClaimMap) -> its plan. A connector's map is built once, so this stays small; a bound keeps
#: code that builds a fresh map per call from growing it.
_PLANS: dict[int, _Plan] = {}
_MAX_PLANS = 256


def _plan(mapping: ClaimMap) -> _Plan:
    plan = _PLANS.get(id(mapping))
    if plan is None or plan.mapping is not mapping:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        plan = _PLANS[id(mapping)] = _Plan(mapping)
    return plan


def build_identity(
    claims: Mapping[str, Any],
    sources: Mapping[str, ClaimSource],
    *,
    mapping: ClaimMap,
    provider: str,
    connector: str,
    issuer: str,
    subject: str,
    owned: bool = False,
) -> Identity:
    """The normalized identity for merged ``claims`` (missing values ``None``, never ``""``).

    ``owned``: ``claims`` and ``sources`` are dicts nobody else holds or changes (what
    :func:`merge_claims` returns); the Identity then wraps them read-only instead of copying.

    Every value goes through the same coercions as before (:func:`opt_str`, :func:`strict_bool`,
    :func:`str_list`, :func:`timestamp`); the claim map is compiled once per map, and the
    Identity is built from the coerced values without checking them a second time.
    """
    plan = _plan(mapping)
    get = claims.get
    fields: dict[str, Any] = {
        "provider": provider,
        "connector": connector,
        "issuer": issuer,
        "subject": subject,
        "email": None,
        "email_verified": None,
        "phone_number": None,
        "phone_number_verified": None,
        "username": None,
        "name": None,
        "given_name": None,
        "family_name": None,
        "groups": (),
        "roles": (),
        "tenant": None,
        "amr": (),
        "auth_time": None,
    }
    for field, name, dotted in plan.texts:
        value = lookup(claims, name) if dotted else get(name)
        if value is not None:
            fields[field] = opt_str(value)
    for field, name, dotted in plan.flags:
        value = lookup(claims, name) if dotted else get(name)
        if value is not None:
            fields[field] = strict_bool(value, accept_strings=plan.string_booleans)
    for field, name, dotted in plan.lists:
        value = lookup(claims, name) if dotted else get(name)
        if value is not None:
            fields[field] = str_list(value) or ()
    if plan.auth_time is not None:
        _, name, dotted = plan.auth_time
        value = lookup(claims, name) if dotted else get(name)
        if value is not None:
            fields["auth_time"] = _auth_time(value)
    return Identity._normalized(fields, claims, sources, owned=owned)
