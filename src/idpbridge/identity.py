"""The normalized identity and the tokens an authentication returns.

:class:`Identity` is what a migration needs to know about a person, the same shape for every
provider; ``(issuer, subject)`` is its stable key. :class:`TokenSet` holds what the IdP issued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._secrets import secret

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = [
    "ClaimSource",
    "Identity",
    "TokenSet",
    "opt_str",
    "str_list",
    "strict_bool",
    "timestamp",
]


class ClaimSource(enum.StrEnum):
    """Where a claim in :attr:`Identity.claims` came from."""

    ID_TOKEN = "id_token"
    ACCESS_TOKEN = "access_token"
    USERINFO = "userinfo"
    PROVIDER_API = "provider_api"
    FIRST_LOGIN = "first_login"
    """A payload the IdP sends only on the first sign-in (e.g. Apple's ``user`` form field)."""
    EXTERNAL_TOKEN = "external_token"
    SAML_ASSERTION = "saml_assertion"
    """An attribute or subject fact of a validated SAML assertion."""


def strict_bool(value: object, *, accept_strings: bool = False) -> bool | None:
    """Coerce a claim to a boolean without guessing.

    Only a JSON ``true``/``false`` counts; with ``accept_strings`` (for providers known to send
    strings, such as Cognito and Apple) the exact strings ``"true"``/``"false"`` count too.
    Anything else (``1``, ``"yes"``, ``"True "``, ``None``) is ``None``: unknown, not false.
    """
    if isinstance(value, bool):
        return value
    if accept_strings and isinstance(value, str):
        if value == "true":
            return True
        if value == "false":
            return False
    return None


def opt_str(value: object) -> str | None:
    """A claim as a non-empty string, or ``None`` (never ``""``). Numbers are not strings."""
    if isinstance(value, str):
        return value if value.strip() else None
    return None


def str_list(value: object) -> tuple[str, ...] | None:
    """A claim as a tuple of non-empty strings (a single string becomes one item)."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,) if value else None
    if isinstance(value, list | tuple):
        items = tuple(v for v in value if isinstance(v, str) and v)
        return items
    return None


def timestamp(value: object) -> dt.datetime | None:
    """A NumericDate claim (seconds since the epoch) as an aware UTC datetime, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value > 253402300799:
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _freeze_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if value else _EMPTY  # one read-only empty map serves all


_OPTIONAL_STRINGS = (
    "email",
    "phone_number",
    "username",
    "name",
    "given_name",
    "family_name",
    "tenant",
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """A person as the legacy IdP knows them, normalized across providers.

    Missing values are ``None``, never ``""``. ``email_verified`` is ``True`` only when the IdP
    positively said so. ``claims`` holds every raw claim merged (ID token, then userinfo, then
    provider APIs); ``sources`` tells where each claim came from.
    """

    provider: str
    connector: str
    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool | None = None
    phone_number: str | None = None
    phone_number_verified: bool | None = None
    username: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tenant: str | None = None
    amr: tuple[str, ...] = ()
    auth_time: dt.datetime | None = None
    claims: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    sources: Mapping[str, ClaimSource] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.issuer or not self.subject:
            raise ValueError("an Identity needs a non-empty issuer and subject")
        for name in _OPTIONAL_STRINGS:  # missing is None, never ""
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"Identity.{name} must be a str or None, not {type(value).__name__}")
            object.__setattr__(self, name, opt_str(value))
        for name in ("email_verified", "phone_number_verified"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), bool):
                # A string "false" is truthy: make connectors coerce with strict_bool() first.
                raise TypeError(f"Identity.{name} must be a bool or None; use strict_bool()")
        object.__setattr__(self, "claims", _freeze_mapping(self.claims))
        object.__setattr__(self, "sources", _freeze_mapping(self.sources))
        for name in ("groups", "roles", "amr"):
            value = getattr(self, name)
            # A lone string is one item, not a tuple of its characters.
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))

    @property
    def key(self) -> tuple[str, str]:
        """The stable identity key ``(issuer, subject)``."""
        return (self.issuer, self.subject)

    def __repr__(self) -> str:
        # Claims can hold personal data and (for some IdPs) opaque handles; keep repr short.
        return (
            f"Identity(provider={self.provider!r}, connector={self.connector!r}, "
            f"issuer={self.issuer!r}, subject={self.subject!r}, email={self.email!r}, "
            f"email_verified={self.email_verified!r}, claims=<{len(self.claims)} claims>)"
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TokenSet:
    """Tokens the IdP issued. Every token is a :class:`~pydantic.SecretStr`."""

    access_token: SecretStr | None = None
    id_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_type: str | None = None
    expires_at: dt.datetime | None = None
    scope: tuple[str, ...] = ()
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Other non-secret fields of the token response."""

    def __post_init__(self) -> None:
        for name in ("access_token", "id_token", "refresh_token"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, secret(value))
        scope = self.scope
        object.__setattr__(self, "scope", tuple(scope.split()) if isinstance(scope, str) else tuple(scope))
        object.__setattr__(self, "extra", _freeze_mapping(self.extra))

    @classmethod
    def _sealed(cls, *, access_token: SecretStr | None = None, id_token: SecretStr | None = None) -> TokenSet:
        """A token set of tokens already sealed and nothing else (a validated external token), as
        the constructor would build it, without re-checking what needs no check."""
        self = object.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(self, "access_token", access_token)
        setattr_(self, "id_token", id_token)
        for name in ("refresh_token", "token_type", "expires_at"):
            setattr_(self, name, None)
        setattr_(self, "scope", ())
        setattr_(self, "extra", _EMPTY)
        return self

    @classmethod
    def from_response(
        cls,
        data: Mapping[str, Any],
        *,
        now: dt.datetime | None = None,
        secret_fields: Iterable[str] = (),
    ) -> TokenSet:
        """Build a token set from an OAuth 2.0 token response body.

        Fields named in ``secret_fields`` (besides the standard tokens) are dropped from
        :attr:`extra` rather than kept in the clear.
        """
        now = now or dt.datetime.now(dt.UTC)
        expires_at = None
        expires_in = data.get("expires_in")
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)
        if isinstance(expires_in, int) and not isinstance(expires_in, bool) and 0 <= expires_in < 10**9:
            expires_at = now + dt.timedelta(seconds=expires_in)
        scope = data.get("scope")
        scopes = tuple(scope.split()) if isinstance(scope, str) else ()
        known = {"access_token", "id_token", "refresh_token", "token_type", "expires_in", "scope"}
        hidden = known | set(secret_fields)
        extra = {
            k: v for k, v in data.items() if k not in hidden and not k.endswith(("_token", "token", "secret"))
        }
        return cls(
            access_token=_opt_secret(data.get("access_token")),
            id_token=_opt_secret(data.get("id_token")),
            refresh_token=_opt_secret(data.get("refresh_token")),
            token_type=opt_str(data.get("token_type")),
            expires_at=expires_at,
            scope=scopes,
            extra=extra,
        )


def _opt_secret(value: object) -> SecretStr | None:
    return secret(value) if isinstance(value, str) and value else None
