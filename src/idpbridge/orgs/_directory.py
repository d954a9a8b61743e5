"""The organization directory: routing and the two-phase federation step."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import SecretStr

from ..config import build_organization, build_settings, read_toml_sections
from ..connector import Connector
from ..continuation import ContinuationKeys, Continuations, process_keys
from ..errors import ConfigurationError, FlowError
from ..methods import FinishOIDC, FinishSAML, InvalidRequest, Request, StartOIDC, StartSAML
from ..outcomes import Authenticated
from ._errors import OrganizationError
from ._types import FederatedIdentity, FederationStart, Organization, Route, split_email

__all__ = ["Directory"]

#: The continuation namespace of organization-bound flows (no connector can carry this name).
_ENVELOPE = "(organizations)"
_FEDERATION_METHODS = ("saml", "oidc")  # preferred first


def _load_error(org_id: str, message: str, *, code: str, field: str) -> ConfigurationError:
    return ConfigurationError(
        f"organization {org_id!r}: {message}", code=code, field=field, details={"organization": org_id}
    )


class Directory(Mapping[str, Organization]):
    """Organizations and the connectors that sign them in; a read-only mapping ``id -> Organization``.

    Built by :func:`idpbridge.load` (``connectors.organizations``) or :meth:`from_file`. Building
    it checks every organization: its connector must be configured and offer ``oidc`` or
    ``saml`` (``config.org_connector_unknown``, ``config.org_method_unsupported``), and no domain
    may be claimed by two organizations (``config.org_domain_conflict``).

    Args:
        organizations: ``{id: fields}`` of the ``[organizations.<id>]`` tables.
        connectors: the configured connectors by name.
        continuation_keys: keys sealing the organization into a flow; use the connectors' keys
            (``[settings] continuation_keys``) so every worker can complete. Defaults to the
            per-process key connectors fall back to.
    """

    def __init__(
        self,
        organizations: Mapping[str, Mapping[str, Any]],
        connectors: Mapping[str, Connector[Any]],
        *,
        continuation_keys: ContinuationKeys | None = None,
    ) -> None:
        self._connectors = connectors
        self._orgs: dict[str, Organization] = {}
        self._by_domain: dict[str, str] = {}
        for org_id, fields in organizations.items():
            org = Organization.from_config(org_id, build_organization(org_id, fields))
            connector = connectors.get(org.connector)
            if connector is None:
                known = ", ".join(sorted(connectors)) or "none"
                raise _load_error(
                    org_id,
                    f"connector {org.connector!r} is not configured (configured: {known})",
                    code="config.org_connector_unknown",
                    field="connector",
                )
            if not {m.value for m in connector.enabled_methods} & set(_FEDERATION_METHODS):
                raise _load_error(
                    org_id,
                    f"connector {org.connector!r} enables neither 'oidc' nor 'saml'",
                    code="config.org_method_unsupported",
                    field="connector",
                )
            for domain in org.domains:
                other = self._by_domain.setdefault(domain, org_id)
                if other != org_id:
                    raise _load_error(
                        org_id,
                        f"domain {domain!r} is also claimed by organization {other!r}",
                        code="config.org_domain_conflict",
                        field="domains",
                    )
            self._orgs[org_id] = org
        self._keys = continuation_keys
        self._sealer: Continuations | None = None

    @property
    def _envelopes(self) -> Continuations:
        # Created on first use: an empty directory never touches (or warns about) the process key.
        if self._sealer is None:
            self._sealer = Continuations(self._keys or process_keys(), connector=_ENVELOPE)
        return self._sealer

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        connectors: Mapping[str, Connector[Any]],
        *,
        env: Mapping[str, str] | None = None,
    ) -> Directory:
        """The ``[organizations.<id>]`` tables of a connectors file, over ``connectors``.

        Sealed with the file's ``[settings] continuation_keys`` (or the per-process key).
        """
        sections = read_toml_sections(path, env)
        settings = build_settings(sections.settings)
        keys = ContinuationKeys(list(settings.continuation_keys)) if settings.continuation_keys else None
        return cls(sections.organizations, connectors, continuation_keys=keys)

    # -- mapping ----------------------------------------------------------------------------------

    def __getitem__(self, org_id: str) -> Organization:
        return self._orgs[org_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._orgs)

    def __len__(self) -> int:
        return len(self._orgs)

    def __repr__(self) -> str:
        return f"Directory(<{len(self._orgs)} organizations, {len(self._by_domain)} domains>)"

    # -- routing ----------------------------------------------------------------------------------

    def route(self, *, org: str | None = None, email: str | None = None) -> Route:
        """The route of an organization, by id (``org=``) or by email domain (``email=``).

        Email routing (home-realm discovery) compares the address's domain, lowercased and
        IDNA-encoded, exactly with the claimed domains: ``jane@eu.acme.com`` does not match
        ``acme.com`` unless ``eu.acme.com`` is claimed too. Raises :class:`OrganizationError`:
        ``org.unknown``, ``org.invalid_email``, ``org.unknown_domain`` or
        ``org.domain_unverified``.
        """
        if (org is None) == (email is None):
            raise InvalidRequest("route() takes exactly one of org= or email=", field="org")
        if org is not None:
            return Route(self._org(org), self._connector_of(self._org(org)), "org")
        local, domain = split_email(email)
        org_id = self._by_domain.get(domain)
        if org_id is None:
            raise OrganizationError(
                f"no organization claims the domain {domain!r}",
                code="org.unknown_domain",
                details={"domain": domain},
            )
        organization = self._orgs[org_id]
        if domain not in organization.email_domains:
            raise OrganizationError(
                f"the domain {domain!r} is not verified: sign in with the organization's id",
                code="org.domain_unverified",
                details={"domain": domain, "organization": org_id},
            )
        return Route(organization, self._connector_of(organization), "email", f"{local}@{domain}", domain)

    def _org(self, org_id: object) -> Organization:
        organization = self._orgs.get(org_id) if isinstance(org_id, str) else None
        if organization is None:
            raise OrganizationError("unknown organization", code="org.unknown")
        return organization

    def _connector_of(self, organization: Organization) -> Connector[Any]:
        return self._connectors[organization.connector]

    # -- the two-phase federation step --------------------------------------------------------------

    async def start(
        self,
        target: Route | str,
        *,
        redirect_uri: str,
        scopes: tuple[str, ...] | list[str] | str | None = None,
        prompt: str | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> FederationStart:
        """*Setup*: start the organization's connector and return its redirect.

        ``target`` is a :class:`Route`, an organization id, or an email address (it contains an
        ``@``; routed by domain). The connector runs SAML when it enables ``saml``, else OIDC
        (``redirect_uri``, ``scopes`` and ``prompt`` are OIDC's). The organization's
        ``extra_params`` and login hint are added. The returned continuation seals the
        organization, the connector and the connector's own continuation together.
        """
        route = target if isinstance(target, Route) else self._route_target(target)
        org, connector, method = route.organization, route.connector, route.method
        request = self._start_request(
            route, method, redirect_uri=redirect_uri, scopes=scopes, prompt=prompt, extra_params=extra_params
        )
        outcome = await connector.authenticate(request)
        inner = getattr(outcome, "continuation", None)
        if not isinstance(inner, SecretStr):  # a federation start always redirects
            raise FlowError(
                f"connector {connector.instance_name!r} did not redirect", code="flow.unexpected_step"
            )
        data = {"o": org.id, "c": connector.instance_name, "m": method, "t": inner.get_secret_value()}
        token, _ = self._envelopes.seal("org", data, ttl=connector.config.continuation_ttl)
        redirect: Any = outcome  # RedirectRequired today; the SAML redirect outcome alike
        bound = dataclasses.replace(redirect, continuation=SecretStr(token))
        return FederationStart(
            organization=org, connector=connector.instance_name, method=method, outcome=bound
        )

    def _route_target(self, target: object) -> Route:
        if isinstance(target, str) and "@" in target:
            return self.route(email=target)
        return self.route(org=target)  # type: ignore[arg-type]  # checked by _org()

    @staticmethod
    def _start_request(
        route: Route,
        method: str,
        *,
        redirect_uri: str,
        scopes: Any,
        prompt: str | None,
        extra_params: Mapping[str, str] | None,
    ) -> Request:
        cfg = route.organization.config
        hint = (
            cfg.login_hint if isinstance(cfg.login_hint, str) else (route.email if cfg.login_hint else None)
        )
        extra = {**cfg.extra_params, **(extra_params or {})}
        if method == "saml":  # SAML carries no login hint or extra parameters
            return StartSAML()
        return StartOIDC(redirect_uri, scopes=scopes, prompt=prompt, login_hint=hint, extra_params=extra)

    async def complete(
        self, params: Mapping[str, Any], continuation: str | SecretStr, *, org: str | None = None
    ) -> FederatedIdentity:
        """*Complete*: finish the flow on the connector it started on; return the identity context.

        ``params`` is what reached your callback: the query or form for OIDC, the POSTed form
        (``SAMLResponse``, ``RelayState``) for SAML. ``continuation`` is the one :meth:`start`
        returned. ``org``, when given (e.g. from the callback's path), must be the organization the
        flow was started for.

        Raises :class:`~idpbridge.FlowError` for a continuation that is not an organization flow
        of this directory, tampered, expired or reused; :class:`OrganizationError`
        ``org.mismatch`` when ``org`` differs or the organization's connector changed since,
        ``org.unknown`` when it was removed; and whatever the connector raises.
        """
        envelope = self._envelopes.open(continuation, method="org")
        org_id, name, method, inner = (envelope.data.get(k) for k in ("o", "c", "m", "t"))
        if not all(isinstance(v, str) for v in (org_id, name, method, inner)):
            raise FlowError("continuation is malformed", code="flow.malformed")  # pragma: no cover
        if org is not None and org != org_id:
            raise OrganizationError(
                "this sign-in was started for another organization",
                code="org.mismatch",
                details={"organization": org_id},
            )
        organization = self._org(org_id)
        if organization.connector != name:
            raise OrganizationError(
                "the organization's connector changed since this sign-in started",
                code="org.mismatch",
                details={"organization": org_id},
            )
        connector = self._connector_of(organization)
        result = await connector.authenticate(
            self._finish_request(str(method), params, SecretStr(str(inner)))
        )
        if not isinstance(result, Authenticated):  # pragma: no cover - a finish either signs in or raises
            raise FlowError("the IdP asked for another step", code="flow.unexpected_step")
        return FederatedIdentity.build(organization, result)

    @staticmethod
    def _finish_request(method: str, params: Mapping[str, Any], inner: SecretStr) -> Request:
        if method == "saml":  # the POSTed form
            response, relay_state = _form_value(params, "SAMLResponse"), _form_value(params, "RelayState")
            if response is None:
                raise FlowError("the callback carries no SAMLResponse", code="flow.malformed")
            return FinishSAML(saml_response=SecretStr(response), relay_state=relay_state, continuation=inner)
        return FinishOIDC(params, inner)


def _form_value(params: Mapping[str, Any], name: str) -> str | None:
    """One form field as a string (a single-item list, as ``parse_qs`` gives, counts)."""
    value = params.get(name)
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) else None
