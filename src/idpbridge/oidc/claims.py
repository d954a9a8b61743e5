"""From raw claims to an :class:`~idpbridge.Identity`: merging sources and mapping claims.

Claims arrive in layers — the ID token, then UserInfo, then whatever a provider's API adds. A
later layer refreshes profile claims (UserInfo is the fresher source) but never the claims that
describe the token or the authentication event (``iss``, ``sub``, ``aud``, ``nonce``,
``auth_time``, ``amr``, …). :class:`ClaimMap` says which claim feeds which Identity field; a
provider overrides a few entries, a deployment overrides more through configuration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ..claimmap import ClaimMap
from ..errors import TokenValidationError
from ..identity import ClaimSource, Identity, str_list, timestamp

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


#: Mapping types whose ``copy()`` is a dict's (a read-only view copies the dict it shows).
_COPYABLE = (dict, MappingProxyType)


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
        # A parsed token's claims (a dict, or a read-only view of one) copy at C speed; a null is
        # rare enough to be dropped afterwards.
        claims = layer.copy() if type(layer) in _COPYABLE else None  # type: ignore[attr-defined]
        if type(claims) is not dict or None in claims.values():
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

#: Per field kind: the normalized value of ``v`` (a claim that is present, not ``None``), as an
#: expression of the compiled builder; the same rule as :func:`opt_str`, :func:`strict_bool`,
#: :func:`str_list` and :func:`_auth_time` (``tests/oidc/test_claims_fastpath.py`` holds them equal).
_TEXT = "v if isinstance(v, str) and v.strip() else None"
_FLAG = "v if v is True or v is False else None"
_FLAG_OR_STRING = "v if v is True or v is False else strings.get(v) if isinstance(v, str) else None"
_LIST = "str_list(v) or ()"
_TIME = "auth_time(v)"


def _compile(mapping: ClaimMap) -> Callable[..., Identity]:
    """The claim map as one straight-line function, built once per map.

    ``build(claims, sources, provider, connector, issuer, subject, owned)`` reads each mapped
    claim (one dict lookup for a plain name, :func:`lookup` for a dotted one), normalizes it and
    fills the Identity's slots: no loop over the map, no field dict, no second check of values it
    normalized itself. Claim names come from configuration, so they are bound as constants of the
    function, never written into its source.
    """
    env: dict[str, Any] = {
        "new": object.__new__,
        "Identity": Identity,
        "lookup": lookup,
        "str_list": str_list,
        "auth_time": _auth_time,
        "proxy": MappingProxyType,
        "strings": {"true": True, "false": False},
    }
    kinds = {
        **dict.fromkeys(_TEXT_FIELDS, _TEXT),
        **dict.fromkeys(_FLAG_FIELDS, _FLAG_OR_STRING if mapping.string_booleans else _FLAG),
        **dict.fromkeys(_LIST_FIELDS, _LIST),
        "auth_time": _TIME,
    }
    body = [
        "def build(claims, sources, provider, connector, issuer, subject, owned):",
        "    if not issuer or not subject:",
        "        raise ValueError('an Identity needs a non-empty issuer and subject')",
        "    get = claims.get",
        "    self = new(Identity)",
    ]
    given = {"provider", "connector", "issuer", "subject"}
    for index, field in enumerate(f.name for f in dataclasses.fields(Identity)):
        env[f"set_{field}"] = vars(Identity)[field].__set__  # the slot itself: no frozen __setattr__
        if field in given:
            body.append(f"    set_{field}(self, {field})")
        elif field in ("claims", "sources"):
            continue
        else:
            name: str | None = getattr(mapping, field)
            missing = "()" if field in _LIST_FIELDS else "None"
            if name is None:
                body.append(f"    set_{field}(self, {missing})")
                continue
            env[f"name{index}"] = name
            read = f"lookup(claims, name{index})" if "." in name else f"get(name{index})"
            body.append(f"    v = {read}")
            body.append(f"    set_{field}(self, {missing} if v is None else {kinds[field]})")
    body += [
        "    if owned and type(claims) is dict and type(sources) is dict:",
        "        set_claims(self, proxy(claims))",
        "        set_sources(self, proxy(sources))",
        "    else:",
        "        set_claims(self, proxy(dict(claims)))",
        "        set_sources(self, proxy(dict(sources)))",
        "    return self",
    ]
    exec(compile("\n".join(body), f"<claim map {id(mapping):#x}>", "exec"), env)  # noqa: S102
    build: Callable[..., Identity] = env["build"]
    return build


class _Plan:
    """A claim map and its compiled builder; the map is kept so the id() key stays its."""

    __slots__ = ("build", "mapping")

    def __init__(self, mapping: ClaimMap, build: Callable[..., Identity]) -> None:
        self.mapping = mapping
        self.build = build


#: id(ClaimMap) -> its plan: the per-call lookup (hashing a ClaimMap's fields would cost more).
#: A connector's map is built once, so this stays small; a bound keeps code that builds a fresh
#: map per call from growing it.
_PLANS: dict[int, _Plan] = {}
_MAX_PLANS = 256
#: ClaimMap -> its compiled builder, least recently used out first: equal maps (one per tenant
#: connector of a B2B deployment, say) share one builder, and compiling (≈ 0.3 ms) happens once
#: per distinct map, not again whenever the id table above is cleared.
_BUILDS: OrderedDict[ClaimMap, Callable[..., Identity]] = OrderedDict()
_MAX_BUILDS = 1024


def _plan(mapping: ClaimMap) -> _Plan:
    plan = _PLANS.get(id(mapping))
    if plan is None or plan.mapping is not mapping:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        plan = _PLANS[id(mapping)] = _Plan(mapping, _builder(mapping))
    return plan


def _builder(mapping: ClaimMap) -> Callable[..., Identity]:
    try:
        build = _BUILDS.get(mapping)
    except TypeError:  # a map built by hand with a list in it: compiled for this object alone
        return _compile(mapping)
    if build is None:
        build = _BUILDS[mapping] = _compile(mapping)
        if len(_BUILDS) > _MAX_BUILDS:
            _BUILDS.popitem(last=False)
    else:
        _BUILDS.move_to_end(mapping)
    return build


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

    Every value goes through the same coercions as :class:`~idpbridge.Identity`'s constructor
    (:func:`opt_str`, :func:`strict_bool`, :func:`str_list`, :func:`timestamp`), by the claim
    map compiled once per map; issuer and subject are still checked.
    """
    return _plan(mapping).build(claims, sources, provider, connector, issuer, subject, owned)
