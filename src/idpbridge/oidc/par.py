"""Pushed Authorization Requests (RFC 9126) and signed request objects (JAR, RFC 9101).

PAR: the authorization parameters are POSTed, with client authentication, to the OP's
``pushed_authorization_request_endpoint``; the browser is then sent to the authorization
endpoint with only ``client_id`` and the returned ``request_uri``. It is used when the OP
advertises ``require_pushed_authorization_requests`` or the config sets ``use_par``.

The answer must be a JSON object with a string ``request_uri`` and a positive integer
``expires_in`` of at most :data:`MAX_PAR_LIFETIME` seconds (RFC 9126 §2.2 gives 5 to 600 as
typical); anything else is :class:`~idpbridge.MalformedResponse` ``provider.par``.

JAR: with ``request_object_signing_alg`` set, the parameters travel as one signed ``request``
object (``iss`` = client_id, ``aud`` = the issuer, ``typ`` ``oauth-authz-req+jwt``), signed with
the ``private_key_jwt`` key; inside PAR when PAR is used, else by value on the redirect.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..errors import ConfigurationError, MalformedResponse
from ..http import require_secure_url
from ..outcomes import RedirectRequired
from .assertion import AssertionSigner
from .client import OAuthClient, error_body
from .metadata import ProviderMetadata

__all__ = [
    "MAX_PAR_LIFETIME",
    "REQUEST_OBJECT_LIFETIME",
    "par_endpoint",
    "push",
    "push_or_sign",
    "request_object",
    "requires_par",
]

#: The longest ``expires_in`` accepted from a PAR endpoint, in seconds.
MAX_PAR_LIFETIME = 3600
#: Seconds a signed request object stays valid.
REQUEST_OBJECT_LIFETIME = 300
_MAX_REQUEST_URI = 2048


def requires_par(metadata: ProviderMetadata) -> bool:
    """Whether the OP demands PAR (``require_pushed_authorization_requests`` is ``true``)."""
    return metadata.raw.get("require_pushed_authorization_requests") is True


def par_endpoint(metadata: ProviderMetadata) -> str | None:
    """The OP's PAR endpoint (https, or loopback http), or ``None`` when it has none."""
    value = metadata.raw.get("pushed_authorization_request_endpoint")
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedResponse(
            "pushed_authorization_request_endpoint is not a string", code="provider.metadata"
        )
    try:
        return require_secure_url(value, what="pushed_authorization_request_endpoint")
    except ConfigurationError as exc:
        raise MalformedResponse(f"discovery field {exc.message}", code="provider.metadata") from None


def request_object(signer: AssertionSigner, params: Mapping[str, Any], *, audience: str) -> str:
    """A signed request object carrying ``params`` (RFC 9101 §4)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        **params,
        "iss": signer.client_id,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + REQUEST_OBJECT_LIFETIME,
        "jti": secrets.token_urlsafe(16),
    }
    return signer.sign(claims, typ="oauth-authz-req+jwt")


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """``(endpoint without query, query parameters)`` of an authorization URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), dict(parse_qsl(parts.query))


def front_url(endpoint: str, params: Mapping[str, str]) -> str:
    """``endpoint`` with ``params`` as its query."""
    return f"{endpoint}?{urlencode(dict(params), quote_via=quote)}"


async def push(oauth: OAuthClient, endpoint: str, params: Mapping[str, str]) -> tuple[str, int]:
    """POST the authorization parameters; return ``(request_uri, expires_in)``.

    Raises:
        MalformedResponse: ``provider.par`` — no ``request_uri``, or a bad ``expires_in``.
        IdpBridgeError: the OP's error answer, classified like token-endpoint errors.
    """
    form, auth = oauth.credentials.apply(params)
    form["client_id"] = oauth.credentials.client_id  # an authorization parameter too (RFC 9126 §2.1)
    response = await oauth.http.post(endpoint, data=form, auth=auth, return_errors=True)
    if not 200 <= response.status < 300:
        raise oauth.error(response, error_body(response), context="par")
    body = response.json()
    request_uri = body.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri or len(request_uri) > _MAX_REQUEST_URI:
        raise MalformedResponse("the PAR answer carries no usable request_uri", code="provider.par")
    expires_in = body.get("expires_in")
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, int)
        or not 0 < expires_in <= MAX_PAR_LIFETIME
    ):
        raise MalformedResponse(
            f"the PAR answer's expires_in must be an integer from 1 to {MAX_PAR_LIFETIME}",
            code="provider.par",
        )
    return request_uri, expires_in


async def push_or_sign(
    redirect: RedirectRequired,
    *,
    metadata: ProviderMetadata,
    oauth: OAuthClient,
    use_par: bool,
    jar_signer: AssertionSigner | None,
) -> RedirectRequired:
    """Apply PAR and/or JAR to a built authorization redirect (unchanged when neither applies).

    Raises:
        ConfigurationError: ``config.not_supported`` — PAR is wanted but the OP has no PAR endpoint.
    """
    want_par = use_par or requires_par(metadata)
    if not want_par and jar_signer is None:
        return redirect
    endpoint, params = split_url(redirect.url)
    client_id = params["client_id"]
    if jar_signer is not None:
        signed = request_object(jar_signer, params, audience=metadata.issuer)
        # OpenID Connect Core §6.1: response_type, client_id and scope stay outside too.
        params = {k: params[k] for k in ("client_id", "response_type", "scope") if k in params}
        params["request"] = signed
    if not want_par:
        return dataclasses.replace(redirect, url=front_url(endpoint, params))
    par = par_endpoint(metadata)
    if par is None:
        raise ConfigurationError(
            "the IdP has no pushed_authorization_request_endpoint; set endpoints or use_par = false",
            field="use_par",
            code="config.not_supported",
        )
    request_uri, _ = await push(oauth, par, params)
    return dataclasses.replace(
        redirect, url=front_url(endpoint, {"client_id": client_id, "request_uri": request_uri})
    )
