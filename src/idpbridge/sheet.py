"""Provider data sheets: one declaration of a provider's facts, read by descriptor, connector and config.

A :class:`ProviderSheet` holds what a provider *is* (name, title, methods, issuer rule, static
endpoints, claim map, error table, token checks, wire defaults). The plugin descriptor is built
from it (:meth:`ProviderSheet.plugin`), the connector class reads ``name``/``title``/``methods``
from its ``sheet`` attribute, and the config class derives ``supported_methods`` and its issuer
from the same object. Importing this module is cheap (no HTTP, no JOSE).
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from .claimmap import ClaimMap
from .classify import STANDARD_OAUTH_RULES, ErrorInfo, ErrorRule
from .methods import Method

if TYPE_CHECKING:
    from .issuer import IssuerPolicy
    from .registry import ConnectorPlugin

__all__ = ["ClaimCheck", "DerivedEndpoints", "IssuerRule", "ProviderSheet", "claim_equals"]

#: A token check a sheet declares: ``(header, claims) -> None``, raising
#: :class:`~idpbridge.TokenValidationError` to refuse the token.
ClaimCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], None]

#: Placeholder values (an ``.invalid`` host never resolves) for an issuer made from invalid fields;
#: the fields' own validators then report the real problem.
PLACEHOLDER_HOST = "issuer.invalid"

Inputs = Callable[[Mapping[str, Any]], Mapping[str, str] | None]
AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


def _fields_of(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _listed(names: tuple[str, ...]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]


@dataclasses.dataclass(frozen=True, slots=True)
class IssuerRule:
    """How a provider's issuer is found: one representation for the three forms.

    * ``fixed``: one well-known issuer (Google, Apple, Meta). ``issuer`` defaults to it; another
      issuer is for sandboxes only and must come with ``sandbox_endpoints``. ``spellings`` are
      further ``iss`` values accepted, each exactly; the identity always carries the fixed one.
    * ``derived``: a ``template`` filled from config fields (Okta, Auth0, Keycloak, OneLogin,
      PingOne, Cognito). ``inputs`` turns the raw config data into the template's values (default:
      the fields the template names); ``settable`` says whether an explicit ``issuer`` wins.
    * ``tenant``: a template with a ``{tenant}`` slot (Entra's multi-tenant apps), filled like a
      derived one for discovery. Tokens carry the user's tenant id in that slot: a configured
      tenant in ``wildcards`` accepts the ids listed in the config field ``tenants_field`` (any
      when unset); one in ``aliases`` stands for a fixed id; one matching ``tenant_id`` is an id;
      any other (a domain) is the single listed id, or the id learned from discovery.

    Build one with :meth:`fixed`, :meth:`derived` or :meth:`tenant`.
    """

    kind: Literal["fixed", "derived", "tenant"]
    template: str
    source: str = ""
    settable: bool = False
    inputs: Inputs | None = None
    spellings: tuple[str, ...] = ()
    sandbox_endpoints: tuple[str, ...] = ()
    tenants_field: str | None = None
    tenant_id: str | None = None
    wildcards: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    any_tenant_field: str | None = None

    @classmethod
    def fixed(
        cls,
        issuer: str,
        *,
        spellings: tuple[str, ...] = (),
        sandbox_endpoints: tuple[str, ...] = ("authorization_endpoint", "token_endpoint", "jwks_uri"),
    ) -> IssuerRule:
        """One well-known issuer (``spellings``: other exact ``iss`` values the IdP uses)."""
        return cls("fixed", issuer, spellings=spellings, sandbox_endpoints=sandbox_endpoints)

    @classmethod
    def derived(
        cls, template: str, *, source: str = "", inputs: Inputs | None = None, settable: bool = False
    ) -> IssuerRule:
        """An issuer made from config fields, e.g. ``"https://{domain}/"``.

        ``source`` names the fields in the refusal when ``issuer`` is given and not ``settable``.
        """
        return cls(
            "derived",
            template,
            source=source or _listed(_fields_of(template)),
            settable=settable,
            inputs=inputs,
        )

    @classmethod
    def tenant(
        cls,
        template: str,
        *,
        tenants_field: str,
        source: str = "",
        inputs: Inputs | None = None,
        tenant_id: str | None = None,
        wildcards: tuple[str, ...] = (),
        aliases: Mapping[str, str] | None = None,
        any_tenant_field: str | None = None,
    ) -> IssuerRule:
        """A ``{tenant}`` template accepted for the tenants listed in the config's ``tenants_field``.

        ``inputs`` fills the template from raw config data (as for :meth:`derived`, ``tenant``
        included); ``tenant_id`` is the pattern of a tenant id; ``wildcards`` are configured tenants
        that admit several tenants; ``aliases`` map a configured tenant to the id tokens carry;
        ``any_tenant_field`` is the config flag that lets a wildcard admit every tenant
        (:meth:`check_tenants`).
        """
        return cls(
            "tenant",
            template,
            source=source or "tenant",
            inputs=inputs,
            tenants_field=tenants_field,
            tenant_id=tenant_id,
            wildcards=wildcards,
            aliases=tuple((aliases or {}).items()),
            any_tenant_field=any_tenant_field,
        )

    def apply(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Raw config ``data`` with ``issuer`` filled in (runs before field validation).

        Raises ``ValueError`` when ``issuer`` is given but derived and not settable.
        """
        out = dict(data)
        if self.kind == "fixed":
            if out.get("issuer") is None:
                out["issuer"] = self.template
            return out
        if "issuer" in out:
            if not self.settable:
                raise ValueError(f"issuer is derived from {self.source}; do not set it")
            if out["issuer"] is not None:
                return out
        values = self._values(out)
        out["issuer"] = (
            self._secure(self.template.format_map(values)) if values is not None else self._placeholder()
        )
        return out

    def _secure(self, issuer: str) -> str:
        from .errors import ConfigurationError
        from .http import require_secure_url

        try:
            return require_secure_url(issuer, what="issuer")
        except ConfigurationError:  # made from a field whose own validator reports it
            return self._placeholder()

    def _values(self, data: Mapping[str, Any]) -> Mapping[str, str] | None:
        try:
            if self.inputs is not None:
                return self.inputs(data)
            values = {name: data[name] for name in _fields_of(self.template)}
        except (KeyError, TypeError, ValueError):
            return None
        return values if all(isinstance(v, str) and v for v in values.values()) else None

    def _placeholder(self) -> str:
        return f"https://{PLACEHOLDER_HOST}"

    def check_sandbox(self, issuer: str, endpoints: Mapping[str, str]) -> None:
        """Raise ``ValueError`` for a fixed rule given another issuer without the sandbox's endpoints."""
        needed = self.sandbox_endpoints
        if self.kind == "fixed" and issuer != self.template and not set(needed) <= set(endpoints):
            raise ValueError(f"issuer: set only for a sandbox, together with endpoints.{_listed(needed)}")

    def policy(
        self, issuer: str, settings: Mapping[str, Any] | None = None, *, learned: str | None = None
    ) -> IssuerPolicy:
        """The ``iss`` policy for a configured ``issuer``.

        A tenant rule reads the validated config ``settings`` (its template inputs and
        ``tenants_field``); ``learned`` is a domain tenant's id read from its discovery document.
        """
        from .issuer import ExactIssuer, OneOfIssuers

        if self.kind == "tenant":
            return self._tenant_policy(issuer, settings or {}, learned)
        if self.kind == "fixed" and self.spellings and issuer == self.template:
            return OneOfIssuers(self.template, *self.spellings, discovery_issuer=self.template)
        return ExactIssuer(issuer)

    def _tenant_policy(self, issuer: str, settings: Mapping[str, Any], learned: str | None) -> IssuerPolicy:
        """See the ``tenant`` form in the class docstring (before a domain's id is known: no tenant)."""
        from .issuer import ExactIssuer, TenantIssuer

        values = self._values(settings)
        if values is None or not isinstance(values.get("tenant"), str):
            return ExactIssuer(issuer)
        tenant = values["tenant"]
        template = self.template.format_map({**values, "tenant": "{tenantid}"})
        disco = self.template.format_map(values)
        listed = settings.get(self.tenants_field) if self.tenants_field else None
        if tenant in self.wildcards:
            return TenantIssuer(template, discovery_issuer=disco, allowed_tenants=listed)
        fixed = (
            dict(self.aliases).get(tenant)
            or learned
            or (tenant if self._is_id(tenant) else (listed or (None,))[0])
        )
        if fixed is None:
            return TenantIssuer(template, discovery_issuer=disco, allowed_tenants=())
        return TenantIssuer(
            template,
            discovery_issuer=disco,
            allowed_tenants=(fixed,),
            metadata_issuer=template.replace("{tenantid}", fixed),
        )

    def check_tenants(self, settings: Mapping[str, Any], *, title: str) -> None:
        """Raise ``ValueError`` when a tenant rule's ``tenants_field`` does not fit the configured
        tenant (validated config ``settings``): a wildcard needs a list, or ``any_tenant_field``
        (not both); an alias takes none; a tenant id admits only itself; another tenant (a domain)
        at most its one id. ``title`` names the IdP in the refusal."""
        values = self._values(settings) if self.kind == "tenant" else None
        tenant, field, flag = (
            values.get("tenant") if values else None,
            self.tenants_field,
            self.any_tenant_field,
        )
        if not isinstance(tenant, str) or field is None:
            return
        listed, any_tenant = settings.get(field), bool(flag and settings.get(flag))
        if tenant in self.wildcards and not listed and not any_tenant:
            raise ValueError(
                f"{field}: tenant '{tenant}' admits users of any {title} tenant; list the "
                f"tenant ids to accept, or set {flag} = true"
            )
        if any_tenant and listed:
            raise ValueError(f"{field}: set either {field} or {flag}, not both")
        if tenant in dict(self.aliases):
            if listed is not None:
                raise ValueError(f"{field}: not used with '{tenant}'")
        elif self._is_id(tenant):
            if listed not in (None, (tenant,)):
                raise ValueError(f"{field}: a tenant id connector accepts only that tenant")
        elif tenant not in self.wildcards and listed is not None and len(listed) != 1:
            raise ValueError(f"{field}: give the one tenant id of the domain (or leave it unset)")

    def _is_id(self, tenant: str) -> bool:
        return self.tenant_id is not None and re.fullmatch(self.tenant_id, tenant) is not None

    def learns(self, settings: Mapping[str, Any]) -> bool:
        """Whether a tenant rule's configured tenant (a domain, none listed) needs its id from discovery."""
        values = self._values(settings) if self.kind == "tenant" else None
        tenant = values.get("tenant") if values is not None else None
        if not isinstance(tenant, str) or tenant in self.wildcards or tenant in dict(self.aliases):
            return False
        return not self._is_id(tenant) and not (self.tenants_field and settings.get(self.tenants_field))

    def learned_tenant(self, settings: Mapping[str, Any], discovered: str) -> str:
        """The tenant id in a ``discovered`` issuer (for :meth:`learns`); ``config.issuer_mismatch``
        when it is not the template with a tenant id in lower case."""
        from .errors import ConfigurationError

        values = dict(self._values(settings) or {})
        template = self.template.format_map({**values, "tenant": "{tenantid}"})
        prefix, _, suffix = template.partition("{tenantid}")
        tenant_id = discovered.removeprefix(prefix).removesuffix(suffix)
        ok = discovered.startswith(prefix) and discovered.endswith(suffix)
        if not (ok and self._is_id(tenant_id) and tenant_id == tenant_id.lower()):
            raise ConfigurationError(
                f"the discovery document of tenant {values.get('tenant')!r} names issuer "
                f"{discovered[:120]!r}, not {template!r} with a tenant id",
                code="config.issuer_mismatch",
                field="tenant",
            )
        return tenant_id

    def canonical(self, issuer: str) -> str:
        """The issuer an identity carries: the fixed one for any of its spellings."""
        return self.template if self.kind == "fixed" and issuer in self.spellings else issuer


@dataclasses.dataclass(frozen=True, slots=True)
class DerivedEndpoints:
    """Endpoints a configuration implies: ``templates`` (metadata field -> URL template) filled
    from raw config data by ``inputs``, like an :class:`IssuerRule`'s.

    ``inputs`` returns the templates' values, or ``None`` when the endpoints do not apply (an
    optional field unset) or the fields are invalid (their validators report them; ``KeyError``,
    ``TypeError`` and ``ValueError`` count the same). The config's own ``endpoints`` entries win.
    Keycloak's back-channel layout, Entra's per-app key set and Cognito's pool documents and Hosted
    UI endpoints are declared this way (an OpenID Connect config applies them).
    """

    templates: Mapping[str, str]
    inputs: Inputs

    def apply(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Raw config ``data`` with the derived endpoints under ``endpoints`` (runs before field
        validation; ``data`` unchanged when they do not apply or ``endpoints`` is not a mapping)."""
        given = data.get("endpoints") or {}
        try:
            values = self.inputs(data)
        except (KeyError, TypeError, ValueError):
            return data
        if values is None or not isinstance(given, Mapping):
            return data
        derived = {name: template.format_map(values) for name, template in self.templates.items()}
        return {**data, "endpoints": {**derived, **given}}


@dataclasses.dataclass(frozen=True, slots=True)
class ProviderSheet:
    """Everything a provider *is*, declared once (see the module docstring).

    Args:
        name: registry name (``"auth0"``).
        title: human title (``"Auth0"``).
        methods: methods the connector implements.
        description: one line for listings.
        extra: the pip extra that installs ``requires``.
        requires: top-level modules that must be importable.
        issuer: the :class:`IssuerRule` (``None``: ``issuer`` is a plain config field).
        endpoints: static endpoints (metadata field -> URL template) for an IdP without discovery.
        endpoint_metadata: other static metadata fields (``code_challenge_methods_supported``, …).
        claims: which claims feed which identity fields (a ``ClaimMap``; default: the standard one).
        error_rules: the error table, provider rows first (default: the standard OAuth rules).
        error_fields: ``(error keys, description keys)`` read from error bodies, in order.
        provider_code_fields: keys of a provider code read from error bodies, in order (Okta's
            ``errorCode``).
        token_checks: extra ``(header, claims)`` checks on every ID token.
        scope_separator: how ``scope`` values are joined in the authorization request.
        default_auth_method: token-endpoint authentication when a secret is set and none chosen.
        auth_methods: token-endpoint authentication by method, when a secret is set, none chosen
            and the configured methods name one (a OneLogin app has one method per app).
        probe_password_grant: ``check()`` probes the password grant with an empty request.
        id_token_required: whether the code flow must yield an ID token.
        tenant: config attributes naming the tenant an identity reports when no claim names one,
            the first one set wins (Okta's org host, Keycloak's realm, PingOne's environment).
        rs256_signer: the IdP's name when it signs ID tokens with RS256 only (``"Google"``):
            ``allow_symmetric_id_tokens`` is then refused.
        username_claim: the claim an ``ExternalToken`` username must equal, when not the config
            default (``email`` for Google, Apple and Meta).
        form_post_scopes: scopes whose data the IdP returns only with ``response_mode=form_post``
            (Apple's ``name`` and ``email``): a request for them asks for ``form_post``, and another
            response mode is refused.
        openid_scope: whether the authorization request asks for ``openid`` even when the scopes
            leave it out (Facebook Login takes the permissions as given).
        allowed_values: config field -> ``(values it may take, why)``, for settings the IdP fixes
            (Apple and Meta take the client secret only in the form body): another value is a
            config error ``"<field>: <why>"``.
        authorize_params: fixed extra authorization parameters (under the config's and request's).
        authorize_fields: config fields sent, when set, as authorization parameters of the same
            name (Auth0's ``audience``).
        password_fields: config fields sent, when set, with the password grant (Auth0's ``realm``
            and ``audience``).
        endpoint_fields: config fields filled, by name, into the ``endpoints`` templates (Meta's
            ``{graph_api_version}``).
        callback_error_fields: ``(error, description)`` parameters of a callback error sent without
            ``error`` (Facebook Login's ``error_code``/``error_message``).
        issuer_mismatch_hint: ``(hint, config field)`` added to a ``config.issuer_mismatch`` from
            discovery (Keycloak derives its issuer from the host name it is reached by).
        derived_endpoints: endpoints the config implies (:class:`DerivedEndpoints`), filled in
            under the config's own ``endpoints`` before validation.
        sources: where each declared fact is published: ``"issuer"``, ``"endpoints"``,
            ``"claims"`` and ``"method.<name>"`` (the method's grant parameters) -> a source string
            as for :attr:`ErrorRule.source <idpbridge.classify.ErrorRule>`.
    """

    name: str
    title: str
    methods: frozenset[Method]
    description: str = ""
    extra: str | None = None
    requires: tuple[str, ...] = ()
    issuer: IssuerRule | None = None
    endpoints: Mapping[str, str] = dataclasses.field(default_factory=_empty)
    endpoint_metadata: Mapping[str, Any] = dataclasses.field(default_factory=_empty)
    claims: ClaimMap = dataclasses.field(default_factory=ClaimMap)
    error_rules: tuple[ErrorRule, ...] = STANDARD_OAUTH_RULES
    error_fields: tuple[tuple[str, ...], tuple[str, ...]] = (("error",), ("error_description",))
    provider_code_fields: tuple[str, ...] = ()
    token_checks: tuple[ClaimCheck, ...] = ()
    scope_separator: str = " "
    default_auth_method: AuthMethod | None = None
    auth_methods: Mapping[Method, AuthMethod] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    probe_password_grant: bool = False
    id_token_required: bool = True
    tenant: tuple[str, ...] = ()
    rs256_signer: str | None = None
    username_claim: str | None = None
    form_post_scopes: frozenset[str] = frozenset()
    openid_scope: bool = True
    allowed_values: Mapping[str, tuple[tuple[Any, ...], str]] = dataclasses.field(default_factory=_empty)
    authorize_params: Mapping[str, str] = dataclasses.field(default_factory=_empty)
    authorize_fields: tuple[str, ...] = ()
    password_fields: tuple[str, ...] = ()
    endpoint_fields: tuple[str, ...] = ()
    callback_error_fields: tuple[str, str] | None = None
    issuer_mismatch_hint: tuple[str, str] | None = None
    derived_endpoints: tuple[DerivedEndpoints, ...] = ()
    sources: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "methods", frozenset(self.methods))
        object.__setattr__(self, "endpoints", MappingProxyType(dict(self.endpoints)))
        object.__setattr__(self, "endpoint_metadata", MappingProxyType(dict(self.endpoint_metadata)))
        object.__setattr__(self, "authorize_params", MappingProxyType(dict(self.authorize_params)))
        object.__setattr__(self, "auth_methods", MappingProxyType(dict(self.auth_methods)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "allowed_values", MappingProxyType(dict(self.allowed_values)))

    def plugin(
        self, *, connector: str, api_version: tuple[int, int] | None = None, install_hint: str | None = None
    ) -> ConnectorPlugin:
        """The entry-point descriptor (``connector`` is ``"package.module:ClassName"``).

        ``api_version`` is the plugin API the connector was written against (default: this SDK's).
        """
        from ._version import PLUGIN_API_VERSION
        from .registry import ConnectorPlugin

        return ConnectorPlugin(
            api_version=api_version or PLUGIN_API_VERSION,
            name=self.name,
            title=self.title,
            methods=self.methods,
            connector=connector,
            requires=self.requires,
            extra=self.extra,
            install_hint=install_hint,
            description=self.description,
            sheet=self,
        )

    def auth_method(self, data: Mapping[str, Any]) -> AuthMethod | None:
        """The default token-endpoint authentication for raw config ``data`` with a secret and no
        method chosen (:attr:`auth_methods` for the configured methods, else the default)."""
        if data.get("token_endpoint_auth_method") is not None or not data.get("client_secret"):
            return None
        methods = data.get("methods") or ()
        names = {m.strip() for m in methods.split(",")} if isinstance(methods, str) else set(methods)
        chosen = {auth for m, auth in self.auth_methods.items() if m in names or m.value in names}
        return chosen.pop() if len(chosen) == 1 else self.default_auth_method

    def fields_of(self, config: object, names: tuple[str, ...]) -> dict[str, str]:
        """The config fields ``names`` that are set, as request parameters."""
        return {name: str(value) for name in names if (value := getattr(config, name, None))}

    def tenant_of(self, config: object) -> str | None:
        """The default tenant of ``config``: the first of :attr:`tenant`'s attributes that is set."""
        return next((v for v in (getattr(config, a, None) for a in self.tenant) if v), None)

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """The machine-readable fields of an error body, read tolerantly (see :attr:`error_fields`
        and :attr:`provider_code_fields`)."""
        errors, descriptions = self.error_fields
        return ErrorInfo(
            error=first_text(body, errors),
            description=first_text(body, descriptions),
            provider_code=first_text(body, self.provider_code_fields),
        )


def first_text(body: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first non-empty string among ``body[key]`` for ``keys`` (tolerant of odd shapes)."""
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def oauth_error(body: Mapping[str, Any]) -> ErrorInfo:
    """RFC 6749 §5.2 fields of an error body (providers extend this for their own codes)."""
    return ErrorInfo(error=first_text(body, ("error",)), description=first_text(body, ("error_description",)))


def claim_equals(name: str, value: str, *, required: bool = True, code: str = "token.type") -> ClaimCheck:
    """A claim check: claim ``name`` must equal ``value`` exactly (e.g. Cognito ``token_use``
    ``"id"``; Keycloak ``typ`` ``"ID"`` with ``required=False``). Cheap: no JOSE import."""

    def check(header: Mapping[str, Any], claims: Mapping[str, Any]) -> None:
        got = claims.get(name)
        if got is None and not required:
            return
        if not isinstance(got, str) or got != value:
            from .errors import TokenValidationError

            raise TokenValidationError(f"token {name} claim is not {value!r}", code=code)

    check.__name__ = f"claim_equals_{name}"
    return check
