"""What the organization directory returns: organizations, routes, starts and identities."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

from ..config import OrganizationConfig, normalize_domain
from ..identity import Identity
from ..outcomes import Authenticated
from ._errors import OrganizationError

if TYPE_CHECKING:
    from ..connector import Connector

__all__ = ["FederatedIdentity", "FederationStart", "IdPInfo", "Organization", "Route", "split_email"]


@dataclasses.dataclass(frozen=True, slots=True)
class Organization:
    """A configured organization.

    ``domains`` are the domains it claims; ``email_domains`` those that route an email to it
    (the verified ones, or all of them when verification is not required).
    """

    id: str
    name: str
    connector: str
    domains: tuple[str, ...]
    email_domains: tuple[str, ...]
    config: OrganizationConfig = dataclasses.field(repr=False)

    @classmethod
    def from_config(cls, org_id: str, config: OrganizationConfig) -> Organization:
        """The organization ``org_id`` of a validated ``[organizations.<id>]`` table."""
        return cls(
            id=org_id,
            name=config.name or org_id,
            connector=config.connector,
            domains=config.domains,
            email_domains=tuple(d for d in config.domains if config.routes_by_email(d)),
            config=config,
        )


def split_email(email: object) -> tuple[str, str]:
    """``(local part, normalized domain)`` of an email address.

    The domain is lowercased and IDNA-encoded (``jane@Bücher.example`` ->
    ``("jane", "xn--bcher-kva.example")``). Raises :class:`OrganizationError`
    (``org.invalid_email``) unless there is exactly one ``@`` with a non-empty local part and a
    valid domain; the message never quotes the address.
    """
    if not isinstance(email, str) or email.count("@") != 1 or len(email) > 320:
        raise OrganizationError("not an email address (exactly one '@' expected)", code="org.invalid_email")
    local, domain = email.split("@")
    if not local or not local.isprintable() or any(c.isspace() for c in local):
        raise OrganizationError(
            "the email address has an empty or invalid local part", code="org.invalid_email"
        )
    try:
        return local, normalize_domain(domain)
    except ValueError as exc:
        raise OrganizationError(f"the email's domain is invalid: {exc}", code="org.invalid_email") from None


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """Where an organization signs in: its connector, and how the organization was found.

    ``matched_by`` is ``"org"`` (explicit id) or ``"email"`` (home-realm discovery; ``email`` and
    ``domain`` are then set, the domain normalized).
    """

    organization: Organization
    connector: Connector[Any] = dataclasses.field(repr=False)
    matched_by: Literal["org", "email"]
    email: str | None = dataclasses.field(default=None, repr=False)
    domain: str | None = None

    @property
    def method(self) -> str:
        """The federation method the connector will run: ``"saml"`` if enabled, else ``"oidc"``."""
        enabled = {m.value for m in self.connector.enabled_methods}
        return "saml" if "saml" in enabled else "oidc"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FederationStart:
    """The *setup* phase's answer: send the browser to the IdP, keep ``continuation``.

    ``outcome`` is the connector's own redirect outcome (a
    :class:`~idpbridge.RedirectRequired` for OIDC) with its continuation replaced by the
    organization-bound one; ``url``, ``continuation`` and ``expires_at`` are shortcuts to it.
    """

    organization: Organization
    connector: str
    method: str
    outcome: Any = dataclasses.field(repr=False)

    @property
    def url(self) -> str:
        """Where to send the browser."""
        return str(self.outcome.url)

    @property
    def continuation(self) -> SecretStr:
        """The sealed flow state, bound to the organization; give it back to ``complete()``."""
        value: SecretStr = self.outcome.continuation
        return value

    @property
    def expires_at(self) -> dt.datetime:
        """When the flow expires."""
        value: dt.datetime = self.outcome.expires_at
        return value


@dataclasses.dataclass(frozen=True, slots=True)
class IdPInfo:
    """The IdP that authenticated the user: its issuer (the entity ID, for SAML), the connector
    instance, the provider type and the method."""

    issuer: str
    connector: str
    provider: str
    method: str


def _attributes(identity: Identity) -> Mapping[str, Any]:
    names = (
        "email",
        "email_verified",
        "phone_number",
        "phone_number_verified",
        "username",
        "name",
        "given_name",
        "family_name",
        "tenant",
    )
    out = {n: getattr(identity, n) for n in names if getattr(identity, n) is not None}
    return MappingProxyType(out)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FederatedIdentity:
    """The *complete* phase's answer: who signed in, for which organization, through which IdP.

    Resolve it to a local user with ``await migrator.migrate(result.authenticated)``
    (:mod:`idpbridge.jit`) or your own logic keyed on ``identity.key``.

    Attributes:
        organization: the organization the flow was started for (sealed, not taken from input).
        identity: the normalized :class:`~idpbridge.Identity`.
        authenticated: the connector's :class:`~idpbridge.Authenticated` (tokens, userinfo).
        idp: issuer, connector, provider and method.
        email_domain_owned: ``True`` when the IdP asserted a verified email whose domain is one of
            the organization's email-routing domains. An IdP can assert any address: treat
            other emails as unverified when linking accounts.
    """

    organization: Organization
    identity: Identity
    authenticated: Authenticated = dataclasses.field(repr=False)
    idp: IdPInfo
    email_domain_owned: bool

    @property
    def claims(self) -> Mapping[str, Any]:
        """Every raw claim (or SAML attribute); ``identity.sources`` says where each came from."""
        return self.identity.claims

    @property
    def attributes(self) -> Mapping[str, Any]:
        """The mapped (normalized) attributes the IdP sent: email, names, phone, tenant, …"""
        return _attributes(self.identity)

    @property
    def groups(self) -> tuple[str, ...]:
        """Groups the IdP asserted."""
        return self.identity.groups

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles the IdP asserted."""
        return self.identity.roles

    @classmethod
    def build(cls, organization: Organization, result: Authenticated) -> FederatedIdentity:
        """The identity context of ``result``, signed in for ``organization``."""
        ident = result.identity
        owned = False
        if ident.email is not None and ident.email_verified is True:
            try:
                owned = split_email(ident.email)[1] in organization.email_domains
            except OrganizationError:
                owned = False
        return cls(
            organization=organization,
            identity=ident,
            authenticated=result,
            idp=IdPInfo(
                issuer=ident.issuer,
                connector=ident.connector,
                provider=ident.provider,
                method=result.method.value,
            ),
            email_domain_owned=owned,
        )
