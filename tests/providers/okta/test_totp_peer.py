"""The code flow with a TOTP step, through the Okta connector, against the real oidc-provider peer
(the org-server issuer rule, no override): carol (secret JBSWY3DPEHPK3PXP) answers the login
page's OTP form with codes computed here from the enrolled secret, including the neighbouring
30 s steps the peer accepts and the ones two steps away it refuses.

No real peer speaks Okta's Direct Authentication MFA grants or the IDX API; both are covered by
the cassettes (test_totp_direct.py, test_totp_idx.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import Method
from tests.peers import oidc_provider as op
from tests.support import otp
from tests.support.providers import Connectors

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
def fields(peer_fields: dict[str, Any]) -> dict[str, Any]:
    return {**peer_fields, "methods": ["oidc", "password", "totp"]}


async def test_code_flow_with_totp(
    make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer
) -> None:
    result = await otp.peer_totp_login(make(**fields))
    assert result.method is Method.OIDC
    ident = result.identity
    assert ident.key == (oidc_provider.issuer, "carol")
    assert ident.claims["acr"] == "mfa"


@pytest.mark.parametrize("steps", [-1, 1])
async def test_codes_of_the_neighbouring_steps_are_accepted(
    make: Connectors, fields: dict[str, Any], steps: int
) -> None:
    await otp.peer_totp_login(make(**fields), steps)


@pytest.mark.parametrize("steps", [-2, 2])
async def test_codes_two_steps_away_are_refused(make: Connectors, fields: dict[str, Any], steps: int) -> None:
    await otp.peer_refuses_totp(make(**fields), steps)
