"""Provision a fresh glewlwyd 2.7 (SQLite DB from init.sqlite3.sql, started with glewlwyd.conf) through
its admin REST API: TOTP schemes, scopes, the OIDC plugin instance, one client and users.

Usage (tests/peers/glewlwyd.py imports it; by hand against a running server)::

    python tests/peers/glewlwyd/provision.py http://127.0.0.1:4593

What it creates (parameter names come from upstream v2.7.5 ``src/scheme/otp.c`` and
``src/plugin/protocol_oidc.c``; shared/reference/local-peers.md §4.2):

* scheme ``otp`` (HOTP/TOTP module, TOTP only) with ``"window": 1``: the previous and next 30 s
  step are accepted. 2.7.5 validates TOTP codes with the instance's undocumented ``window``
  parameter (time steps, passed to liboath); the documented ``totp-window`` ("in seconds") is
  checked for being positive and otherwise ignored.
* scheme ``otp-doc``: configured as the documentation says (``"totp-window": 90``), no ``window``
  — so only the current step is accepted.
* scopes ``email``, ``profile``, ``mfa`` (needs the password and scheme ``otp``) and ``mfa-doc``
  (password and ``otp-doc``); ``openid`` ships with the init data.
* the OIDC plugin ``oidc`` (issuer ``{base}/api/oidc``), RS256 with a key generated here, code +
  PKCE (S256 only), password, refresh, introspection/revocation, name and e-mail claims.
* client ``test-client``/``test-secret`` (confidential, client_secret_basic) with redirect URI
  ``http://127.0.0.1:8765/callback``.
* users: ``alice`` (password only) and :data:`TOTP_USERS` (``carol``, ``totp01``…), each with a
  fresh random TOTP secret in both schemes. glewlwyd takes a TOTP code of a user at most once per
  time step (``gso_last_used``), so every test that passes the TOTP step needs a user of its own.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
from dataclasses import dataclass, field

import httpx
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
#: Shipped by init.sqlite3.sql (scope g_admin).
ADMIN = ("admin", "password")
KID = "glwd-rs256"
#: Scheme -> the scope that requires it.
SCHEMES = {"otp": "mfa", "otp-doc": "mfa-doc"}
USERS = {"alice": "alice-pass"}
TOTP_USERS = {name: f"{name}-pass" for name in ("carol", *(f"totp{i:02d}" for i in range(1, 24)))}
USER_SCOPES = ["g_profile", "openid", "email", "profile", *SCHEMES.values()]


@dataclass
class Provisioned:
    """What :func:`provision` made: the issuer, the signing key id and the TOTP secrets (base32)."""

    issuer: str
    kid: str
    totp_secrets: dict[str, str] = field(default_factory=dict)


class ProvisioningError(RuntimeError):
    """An admin API call did not answer 200."""


def _check(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code != 200:
        raise ProvisioningError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response


def _signing_jwks() -> str:
    key = RSAKey.generate_key(2048, private=True)
    return json.dumps({"keys": [{**key.as_dict(private=True), "kid": KID, "alg": "RS256", "use": "sig"}]})


def _otp_scheme(name: str, window: dict[str, int]) -> dict[str, object]:
    return {
        "module": "otp",
        "name": name,
        "display_name": name,
        "expiration": 600,
        "max_use": 0,
        "parameters": {
            "issuer": "127.0.0.1",
            "secret-minimum-size": 16,
            "otp-length": 6,
            "hotp-allow": False,
            "totp-allow": True,
            "totp-start-offset": 0,
            **window,
        },
    }


def _oidc_plugin(issuer: str) -> dict[str, object]:
    params = {
        "iss": issuer,
        "jwks-private": _signing_jwks(),
        "default-kid": KID,
        "jwks-show": True,
        "access-token-duration": 600,
        "refresh-token-duration": 3600,
        "code-duration": 600,
        "refresh-token-rolling": True,
        "allow-non-oidc": True,
        "auth-type-code-enabled": True,
        "auth-type-token-enabled": False,
        "auth-type-id-token-enabled": True,
        "auth-type-none-enabled": False,
        "auth-type-password-enabled": True,
        "auth-type-client-enabled": True,
        "auth-type-refresh-enabled": True,
        "auth-type-device-enabled": False,
        "pkce-allowed": True,
        "pkce-method-plain-allowed": False,
        "introspection-revocation-allowed": True,
        "introspection-revocation-allow-target-client": True,
        "name-claim": "mandatory",
        "email-claim": "mandatory",
        "scope-claim": "no",
        "allowed-scope": ["openid", "email", "profile", *SCHEMES.values(), "offline_access"],
        "scope": [],
        "claims": [],
    }
    return {
        "module": "oidc",
        "name": "oidc",
        "display_name": "OIDC",
        "parameters": params,
        "order_rank": 0,
        "readonly": False,
        "enabled": True,
    }


def provision(base: str) -> Provisioned:
    """Provision the glewlwyd at ``base`` (``http://127.0.0.1:<port>``); raise ProvisioningError."""
    api = f"{base}/api"
    issuer = f"{api}/oidc"
    made = Provisioned(issuer=issuer, kid=KID)
    with httpx.Client(timeout=10) as admin:
        _check(admin.post(f"{api}/auth/", json={"username": ADMIN[0], "password": ADMIN[1]}), "admin login")
        _check(admin.post(f"{api}/mod/scheme/", json=_otp_scheme("otp", {"window": 1})), "scheme otp")
        _check(admin.post(f"{api}/mod/scheme/", json=_otp_scheme("otp-doc", {"totp-window": 90})), "otp-doc")
        for name, scheme in (("email", None), ("profile", None), *((s, n) for n, s in SCHEMES.items())):
            body: dict[str, object] = {
                "name": name,
                "display_name": name,
                "description": name,
                "password_required": scheme is not None,
                "password_max_age": 0,
            }
            if scheme:
                body["scheme"] = {"0": [{"scheme_type": "otp", "scheme_name": scheme}]}
            _check(admin.post(f"{api}/scope/", json=body), f"scope {name}")
        _check(admin.post(f"{api}/mod/plugin/", json=_oidc_plugin(issuer)), "oidc plugin")
        client = {
            "client_id": CLIENT_ID,
            "name": CLIENT_ID,
            "description": "idpbridge tests",
            "enabled": True,
            "confidential": True,
            "password": CLIENT_SECRET,
            "redirect_uri": [REDIRECT_URI],
            "authorization_type": ["code", "password", "refresh_token", "delete_token", "id_token"],
            "token_endpoint_auth_method": ["client_secret_basic"],
            "scope": [],
        }
        _check(admin.post(f"{api}/client/", json=client), "client")
        for user, password in {**USERS, **TOTP_USERS}.items():
            body = {
                "username": user,
                "password": password,
                "name": f"{user.capitalize()} Example",
                "email": f"{user}@example.test",
                "enabled": True,
                "scope": USER_SCOPES,
            }
            _check(admin.post(f"{api}/user/", json=body), f"user {user}")
        for user in TOTP_USERS:
            secret = base64.b32encode(secrets.token_bytes(20)).decode()
            made.totp_secrets[user] = secret
            for scheme in SCHEMES:
                register = {
                    "username": user,
                    "scheme_type": "otp",
                    "scheme_name": scheme,
                    "value": {"type": "TOTP", "secret": secret, "time_step_size": 30},
                }
                url = f"{api}/delegate/{user}/profile/scheme/register/"
                _check(admin.post(url, json=register), f"TOTP secret of {user} ({scheme})")
    return made


if __name__ == "__main__":
    result = provision(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4593")
    print(json.dumps({"issuer": result.issuer, "totp_secrets": result.totp_secrets}, indent=1))
