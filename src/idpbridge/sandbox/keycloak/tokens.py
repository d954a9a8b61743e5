"""Keycloak-shaped tokens: ID token (``typ: "ID"``), access token (``typ: "Bearer"``), response.

Claims follow the default client scopes of a current Keycloak
(https://www.keycloak.org/docs/latest/server_admin/#_client_scopes): ``basic`` (``sub``,
``auth_time``), ``profile``, ``email``, ``roles`` (``realm_access``, ``resource_access``),
``acr``. The ``groups`` claim stands for a "Group Membership" mapper.
Refresh tokens are opaque here (Keycloak's are HS512 JWTs that clients must not read anyway).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from .._tokens import at_hash
from .realm import Realm, RealmClient, RealmUser
from .state import Issued, KeycloakState

__all__ = ["token_response", "user_claims"]

_REFRESH_LIFESPAN = 1800


def user_claims(realm: Realm, user: RealmUser, scopes: set[str]) -> dict[str, Any]:
    """The profile/e-mail claims this user gets for ``scopes`` (ID token and UserInfo)."""
    out: dict[str, Any] = {}
    if "profile" in scopes:
        out["preferred_username"] = user.username
        for claim, value in (
            ("name", user.name),
            ("given_name", user.first_name),
            ("family_name", user.last_name),
        ):
            if value:
                out[claim] = value
    if "email" in scopes:
        out["email_verified"] = user.email_verified
        if user.email:
            out["email"] = user.email
    if "phone" in scopes and user.attributes.get("phone_number"):
        out["phone_number"] = user.attributes["phone_number"]
        out["phone_number_verified"] = user.attributes.get("phone_number_verified") == "true"
    if realm.groups_claim and user.groups:
        out["groups"] = list(user.groups)
    return out


def _scopes(scope: str) -> set[str]:
    # profile and email are default client scopes: granted whether or not they were asked for.
    return {*scope.split(), "profile", "email", "basic", "roles"}


def token_response(
    state: KeycloakState,
    *,
    issuer: str,
    realm: Realm,
    client: RealmClient,
    user: RealmUser,
    sid: str,
    scope: str,
    auth_time: int,
    nonce: str | None = None,
    acr: str = "1",
) -> dict[str, Any]:
    """Mint the token response (and remember the tokens for UserInfo, refresh and revoke)."""
    now = int(state.clock())
    scopes = _scopes(scope)
    granted = " ".join([*(["openid"] if "openid" in scope.split() else []), "profile", "email"])
    common: dict[str, Any] = {
        "exp": now + realm.access_token_lifespan,
        "iat": now,
        "auth_time": auth_time,
        "iss": issuer,
        "sub": user.id,
        "azp": client.client_id,
        "sid": sid,
        "acr": acr,
    }
    roles = sorted({*user.realm_roles, f"default-roles-{realm.name}", "offline_access", "uma_authorization"})
    access = {
        **common,
        "jti": f"onrtro:{uuid.uuid4()}",
        "aud": "account",
        "typ": "Bearer",
        "realm_access": {"roles": roles},
        "resource_access": {"account": {"roles": ["manage-account", "manage-account-links", "view-profile"]}},
        "scope": granted,
        **user_claims(realm, user, scopes),
    }
    keys = state.keys[realm.name]
    access_token = keys.sign(access, header={"typ": "JWT"})
    refresh_token = secrets.token_urlsafe(48)
    body: dict[str, Any] = {
        "access_token": access_token,
        "expires_in": realm.access_token_lifespan,
        "refresh_expires_in": _REFRESH_LIFESPAN,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
    }
    if "openid" in scope.split():
        id_claims = {
            **common,
            "jti": f"onrtio:{uuid.uuid4()}",
            "aud": client.client_id,
            "typ": "ID",
            "at_hash": at_hash(access_token),
            **user_claims(realm, user, scopes),
        }
        if realm.roles_in_id_token:
            id_claims["realm_access"] = {"roles": roles}
        if nonce is not None:
            id_claims["nonce"] = nonce
        body["id_token"] = keys.sign(id_claims, header={"typ": "JWT"})
    body.update({"not-before-policy": 0, "session_state": sid, "scope": granted})
    with state.lock:
        expires = now + realm.access_token_lifespan
        state.access_tokens[access_token] = Issued(realm, client, user, sid, scope, auth_time, expires)
        state.refresh_tokens[refresh_token] = Issued(
            realm, client, user, sid, scope, auth_time, now + _REFRESH_LIFESPAN
        )
    return body
