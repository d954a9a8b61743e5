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
:func:`revoke` are given the engine (HTTP, the OAuth client, endpoints) and the config, never the
connector.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...http import redact_url
from ...kit import (
    ClaimSource,
    MalformedResponse,
    OIDCEngine,
    ProviderMetadata,
    TokenValidationError,
    error_body,
)

if TYPE_CHECKING:
    from .config import MetaConfig

__all__ = ["appsecret_proof", "debug_token", "profile", "revoke"]


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """``appsecret_proof``: hex HMAC-SHA256 of ``access_token`` keyed with the app secret."""
    return hmac.new(app_secret.encode("utf-8"), access_token.encode("utf-8"), hashlib.sha256).hexdigest()


def _id(value: object) -> str | None:
    """A Graph id: a string of digits or, in some answers, a JSON number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


async def _call(
    engine: OIDCEngine, md: ProviderMetadata, method: str, url: str, *, token: str, params: Mapping[str, str]
) -> dict[str, Any]:
    """One Graph request; an error answer (or a 200 carrying an error envelope) is classified."""
    response = await engine.http.request(
        method,
        url,
        params=params,
        headers={"authorization": f"Bearer {token}"},
        idempotent=True,
        return_errors=True,
    )
    body = response.json() if 200 <= response.status < 300 else error_body(response)
    if body is None or not 200 <= response.status < 300 or isinstance(body.get("error"), Mapping):
        raise engine.oauth(md).error(response, body, context="graph")
    return body


async def debug_token(
    engine: OIDCEngine, md: ProviderMetadata, access_token: str, *, config: MetaConfig
) -> tuple[str, tuple[str, ...]]:
    """``(user id, granted scopes)`` of ``access_token``; raise
    :class:`~idpbridge.TokenValidationError` unless it is a valid user token issued to this app."""
    endpoint = engine.endpoint(md, "introspection_endpoint")
    app_token = f"{config.client_id}|{config.client_secret.get_secret_value()}"
    body = await _call(engine, md, "GET", endpoint, token=app_token, params={"input_token": access_token})
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"{redact_url(endpoint)} answered without data", code="provider.debug_token")
    if data.get("is_valid") is not True:
        raise TokenValidationError("Meta says the access token is not valid", code="token.invalid")
    if _id(data.get("app_id")) != config.client_id:
        raise TokenValidationError("the access token was issued to another Meta app", code="token.audience")
    if data.get("type") not in (None, "USER"):
        raise TokenValidationError("the access token is not a user access token", code="token.type")
    user_id = _id(data.get("user_id"))
    if user_id is None:
        raise MalformedResponse("debug_token answered without a user_id", code="provider.debug_token")
    expires = data.get("expires_at")
    if isinstance(expires, int) and not isinstance(expires, bool) and 0 < expires <= engine.clock():
        raise TokenValidationError("the access token has expired", code="token.expired")
    scopes = data.get("scopes")
    return user_id, tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else ()


async def profile(
    engine: OIDCEngine, md: ProviderMetadata, access_token: str, subject: str | None, *, config: MetaConfig
) -> tuple[ClaimSource, dict[str, Any]]:
    """``debug_token`` (our app, a user token, same user as the ID token), then ``/me`` with
    ``fields`` and ``appsecret_proof``."""
    user_id, granted = await debug_token(engine, md, access_token, config=config)
    if subject is not None and user_id != subject:
        raise TokenValidationError(
            "the access token belongs to another user than the ID token", code="token.subject"
        )
    endpoint = engine.endpoint(md, "userinfo_endpoint")
    proof = appsecret_proof(access_token, config.client_secret.get_secret_value())
    params = {"fields": ",".join(config.profile_fields), "appsecret_proof": proof}
    me = await _call(engine, md, "GET", endpoint, token=access_token, params=params)
    me_id = _id(me.get("id"))
    if me_id is None:
        raise MalformedResponse(f"{redact_url(endpoint)} answered without an id", code="provider.userinfo")
    if me_id != user_id:
        raise TokenValidationError("Graph /me answered for another user", code="token.subject")
    me["granted_scopes"] = list(granted)
    me["declined_scopes"] = [s for s in config.scopes if s != "openid" and s not in granted]
    return ClaimSource.PROVIDER_API, me


async def revoke(engine: OIDCEngine, md: ProviderMetadata, access_token: str, *, config: MetaConfig) -> None:
    """``DELETE /me/permissions``: the user de-authorizes the app."""
    proof = appsecret_proof(access_token, config.client_secret.get_secret_value())
    endpoint = engine.endpoint(md, "revocation_endpoint")
    await _call(engine, md, "DELETE", endpoint, token=access_token, params={"appsecret_proof": proof})
