"""The Graph API calls of Facebook Login: token inspection, the profile, revocation.

* ``debug_token`` inspects the user access token with the **app token** (``{app id}|{app
  secret}``, in the ``Authorization`` header): the token must be valid, of type ``USER`` and issued
  to *this* app (``app_id``), else it may be a token another app obtained for the same user
  (``rp-conformance`` 177-meta-token). Meta takes the inspected token only as the ``input_token``
  query parameter; idpbridge never logs or shows request URLs (``redact_url`` drops the query).
* ``/me`` is read with the user token in the ``Authorization`` header, explicit ``fields`` and
  ``appsecret_proof`` = hex HMAC-SHA256 of the access token keyed with the app secret (required when
  the app enables "Require App Secret").
* ``DELETE /me/permissions`` de-authorizes the app for the user (the closest thing to revocation).

Graph error envelopes are classified by the sheet's table (:mod:`.errors`). :func:`profile` and
:func:`revoke` are given the engine, never the connector.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import SecretStr

from ...http import redact_url
from ...kit import (
    ClaimSource,
    HttpClient,
    IdpBridgeError,
    MalformedResponse,
    ProviderMetadata,
    Response,
    TokenValidationError,
)

if TYPE_CHECKING:
    from ...oidc.client import OAuthClient
    from .config import MetaConfig

__all__ = ["GraphClient", "TokenInfo", "appsecret_proof", "profile", "revoke"]

#: Turns a Graph error answer (and its JSON body, if any) into a classified error.
ErrorFactory = Callable[[Response, Mapping[str, Any] | None], IdpBridgeError]


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """``appsecret_proof``: hex HMAC-SHA256 of ``access_token`` keyed with the app secret."""
    return hmac.new(app_secret.encode("utf-8"), access_token.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class TokenInfo:
    """What ``debug_token`` says about a user access token (already checked against our app)."""

    user_id: str
    app_id: str
    scopes: tuple[str, ...]
    expires_at: int | None


def _id(value: object) -> str | None:
    """A Graph id: a string of digits or, in some answers, a JSON number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


class GraphClient:
    """Graph API calls for one app (``app_id`` and its secret)."""

    def __init__(self, http: HttpClient, *, app_id: str, app_secret: SecretStr, errors: ErrorFactory) -> None:
        self.http = http
        self.app_id = app_id
        self._secret = app_secret
        self._errors = errors

    def __repr__(self) -> str:
        return f"GraphClient(app_id={self.app_id!r})"

    def _app_token(self) -> str:
        return f"{self.app_id}|{self._secret.get_secret_value()}"

    async def _get(self, url: str, *, token: str, params: Mapping[str, str]) -> dict[str, Any]:
        response = await self.http.request(
            "GET",
            url,
            params=params,
            headers={"authorization": f"Bearer {token}"},
            idempotent=True,
            return_errors=True,
        )
        return self._body(response)

    def _body(self, response: Response) -> dict[str, Any]:
        if 200 <= response.status < 300:
            body = response.json()
            if isinstance(body.get("error"), Mapping):  # a 200 carrying a Graph error envelope
                raise self._errors(response, body)
            return body
        try:
            body = response.json()
        except MalformedResponse:
            raise self._errors(response, None) from None
        raise self._errors(response, body)

    async def debug_token(self, endpoint: str, access_token: str, *, now: float | None = None) -> TokenInfo:
        """Inspect ``access_token``; raise :class:`~idpbridge.TokenValidationError` unless it is a
        valid user token issued to this app."""
        body = await self._get(endpoint, token=self._app_token(), params={"input_token": access_token})
        data = body.get("data")
        if not isinstance(data, Mapping):
            raise MalformedResponse(
                f"{redact_url(endpoint)} answered without data", code="provider.debug_token"
            )
        if data.get("is_valid") is not True:
            raise TokenValidationError("Meta says the access token is not valid", code="token.invalid")
        if _id(data.get("app_id")) != self.app_id:
            raise TokenValidationError(
                "the access token was issued to another Meta app", code="token.audience"
            )
        kind = data.get("type")
        if kind is not None and kind != "USER":
            raise TokenValidationError("the access token is not a user access token", code="token.type")
        user_id = _id(data.get("user_id"))
        if user_id is None:
            raise MalformedResponse("debug_token answered without a user_id", code="provider.debug_token")
        expires = data.get("expires_at")
        expires_at = (
            expires if isinstance(expires, int) and not isinstance(expires, bool) and expires > 0 else None
        )
        if expires_at is not None and expires_at <= (time.time() if now is None else now):
            raise TokenValidationError("the access token has expired", code="token.expired")
        scopes = data.get("scopes")
        granted = tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else ()
        return TokenInfo(user_id=user_id, app_id=self.app_id, scopes=granted, expires_at=expires_at)

    async def me(self, endpoint: str, access_token: str, *, fields: Sequence[str]) -> dict[str, Any]:
        """The ``/me`` profile with ``fields`` (and ``appsecret_proof``)."""
        proof = appsecret_proof(access_token, self._secret.get_secret_value())
        body = await self._get(
            endpoint, token=access_token, params={"fields": ",".join(fields), "appsecret_proof": proof}
        )
        if _id(body.get("id")) is None:
            raise MalformedResponse(
                f"{redact_url(endpoint)} answered without an id", code="provider.userinfo"
            )
        return body

    async def revoke(self, endpoint: str, access_token: str) -> None:
        """``DELETE /me/permissions``: the user de-authorizes the app."""
        proof = appsecret_proof(access_token, self._secret.get_secret_value())
        response = await self.http.request(
            "DELETE",
            endpoint,
            params={"appsecret_proof": proof},
            headers={"authorization": f"Bearer {access_token}"},
            idempotent=True,
            return_errors=True,
        )
        self._body(response)


