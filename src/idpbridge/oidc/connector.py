"""The generic OpenID Connect connector: a thin router over the :class:`~.engine.OIDCEngine`.

A provider on a sheet sets ``sheet`` (name, title, methods, issuer rule, endpoints, claims, error
table, flags) and ``Config``, and overrides only what really deviates: request data
(:meth:`OIDCConnector.authorize_params`, :meth:`OIDCConnector.password_params`,
:meth:`OIDCConnector.password_grant_type`, :meth:`OIDCConnector.password_error`) and
:meth:`OIDCConnector.engine_hooks` (quirks the engine applies, as plain callables over the config).

The remaining overridable methods (``issuer_policy``, ``static_metadata``, ``parse_error``,
``fetch_profile``, ``make_identity``, ``default_tenant``, ``build_token_policy``,
``endpoint_overrides``) and the class flags (``error_rules``, ``claim_map``, …) are transitional:
removed once every provider uses the sheet.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from ..classify import STANDARD_OAUTH_RULES, ErrorRule
from ..connector import CheckResult, Connector
from ..continuation import Continuation
from ..errors import IdpBridgeError
from ..identity import ClaimSource, Identity, TokenSet
from ..methods import ExternalToken, FinishOIDC, Method, Password, StartOIDC
from ..outcomes import Authenticated, CIBAPending, CIBAStarted, DeviceCodeIssued, DevicePending, Outcome
from ..sheet import ProviderSheet
from . import ciba, device, introspection
from .checks import run_checks
from .claims import ClaimMap
from .client import ErrorHook, ErrorInfo, OAuthClient
from .config import OIDCConfig
from .discovery import Discovery
from .engine import EngineHooks, OIDCEngine
from .idtoken import ClaimCheck, TokenPolicy, TokenValidator
from .issuer import IssuerPolicy
from .jwks import JWKSManager
from .logout import LogoutToken, validate_logout_token
from .metadata import ProviderMetadata
from .par import push_or_sign, requires_par
from .plugin import SHEET
from .scopes import openid_first

__all__ = ["OIDCConnector"]


class OIDCConnector(Connector[OIDCConfig]):
    """Generic OpenID Connect: authorization code + PKCE, password grant, token validation."""

    sheet = SHEET
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
        self._engine: OIDCEngine | None = None
        self._engine = self.engine  # built now: a bad claim_mapping is a construction error

    # -- the engine -------------------------------------------------------------------------------

    def engine_hooks(self) -> EngineHooks:
        """The provider's quirks for the engine: plain callables over the config, never ``self``.

        Providers on a sheet override this (Google's token checks, Auth0's default tenant).
        """
        return EngineHooks()

    @property
    def engine(self) -> OIDCEngine:
        """The composed :class:`OIDCEngine` this connector routes to (built on first use)."""
        if self._engine is None:
            cls = type(self)
            sheet = cls.sheet if cls.sheet is not None and cls.sheet.name == cls.name else _class_sheet(cls)
            self._engine = OIDCEngine(
                self.config,
                sheet,
                http=self.http,
                cache=self.cache,
                clock=self.clock,
                seal=self.seal,
                provider=self.name,
                instance=self.instance_name,
                hooks=self._transitional_hooks(self.engine_hooks()),
                overrides=self.endpoint_overrides() if _overrides(cls, "endpoint_overrides") else None,
                id_token_required=cls.id_token_required,
                build_policy=self.build_token_policy if _overrides(cls, "build_token_policy") else None,
                build_identity=self.make_identity if _overrides(cls, "make_identity") else None,
            )
        return self._engine

    def _transitional_hooks(self, hooks: EngineHooks) -> EngineHooks:
        """Hooks from the connector methods a subclass overrides.

        Transitional: removed once every provider uses the sheet (and ``engine_hooks``).
        """
        cls, found = type(self), dict[str, Any]()
        if _overrides(cls, "issuer_policy"):
            found["issuer_policy"] = self.issuer_policy
        if _overrides(cls, "static_metadata"):
            found["static_metadata"] = self.static_metadata
        if _overrides(cls, "parse_error"):
            found["parse_error"] = self.parse_error
        if _overrides(cls, "default_tenant"):
            found["default_tenant"] = self.default_tenant()
        if _overrides(cls, "fetch_profile"):

            async def profile(
                engine: OIDCEngine, metadata: ProviderMetadata, token: str, subject: str | None
            ) -> tuple[ClaimSource, dict[str, Any]] | None:
                return await self.fetch_profile(metadata, token, subject=subject)

            found["profile"] = profile
        return dataclasses.replace(hooks, **found) if found else hooks

    @property
    def discovery(self) -> Discovery:
        """The engine's discovery client."""
        return self.engine.discovery

    @property
    def jwks(self) -> JWKSManager:
        """The engine's key-set manager."""
        return self.engine.jwks

    @property
    def validator(self) -> TokenValidator:
        """The engine's token validator."""
        return self.engine.validator

    @property
    def claims(self) -> ClaimMap:
        """The claim map in use (the sheet's, with the config's ``claim_mapping``)."""
        return self.engine.claims

    # -- transitional hooks: removed once every provider uses the sheet ----------------------------

    def endpoint_overrides(self) -> dict[str, str]:
        """Endpoints that replace discovered ones (read once). Transitional (Entra's keys).

        Default: the config's ``endpoints`` except ``discovery``.
        """
        return {k: v for k, v in self.config.endpoints.items() if k != "discovery"}

    def issuer_policy(self) -> IssuerPolicy:
        """Which ``iss`` values are acceptable (the sheet's rule). Transitional hook."""
        return self.engine.default_issuer_policy()

    def static_metadata(self) -> ProviderMetadata | None:
        """Fixed endpoints (the sheet's templates), or ``None`` for discovery. Transitional hook."""
        return self.engine.default_static_metadata()

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """The machine-readable fields of an error body (the sheet's). Transitional hook."""
        return self.engine.default_parse_error(body)

    async def fetch_profile(
        self, metadata: ProviderMetadata, access_token: str, *, subject: str | None
    ) -> tuple[ClaimSource, dict[str, Any]] | None:
        """Claims read with the access token (default: UserInfo). Transitional hook."""
        return await self.engine.default_profile(metadata, access_token, subject=subject)

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        """Normalize merged claims (the claim map). Transitional hook."""
        return self.engine.default_identity(claims, sources, issuer)

    def default_tenant(self) -> str | None:
        """The tenant reported when no claim names one (``EngineHooks.default_tenant``).

        Overriding it is transitional: set ``default_tenant`` in :meth:`engine_hooks` instead.
        """
        return self.engine.hooks.default_tenant

    def build_token_policy(self, metadata: ProviderMetadata, *, audience: str | None = None) -> TokenPolicy:
        """The token-endpoint :class:`TokenPolicy`. Transitional hook (``EngineHooks.token_policy``)."""
        return self.engine.build_token_policy(metadata, audience=audience)

    # -- request data (the router's own hooks) ------------------------------------------------------

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """Extra authorization parameters: the config's, then the request's."""
        return {**self.config.authorize_params, **request.extra_params}

    def authorization_scopes(self, request: StartOIDC) -> tuple[str, ...]:
        """Scopes of the authorization request: the request's or the config's, ``openid`` first."""
        return openid_first(request.scopes or self.config.scopes)

    def password_params(self, request: Password) -> dict[str, str]:
        """Extra password-grant parameters (none for generic OIDC)."""
        return {}

    def password_grant_type(self, request: Password) -> str:
        """The password grant's ``grant_type`` (Auth0 uses an extension grant with a realm)."""
        return "password"

    def password_error(
        self, request: Password, error: IdpBridgeError, body: Mapping[str, Any]
    ) -> IdpBridgeError:
        """Refine a password-grant error from its body (:meth:`OIDCEngine.seal_mfa_token`).

        Overriding it is transitional (Keycloak's required actions): removed once every provider
        uses the sheet.
        """
        return self.engine.seal_mfa_token(error, body, username=request.username)

    # -- plumbing, delegated to the engine ----------------------------------------------------------

    async def metadata(self) -> ProviderMetadata:
        """The IdP's metadata (discovery, cached; or static endpoints) with overrides."""
        return await self.engine.metadata()

    async def discover(self, *, expected_issuer: str | None) -> ProviderMetadata:
        """The (cached) discovery document (``expected_issuer=None`` skips the issuer check)."""
        return await self.engine.discover(expected_issuer=expected_issuer)

    @property
    def policy(self) -> IssuerPolicy:
        """The engine's issuer policy."""
        return self.engine.policy

    def pin_issuer(self, policy: IssuerPolicy) -> None:
        """Replace :attr:`policy` (an issuer learned at run time)."""
        self.engine.pin_issuer(policy)

    def oauth(self, metadata: ProviderMetadata) -> OAuthClient:
        """The token-endpoint client (authentication method fixed on first use)."""
        return self.engine.oauth(metadata)

    def token_policy(
        self, metadata: ProviderMetadata, *, audience: str | None = None, external: bool = False
    ) -> TokenPolicy:
        """How tokens are validated (memoized by the engine)."""
        return self.engine.token_policy(metadata, audience=audience, external=external)

    endpoint = staticmethod(OIDCEngine.endpoint)

    async def complete(
        self,
        metadata: ProviderMetadata,
        body: Mapping[str, Any],
        *,
        method: Method,
        nonce: str | None,
        max_age: int | None = None,
    ) -> Authenticated:
        """Validate a token response and build the outcome (:meth:`OIDCEngine.complete`)."""
        return await self.engine.complete(metadata, body, method=method, nonce=nonce, max_age=max_age)

    # -- flows ------------------------------------------------------------------------------------

    async def start_oidc(self, request: StartOIDC) -> Outcome:
        """Build the authorization redirect (PKCE S256, state, nonce) and seal the flow state."""
        metadata = await self.metadata()
        redirect = self.engine.authorize(
            metadata,
            request,
            scopes=self.authorization_scopes(request),
            params=self.authorize_params(request),
        )
        use_par = self.config.use_par or requires_par(metadata)
        jar_signer = self.config.request_object_signer()
        if not use_par and jar_signer is None:
            return redirect
        return await push_or_sign(
            redirect, metadata=metadata, oauth=self.oauth(metadata), use_par=use_par, jar_signer=jar_signer
        )

    async def start_device(self, request: Any) -> Outcome:
        """Start a device authorization (RFC 8628): a :class:`~idpbridge.DeviceCodeIssued`."""
        return await device.start(self, request)

    async def poll_device(self, request: Any, continuation: Continuation) -> Outcome:
        """Poll a device authorization once: ``Authenticated`` or ``DevicePending``."""
        return await device.poll(self, request, continuation)

    async def wait_device(self, outcome: DeviceCodeIssued | DevicePending) -> Authenticated:
        """Poll until the user finishes, honouring ``interval`` and ``slow_down`` (cancellable)."""
        return await device.wait(self, outcome)

    async def start_ciba(self, request: Any) -> Outcome:
        """Start a backchannel authentication (CIBA): a :class:`~idpbridge.CIBAStarted`."""
        return await ciba.start(self, request)

    async def poll_ciba(self, request: Any, continuation: Continuation) -> Outcome:
        """Poll a backchannel authentication once: ``Authenticated`` or ``CIBAPending``."""
        return await ciba.poll(self, request, continuation)

    async def wait_ciba(self, outcome: CIBAStarted | CIBAPending) -> Authenticated:
        """Poll until the user answers, honouring ``interval`` and ``slow_down`` (cancellable)."""
        return await ciba.wait(self, outcome)

    async def ciba_notified(
        self,
        continuation: SecretStr | str,
        *,
        authorization: str | None,
        body: bytes | str | Mapping[str, Any],
    ) -> Outcome:
        """Handle a CIBA ping for ``continuation`` (token checked in constant time; see :mod:`.ciba`)."""
        return await ciba.notified(self, continuation, authorization=authorization, body=body)

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        """Check the callback, redeem the code once, validate the ID token, merge UserInfo."""
        data = continuation.data
        await self.consume_continuation(
            continuation, message="this flow was already finished (replayed callback)"
        )
        code = self.engine.callback(data, request.callback_params)
        metadata = await self.metadata()
        body = await self.engine.redeem_code(metadata, self.oauth(metadata), data, code)
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
        body = await self.engine.password_grant(
            metadata,
            self.oauth(metadata),
            username=request.username,
            password=request.password.get_secret_value(),
            extra=self.password_params(request),
            grant_type=self.password_grant_type(request),
            on_error=self._password_error_hook(request),
        )
        return await self.complete(metadata, body, method=Method.PASSWORD, nonce=None)

    def _password_error_hook(self, request: Password) -> ErrorHook:
        if _overrides(type(self), "password_error"):  # transitional
            return lambda error, raw: self.password_error(request, error, raw)
        return functools.partial(self.engine.seal_mfa_token, username=request.username)

    async def validate_token(self, request: ExternalToken) -> Outcome:
        """Validate an ID token or JWT access token the IdP issued elsewhere, or an opaque token by
        introspection (``token_kind = "opaque"``, :mod:`.introspection`)."""
        if self.config.token_kind == "opaque":
            return await introspection.validate_opaque(self, request)
        return await self.engine.validate_external(await self.metadata(), request)

    # -- optional operations ----------------------------------------------------------------------

    async def refresh(self, refresh_token: str | SecretStr, *, subject: str | None = None) -> TokenSet:
        """Use a refresh token. A new ID token is validated and must keep ``subject`` (when given)."""
        rt = refresh_token.get_secret_value() if isinstance(refresh_token, SecretStr) else refresh_token
        metadata = await self.metadata()
        return await self.engine.refresh(metadata, self.oauth(metadata), rt, subject=subject)

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = None) -> None:
        """Revoke an access or refresh token (RFC 7009), when the IdP has a revocation endpoint."""
        metadata = await self.metadata()
        value = token.get_secret_value() if isinstance(token, SecretStr) else token
        await self.engine.revoke(metadata, self.oauth(metadata), value, token_type_hint=token_type_hint)

    async def logout_url(
        self,
        *,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        logout_hint: str | None = None,
        id_token_hint: str | SecretStr | None = None,
    ) -> str:
        """The RP-initiated logout URL, when the IdP has an ``end_session_endpoint``.

        Identifies the client by ``client_id``. ``id_token_hint`` is opt-in: RP-Initiated
        Logout 1.0 recommends it (the OP then knows whose session to end, and may skip its
        confirmation page), but it puts the ID token in a URL, where browser history, proxies and
        the OP's access logs can keep it; pass it only when the OP needs it.
        """
        hint = id_token_hint.get_secret_value() if isinstance(id_token_hint, SecretStr) else id_token_hint
        params = {
            "id_token_hint": hint,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": state,
            "logout_hint": logout_hint,
        }
        return self.engine.logout_url(await self.metadata(), params)

    async def validate_logout_token(self, token: str | SecretStr) -> LogoutToken:
        """Validate a back-channel ``logout_token`` (ID-token strictness, ``events``, no ``nonce``,
        ``jti`` single-use); end the sessions it names (:mod:`idpbridge.oidc.logout`)."""
        return await validate_logout_token(self, token)

    async def probes(self) -> list[CheckResult]:
        return [CheckResult("configuration", True, "configuration is valid"), *await run_checks(self)]


