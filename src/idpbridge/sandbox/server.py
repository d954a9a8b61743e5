"""The :class:`Sandbox`: the Keycloak face, the SAML IdP face and the Cognito emulator on one
loopback port.

Paths under ``{rel}/realms/`` go to the Keycloak face, ``/saml/…`` to the SAML IdP face (when the
seed has a ``[saml]`` table), ``/_sandbox/…`` to the sandbox's own admin
routes, everything else to the Cognito emulator (its API is ``POST /``, its Hosted UI
``/oauth2/*`` and ``/login``, its key documents ``/{pool}/.well-known/…``).

Admin routes (:mod:`._admin`): ``GET /_sandbox`` describes what is served; ``POST
/_sandbox/rotate-keys`` rotates every signing key (the old keys stay published) and needs the
per-start :attr:`Sandbox.admin_token`. Every route answers only requests addressed to the
sandbox's own loopback address and port (:mod:`._http`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, Self

from ..registry import Registry
from ._admin import AdminRoutes
from ._http import HttpAnswer, Lifecycle, LoopbackServer, Request
from .cognito import Client, CognitoApp, CognitoState, Message, Pool, User
from .connectors import connector_tables, connectors_toml
from .keycloak import KeycloakApp, KeycloakState, Realm, RealmClient, RealmUser
from .saml import SAMLApp, SAMLState
from .seed import CognitoSeed, KeycloakSeed, Seed, load_seed

__all__ = ["Sandbox"]


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


def build_realm(seed: KeycloakSeed) -> Realm:
    """A :class:`Realm` from its seed."""
    realm = Realm(
        seed.realm,
        invalid_credentials_status=seed.invalid_credentials_status,
        brute_force_max_failures=seed.brute_force_max_failures,
        roles_in_id_token=seed.roles_in_id_token,
    )
    for c in seed.clients:
        realm.add_client(
            RealmClient(
                c.client_id,
                secret=_secret(c.secret),
                redirect_uris=c.redirect_uris,
                standard_flow=c.standard_flow,
                direct_access_grants=c.direct_access_grants,
                pkce_method=c.pkce_method,
            )
        )
    for u in seed.users:
        attributes = {"phone_number": u.phone_number} if u.phone_number else {}
        realm.add_user(
            RealmUser(
                u.username,
                password=_secret(u.password),
                id=seed.user_id(u),
                email=u.email,
                email_verified=u.email_verified,
                first_name=u.first_name,
                last_name=u.last_name,
                enabled=u.enabled,
                totp_secret=_secret(u.totp_secret),
                required_actions=u.required_actions,
                realm_roles=u.roles,
                groups=u.groups,
                attributes=attributes,
            )
        )
    return realm


def build_pool(seed: CognitoSeed) -> Pool:
    """A Cognito :class:`~idpbridge.sandbox.cognito.Pool` from its seed."""
    c = seed.client
    client = Client(
        c.client_id,
        secret=_secret(c.secret),
        callback_urls=c.callback_urls,
        prevent_user_existence_errors="ENABLED" if c.prevent_user_existence_errors else "LEGACY",
    )
    pool = Pool(seed.user_pool_id, seed.region, username_attributes=seed.sign_in_with)
    pool.clients[client.client_id] = client
    for u in seed.users:
        sub = seed.user_sub(u)
        attributes: dict[str, str] = {}
        if "email" in seed.sign_in_with and "@" in u.username:
            attributes["email"] = u.username
            attributes["email_verified"] = "true" if u.email_verified else "false"
        if u.phone_number:
            attributes["phone_number"] = u.phone_number
            attributes["phone_number_verified"] = "true" if u.phone_number_verified else "false"
        attributes.update(
            {k: v for k, v in (("given_name", u.given_name), ("family_name", u.family_name)) if v}
        )
        internal = sub if seed.sign_in_with else u.username
        pool.users[internal] = User(
            username=internal,
            password=_secret(u.password),
            attributes=attributes,
            status=u.status,
            enabled=u.enabled,
            groups=list(u.groups),
            mfa=u.mfa,
            totp_secret=_secret(u.totp_secret),
            sub=sub,
        )
    return pool


class Sandbox(Lifecycle):
    """A local IdP speaking Keycloak's and Cognito's protocols, on ``127.0.0.1`` only.

    ``port=0`` picks a free port. Use as a context manager or call :meth:`start`/:meth:`stop`.
    """

    def __init__(
        self,
        seed: Seed | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed if seed is not None else load_seed()
        kc = self.seed.keycloak
        self.keycloak = KeycloakState(relative_path=kc.relative_path if kc else "", clock=clock)
        if kc is not None:
            self.keycloak.add_realm(build_realm(kc))
        self.cognito = CognitoState(clock=clock)
        if self.seed.cognito is not None:
            pool = build_pool(self.seed.cognito)
            self.cognito.pools[pool.pool_id] = pool
        self.saml = SAMLState(self.seed.saml, clock=clock) if self.seed.saml is not None else None
        self._saml_app = SAMLApp(self.saml) if self.saml is not None else None
        self._keycloak_app = KeycloakApp(self.keycloak)
        self._cognito_app = CognitoApp(self.cognito)
        self._admin_token = secrets.token_urlsafe(32)
        self._admin = AdminRoutes(
            describe=self.describe,
            actions={"/_sandbox/rotate-keys": self.rotate_keys},
            token=lambda: self._admin_token,
            origins=lambda: frozenset(f"http://{a}" for a in self._server.authorities),
        )
        self._server = LoopbackServer(self._route, host=host, port=port, name="idpbridge-sandbox")

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve (``OSError`` when the port is taken); a new :attr:`admin_token` each time."""
        self._admin_token = secrets.token_urlsafe(32)
        self._server.start()
        self.cognito.base_url = self.base_url
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    # -- what it serves -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:{port}``: the Keycloak server URL and the Cognito endpoint."""
        return self._server.base_url

    @property
    def port(self) -> int:
        """The bound port."""
        return self._server.port

    @property
    def admin_token(self) -> str:
        """The secret the admin routes require (``Authorization: Bearer …``); new at every start."""
        return self._admin_token

    @property
    def admin_headers(self) -> dict[str, str]:
        """The headers an admin request sends: ``{"Authorization": "Bearer <admin_token>"}``."""
        return {"Authorization": f"Bearer {self._admin_token}"}

    @property
    def keycloak_server_url(self) -> str:
        """What a Keycloak connector's ``server_url`` is (with ``/auth`` for a legacy layout)."""
        return self.base_url + self.keycloak.relative_path

    def keycloak_issuer(self, realm: str | None = None) -> str:
        """The issuer of a realm (the seed's realm by default), as served at :attr:`base_url`."""
        name = realm or (self.seed.keycloak.realm if self.seed.keycloak else "")
        return self.keycloak.issuer(self.base_url, self.keycloak.realms[name])

    @property
    def saml_metadata_url(self) -> str:
        """The SAML face's metadata URL, which is also its entity ID."""
        return f"{self.base_url}/saml/metadata"

    @property
    def outbox(self) -> list[Message]:
        """The one-time codes "sent" by e-mail or SMS (the Cognito emulator's outbox)."""
        return self.cognito.outbox

    def rotate_keys(self) -> dict[str, Any]:
        """Rotate every signing key; returns the new key ids."""
        out = {"keycloak": self.keycloak.rotate_keys(), "cognito": self.cognito.tokens.keys.rotate()}
        if self.saml is not None:
            out["saml"] = self.saml.rotate_key()
        return out

    def describe(self) -> dict[str, Any]:
        """What is served where (no secrets)."""
        out: dict[str, Any] = {"base_url": self.base_url}
        if self.seed.keycloak is not None:
            out["keycloak"] = {
                "server_url": self.keycloak_server_url,
                "realm": self.seed.keycloak.realm,
                "issuer": self.keycloak_issuer(),
                "discovery": f"{self.keycloak_issuer()}/.well-known/openid-configuration",
                "users": [u.username for u in self.seed.keycloak.users],
            }
        if self.seed.cognito is not None:
            pool = self.seed.cognito.user_pool_id
            out["cognito"] = {
                "endpoint_url": self.base_url,
                "user_pool_id": pool,
                "issuer": f"https://cognito-idp.{self.seed.cognito.region}.amazonaws.com/{pool}",
                "jwks": f"{self.base_url}/{pool}/.well-known/jwks.json",
                "users": [u.username for u in self.seed.cognito.users],
            }
        if self.seed.saml is not None:
            out["saml"] = {
                "entity_id": self.saml_metadata_url,
                "metadata": self.saml_metadata_url,
                "sso": f"{self.base_url}/saml/sso",
                "users": [u.username for u in self.seed.saml.users],
            }
        return out

    def connector_tables(self, *, registry: Registry | None = None) -> dict[str, dict[str, Any]]:
        """Connector configurations for this sandbox (see :mod:`.connectors`)."""
        return connector_tables(self, registry=registry)

    def connectors_toml(self, *, continuation_key: str | None = None) -> str:
        """A connectors TOML file for :func:`idpbridge.load` and ``idpbridge login``/``check``."""
        return connectors_toml(self.connector_tables(), continuation_key=continuation_key)

    # -- routing ------------------------------------------------------------------------------------

    def _route(self, request: Request) -> HttpAnswer:
        if self._keycloak_app.handles(request.path):
            return self._keycloak_app(request)
        if self._saml_app is not None and self._saml_app.handles(request.path):
            return self._saml_app(request)
        if self._admin.handles(request.path):
            return self._admin(request)
        return self._cognito_app(request)
