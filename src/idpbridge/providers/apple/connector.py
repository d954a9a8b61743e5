"""The Sign in with Apple connector: the OIDC engine with Apple's data and three quirks.

* **Client secret**: an ES256 JWT minted from ``team_id``, ``key_id`` and the ``.p8`` key
  (:mod:`.client_secret`), cached and renewed at half-life, sent with ``client_secret_post`` to
  ``/auth/token`` and ``/auth/revoke``.
* **form_post**: with the ``name`` or ``email`` scope the authorization request always asks for
  ``response_mode=form_post`` (Apple returns that data no other way); asking for ``query`` then
  is a :class:`~idpbridge.ConfigurationError`.
* **First login**: :class:`~idpbridge.FinishOIDC` takes the POSTed form as is. Its ``user`` JSON
  (first authorization only) adds the name, marked ``ClaimSource.FIRST_LOGIN``; its e-mail is
  ignored. A front-channel ``id_token`` in the form is ignored too: only the ID token from the
  token endpoint, validated (RS256, ``iss`` ``https://appleid.apple.com``, ``aud`` the Services
  ID, nonce), makes the identity.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

from pydantic import SecretStr

from ...connector import CheckResult
from ...continuation import Continuation
from ...errors import ConfigurationError
from ...identity import ClaimSource
from ...methods import FinishOIDC, Method, StartOIDC
from ...oidc.authcode import flatten_callback
from ...oidc.client import ClientCredentials, OAuthClient
from ...oidc.connector import OIDCConnector
from ...oidc.issuer import ExactIssuer, IssuerPolicy
from ...oidc.metadata import ProviderMetadata
from ...outcomes import Authenticated, Outcome
from .claims import CLAIMS, first_login_claims
from .client_secret import ClientSecret, mint_client_secret, unverified_claims
from .config import FORM_POST_SCOPES, AppleConfig
from .endpoints import metadata
from .errors import RULES

__all__ = ["AppleConnector"]


def _mint(
    now: int, *, team_id: str, key_id: str, client_id: str, private_key: SecretStr, lifetime: int
) -> SecretStr:
    return mint_client_secret(
        team_id=team_id,
        key_id=key_id,
        client_id=client_id,
        private_key=private_key,
        issued_at=now,
        lifetime=lifetime,
    )


class AppleConnector(OIDCConnector):
    """Sign in with Apple (see the module docstring)."""

    name: ClassVar[str] = "apple"
    title: ClassVar[str] = "Sign in with Apple"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.TOKEN})
    Config: ClassVar[type[AppleConfig]] = AppleConfig
    error_rules = RULES
    claim_map = CLAIMS

    config: AppleConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.config
        self.client_secret: ClientSecret | None = None
        if cfg.team_id and cfg.key_id and cfg.private_key is not None:
            mint = functools.partial(
                _mint,
                team_id=cfg.team_id,
                key_id=cfg.key_id,
                client_id=cfg.client_id,
                private_key=cfg.private_key,
                lifetime=cfg.client_secret_ttl,
            )
            self.client_secret = ClientSecret(mint, lifetime=cfg.client_secret_ttl, clock=self.clock)
        self._apple_oauth: OAuthClient | None = None

    def current_client_secret(self) -> SecretStr:
        """The client secret to send now (minted, or the configured one)."""
        if self.client_secret is not None:
            return self.client_secret.get()
        assert self.config.client_secret is not None  # noqa: S101 - AppleConfig requires one of both
        return self.config.client_secret

    # -- data hooks -------------------------------------------------------------------------------

    def issuer_policy(self) -> IssuerPolicy:
        """Exactly ``https://appleid.apple.com`` (or a sandbox's issuer)."""
        return ExactIssuer(self.config.issuer)

    def static_metadata(self) -> ProviderMetadata:
        """Apple's endpoints (see :mod:`.endpoints`)."""
        return metadata(self.config.issuer)

    def oauth(self, metadata: ProviderMetadata) -> OAuthClient:
        """The token-endpoint client, always ``client_secret_post`` with the current secret."""
        secret = self.current_client_secret()
        client = self._apple_oauth
        if client is None or client.credentials.client_secret is not secret:
            creds = ClientCredentials(self.config.client_id, secret, "client_secret_post")
            client = self._apple_oauth = OAuthClient(
                self.http, creds, rules=self.error_rules, error_parser=self.parse_error
            )
        return client

    # -- flows ------------------------------------------------------------------------------------

    async def start_oidc(self, request: StartOIDC) -> Outcome:
        """The authorization redirect; ``form_post`` when the ``name`` or ``email`` scope is asked."""
        if FORM_POST_SCOPES & set(self.authorization_scopes(request)):
            mode = request.response_mode or self.config.response_mode
            if mode not in (None, "form_post"):
                raise ConfigurationError(
                    f"Apple returns name and email only with response_mode=form_post, not {mode!r}",
                    field="response_mode",
                )
            request = dataclasses.replace(request, response_mode="form_post")
        return await super().start_oidc(request)

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        """Finish with Apple's POSTed form: ``user`` (first login) and a front-channel ``id_token``
        are taken out before the engine checks the callback; the name from ``user`` is added to
        the identity afterwards, where the ID token has no such claim."""
        params: dict[str, Any] = flatten_callback(request.callback_params)
        user = params.pop("user", None)
        params.pop("id_token", None)
        result = await super().finish_oidc(dataclasses.replace(request, callback_params=params), continuation)
        if user is None or not isinstance(result, Authenticated):
            return result
        extra = first_login_claims(user)
        ident = result.identity
        claims, sources = dict(ident.claims), dict(ident.sources)
        for key, value in extra.items():
            if key not in claims:
                claims[key] = value
                sources[key] = ClaimSource.FIRST_LOGIN
        return dataclasses.replace(result, identity=self.make_identity(claims, sources, ident.issuer))

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = "refresh_token") -> None:
        """Revoke a refresh token (default) or access token at ``/auth/revoke``.

        Apple asks for ``token_type_hint``; pass ``"access_token"`` for an access token.
        """
        await super().revoke(token, token_type_hint=token_type_hint)

    async def probes(self) -> list[CheckResult]:
        results = await super().probes()
        return [*results, self._secret_check()]

    def _secret_check(self) -> CheckResult:
        if self.client_secret is not None:
            self.client_secret.get()
            expires = self.client_secret.expires_at or 0
            left = expires - self.clock()
            return CheckResult(
                "client_secret", True, f"minted ES256 secret, {left / 3600:.1f} h left; renewed at half-life"
            )
        secret = self.config.client_secret
        assert secret is not None  # noqa: S101 - AppleConfig requires one of both
        exp = unverified_claims(secret.get_secret_value()).get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return CheckResult("client_secret", False, "the configured client secret has no exp")
        left = exp - self.clock()
        if left <= 0:
            return CheckResult("client_secret", False, "the configured client secret has expired")
        return CheckResult(
            "client_secret", left > 7 * 86_400, f"configured secret expires in {left / 86_400:.1f} days"
        )
