"""Keycloak's error table (both HTTP statuses), the required-actions choice, roles and ``typ``."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    ClaimSource,
    ConfigurationError,
    IdpBridgeError,
    InvalidCredentials,
    PasswordChangeRequired,
    ProviderError,
    TokenValidationError,
)
from idpbridge.classify import PASSWORD, classify
from idpbridge.oidc.client import oauth_error
from idpbridge.providers.keycloak.connector import KeycloakConnector, client_roles
from idpbridge.providers.keycloak.errors import RULES
from tests.support.providers import Connectors


def _classify(body: dict[str, Any], status: int) -> IdpBridgeError:
    info = oauth_error(body)
    return classify(RULES, error=info.error, description=info.description, status=status, context=PASSWORD)


@pytest.mark.parametrize("status", [401, 400])  # up to 26.5 / from 26.6
@pytest.mark.parametrize(
    ("error", "description", "expected", "code"),
    [
        ("invalid_grant", "Invalid user credentials", InvalidCredentials, "invalid_credentials"),
        ("invalid_grant", "Account disabled", AccountDisabled, "account_disabled"),
        ("invalid_grant", "Account temporarily disabled", AccountLocked, "account_locked"),
        ("invalid_grant", "Account is not fully set up", PasswordChangeRequired, "password_change_required"),
        (
            "unauthorized_client",
            "Client not allowed for direct access grants",
            ConfigurationError,
            "config.grant_disabled",
        ),
        (
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
            ConfigurationError,
            "config.invalid_client",
        ),
        (
            "invalid_client",
            "Invalid client or Invalid client credentials",
            ConfigurationError,
            "config.invalid_client",
        ),
        ("invalid_request", "Missing parameter: username", ConfigurationError, "config.invalid_request"),
        ("invalid_request", "Invalid user credentials", ProviderError, "provider.ambiguous_user"),
        ("invalid_scope", "Invalid scopes: openid foo", ConfigurationError, "config.invalid_scope"),
    ],
)
def test_table(error: str, description: str, expected: type[IdpBridgeError], code: str, status: int) -> None:
    err = _classify({"error": error, "error_description": description}, status)
    assert type(err) is expected
    assert err.code == code
    assert err.details["status"] == status


def test_unknown_realm() -> None:
    err = _classify({"error": "Realm does not exist"}, 404)
    assert isinstance(err, ConfigurationError)
    assert err.code == "config.unknown_realm"


def test_client_roles_are_prefixed() -> None:
    claims = {
        "resource_access": {
            "migration-app": {"roles": ["admin", "viewer"]},
            "account": {"roles": ["manage-account"]},
            "broken": {"roles": "not-a-list"},
        }
    }
    assert client_roles(claims, ("migration-app",)) == ["migration-app:admin", "migration-app:viewer"]
    assert client_roles(claims, ("account", "broken", "missing")) == ["account:manage-account"]
    assert client_roles({"resource_access": ["x"]}, ("a",)) == []


def test_identity_roles(make: Connectors) -> None:
    conn = make(server_url="https://sso.acme.test", realm="acme", client_id="migration-app")
    assert isinstance(conn, KeycloakConnector)
    claims = {
        "sub": "u1",
        "realm_access": {"roles": ["admin", "offline_access"]},
        "resource_access": {"migration-app": {"roles": ["admin"]}, "other": {"roles": ["x"]}},
        "groups": ["/staff"],
    }
    ident = conn.engine.identity(
        claims, dict.fromkeys(claims, ClaimSource.ID_TOKEN), "https://sso.acme.test/realms/acme"
    )
    assert ident.roles == (
        "admin",
        "offline_access",
        "migration-app:admin",
    )  # a client role never passes as a realm role
    assert ident.groups == ("/staff",)
    assert ident.tenant == "acme"


def test_typ_claim_check() -> None:
    (check,) = KeycloakConnector.sheet.token_checks
    check({}, {"typ": "ID"})
    check({}, {})  # absent: other OPs (and old Keycloak versions) do not send it
    for typ in ("Bearer", "Refresh", "id", 1):
        with pytest.raises(TokenValidationError) as info:
            check({}, {"typ": typ})
        assert info.value.code == "token.type"


def test_the_descriptor_loads_no_jose() -> None:
    """The sheet's ``typ`` check loads the token machinery on first use, not on import."""
    code = "import sys, idpbridge.providers.keycloak; assert 'joserfc' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
