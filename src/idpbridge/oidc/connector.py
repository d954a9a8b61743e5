"""The generic OpenID Connect connector, and the base every OIDC provider connector subclasses.

Provider connectors (Okta, Auth0, Keycloak, Entra, …) override *data*, not flows:

* ``Config`` — their configuration model (an :class:`OIDCConfig` subclass);
* :meth:`OIDCConnector.issuer_policy` — exact issuer, a set, or a tenant template;
* :meth:`OIDCConnector.static_metadata` — fixed endpoints for IdPs without discovery;
* ``error_rules`` / :meth:`OIDCConnector.parse_error` — their error table and error body fields;
* ``claim_map`` / ``token_checks`` — claim mapping and extra ID-token checks (``typ``,
  ``token_use``);
* :meth:`OIDCConnector.password_params` / :meth:`OIDCConnector.authorize_params` — extra request
  parameters (Auth0 ``realm``/``audience``); :meth:`OIDCConnector.password_grant_type` (Auth0
  ``password-realm``); :meth:`OIDCConnector.password_error` — refine an error from its body
  (the ``mfa_token`` of Okta/Auth0 ``mfa_required`` is sealed into the continuation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from ..classify import AUTHORIZATION_CODE, STANDARD_OAUTH_RULES, ErrorRule
from ..connector import CheckResult, Connector
from ..continuation import Continuation
from ..errors import (
    ConfigurationError,
    FlowError,
    IdpBridgeError,
    MFARequired,
)
from ..identity import ClaimSource, Identity, TokenSet
from ..methods import ExternalToken, FinishOIDC, Method, Password, StartOIDC
from ..outcomes import Authenticated, Outcome, RedirectRequired
from . import _tokens
from .authcode import build_authorization_request, callback_code, parse_max_age
from .checks import run_checks
from .claims import ClaimMap, build_identity
from .client import ClientCredentials, ErrorInfo, OAuthClient, choose_auth_method, oauth_error
from .config import OIDCConfig
from .discovery import Discovery
from .idtoken import ClaimCheck, TokenPolicy, TokenValidator
from .issuer import ExactIssuer, IssuerPolicy
from .jwks import JWKSManager
from .metadata import ProviderMetadata, static_metadata
from .ropc import password_grant
from .scopes import openid_first
from .userinfo import fetch_userinfo

__all__ = ["OIDCConnector"]


class OIDCConnector(Connector[OIDCConfig]):
    """Generic OpenID Connect: authorization code + PKCE, password grant, token validation."""

    name: ClassVar[str] = "oidc"
    title: ClassVar[str] = "Generic OpenID Connect"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN})
    Config: ClassVar[type[OIDCConfig]] = OIDCConfig

    #: Error table: provider rules first, then the standard OAuth ones.
    error_rules: ClassVar[tuple[ErrorRule, ...]] = STANDARD_OAUTH_RULES
    #: Which claims feed which identity fields (``claim_mapping`` in the config overrides entries).
    claim_map: ClassVar[ClaimMap] = ClaimMap()
    #: Extra ``(header, claims)`` checks on every ID token (e.g. Keycloak ``typ == "ID"``).
    token_checks: ClassVar[tuple[ClaimCheck, ...]] = ()
    #: ``check()`` probes the password grant with an empty request (see :mod:`.checks`).
    probe_password_grant: ClassVar[bool] = False
    #: Whether the code flow must yield an ID token (Meta's classic Facebook Login has none).
    id_token_required: ClassVar[bool] = True
    #: How ``scope`` values are joined in the authorization request (Meta: ``","``).
    scope_separator: ClassVar[str] = " "

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        sheet = cls.__dict__.get("sheet")
        if sheet is not None:  # the sheet's data replaces the class flags (declared once)
            cls.error_rules, cls.claim_map, cls.token_checks = (
                sheet.error_rules,
                sheet.claims,
                sheet.token_checks,
            )
            cls.probe_password_grant, cls.id_token_required = (
                sheet.probe_password_grant,
                sheet.id_token_required,
            )
            cls.scope_separator = sheet.scope_separator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.discovery = Discovery(self.http, self.cache, clock=self.clock)
        self.jwks = JWKSManager(self.http, self.cache, clock=self.clock)
        self.validator = TokenValidator(self.jwks, clock=self.clock)
        self.claims = self.claim_map.with_overrides(self.config.claim_mapping)
        self._oauth: OAuthClient | None = None
        self._policies: dict[tuple[ProviderMetadata, str | None, bool], TokenPolicy] = {}
        self._issuer: IssuerPolicy | None = None
        self._overrides = self.endpoint_overrides()

    # -- data hooks for provider subclasses -------------------------------------------------------

    def endpoint_overrides(self) -> dict[str, str]:
        """Endpoints that replace discovered ones (read once, at construction).

        Default: the config's ``endpoints`` except ``discovery``. Providers add their own
        (Entra's app-specific signing keys).
        """
        return {k: v for k, v in self.config.endpoints.items() if k != "discovery"}

    def issuer_policy(self) -> IssuerPolicy:
        """Which ``iss`` values are acceptable: the sheet's issuer rule, else exactly the issuer."""
        rule = self.sheet.issuer if self.sheet is not None else None
        return rule.policy(self.config.issuer) if rule is not None else ExactIssuer(self.config.issuer)

    def static_metadata(self) -> ProviderMetadata | None:
        """The sheet's static endpoints for an IdP without discovery (default: use discovery)."""
        if self.sheet is None or not self.sheet.endpoints:
            return None
        return static_metadata(self.sheet, self.config.issuer)

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """The machine-readable fields of an error body (the sheet's ``error_fields``)."""
        return self.sheet.parse_error(body) if self.sheet is not None else oauth_error(body)

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """Extra authorization parameters: the config's, then the request's."""
        return {**self.config.authorize_params, **request.extra_params}

    def authorization_scopes(self, request: StartOIDC) -> tuple[str, ...]:
        """Scopes of the authorization request: the request's or the config's, ``openid`` first."""
        return openid_first(request.scopes or self.config.scopes)

    async def fetch_profile(
        self, metadata: ProviderMetadata, access_token: str, *, subject: str | None
    ) -> tuple[ClaimSource, dict[str, Any]] | None:
        """Claims read with the access token after the token response, and their source.

        Default: UserInfo when enabled and advertised. Providers with a profile API of their own
        (Meta's Graph ``/me``) override this; ``subject`` is the ID token's ``sub`` (or ``None``).
        """
        if not (self.config.fetch_userinfo and metadata.userinfo_endpoint):
            return None
        claims = await fetch_userinfo(self.http, metadata.userinfo_endpoint, access_token, subject=subject)
        return ClaimSource.USERINFO, claims

    def password_params(self, request: Password) -> dict[str, str]:
        """Extra password-grant parameters (none for generic OIDC)."""
        return {}

    def password_grant_type(self, request: Password) -> str:
        """The password grant's ``grant_type`` (Auth0 uses an extension grant with a realm)."""
        return "password"

    def password_error(
        self, request: Password, error: IdpBridgeError, body: Mapping[str, Any]
    ) -> IdpBridgeError:
        """Refine a password-grant error from its raw body.

        By default an :class:`~idpbridge.MFARequired` whose body carries an ``mfa_token`` (the
        Auth0 dialect, also spoken by Okta) gets a ``continuation`` sealing that token and the
        username for the ``totp`` method; the token itself never leaves the sealed state.
        """
        token = body.get("mfa_token")
        if isinstance(error, MFARequired) and isinstance(token, str) and token:
            sealed, _ = self.seal(Method.TOTP, {"mfa_token": token, "username": request.username})
            error.continuation = sealed
        return error

    def default_tenant(self) -> str | None:
        """The tenant reported when no claim names one (Okta org host, Keycloak realm)."""
        return None

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        """Normalize merged claims (override for provider-specific subject keys).

        The sheet's issuer rule names the canonical issuer (one of Google's two spellings).
        """
        if self.sheet is not None and self.sheet.issuer is not None:
            issuer = self.sheet.issuer.canonical(issuer)
        identity = build_identity(
            claims,
            sources,
            mapping=self.claims,
            provider=self.name,
            connector=self.instance_name,
            issuer=issuer,
            subject=str(claims["sub"]),
        )
        tenant = None if identity.tenant else self.default_tenant()
        return identity if tenant is None else dataclasses.replace(identity, tenant=tenant)

    # -- plumbing ---------------------------------------------------------------------------------

    async def metadata(self) -> ProviderMetadata:
        """The IdP's metadata (discovery, cached; or :meth:`static_metadata`) with overrides."""
        static = self.static_metadata()
        if static is not None:
            return static.with_overrides(self._overrides)
        return await self.discover(expected_issuer=self.policy.metadata_issuer)

    async def discover(self, *, expected_issuer: str | None) -> ProviderMetadata:
        """The (cached) discovery document of :attr:`policy`, with the endpoint overrides applied.

        ``expected_issuer`` is what its ``issuer`` must be exactly; ``None`` skips the check (for
        subclasses that learn the issuer from the document, like Entra's domain tenants).
        """
        return await self.discovery.get(
            self.policy.discovery_issuer,
            url=self.config.endpoints.get("discovery"),
            overrides=self._overrides,
            expected_issuer=expected_issuer,
        )

    @property
    def policy(self) -> IssuerPolicy:
        """:meth:`issuer_policy`, built once (or the one given to :meth:`pin_issuer`)."""
        if self._issuer is None:
            self._issuer = self.issuer_policy()
        return self._issuer

    def pin_issuer(self, policy: IssuerPolicy) -> None:
        """Replace :attr:`policy` (for subclasses that learn the issuer at run time).

        Token policies built with the previous issuer policy are dropped.
        """
        self._issuer = policy
        self._policies.clear()

    def oauth(self, metadata: ProviderMetadata) -> OAuthClient:
        """The token-endpoint client (authentication method fixed on first use)."""
        if self._oauth is None:
            method = choose_auth_method(
                self.config.token_endpoint_auth_method,
                metadata.token_endpoint_auth_methods_supported,
                has_secret=self.config.client_secret is not None,
            )
            creds = ClientCredentials(self.config.client_id, self.config.client_secret, method)
            self._oauth = OAuthClient(self.http, creds, rules=self.error_rules, error_parser=self.parse_error)
        return self._oauth

    def token_policy(
        self, metadata: ProviderMetadata, *, audience: str | None = None, external: bool = False
    ) -> TokenPolicy:
        """How tokens are validated (memoized): ``iat`` within ``max_token_age`` for token-endpoint
        ID tokens, or ``max_external_token_age`` with ``external=True`` (an ExternalToken)."""
        key = (metadata, audience, external)
        cached = self._policies.get(key)
        if cached is None:
            cached = self.build_token_policy(metadata, audience=audience)
            if external:
                cached = dataclasses.replace(cached, max_iat_age=self.config.max_external_token_age)
            self._policies[key] = cached
            if len(self._policies) > 8:
                self._policies.pop(next(iter(self._policies)))
        return cached

    def build_token_policy(self, metadata: ProviderMetadata, *, audience: str | None = None) -> TokenPolicy:
        """Build the token-endpoint :class:`TokenPolicy` (override to change algorithms, checks)."""
        cfg = self.config
        algorithms = cfg.id_token_algorithms or metadata.id_token_signing_alg_values_supported or ("RS256",)
        return TokenPolicy(
            audience=audience or cfg.client_id,
            issuer=self.policy,
            algorithms=frozenset(algorithms),
            allow_symmetric=cfg.allow_symmetric_id_tokens,
            hmac_secret=cfg.client_secret if cfg.allow_symmetric_id_tokens else None,
            leeway=cfg.leeway,
            max_iat_age=cfg.max_token_age,
            claim_checks=self.token_checks,
        )

    @staticmethod
    def endpoint(metadata: ProviderMetadata, name: str) -> str:
        """The URL of endpoint ``name`` (e.g. ``"token_endpoint"``) for subclasses' own flows.

        Raises :class:`~idpbridge.ConfigurationError` (``config.not_supported``) when the IdP has none.
        """
        value = getattr(metadata, name)
        if not value:
            raise ConfigurationError(
                f"the IdP has no {name}; set endpoints.{name}", field="endpoints", code="config.not_supported"
            )
        return str(value)

    async def complete(
        self,
        metadata: ProviderMetadata,
        body: Mapping[str, Any],
        *,
        method: Method,
        nonce: str | None,
        max_age: int | None = None,
    ) -> Authenticated:
        """Validate a token response and build the outcome (ID token, then UserInfo).

        For subclasses whose own flow ends in a token response (PingOne's ``pi.flow``): ``nonce``
        is the one sent in the authorization request (``None`` for grants without one).
        """
        return await _tokens.complete(self, metadata, body, method=method, nonce=nonce, max_age=max_age)

    # -- flows ------------------------------------------------------------------------------------

    async def start_oidc(self, request: StartOIDC) -> Outcome:
        """Build the authorization redirect (PKCE S256, state, nonce) and seal the flow state."""
        metadata = await self.metadata()
        endpoint = self.endpoint(metadata, "authorization_endpoint")
        methods = metadata.code_challenge_methods_supported
        if methods and "S256" not in methods:
            raise ConfigurationError("the IdP does not support PKCE S256", code="config.pkce_unsupported")
        mode = request.response_mode or self.config.response_mode
        if mode and metadata.response_modes_supported and mode not in metadata.response_modes_supported:
            raise ConfigurationError(
                f"the IdP does not support response_mode {mode!r}", field="response_mode"
            )
        scopes = self.authorization_scopes(request)
        extra = self.authorize_params(request)
        max_age = parse_max_age(extra.pop("max_age", None))
        auth = build_authorization_request(
            endpoint,
            client_id=self.config.client_id,
            redirect_uri=request.redirect_uri,
            scopes=scopes,
            scope_separator=self.scope_separator,
            response_mode=mode,
            prompt=request.prompt,
            login_hint=request.login_hint,
            acr_values=request.acr_values,
            claims=request.claims,
            max_age=max_age,
            extra_params=extra,
        )
        state = {
            "s": auth.state,
            "n": auth.nonce,
            "v": auth.code_verifier,
            "r": auth.redirect_uri,
            "i": metadata.issuer,
            "ir": metadata.authorization_response_iss_parameter_supported,
            "ma": max_age,
        }
        token, expires_at = self.seal(Method.OIDC, state)
        return RedirectRequired(url=auth.url, continuation=token, expires_at=expires_at)

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        """Check the callback, redeem the code once, validate the ID token, merge UserInfo."""
        data = continuation.data
        await self.consume_continuation(
            continuation, message="this flow was already finished (replayed callback)"
        )
        code = callback_code(
            request.callback_params,
            expected_state=str(data["s"]),
            expected_issuer=str(data["i"]),
            iss_required=bool(data.get("ir")),
            rules=self.error_rules,
        )
        metadata = await self.metadata()
        if metadata.issuer != data["i"]:
            raise FlowError("the IdP's issuer changed during the flow", code="flow.issuer_mismatch")
        body = await self.oauth(metadata).token(
            self.endpoint(metadata, "token_endpoint"),
            AUTHORIZATION_CODE,
            {"code": code, "redirect_uri": str(data["r"]), "code_verifier": str(data["v"])},
        )
        max_age = data.get("ma")
        return await self.complete(
            metadata,
            body,
            method=Method.OIDC,
            nonce=str(data["n"]),
            max_age=max_age if isinstance(max_age, int) else None,
        )

    async def password(self, request: Password) -> Outcome:
        """Resource Owner Password Credentials grant."""
        metadata = await self.metadata()
        body = await password_grant(
            self.oauth(metadata),
            self.endpoint(metadata, "token_endpoint"),
            username=request.username,
            password=request.password.get_secret_value(),
            scopes=self.config.scopes,
            extra=self.password_params(request),
            grant_type=self.password_grant_type(request),
            on_error=lambda error, raw: self.password_error(request, error, raw),
        )
        return await self.complete(metadata, body, method=Method.PASSWORD, nonce=None)

    async def validate_token(self, request: ExternalToken) -> Outcome:
        """Validate an ID token or JWT access token the IdP issued elsewhere."""
        return await _tokens.validate_external(self, request)

    # -- optional operations ----------------------------------------------------------------------

    async def refresh(self, refresh_token: str | SecretStr, *, subject: str | None = None) -> TokenSet:
        """Use a refresh token. A new ID token is validated and must keep ``subject`` (when given)."""
        rt = refresh_token.get_secret_value() if isinstance(refresh_token, SecretStr) else refresh_token
        return await _tokens.refresh(self, rt, subject=subject)

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = None) -> None:
        """Revoke an access or refresh token (RFC 7009), when the IdP has a revocation endpoint."""
        metadata = await self.metadata()
        value = token.get_secret_value() if isinstance(token, SecretStr) else token
        await self.oauth(metadata).revoke(
            self.endpoint(metadata, "revocation_endpoint"), value, token_type_hint=token_type_hint
        )

    async def logout_url(
        self,
        *,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        logout_hint: str | None = None,
    ) -> str:
        """The RP-initiated logout URL, when the IdP has an ``end_session_endpoint``.

        Identifies the client by ``client_id``; ``id_token_hint`` is deliberately not offered, as
        tokens never go into URLs.
        """
        metadata = await self.metadata()
        endpoint = self.endpoint(metadata, "end_session_endpoint")
        params = {
            "client_id": self.config.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": state,
            "logout_hint": logout_hint,
        }
        return _tokens.logout_url(endpoint, params)

    async def probes(self) -> list[CheckResult]:
        return [CheckResult("configuration", True, "configuration is valid"), *await run_checks(self)]
