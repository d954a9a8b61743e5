"""Authorization URL construction and callback checks (no network)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from idpbridge import ConfigurationError, ConsentRequired, FlowError, ProviderUnavailable, UserCancelled
from idpbridge.classify import STANDARD_OAUTH_RULES
from idpbridge.oidc.authcode import build_authorization_request, callback_code, flatten_callback, new_pkce

ISS = "https://op.example.test"


def _build(**kw: Any) -> Any:
    args: dict[str, Any] = {
        "client_id": "c1",
        "redirect_uri": "https://rp.example.test/cb",
        "scopes": ("openid", "email"),
    }
    args.update(kw)
    return build_authorization_request(f"{ISS}/authorize", **args)


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_pkce_is_s256_of_a_long_verifier() -> None:
    verifier, challenge = new_pkce()
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert new_pkce()[0] != verifier


def test_authorization_url() -> None:
    req = _build(
        response_mode="form_post",
        prompt="consent",
        login_hint="a@b",
        acr_values=("mfa", "pwd"),
        claims={"userinfo": {"email": {"essential": True}}},
        max_age=300,
        extra_params={"audience": "api://x"},
    )
    p = _params(req.url)
    assert req.url.startswith(f"{ISS}/authorize?")
    assert p["response_type"] == ["code"]
    assert p["client_id"] == ["c1"]
    assert p["scope"] == ["openid email"]
    assert "%20" in req.url
    assert p["state"] == [req.state]
    assert p["nonce"] == [req.nonce]
    assert req.state != req.nonce
    challenge = base64.urlsafe_b64encode(hashlib.sha256(req.code_verifier.encode()).digest()).rstrip(b"=")
    assert p["code_challenge"] == [challenge.decode()]
    assert p["code_challenge_method"] == ["S256"]
    assert p["response_mode"] == ["form_post"]
    assert p["prompt"] == ["consent"]
    assert p["login_hint"] == ["a@b"]
    assert p["acr_values"] == ["mfa pwd"]
    assert p["max_age"] == ["300"]
    assert p["audience"] == ["api://x"]
    assert json.loads(p["claims"][0]) == {"userinfo": {"email": {"essential": True}}}
    assert req.code_verifier not in req.url
    assert req.code_verifier not in repr(req)


def test_each_request_is_fresh() -> None:
    a, b = _build(), _build()
    assert len({a.state, b.state, a.nonce, b.nonce, a.code_verifier, b.code_verifier}) == 6


@pytest.mark.parametrize("name", ["state", "nonce", "code_challenge", "redirect_uri", "client_id", "scope"])
def test_extra_params_cannot_override_ours(name: str) -> None:
    with pytest.raises(ConfigurationError):
        _build(extra_params={name: "x"})


def test_endpoint_query_is_kept() -> None:
    req = build_authorization_request(
        f"{ISS}/authorize?p=B2C_1_signin", client_id="c", redirect_uri="https://rp/cb", scopes=("openid",)
    )
    assert _params(req.url)["p"] == ["B2C_1_signin"]
    with pytest.raises(ConfigurationError):
        build_authorization_request(
            f"{ISS}/authorize?state=x", client_id="c", redirect_uri="https://rp/cb", scopes=("openid",)
        )


@pytest.mark.parametrize("uri", ["", "relative/cb", "https://rp/cb#frag"])
def test_bad_redirect_uri(uri: str) -> None:
    with pytest.raises(ConfigurationError):
        _build(redirect_uri=uri)


def _check(params: Mapping[str, Any], *, iss_required: bool = False) -> str:
    return callback_code(
        params,
        expected_state="st-1",
        expected_issuer=ISS,
        iss_required=iss_required,
        rules=STANDARD_OAUTH_RULES,
    )


def test_good_callback() -> None:
    assert _check({"code": "c1", "state": "st-1", "iss": ISS}) == "c1"
    assert _check({"code": ["c1"], "state": ["st-1"]}) == "c1"  # parse_qs shape, iss optional here


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"code": "c", "state": "st-2"}, "flow.state_mismatch"),
        ({"code": "c", "state": "st-1 "}, "flow.state_mismatch"),
        ({"code": "c", "state": "ST-1"}, "flow.state_mismatch"),
        ({"code": "c"}, "flow.state_mismatch"),
        ({"code": "c", "state": "st-1", "iss": ISS + "/"}, "flow.issuer_mismatch"),
        ({"code": "c", "state": "st-1", "iss": "https://op.example"}, "flow.issuer_mismatch"),
        ({"code": ["c", "d"], "state": "st-1"}, "flow.malformed"),
        ({"code": "c", "state": ["st-1", "st-1"]}, "flow.malformed"),
        ({"code": [], "state": "st-1"}, "flow.malformed"),
        ({"code": 5, "state": "st-1"}, "flow.malformed"),
        ({"state": "st-1"}, "flow.malformed"),
        ({"code": "", "state": "st-1"}, "flow.malformed"),
        ({"code": "c", "state": "st-1", "error": "access_denied"}, "flow.malformed"),
        ({"code": "c", "state": "st-1", "id_token": "eyJ"}, "flow.malformed"),
        ({"code": "c", "state": "st-1", "access_token": "at"}, "flow.malformed"),
        ({"code": "c" * 5000, "state": "st-1"}, "flow.malformed"),
    ],
)
def test_bad_callbacks(params: dict[str, Any], code: str) -> None:
    with pytest.raises(FlowError) as info:
        _check(params)
    assert info.value.code == code


def test_iss_required_when_advertised() -> None:
    with pytest.raises(FlowError) as info:
        _check({"code": "c", "state": "st-1"}, iss_required=True)
    assert info.value.code == "flow.issuer_mismatch"
    assert _check({"code": "c", "state": "st-1", "iss": ISS}, iss_required=True) == "c"


def test_error_callbacks_are_typed_after_state_and_iss() -> None:
    with pytest.raises(UserCancelled):
        _check({"error": "access_denied", "state": "st-1", "iss": ISS})
    with pytest.raises(ConsentRequired):
        _check({"error": "login_required", "state": "st-1"})
    with pytest.raises(ProviderUnavailable):
        _check({"error": "temporarily_unavailable", "state": "st-1"})
    # Error from another transaction or another IdP: a flow error, not a cancel (RFC 9207 §2.4).
    with pytest.raises(FlowError):
        _check({"error": "access_denied", "state": "other"})
    with pytest.raises(FlowError):
        _check({"error": "access_denied"})
    with pytest.raises(FlowError):
        _check({"error": "access_denied", "state": "st-1", "iss": "https://evil.example"})


def test_error_description_is_untrusted() -> None:
    with pytest.raises(UserCancelled) as info:
        _check({"error": "access_denied", "state": "st-1", "error_description": "<script>x</script>" * 100})
    assert info.value.message == "the user declined"


def test_flatten_rejects_non_strings() -> None:
    with pytest.raises(FlowError):
        flatten_callback({"code": b"bytes"})
    assert flatten_callback({"a": ("x",), "b": "y"}) == {"a": "x", "b": "y"}


def test_max_age_helpers() -> None:
    from idpbridge import TokenValidationError
    from idpbridge.oidc.authcode import check_max_age, parse_max_age

    assert parse_max_age(None) is None
    assert parse_max_age("0") == 0
    for bad in ("-1", "1.5", "abc", "9" * 12):
        with pytest.raises(ConfigurationError):
            parse_max_age(bad)
    check_max_age({"auth_time": 1000}, 60, now=1100, leeway=60)
    for claims in ({}, {"auth_time": True}, {"auth_time": "1000"}, {"auth_time": 1000}):
        with pytest.raises(TokenValidationError):
            check_max_age(claims, 60, now=1200, leeway=30)
