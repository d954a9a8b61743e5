"""The UserInfo endpoint (OpenID Connect Core §5.3).

The access token goes in the ``Authorization`` header only, never in a URL (RFC 6750 §2.3). The
answer's ``sub`` must equal the ID token's exactly, or none of it is used (§5.3.2).
"""

from __future__ import annotations

from typing import Any

from ..errors import MalformedResponse, ProviderError, TokenValidationError
from ..http import HttpClient, redact_url

__all__ = ["fetch_userinfo"]


async def fetch_userinfo(
    http: HttpClient, endpoint: str, access_token: str, *, subject: str | None
) -> dict[str, Any]:
    """GET the UserInfo claims for ``access_token``.

    ``subject`` is the ID token's ``sub``; pass ``None`` only when there is no ID token (then
    the answer must still carry a non-empty ``sub``). Raises
    :class:`~idpbridge.TokenValidationError` (``token.subject``) on a mismatch,
    :class:`~idpbridge.ProviderError` when the IdP refuses the token or answers something else.
    """
    response = await http.get(endpoint, headers={"authorization": f"Bearer {access_token}"})
    where = redact_url(endpoint)
    if response.status in (401, 403):
        raise ProviderError(
            f"{where} refused the access token it just issued (HTTP {response.status})",
            code="provider.userinfo_rejected",
            status=response.status,
        )
    if not 200 <= response.status < 300:
        raise ProviderError(
            f"{where} answered HTTP {response.status}", status=response.status, excerpt=response.excerpt()
        )
    if response.content_type == "application/jwt":
        raise MalformedResponse(
            f"{where} sent a signed UserInfo response; idpbridge reads only JSON UserInfo",
            code="provider.userinfo",
            status=response.status,
        )
    claims = response.json()
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise MalformedResponse(f"{where} answered without a sub", code="provider.userinfo")
    if subject is not None and sub != subject:
        raise TokenValidationError(
            "the UserInfo sub does not match the ID token's sub; its claims are not used",
            code="token.subject",
        )
    return claims
