"""The Resource Owner Password Credentials grant (RFC 6749 §4.3).

RFC 9700 §2.4 says ROPC must not be used; legacy IdPs still need it for migration, so it is a
method a deployment enables explicitly. The password travels only in the POST body of one
request that is never replayed, and an empty username or password is refused before anything
is sent (an empty password is an anonymous bind on some LDAP-backed IdPs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..classify import PASSWORD
from ..errors import InvalidCredentials
from .client import ErrorHook, OAuthClient

__all__ = ["password_grant", "require_credentials"]


async def password_grant(
    client: OAuthClient,
    token_endpoint: str,
    *,
    username: str,
    password: str,
    scopes: Sequence[str],
    extra: Mapping[str, str] | None = None,
    grant_type: str = PASSWORD,
    on_error: ErrorHook | None = None,
) -> dict[str, Any]:
    """Run the password grant; return the token response body.

    ``extra`` adds provider parameters (Auth0 ``realm``/``audience``); ``grant_type`` replaces
    ``password`` for extension grants with the same shape (Auth0 ``password-realm``); ``on_error``
    refines errors from their raw body. ``invalid_grant`` becomes
    :class:`~idpbridge.InvalidCredentials` through the client's error table.
    """
    require_credentials(username, password)
    params: dict[str, str] = dict(extra or {})
    params.update({"username": username, "password": password})
    if scopes:
        params["scope"] = " ".join(scopes)
    return await client.token(token_endpoint, grant_type, params, context=PASSWORD, on_error=on_error)


def require_credentials(username: str, password: str) -> None:
    """Refuse an empty username or password before anything is sent (every password method:
    the grant here, and providers' own password flows)."""
    if not username or not password:
        raise InvalidCredentials("username and password must not be empty", code="invalid_credentials")
