"""The composed OIDC engine: discovery, keys, validator, OAuth client and claims, with explicit operations.

:class:`OIDCEngine` is built from a config, a :class:`~idpbridge.kit.ProviderSheet`, the connector's
HTTP client, cache and clock, and a seal function. It never sees the connector: provider quirks
reach it as :class:`EngineHooks` (plain callables over the config), and quirk code that needs a
protocol step is given the engine. :class:`~idpbridge.oidc.OIDCConnector` is a router over it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from pydantic import SecretStr

from ..cache import Cache
from ..classify import AUTHORIZATION_CODE, STANDARD_OAUTH_RULES
from ..errors import ConfigurationError, FlowError, IdpBridgeError, MFARequired
from ..http import HttpClient, Response
from ..identity import ClaimSource, Identity, TokenSet
from ..methods import ExternalToken, Method, StartOIDC
from ..outcomes import Authenticated, RedirectRequired
from ..sheet import ProviderSheet
from ..steps import CodeStep, StepContext
from . import _tokens
from .authcode import build_authorization_request, callback_code, flatten_callback, parse_max_age
from .claims import ClaimMap, build_identity, subject_of
from .client import (
    ClientCredentials,
    ErrorHook,
    ErrorInfo,
    OAuthClient,
    choose_auth_method,
    error_body,
    oauth_error,
)
from .config import OIDCConfig
from .discovery import Discovery
from .idtoken import TokenPolicy, TokenValidator
from .issuer import ExactIssuer, IssuerPolicy
from .jwks import JWKSManager
from .metadata import ProviderMetadata, static_metadata
from .ropc import password_grant
from .userinfo import fetch_userinfo

__all__ = ["EngineHooks", "OIDCEngine", "Seal", "mfa_token"]

#: Seals flow state for a method: ``(continuation, expires_at)``.
Seal = Callable[[Method, Mapping[str, Any]], tuple[SecretStr, dt.datetime]]
Profile = Callable[
    ["OIDCEngine", ProviderMetadata, str, str | None], Awaitable[tuple[ClaimSource, dict[str, Any]] | None]
]


def mfa_token(error: IdpBridgeError, body: Mapping[str, Any]) -> str | None:
    """The ``mfa_token`` an error answer classified as :class:`~idpbridge.MFARequired` carries
    (Auth0, Okta), if any."""
    token = body.get("mfa_token")
    return token if isinstance(error, MFARequired) and isinstance(token, str) and token else None


@dataclasses.dataclass(frozen=True, slots=True)
class EngineHooks:
    """Provider quirks the engine applies; ``None`` means the sheet's or the generic behaviour.

    Args:
        issuer_policy: builds the ``iss`` policy (default: the sheet's issuer rule).
        static_metadata: fixed endpoints (default: the sheet's endpoint templates with its
            ``endpoint_fields``, else discovery).
        parse_error: reads an error body (default: the sheet's ``error_fields``).
        token_policy: adjusts the token-endpoint :class:`TokenPolicy` (Google's ``hd``/``azp``).
        profile: claims read with the access token (default: UserInfo when enabled and advertised).
        identity: refines the default identity (the claim map's), given it with the merged claims
            and their sources: ``(identity, claims, sources) -> Identity``.
        default_tenant: the tenant reported when no claim names one (default: the config field
            the sheet's ``tenant`` names).
        endpoint_overrides: endpoints that replace discovered or static ones (Cognito's Hosted UI);
            the config's ``endpoints`` win over them.
        client_secret: the client secret to send now, when it changes over time (Apple's minted
            JWT); the token-endpoint client is rebuilt when it returns another secret.
        mfa_step: the input step that answers a password grant's sealed ``mfa_token`` (Okta's TOTP
            step): the password method then returns it as :class:`~idpbridge.InputRequired`
            instead of raising :class:`~idpbridge.MFARequired`.
    """

    issuer_policy: Callable[[], IssuerPolicy] | None = None
    static_metadata: Callable[[], ProviderMetadata | None] | None = None
    parse_error: Callable[[Mapping[str, Any]], ErrorInfo] | None = None
    token_policy: Callable[[TokenPolicy], TokenPolicy] | None = None
    profile: Profile | None = None
    identity: Callable[[Identity, Mapping[str, Any], Mapping[str, ClaimSource]], Identity] | None = None
    default_tenant: str | None = None
    endpoint_overrides: Mapping[str, str] | None = None
    client_secret: Callable[[], SecretStr] | None = None
    mfa_step: CodeStep | None = None


class OIDCEngine:
    """One IdP's OpenID Connect machinery (see the module docstring).

    Args:
        config: the connector's settings.
        sheet: the provider's data (``None``: generic OpenID Connect).
        http: the connector's HTTP client.
        cache: the connector's cache (discovery, keys).
        clock: the connector's clock.
        steps: sealing flow state and claiming a continuation once (:class:`~idpbridge.kit.StepContext`).
        provider: the provider name stamped on identities.
        instance: the connector instance name stamped on identities.
        hooks: the provider's quirks.
    """

    def __init__(
        self,
        config: OIDCConfig,
        sheet: ProviderSheet | None,
        *,
        http: HttpClient,
        cache: Cache,
        clock: Callable[[], float],
        steps: StepContext,
        provider: str,
        instance: str,
        hooks: EngineHooks | None = None,
    ) -> None:
        self.config, self.sheet, self.http, self.clock = config, sheet, http, clock
        self.steps, self.seal = steps, steps.seal
        self.provider, self.instance = provider, instance
        self.hooks = hooks or EngineHooks()
        self.discovery = Discovery(http, cache, clock=clock)
        self.jwks = JWKSManager(http, cache, clock=clock)
        self.validator = TokenValidator(self.jwks, clock=clock)
        base = sheet.claims if sheet is not None else ClaimMap()
        self.claims = base.with_overrides(config.claim_mapping)
        self.rules = sheet.error_rules if sheet is not None else STANDARD_OAUTH_RULES
        given = {k: v for k, v in config.endpoints.items() if k != "discovery"}
        self.overrides = {**(self.hooks.endpoint_overrides or {}), **given}
        self._oauth: OAuthClient | None = None
        self._policies: dict[tuple[ProviderMetadata, str | None, bool], TokenPolicy] = {}
        self._last_policy: tuple[ProviderMetadata, str | None, bool, TokenPolicy] | None = None
        self._issuer: IssuerPolicy | None = None
        self.id_token_required = sheet.id_token_required if sheet is not None else True
        self.default_tenant = self.hooks.default_tenant or (sheet.tenant_of(config) if sheet else None)
        rule = sheet.issuer if sheet is not None else None
        self._learn_tenant = rule is not None and rule.learns(dict(config))

    # -- metadata, issuer, clients ----------------------------------------------------------------

    @property
    def policy(self) -> IssuerPolicy:
        """The ``iss`` policy, built once (or the one given to :meth:`pin_issuer`): the hook's, else
        the sheet's issuer rule applied to the configured issuer (exact without a rule)."""
        if self._issuer is None:
            hook, rule = self.hooks.issuer_policy, self.sheet.issuer if self.sheet is not None else None
            if hook is not None:
                self._issuer = hook()
            elif rule is not None:
                self._issuer = rule.policy(self.config.issuer, dict(self.config))
            else:
                self._issuer = ExactIssuer(self.config.issuer)
        return self._issuer

    def pin_issuer(self, policy: IssuerPolicy) -> None:
        """Replace :attr:`policy` (an issuer learned at run time); token policies are rebuilt."""
        self._issuer = policy
        self._policies.clear()
        self._last_policy = None

    def static_metadata(self) -> ProviderMetadata | None:
        """Fixed endpoints (hook, else the sheet's templates), or ``None`` to use discovery."""
        if self.hooks.static_metadata is not None:
            return self.hooks.static_metadata()
        if self.sheet is not None and self.sheet.endpoints:
            fields = self.sheet.fields_of(self.config, self.sheet.endpoint_fields)
            return static_metadata(self.sheet, self.config.issuer, **fields)
        return None

    async def metadata(self) -> ProviderMetadata:
        """The IdP's metadata (static or discovered, cached) with the endpoint overrides.

        A discovered issuer other than the configured one is ``config.issuer_mismatch``, explained
        by the sheet's ``issuer_mismatch_hint`` when it has one.
        """
        static = self.static_metadata()
        if static is not None:
            return static.with_overrides(self.overrides)
        try:
            if self._learn_tenant:
                await self._learn_tenant_id()
            return await self.discover(expected_issuer=self.policy.metadata_issuer)
        except ConfigurationError as exc:
            hint = self.sheet.issuer_mismatch_hint if self.sheet is not None else None
            if hint is None or exc.code != "config.issuer_mismatch":
                raise
            raise ConfigurationError(f"{exc.message}. {hint[0]}", code=exc.code, field=hint[1]) from None

    def cached_metadata(self) -> ProviderMetadata | None:
        """What :meth:`metadata` returns when that needs no I/O (discovered before and fresh),
        else ``None`` (await :meth:`metadata` then). Never raises."""
        if self._learn_tenant or self.hooks.static_metadata is not None:
            return None
        if self.sheet is not None and self.sheet.endpoints:
            return None
        return self.discovery.cached(
            self.policy.discovery_issuer,
            url=self.config.endpoints.get("discovery"),
            overrides=self.overrides,
            expected_issuer=self.policy.metadata_issuer,
        )

    async def _learn_tenant_id(self) -> None:
        """A tenant rule's domain tenant: read its id from discovery once and pin the issuer."""
        rule, settings = self.sheet.issuer if self.sheet is not None else None, dict(self.config)
        if rule is not None:
            found = await self.discover(expected_issuer=None)
            tenant_id = rule.learned_tenant(settings, found.issuer)
            self.pin_issuer(rule.policy(self.config.issuer, settings, learned=tenant_id))
        self._learn_tenant = False

    async def discover(self, *, expected_issuer: str | None) -> ProviderMetadata:
        """The discovery document of :attr:`policy` (``expected_issuer=None`` skips the issuer check)."""
        return await self.discovery.get(
            self.policy.discovery_issuer,
            url=self.config.endpoints.get("discovery"),
            overrides=self.overrides,
            expected_issuer=expected_issuer,
        )

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """The machine-readable fields of an error body: the hook's reading, else the sheet's
        ``error_fields`` (RFC 6749 §5.2 without a sheet)."""
        if self.hooks.parse_error is not None:
            return self.hooks.parse_error(body)
        return self.sheet.parse_error(body) if self.sheet is not None else oauth_error(body)

    def oauth(self, metadata: ProviderMetadata) -> OAuthClient:
        """The token-endpoint client (authentication method fixed on first use; rebuilt when the
        ``client_secret`` hook gives another secret)."""
        cfg, hook = self.config, self.hooks.client_secret
        secret = hook() if hook is not None else cfg.client_secret
        if self._oauth is None or self._oauth.credentials.client_secret is not secret:
            default = self.sheet.default_auth_method if self.sheet is not None and secret else None
            method = choose_auth_method(
                cfg.token_endpoint_auth_method or default,
                metadata.token_endpoint_auth_methods_supported,
                has_secret=secret is not None,
                has_key=cfg.client_assertion_key is not None,
            )
            audience = (
                metadata.issuer if cfg.client_assertion_audience == "issuer" else metadata.token_endpoint
            )
            creds = ClientCredentials(
                cfg.client_id,
                secret,
                method,
                signer=cfg.assertion_signer(method),
                assertion_audience=audience,
            )
            self._oauth = OAuthClient(self.http, creds, rules=self.rules, error_parser=self.parse_error)
        return self._oauth

    def build_token_policy(self, metadata: ProviderMetadata, *, audience: str | None = None) -> TokenPolicy:
        """The token-endpoint :class:`TokenPolicy`, adjusted by the ``token_policy`` hook."""
        cfg = self.config
        algorithms = cfg.id_token_algorithms or metadata.id_token_signing_alg_values_supported or ("RS256",)
        policy = TokenPolicy(
            audience=audience or cfg.client_id,
            issuer=self.policy,
            algorithms=frozenset(algorithms),
            allow_symmetric=cfg.allow_symmetric_id_tokens,
            hmac_secret=cfg.client_secret if cfg.allow_symmetric_id_tokens else None,
            leeway=cfg.leeway,
            max_iat_age=cfg.max_token_age,
            claim_checks=self.sheet.token_checks if self.sheet is not None else (),
        )
        return self.hooks.token_policy(policy) if self.hooks.token_policy is not None else policy

    def token_policy(
        self, metadata: ProviderMetadata, *, audience: str | None = None, external: bool = False
    ) -> TokenPolicy:
        """:meth:`build_token_policy` memoized; ``external`` uses ``max_external_token_age``."""
        last = self._last_policy
        if last is not None and last[0] is metadata and last[1] == audience and last[2] is external:
            return last[3]  # the same metadata object as last time: no hashing of its fields
        key = (metadata, audience, external)
        cached = self._policies.get(key)
        if cached is None:
            cached = self.build_token_policy(metadata, audience=audience)
            if external:
                cached = dataclasses.replace(cached, max_iat_age=self.config.max_external_token_age)
            self._policies[key] = cached
            if len(self._policies) > 8:
                self._policies.pop(next(iter(self._policies)))
        self._last_policy = (metadata, audience, external, cached)
        return cached

    @staticmethod
    def endpoint(metadata: ProviderMetadata, name: str) -> str:
        """The URL of endpoint ``name``; ``config.not_supported`` when the IdP has none."""
        value = getattr(metadata, name)
        if not value:
            raise ConfigurationError(
                f"the IdP has no {name}; set endpoints.{name}", field="endpoints", code="config.not_supported"
            )
        return str(value)

    # -- identity ---------------------------------------------------------------------------------

    async def profile(
        self, metadata: ProviderMetadata, access_token: str, *, subject: str | None
    ) -> tuple[ClaimSource, dict[str, Any]] | None:
        """Claims read with the access token: the ``profile`` hook, else UserInfo when enabled and
        advertised."""
        if self.hooks.profile is not None:
            return await self.hooks.profile(self, metadata, access_token, subject)
        if not (self.config.fetch_userinfo and metadata.userinfo_endpoint):
            return None
        claims = await fetch_userinfo(self.http, metadata.userinfo_endpoint, access_token, subject=subject)
        return ClaimSource.USERINFO, claims

    def identity(
        self,
        claims: Mapping[str, Any],
        sources: Mapping[str, ClaimSource],
        issuer: str,
        *,
        owned: bool = False,
    ) -> Identity:
        """Normalize merged claims: the claim map's identity under the canonical issuer, with the
        default tenant, refined by the ``identity`` hook.

        ``owned``: ``claims`` and ``sources`` are fresh dicts nobody else holds (what
        :func:`merge_claims` returns), so the Identity keeps them instead of copies.
        """
        if self.sheet is not None and self.sheet.issuer is not None:
            issuer = self.sheet.issuer.canonical(issuer)
        identity = build_identity(
            claims,
            sources,
            mapping=self.claims,
            provider=self.provider,
            connector=self.instance,
            issuer=issuer,
            subject=subject_of(claims, self.claims),
            owned=owned and self.hooks.identity is None,  # a hook gets the dicts: keep ours apart
        )
        if not identity.tenant and self.default_tenant is not None:
            identity = dataclasses.replace(identity, tenant=self.default_tenant)
        return identity if self.hooks.identity is None else self.hooks.identity(identity, claims, sources)

    # -- operations -------------------------------------------------------------------------------

    def authorize(
        self,
        metadata: ProviderMetadata,
        request: StartOIDC,
        *,
        scopes: tuple[str, ...],
        params: dict[str, str],
    ) -> RedirectRequired:
        """The authorization redirect (PKCE S256, state, nonce), its state sealed."""
        endpoint = self.endpoint(metadata, "authorization_endpoint")
        methods = metadata.code_challenge_methods_supported
        if methods and "S256" not in methods:
            raise ConfigurationError("the IdP does not support PKCE S256", code="config.pkce_unsupported")
        mode = request.response_mode or self.config.response_mode
        if mode and metadata.response_modes_supported and mode not in metadata.response_modes_supported:
            raise ConfigurationError(
                f"the IdP does not support response_mode {mode!r}", field="response_mode"
            )
        extra = dict(params)
        max_age = parse_max_age(extra.pop("max_age", None))
        auth = build_authorization_request(
            endpoint,
            client_id=self.config.client_id,
            redirect_uri=request.redirect_uri,
            scopes=scopes,
            scope_separator=self.sheet.scope_separator if self.sheet is not None else " ",
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

    def callback(self, data: Mapping[str, Any], params: Mapping[str, str]) -> str:
        """The authorization code of a callback, checked against the flow's sealed ``data``.

        A callback error under the sheet's ``callback_error_fields`` (and no ``error``) is read as
        ``error``/``error_description``.
        """
        names = self.sheet.callback_error_fields if self.sheet is not None else None
        if names is not None:
            params = flatten_callback(params)
            if "error" not in params and "code" not in params and params.get(names[0]):
                params["error"] = params[names[0]]
                if params.get(names[1]):
                    params.setdefault("error_description", params[names[1]])
        return callback_code(
            params,
            expected_state=str(data["s"]),
            expected_issuer=str(data["i"]),
            iss_required=bool(data.get("ir")),
            rules=self.rules,
        )

    async def redeem_code(
        self, metadata: ProviderMetadata, oauth: OAuthClient, data: Mapping[str, Any], code: str
    ) -> Mapping[str, Any]:
        """Redeem a :meth:`callback` code with the flow's PKCE verifier (the token response)."""
        if metadata.issuer != data["i"]:
            raise FlowError("the IdP's issuer changed during the flow", code="flow.issuer_mismatch")
        return await oauth.token(
            self.endpoint(metadata, "token_endpoint"),
            AUTHORIZATION_CODE,
            {"code": code, "redirect_uri": str(data["r"]), "code_verifier": str(data["v"])},
        )

    async def password_grant(
        self,
        metadata: ProviderMetadata,
        oauth: OAuthClient,
        *,
        username: str,
        password: str,
        extra: Mapping[str, str] | None = None,
        grant_type: str = "password",
        on_error: ErrorHook | None = None,
    ) -> Mapping[str, Any]:
        """The Resource Owner Password Credentials grant (the token response)."""
        return await password_grant(
            oauth,
            self.endpoint(metadata, "token_endpoint"),
            username=username,
            password=password,
            scopes=self.config.scopes,
            extra=dict(extra or {}),
            grant_type=grant_type,
            on_error=on_error,
        )

    def seal_mfa_token(
        self, error: IdpBridgeError, body: Mapping[str, Any], *, username: str
    ) -> IdpBridgeError:
        """Give an :class:`~idpbridge.MFARequired` carrying an ``mfa_token`` (Auth0/Okta) a
        continuation sealing it and ``username`` for the ``totp`` method (the token stays sealed),
        under the ``mfa_step``'s marker when there is one (its :meth:`~idpbridge.kit.CodeStep.open`
        then answers it)."""
        token, step = mfa_token(error, body), self.hooks.mfa_step
        if isinstance(error, MFARequired) and token is not None:
            state = {"mfa_token": token, "username": username}
            sealed, _ = self.seal(Method.TOTP, state if step is None else {**state, "f": step.flow})
            error.continuation = sealed
        return error

    async def complete(
        self,
        metadata: ProviderMetadata,
        body: Mapping[str, Any],
        *,
        method: Method,
        nonce: str | None,
        max_age: int | None = None,
    ) -> Authenticated:
        """Validate a token response (ID token, then the profile) and build the outcome."""
        return await _tokens.complete(self, metadata, body, method=method, nonce=nonce, max_age=max_age)

    async def grant(
        self,
        metadata: ProviderMetadata,
        grant_type: str,
        params: Mapping[str, str],
        *,
        method: Method,
        nonce: str | None = None,
    ) -> Authenticated:
        """One token-endpoint grant (an extension grant, a code with its PKCE verifier, …), its
        response :meth:`completed <complete>` for ``method`` (``nonce``: the one the flow sent)."""
        endpoint = self.endpoint(metadata, "token_endpoint")
        body = await self.oauth(metadata).token(endpoint, grant_type, dict(params))
        return await self.complete(metadata, body, method=method, nonce=nonce)

    async def send(self, method: str, url: str, **kwargs: Any) -> tuple[Response, dict[str, Any] | None]:
        """One request to a provider API outside OAuth (never retried unless ``idempotent=True`` is
        given), errors returned: the response and its body when that is a JSON object (tolerant:
        anything else, or a malformed object, is ``None``)."""
        kwargs.setdefault("idempotent", False)
        response = await self.http.request(method, url, return_errors=True, **kwargs)
        return response, error_body(response)

    def validate_external(
        self, metadata: ProviderMetadata, request: ExternalToken
    ) -> Coroutine[Any, Any, Authenticated]:
        """Validate an ID token or JWT access token the IdP issued elsewhere (a coroutine)."""
        return _tokens.validate_external(self, metadata, request)

    async def refresh(
        self, metadata: ProviderMetadata, oauth: OAuthClient, refresh_token: str, *, subject: str | None
    ) -> TokenSet:
        """Use a refresh token; a new ID token must keep ``subject`` (when given)."""
        return await _tokens.refresh(self, metadata, oauth, refresh_token, subject=subject)

    async def revoke(
        self, metadata: ProviderMetadata, oauth: OAuthClient, token: str, *, token_type_hint: str | None
    ) -> None:
        """Revoke an access or refresh token (RFC 7009)."""
        await oauth.revoke(
            self.endpoint(metadata, "revocation_endpoint"), token, token_type_hint=token_type_hint
        )

    def logout_url(self, metadata: ProviderMetadata, params: Mapping[str, str | None]) -> str:
        """The RP-initiated logout URL (``client_id`` and the non-empty ``params``)."""
        endpoint = self.endpoint(metadata, "end_session_endpoint")
        return _tokens.logout_url(endpoint, {"client_id": self.config.client_id, **params})
