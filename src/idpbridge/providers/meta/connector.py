"""The Meta (Facebook Login) connector.

The OIDC engine runs the flow with Meta's sheet: the dialog with comma-separated permissions,
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
import functools
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from ...kit import (
    Authenticated,
    ClaimSource,
    ConfigurationError,
    EngineHooks,
    ExternalToken,
    Identity,
    Method,
    OIDCConnector,
    Outcome,
    Probe,
    TokenSet,
    check_username,
    merge_claims,
)
from . import graph
from .config import MetaConfig
from .errors import graph_error

__all__ = ["MetaConnector"]


class MetaConnector(OIDCConnector):
    """Facebook Login (see the module docstring)."""

    config: MetaConfig

    def engine_hooks(self) -> EngineHooks:
        """Graph error envelopes, the Graph profile, and the identity keyed
        by the app-scoped id with ``email_verified`` by policy (``trust_email``)."""
        cfg = self.config

        def identity(ident: Identity, claims: Mapping[str, Any], _: Mapping[str, ClaimSource]) -> Identity:
            return dataclasses.replace(ident, email_verified=cfg.trust_email if ident.email else None)

        return EngineHooks(
            parse_error=graph_error,
            profile=functools.partial(graph.profile, config=cfg),
            identity=identity,
        )

    # -- flows ------------------------------------------------------------------------------------

    async def validate_token(self, request: ExternalToken) -> Outcome:
        """An ID token (three segments) is validated as such; an access token from a Facebook SDK
        is inspected with ``debug_token`` and read with ``/me``."""
        token = request.token.get_secret_value()
        if token.count(".") == 2:
            return await super().validate_token(request)
        md = await self.engine.metadata()
        source, profile = await graph.profile(self.engine, md, token, None, config=self.config)
        check_username(profile, request.username, self.config.username_claim, source="profile")
        claims, sources = merge_claims((source, profile))
        return Authenticated(
            identity=self.engine.identity(claims, sources, md.issuer, owned=True),
            tokens=TokenSet(access_token=SecretStr(token)),
            method=Method.TOKEN,
            userinfo=profile,
        )

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = None) -> None:
        """De-authorize the app for the user of ``token`` (``DELETE /me/permissions``)."""
        value = token.get_secret_value() if isinstance(token, SecretStr) else token
        await graph.revoke(self.engine, await self.engine.metadata(), value, config=self.config)

    async def refresh(self, refresh_token: str | SecretStr, *, subject: str | None = None) -> TokenSet:
        """Facebook Login issues no refresh tokens."""
        raise ConfigurationError(
            "Facebook Login has no refresh tokens", code="config.not_supported", connector=self.instance_name
        )

    def extra_probes(self) -> list[tuple[str, Probe]]:
        """The app id and secret: an app access token (client_credentials grant) is issued."""

        async def app_credentials() -> tuple[bool, str]:
            md = await self.engine.metadata()
            await self.engine.oauth(md).token(
                self.engine.endpoint(md, "token_endpoint"), "client_credentials", {}
            )
            return True, "Meta issued an app access token for the app id and secret"

        return [("app_credentials", app_credentials)]
