"""The generic OpenID Connect connector: a thin router over the :class:`~.engine.OIDCEngine`.

A provider sets ``sheet`` (name, title, methods, issuer rule, endpoints, claims, error table,
flags) and ``Config``, and overrides only what really deviates: request data
(:meth:`OIDCConnector.authorize_params`, :meth:`OIDCConnector.password_params`,
:meth:`OIDCConnector.password_grant_type`) and :meth:`OIDCConnector.engine_hooks` (quirks the
engine applies, as plain callables over the config). Quirk code is given the engine (which carries
the step context: sealing and single use), never the connector.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from ..connector import CheckResult, Connector
from ..continuation import Continuation
from ..errors import ConfigurationError, MFARequired
from ..identity import TokenSet
from ..methods import ExternalToken, FinishOIDC, Method, Password, StartOIDC
from ..outcomes import (
    Authenticated,
    CIBAPending,
    CIBAStarted,
    DeviceCodeIssued,
    DevicePending,
    InputRequired,
    Outcome,
)
from ..probes import Probe, run_probes
from ..steps import StepFunctions
from . import ciba, device, introspection
from .checks import run_checks
from .claims import ClaimMap
from .client import OAuthClient
from .config import OIDCConfig
from .discovery import Discovery
from .engine import EngineHooks, OIDCEngine
from .idtoken import TokenPolicy, TokenValidator
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
            self._engine = OIDCEngine(
                self.config,
                type(self).sheet,
                http=self.http,
                cache=self.cache,
                clock=self.clock,
                steps=StepFunctions(self.seal, self.consume_continuation),
                provider=self.name,
                instance=self.instance_name,
                hooks=self.engine_hooks(),
            )
        return self._engine

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

    # -- request data (the router's own hooks) ------------------------------------------------------

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """Extra authorization parameters: the sheet's (its ``authorize_fields`` from the config, then
        fixed ones), the config's, then the request's."""
        sheet, cfg = self.sheet, self.config
        fields = sheet.fields_of(cfg, sheet.authorize_fields)
        return {**fields, **sheet.authorize_params, **cfg.authorize_params, **request.extra_params}

    def authorization_scopes(self, request: StartOIDC) -> tuple[str, ...]:
        """Scopes of the authorization request: the request's or the config's, ``openid`` first
        (unless the sheet says otherwise)."""
        scopes = tuple(request.scopes or self.config.scopes)
        return openid_first(scopes) if self.sheet.openid_scope else scopes

    def password_params(self, request: Password) -> dict[str, str]:
        """Extra password-grant parameters: the config fields the sheet's ``password_fields`` name."""
        return self.sheet.fields_of(self.config, self.sheet.password_fields)

    def password_grant_type(self, request: Password) -> str:
        """The password grant's ``grant_type`` (Auth0 uses an extension grant with a realm)."""
        return "password"

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

    # -- flows ------------------------------------------------------------------------------------

    async def start_oidc(self, request: StartOIDC) -> Outcome:
        """Build the authorization redirect (PKCE S256, state, nonce) and seal the flow state;
        ``form_post`` when the request asks for one of the sheet's ``form_post_scopes``."""
        wanted = self.sheet.form_post_scopes & set(self.authorization_scopes(request))
        if wanted:
            mode = request.response_mode or self.config.response_mode
            if mode not in (None, "form_post"):
                raise ConfigurationError(
                    f"{self.title} returns {' and '.join(sorted(wanted))} only with "
                    f"response_mode=form_post, not {mode!r}",
                    field="response_mode",
                )
            request = dataclasses.replace(request, response_mode="form_post")
        metadata = await self.engine.metadata()
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
            redirect,
            metadata=metadata,
            oauth=self.engine.oauth(metadata),
            use_par=use_par,
            jar_signer=jar_signer,
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
        metadata = await self.engine.metadata()
        body = await self.engine.redeem_code(metadata, self.engine.oauth(metadata), data, code)
        max_age = data.get("ma")
        return await self.engine.complete(
            metadata,
            body,
            method=Method.OIDC,
            nonce=str(data["n"]),
            max_age=max_age if isinstance(max_age, int) else None,
        )

    async def password(self, request: Password) -> Outcome:
        """Resource Owner Password Credentials grant; a sealed ``mfa_token`` becomes the engine's
        ``mfa_step`` when it has one."""
        metadata = await self.engine.metadata()
        try:
            body = await self.engine.password_grant(
                metadata,
                self.engine.oauth(metadata),
                username=request.username,
                password=request.password.get_secret_value(),
                extra=self.password_params(request),
                grant_type=self.password_grant_type(request),
                on_error=functools.partial(self.engine.seal_mfa_token, username=request.username),
            )
        except MFARequired as exc:
            step = self.engine.hooks.mfa_step
            if step is None or exc.continuation is None:
                raise
            opened = self.continuations.open(exc.continuation, method=step.method.value)
            expires_at = dt.datetime.fromtimestamp(opened.expires_at, tz=dt.UTC)
            return InputRequired(fields=(step.field,), continuation=exc.continuation, expires_at=expires_at)
        return await self.engine.complete(metadata, body, method=Method.PASSWORD, nonce=None)

    async def validate_token(self, request: ExternalToken) -> Outcome:
        """Validate an ID token or JWT access token the IdP issued elsewhere, or an opaque token by
        introspection (``token_kind = "opaque"``, :mod:`.introspection`)."""
        if self.config.token_kind == "opaque":
            return await introspection.validate_opaque(self, request)
        engine = self.engine
        metadata = engine.cached_metadata() or await engine.metadata()
        return await engine.validate_external(metadata, request)

    # -- optional operations ----------------------------------------------------------------------

    async def refresh(self, refresh_token: str | SecretStr, *, subject: str | None = None) -> TokenSet:
        """Use a refresh token. A new ID token is validated and must keep ``subject`` (when given)."""
        rt = refresh_token.get_secret_value() if isinstance(refresh_token, SecretStr) else refresh_token
        metadata = await self.engine.metadata()
        return await self.engine.refresh(metadata, self.engine.oauth(metadata), rt, subject=subject)

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = None) -> None:
        """Revoke an access or refresh token (RFC 7009), when the IdP has a revocation endpoint."""
        metadata = await self.engine.metadata()
        value = token.get_secret_value() if isinstance(token, SecretStr) else token
        await self.engine.revoke(
            metadata, self.engine.oauth(metadata), value, token_type_hint=token_type_hint
        )

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
        return self.engine.logout_url(await self.engine.metadata(), params)

    async def validate_logout_token(self, token: str | SecretStr) -> LogoutToken:
        """Validate a back-channel ``logout_token`` (ID-token strictness, ``events``, no ``nonce``,
        ``jti`` single-use); end the sessions it names (:mod:`idpbridge.oidc.logout`)."""
        return await validate_logout_token(self, token)

    def extra_probes(self) -> list[tuple[str, Probe]]:
        """Provider probes run after the OIDC ones in ``check()`` (Meta's app token, PingOne's flow)."""
        return []

    async def probes(self) -> list[CheckResult]:
        results = [CheckResult("configuration", True, "configuration is valid"), *await run_checks(self)]
        return [*results, *await run_probes(self.extra_probes())]
