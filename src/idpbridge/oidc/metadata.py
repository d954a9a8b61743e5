"""OpenID Provider metadata: the validated subset of a discovery document we rely on.

:meth:`ProviderMetadata.from_document` enforces OpenID Connect Discovery 1.0 §4.3 (the
document's ``issuer`` equals the expected issuer, compared code point by code point), https
endpoints (plain http only for loopback) and the JSON types of the fields we read. Providers
with fixed endpoints and no discovery document build a :class:`ProviderMetadata` by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, MalformedResponse
from ..http import require_secure_url

if TYPE_CHECKING:
    from ..sheet import ProviderSheet

__all__ = ["ENDPOINT_FIELDS", "ProviderMetadata", "static_metadata"]

#: The endpoint URLs of :class:`ProviderMetadata` (and of a config's ``endpoints`` overrides).
ENDPOINT_FIELDS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "end_session_endpoint",
)
_ARRAYS = (
    "id_token_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
    "response_modes_supported",
    "grant_types_supported",
    "code_challenge_methods_supported",
)
_BOOLS = ("authorization_response_iss_parameter_supported",)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclasses.dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """Endpoints and capabilities of one OpenID Provider (immutable)."""

    issuer: str
    authorization_endpoint: str | None
    token_endpoint: str | None
    jwks_uri: str | None
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    end_session_endpoint: str | None = None
    id_token_signing_alg_values_supported: tuple[str, ...] = ()
    token_endpoint_auth_methods_supported: tuple[str, ...] = ()
    response_modes_supported: tuple[str, ...] = ()
    grant_types_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    authorization_response_iss_parameter_supported: bool = False
    raw: Mapping[str, Any] = dataclasses.field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer:
            raise ConfigurationError("issuer must be a non-empty string", field="issuer")
        _secure(self.issuer, "issuer", ConfigurationError)
        for name in ENDPOINT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                if not isinstance(value, str):
                    raise ConfigurationError(f"{name} must be a string", field=name)
                _secure(value, name, ConfigurationError)
        for name in _ARRAYS:
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise ConfigurationError(f"{name} must be a tuple of strings", field=name)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], *, expected_issuer: str | None) -> ProviderMetadata:
        """Validate a discovery document.

        Raises :class:`~idpbridge.ConfigurationError` (``config.issuer_mismatch``) when the
        document's ``issuer`` is not exactly ``expected_issuer`` (skip the check only by passing
        ``None``), and :class:`~idpbridge.MalformedResponse` for insecure endpoints or fields of
        the wrong JSON type.
        """
        issuer = doc.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise MalformedResponse("discovery document has no issuer string", code="provider.metadata")
        if expected_issuer is not None and issuer != expected_issuer:
            raise ConfigurationError(
                f"discovery document issuer {issuer[:200]!r} is not the expected {expected_issuer[:200]!r}",
                code="config.issuer_mismatch",
                field="issuer",
            )
        _secure(issuer, "issuer", MalformedResponse)
        values: dict[str, Any] = {"issuer": issuer}
        for name in ENDPOINT_FIELDS:
            value = doc.get(name)
            if value is None:
                values[name] = None
                continue
            if not isinstance(value, str):
                raise MalformedResponse(f"discovery field {name} is not a string", code="provider.metadata")
            values[name] = _secure(value, name, MalformedResponse)
        for name in _ARRAYS:
            value = doc.get(name)
            if value is None:
                values[name] = ()
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise MalformedResponse(
                    f"discovery field {name} is not an array of strings", code="provider.metadata"
                )
            values[name] = tuple(value)
        for name in _BOOLS:
            value = doc.get(name, False)
            if not isinstance(value, bool):
                raise MalformedResponse(f"discovery field {name} is not a boolean", code="provider.metadata")
            values[name] = value
        return cls(**values, raw=MappingProxyType(dict(doc)))

    def with_overrides(self, overrides: Mapping[str, str | Sequence[str] | bool]) -> ProviderMetadata:
        """A copy with configured values replacing discovered ones.

        Keys are field names. Endpoints must be https (or loopback http); array fields take a
        sequence of strings or one space-separated string. ``issuer`` cannot be overridden:
        configure the issuer policy instead. Raises :class:`~idpbridge.ConfigurationError`.
        """
        if not overrides:
            return self
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name in ENDPOINT_FIELDS:
                if not isinstance(value, str):
                    raise ConfigurationError(f"override {name} must be a URL string", field=name)
                changes[name] = _secure(value, name, ConfigurationError)
            elif name in _ARRAYS:
                items = value.split() if isinstance(value, str) else value
                if isinstance(items, bool) or not all(isinstance(v, str) for v in items):
                    raise ConfigurationError(f"override {name} must be strings", field=name)
                changes[name] = tuple(items)
            elif name in _BOOLS:
                if not isinstance(value, bool):
                    raise ConfigurationError(f"override {name} must be a boolean", field=name)
                changes[name] = value
            else:
                raise ConfigurationError(f"{name!r} cannot be overridden", field=name)
        return dataclasses.replace(self, **changes)


def _secure(url: str, name: str, error: type[ConfigurationError] | type[MalformedResponse]) -> str:
    try:
        return require_secure_url(url, what=name)
    except ConfigurationError as exc:
        if error is ConfigurationError:
            raise ConfigurationError(exc.message, field=name) from None
        raise MalformedResponse(f"discovery field {exc.message}", code="provider.metadata") from None


def static_metadata(sheet: ProviderSheet, issuer: str, **values: str) -> ProviderMetadata:
    """Metadata from a sheet's endpoint templates (``{issuer}`` and ``values`` filled in).

    For IdPs without a discovery document; ``endpoints.*`` in the config still override entries.
    """
    fields: dict[str, Any] = {
        name: template.format_map({"issuer": issuer, **values}) for name, template in sheet.endpoints.items()
    }
    fields.update(sheet.endpoint_metadata)
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        fields.setdefault(name, None)
    return ProviderMetadata(issuer=issuer, **fields)
