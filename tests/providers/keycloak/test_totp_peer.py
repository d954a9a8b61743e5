"""The code flow with a TOTP step, through the Keycloak connector, against the real oidc-provider peer
mounted at ``/realms/acme``: carol (secret JBSWY3DPEHPK3PXP) answers the login page's OTP form with
codes computed here from the enrolled secret.

No real peer speaks Keycloak's direct-grant-with-OTP dialect: LemonLDAP::NG's password grant runs
the portal's second-factor engine, which answers a TOTP user with the same ``invalid_grant`` as a
wrong password and reads no OTP parameter; glewlwyd's password grant checks the password only (an
MFA-protected scope is silently dropped). That dialect is covered by the cassettes (test_totp.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.peers import oidc_provider as op
from tests.support import otp
from tests.support.providers import Connectors

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
def fields(peer_fields: dict[str, Any]) -> dict[str, Any]:
    return {**peer_fields, "methods": ["oidc", "password", "totp"]}


async def test_code_flow_with_totp(
    make: Connectors, fields: dict[str, Any], realm: op.OIDCProviderPeer
) -> None:
    result = await otp.peer_totp_login(make(**fields))
    ident = result.identity
    assert ident.key == (realm.issuer, "carol")
    assert ident.claims["acr"] == "mfa"
    assert ident.tenant == "acme"


@pytest.mark.parametrize("steps", [-1, 1])
async def test_codes_of_the_neighbouring_steps_are_accepted(
    make: Connectors, fields: dict[str, Any], steps: int
) -> None:
    """The peer's window: one 30 s step either side (clock skew between phone and server)."""
    await otp.peer_totp_login(make(**fields), steps)


@pytest.mark.parametrize("steps", [-2, 2])
async def test_codes_two_steps_away_are_refused(make: Connectors, fields: dict[str, Any], steps: int) -> None:
    await otp.peer_refuses_totp(make(**fields), steps)
