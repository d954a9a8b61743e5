"""What the :class:`~idpbridge.oidc.engine.OIDCEngine` does with tokens once it has them.

Plain functions over the engine (never the connector): turning a token response into an
:class:`~idpbridge.outcomes.Authenticated` (ID token, then the profile), validating an
:class:`~idpbridge.methods.ExternalToken`, refreshing, and building the RP-initiated logout URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ..classify import REFRESH_TOKEN
from ..errors import MalformedResponse, TokenValidationError
from ..identity import ClaimSource, TokenSet
from ..methods import ExternalToken, Method
from ..outcomes import Authenticated
from .authcode import check_max_age
from .claims import check_username, merge_claims
from .idtoken import ValidatedToken
from .metadata import ProviderMetadata

if TYPE_CHECKING:
    from .client import OAuthClient
    from .engine import OIDCEngine

#: RFC 9068 JWT access tokens (``token_kind = "access_token"``).
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


def now(engine: OIDCEngine) -> dt.datetime:
    """The engine's clock as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(engine.clock(), tz=dt.UTC)


async def validate_id_token(
    engine: OIDCEngine,
    metadata: ProviderMetadata,
    token: str,
    *,
    nonce: str | None,
    access_token: str | None,
    expect_nonce: bool = False,
) -> ValidatedToken:
    """Validate an ID token from the token endpoint against the engine's token policy."""
    return await engine.validator.validate(
        token,
        engine.token_policy(metadata),
        jwks_uri=metadata.jwks_uri,
        nonce=nonce,
        access_token=access_token,
        expect_nonce=expect_nonce,
    )


async def complete(
    engine: OIDCEngine,
    metadata: ProviderMetadata,
    body: Mapping[str, Any],
    *,
    method: Method,
    nonce: str | None,
    max_age: int | None,
) -> Authenticated:
    """See :meth:`OIDCEngine.complete`.

    Without an ``id_token`` the identity comes from UserInfo alone; that is refused with
    ``provider.id_token_missing`` for the code flow (unless the engine's ``id_token_required``
    is off, as for Meta) and for other grants when ``require_id_token`` resolves to true.
    """
    access_token = str(body["access_token"])
    layers: list[tuple[ClaimSource, Mapping[str, Any]]] = []
    subject: str | None = None
    issuer = metadata.issuer
    id_token = body.get("id_token")
    if id_token:
        validated = await validate_id_token(
            engine, metadata, id_token, nonce=nonce, access_token=access_token, expect_nonce=nonce is not None
        )
        if max_age is not None:
            check_max_age(validated.claims, max_age, now=engine.clock(), leeway=engine.config.leeway)
        layers.append((ClaimSource.ID_TOKEN, validated.claims))
        subject, issuer = str(validated.claims["sub"]), str(validated.claims["iss"])
    elif _id_token_required(engine, method):
        raise MalformedResponse(
            f"the token response ({method.value}) has no id_token, and one is required",
            code="provider.id_token_missing",
        )
    userinfo = None
    fetched = await engine.profile(metadata, access_token, subject=subject)
    if fetched is not None:
        source, userinfo = fetched
        layers.append((source, userinfo))
    if not layers:
        raise MalformedResponse(
            "the IdP returned no id_token and has no userinfo endpoint: no identity",
            code="provider.token_response",
        )
    claims, sources = merge_claims(*layers)
    return Authenticated(
        identity=engine.identity(claims, sources, issuer, owned=True),
        tokens=TokenSet.from_response(body, now=now(engine)),
        method=method,
        userinfo=userinfo,
    )


def _id_token_required(engine: OIDCEngine, method: Method) -> bool:
    if method is Method.OIDC:
        return engine.id_token_required
    return engine.config.id_token_expected


async def validate_external(
    engine: OIDCEngine, metadata: ProviderMetadata, request: ExternalToken
) -> Authenticated:
    """See :meth:`OIDCEngine.validate_external`."""
    cfg = engine.config
    token = request.token.get_secret_value()
    is_access = cfg.token_kind == "access_token"
    policy = engine.token_policy(metadata, audience=cfg.token_audience, external=True)
    if is_access:
        policy = dataclasses.replace(policy, header_types=ACCESS_TOKEN_TYPES)
    validated = await engine.validator.validate(token, policy, jwks_uri=metadata.jwks_uri, ignore_nonce=True)
    claims = validated.claims
    check_username(claims, request.username, cfg.username_claim)
    merged, sources = merge_claims((ClaimSource.EXTERNAL_TOKEN, claims))
    sealed = request.token  # the request's own SecretStr: no second copy of the token
    tokens = TokenSet._sealed(access_token=sealed) if is_access else TokenSet._sealed(id_token=sealed)
    return Authenticated(
        identity=engine.identity(merged, sources, str(claims["iss"]), owned=True),
        tokens=tokens,
        method=Method.TOKEN,
    )


async def refresh(
    engine: OIDCEngine,
    metadata: ProviderMetadata,
    oauth: OAuthClient,
    refresh_token: str,
    *,
    subject: str | None,
) -> TokenSet:
    """See :meth:`OIDCEngine.refresh`."""
    body = await oauth.token(
        engine.endpoint(metadata, "token_endpoint"), REFRESH_TOKEN, {"refresh_token": refresh_token}
    )
    id_token = body.get("id_token")
    if id_token:
        validated = await validate_id_token(
            engine, metadata, id_token, nonce=None, access_token=str(body["access_token"])
        )
        if subject is not None and validated.claims["sub"] != subject:
            raise TokenValidationError("the refreshed ID token is for another user", code="token.subject")
    return TokenSet.from_response({"refresh_token": refresh_token, **body}, now=now(engine))


def logout_url(endpoint: str, params: Mapping[str, str | None]) -> str:
    """``endpoint`` with the non-empty ``params`` appended as a query string."""
    query = {key: value for key, value in params.items() if value}
    sep = "&" if "?" in endpoint else "?"
    return endpoint + sep + urlencode(query, quote_via=quote)
