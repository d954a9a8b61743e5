"""The sandbox's Keycloak face: one or more realms speaking Keycloak's OpenID Connect dialect.

See :mod:`.app` for the routes, :mod:`.browser` for the login pages, :mod:`.grants` for the token
endpoint and :mod:`idpbridge.providers.keycloak.sheet` for the Keycloak facts it reproduces.
"""

from __future__ import annotations

from .app import KeycloakApp
from .realm import Realm, RealmClient, RealmUser
from .state import KeycloakState

__all__ = ["KeycloakApp", "KeycloakState", "Realm", "RealmClient", "RealmUser"]
