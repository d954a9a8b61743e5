"""The signed flow value and CSRF token, and the cookies the carrier mints."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from idpbridge.errors import ConfigurationError, FlowError
from idpbridge.web._carrier import Carrier
from idpbridge.web._signing import FlowValue, Signer

from .conftest import SECRET

FLOW = FlowValue("input", "sandbox-keycloak", SecretStr("v1.c2VhbGVk"), ("totp",))


def test_a_flow_value_round_trips_and_is_bound_to_path_and_kind() -> None:
    signer = Signer(SECRET)
    value = signer.dump_flow(FLOW, path="/auth")
    back = signer.load_flow(value, path="/auth")
    assert (back.kind, back.connector, back.fields) == ("input", "sandbox-keycloak", ("totp",))
    assert back.continuation.get_secret_value() == "v1.c2VhbGVk"
    assert "v1.c2VhbGVk" not in repr(back)
    with pytest.raises(FlowError) as other_path:
        signer.load_flow(value, path="/other")
    assert other_path.value.code == "flow.tampered"
    with pytest.raises(FlowError) as other_kind:
        signer.load_flow(value, path="/auth", kinds=frozenset({"oidc"}))
    assert other_kind.value.code == "flow.wrong_method"
    relabelled = "code" + value[len("input") :]  # claim another step kind: the MAC covers it
    with pytest.raises(FlowError) as forged:
        signer.load_flow(relabelled, path="/auth")
    assert forged.value.code == "flow.tampered"


def test_csrf_tokens_are_signed() -> None:
    signer, other = Signer(SECRET), Signer("x" * 32)
    token = signer.new_csrf()
    assert signer.csrf_valid(token)
    assert not other.csrf_valid(token)
    signer.check_csrf(token, token)
    for cookie, form in ((token, None), (token, other.new_csrf()), (None, token), ("a.b", "a.b")):
        with pytest.raises(FlowError):
            signer.check_csrf(cookie, form)


def test_a_short_secret_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigurationError) as info:
        Signer("too-short-secret")
    assert "too-short-secret" not in str(info.value)


@pytest.mark.parametrize(("secure", "kind", "samesite"), [
    (True, "saml", "none"), (True, "org", "none"), (True, "oidc", "lax"), (True, "input", "lax"),
    (False, "saml", "lax"),
])  # fmt: skip
def test_cross_site_post_flows_get_samesite_none_only_with_secure(
    secure: bool, kind: str, samesite: str
) -> None:
    carrier = Carrier(Signer(SECRET), path="/auth", secure=secure, prefix="idpb")
    cookie = carrier.cookie(FlowValue(kind, "c", SecretStr("v1.AAAA")), None)
    assert (cookie.samesite, cookie.secure, cookie.httponly, cookie.path) == (samesite, secure, True, "/auth")
    assert carrier.clear().max_age == 0