def _overrides(cls: type[OIDCConnector], name: str) -> bool:
    """Whether ``cls`` replaces the base's ``name`` (a transitional hook)."""
    return getattr(cls, name) is not getattr(OIDCConnector, name)


_CLASS_SHEETS: dict[type[OIDCConnector], ProviderSheet] = {}


def _class_sheet(cls: type[OIDCConnector]) -> ProviderSheet:
    """A sheet from a pre-sheet subclass's class flags (made once per class).

    Transitional: removed once every provider uses the sheet.
    """
    sheet = _CLASS_SHEETS.get(cls)
    if sheet is None:
        sheet = _CLASS_SHEETS[cls] = _flags_sheet(cls)
    return sheet


def _flags_sheet(cls: type[OIDCConnector]) -> ProviderSheet:
    """The inherited sheet (issuer rule, endpoints, error fields kept) with the class's own flags."""
    return dataclasses.replace(
        cls.sheet if cls.sheet is not None else SHEET,
        name=cls.name,
        title=cls.title,
        methods=cls.methods,
        claims=cls.claim_map,
        error_rules=cls.error_rules,
        token_checks=cls.token_checks,
        scope_separator=cls.scope_separator,
        probe_password_grant=cls.probe_password_grant,
        id_token_required=cls.id_token_required,
    )