class Engine(Protocol):
    """What the Graph calls use of the OIDC engine."""

    http: HttpClient
    clock: Callable[[], float]

    def oauth(self, metadata: ProviderMetadata) -> OAuthClient: ...

    def endpoint(self, metadata: ProviderMetadata, name: str) -> str: ...


def _client(engine: Engine, metadata: ProviderMetadata, config: MetaConfig) -> GraphClient:
    oauth = engine.oauth(metadata)

    def errors(response: Response, body: Mapping[str, Any] | None) -> IdpBridgeError:
        return oauth.error(response, body, context="graph")

    return GraphClient(engine.http, app_id=config.client_id, app_secret=config.client_secret, errors=errors)


async def profile(
    engine: Engine, metadata: ProviderMetadata, access_token: str, subject: str | None, *, config: MetaConfig
) -> tuple[ClaimSource, dict[str, Any]]:
    """``debug_token`` (our app, a user token, same user as the ID token), then ``/me``."""
    graph = _client(engine, metadata, config)
    info = await graph.debug_token(
        engine.endpoint(metadata, "introspection_endpoint"), access_token, now=engine.clock()
    )
    if subject is not None and info.user_id != subject:
        raise TokenValidationError(
            "the access token belongs to another user than the ID token", code="token.subject"
        )
    me = await graph.me(
        engine.endpoint(metadata, "userinfo_endpoint"), access_token, fields=config.profile_fields
    )
    if str(me["id"]) != info.user_id:
        raise TokenValidationError("Graph /me answered for another user", code="token.subject")
    me["granted_scopes"] = list(info.scopes)
    me["declined_scopes"] = [s for s in config.scopes if s != "openid" and s not in info.scopes]
    return ClaimSource.PROVIDER_API, me


async def revoke(
    engine: Engine, metadata: ProviderMetadata, access_token: str, *, config: MetaConfig
) -> None:
    """De-authorize the app for the user of ``access_token`` (``DELETE /me/permissions``)."""
    graph = _client(engine, metadata, config)
    await graph.revoke(engine.endpoint(metadata, "revocation_endpoint"), access_token)
