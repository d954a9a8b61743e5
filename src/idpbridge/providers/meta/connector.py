"""The Meta (Facebook Login) connector.

The OIDC engine runs the flow with Meta's data: the dialog with comma-separated permissions,
``return_scopes=true``, PKCE S256, ``state`` and ``nonce``; the answer on the query string only;
the code exchanged with a POST to the Graph token endpoint (app secret in the form body). Then:

1. an ``id_token``, when Meta issues one (``openid`` requested), is validated like any ID token
   (``iss`` ``https://www.facebook.com``, Meta's JWKS, ``aud`` the App ID, nonce);
2. ``debug_token`` proves the access token was issued to this app, for a user, and lists the
   granted permissions (:mod:`.graph`);
3. Graph ``/me`` with explicit fields and ``appsecret_proof`` gives the profile.

The identity is keyed by the app-scoped Graph id. :attr:`~idpbridge.Authenticated.userinfo`
carries the Graph profile; the tokens carry the ID token when there is one. The ``token`` method
takes an access token from a Facebook SDK (checked the same way) or an ID token.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from ...connector import CheckResult
from ...continuation import Continuation
from ...errors import ConfigurationError, IdpBridgeError, TokenValidationError
from ...identity import ClaimSource, Identity, TokenSet
from ...methods import ExternalToken, FinishOIDC, Method, StartOIDC
from ...oidc.authcode import flatten_callback
from ...oidc.claims import build_identity, merge_claims
from ...oidc.client import ErrorInfo
from ...oidc.connector import OIDCConnector
from ...oidc.issuer import ExactIssuer, IssuerPolicy
from ...oidc.metadata import ProviderMetadata
from ...outcomes import Authenticated, Outcome
from .claims import CLAIMS
from .config import MetaConfig
from .endpoints import metadata
from .errors import RULES, graph_error
from .graph import GraphClient

__all__ = ["MetaConnector"]


class MetaConnector(OIDCConnector):
    """Facebook Login (see the module docstring)."""

    name: ClassVar[str] = "meta"
    title: ClassVar[str] = "Meta (Facebook Login)"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.TOKEN})
    Config: ClassVar[type[MetaConfig]] = MetaConfig
    error_rules = RULES
    claim_map = CLAIMS
    id_token_required = False
    scope_separator = ","

    config: MetaConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._graph: GraphClient | None = None

    # -- data hooks -------------------------------------------------------------------------------

    def issuer_policy(self) -> IssuerPolicy:
        """Exactly ``https://www.facebook.com`` (or a sandbox's issuer)."""
        return ExactIssuer(self.config.issuer)

    def static_metadata(self) -> ProviderMetadata:
        """Facebook Login's endpoints for the configured Graph API version."""
        return metadata(self.config.graph_api_version, self.config.issuer)

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """Graph error envelopes (``error.code``/``error_subcode``) or plain OAuth errors."""
        return graph_error(body)

    def authorization_scopes(self, request: StartOIDC) -> tuple[str, ...]:
        """The permissions as given: Facebook Login does not need ``openid`` (it enables the
        ID token)."""
        return tuple(request.scopes or self.config.scopes)

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """``return_scopes=true``, then the configured and request extras."""
        return {"return_scopes": "true", **super().authorize_params(request)}

    def graph(self, metadata: ProviderMetadata) -> GraphClient:
        """The Graph API client (errors classified with this connector's table)."""
        if self._graph is None:
            oauth = self.oauth(metadata)

            def errors(response: Any, body: Mapping[str, Any] | None) -> IdpBridgeError:
                return oauth.error(response, body, context="graph")

            self._graph = GraphClient(
                self.http, app_id=self.config.client_id, app_secret=self.config.client_secret, errors=errors
            )
        return self._graph

    async def fetch_profile(
        self, metadata: ProviderMetadata, access_token: str, *, subject: str | None
    ) -> tuple[ClaimSource, dict[str, Any]]:
        """``debug_token`` (our app, a user token, same user as the ID token), then ``/me``."""
        graph = self.graph(metadata)
        info = await graph.debug_token(
            self.endpoint(metadata, "introspection_endpoint"), access_token, now=self.clock()
        )
        if subject is not None and info.user_id != subject:
            raise TokenValidationError(
                "the access token belongs to another user than the ID token", code="token.subject"
            )
        profile = await graph.me(
            self.endpoint(metadata, "userinfo_endpoint"), access_token, fields=self.config.profile_fields
        )
        if str(profile["id"]) != info.user_id:
            raise TokenValidationError("Graph /me answered for another user", code="token.subject")
        requested = [s for s in self.config.scopes if s != "openid"]
        profile["granted_scopes"] = list(info.scopes)
        profile["declined_scopes"] = [s for s in requested if s not in info.scopes]
        return ClaimSource.PROVIDER_API, profile

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        """Keyed by the app-scoped id; ``email_verified`` by policy (``trust_email``)."""
        subject = claims.get("sub") or claims.get("id")
        identity = build_identity(
            claims,
            sources,
            mapping=self.claims,
            provider=self.name,
            connector=self.instance_name,
            issuer=issuer,
            subject=str(subject),
        )
        verified = self.config.trust_email if identity.email else None
        return dataclasses.replace(identity, email_verified=verified)

    # -- flows ------------------------------------------------------------------------------------

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        """A callback with only ``error_code``/``error_message`` is classified by its Graph code."""
        params: dict[str, Any] = flatten_callback(request.callback_params)
        if "error" not in params and "code" not in params and params.get("error_code"):
            params["error"] = params["error_code"]
            if params.get("error_message"):
                params.setdefault("error_description", params["error_message"])
            request = dataclasses.replace(request, callback_params=params)
        return await super().finish_oidc(request, continuation)

    async def validate_token(self, request: ExternalToken) -> Outcome:
        """An ID token (three segments) is validated as such; an access token from a Facebook SDK
        is inspected with ``debug_token`` and read with ``/me``."""
        token = request.token.get_secret_value()
        if token.count(".") == 2:
            return await super().validate_token(request)
        md = await self.metadata()
        source, profile = await self.fetch_profile(md, token, subject=None)
        if request.username is not None:
            value = profile.get(self.config.username_claim)
            if not isinstance(value, str) or value != request.username:
                raise TokenValidationError(
                    f"the profile's {self.config.username_claim} does not match the username",
                    code="token.username",
                )
        claims, sources = merge_claims((source, profile))
        return Authenticated(
            identity=self.make_identity(claims, sources, md.issuer),
            tokens=TokenSet(access_token=SecretStr(token)),
            method=Method.TOKEN,
            userinfo=profile,
        )

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = None) -> None:
        """De-authorize the app for the user of ``token`` (``DELETE /me/permissions``)."""
        md = await self.metadata()
        value = token.get_secret_value() if isinstance(token, SecretStr) else token
        await self.graph(md).revoke(self.endpoint(md, "revocation_endpoint"), value)

    async def refresh(self, refresh_token: str | SecretStr, *, subject: str | None = None) -> TokenSet:
        """Facebook Login issues no refresh tokens."""
        raise ConfigurationError(
            "Facebook Login has no refresh tokens", code="config.not_supported", connector=self.instance_name
        )

    async def probes(self) -> list[CheckResult]:
        results = await super().probes()
        return [*results, await self._app_check()]

    async def _app_check(self) -> CheckResult:
        """The app id and secret: an app access token (client_credentials grant) is issued."""
        try:
            md = await self.metadata()
            await self.oauth(md).token(self.endpoint(md, "token_endpoint"), "client_credentials", {})
        except IdpBridgeError as exc:
            return CheckResult("app_credentials", False, f"{type(exc).__name__}: {exc.message}")
        return CheckResult(
            "app_credentials", True, "Meta issued an app access token for the app id and secret"
        )
