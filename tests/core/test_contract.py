"""Public contract: request types, outcomes, identity and tokens keep secrets out of text."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from pydantic import SecretStr

import idpbridge
from idpbridge import (
    TOTP,
    Answer,
    Authenticated,
    ClaimSource,
    CodeSent,
    ExternalToken,
    FinishOIDC,
    Identity,
    InputField,
    InputRequired,
    Method,
    OTPChannel,
    Password,
    RedirectRequired,
    StartOIDC,
    StartOTP,
    TokenSet,
    VerifyOTP,
)
from idpbridge.identity import opt_str, str_list, strict_bool, timestamp
from idpbridge.methods import FinishSAML, PollCIBA, PollDevice, StartCIBA, StartDevice, StartSAML

SECRET = "S3cr3t-value-that-must-not-leak"
CONT = "v1.CONTINUATION-secret-handle-xyz"
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def rendered(obj: object) -> str:
    return f"{obj!r}\n{obj!s}\n{obj}"


def test_public_surface_is_importable() -> None:
    for name in idpbridge.__all__:
        assert hasattr(idpbridge, name), name


@pytest.mark.parametrize(
    ("request_obj", "secret_fields"),
    [
        (Password("jane@example.com", SECRET), ["password"]),
        (FinishOIDC({"code": SECRET, "state": "s"}, CONT), ["continuation"]),
        (VerifyOTP(SECRET, CONT), ["code", "continuation"]),
        (TOTP("jane", SECRET, password=SECRET), ["code", "password"]),
        (Answer(CONT, {"totp": SECRET}), ["continuation"]),
        (ExternalToken(SECRET, username="jane"), ["token"]),
    ],
)
def test_requests_hold_secrets_as_secretstr_and_never_render_them(
    request_obj: object, secret_fields: list[str]
) -> None:
    for name in secret_fields:
        assert isinstance(getattr(request_obj, name), SecretStr), name
    text = rendered(request_obj)
    assert SECRET not in text
    assert CONT not in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(request_obj, secret_fields[0], SecretStr("x"))


def test_answer_values_are_secret() -> None:
    answer = Answer(CONT, {"totp": SECRET, "password": SecretStr(SECRET)})
    assert all(isinstance(v, SecretStr) for v in answer.values.values())
    assert answer.values["totp"].get_secret_value() == SECRET
    assert "totp" in repr(answer)
    with pytest.raises(TypeError):
        answer.values["x"] = SecretStr("y")  # type: ignore[index]


def test_finish_oidc_repr_shows_parameter_names_only() -> None:
    finish = FinishOIDC({"code": SECRET, "state": "st", "iss": "https://idp"}, CONT)
    assert (
        repr(finish) == "FinishOIDC(callback_params=<code, iss, state>, continuation=SecretStr('**********'))"
    )


def test_secret_fields_refuse_non_strings() -> None:
    with pytest.raises(TypeError):
        Password("jane", 12345)  # type: ignore[arg-type]


def test_request_methods() -> None:
    assert Password.method is Method.PASSWORD
    assert StartOIDC.method is Method.OIDC
    assert FinishOIDC.method is Method.OIDC
    assert TOTP.method is Method.TOTP
    assert ExternalToken.method is Method.TOKEN
    assert StartOTP("jane", "sms").otp_method is Method.SMS_OTP
    assert StartOTP("jane", OTPChannel.EMAIL).otp_method is Method.EMAIL_OTP
    assert StartSAML.method is Method.SAML
    assert FinishSAML.method is Method.SAML
    assert StartDevice.method is Method.DEVICE
    assert PollDevice.method is Method.DEVICE
    assert StartCIBA.method is Method.CIBA
    assert PollCIBA.method is Method.CIBA
    assert {m.value for m in Method} == {
        "oidc",
        "password",
        "email_otp",
        "sms_otp",
        "totp",
        "token",
        "saml",
        "device",
        "ciba",
    }


def test_start_oidc_normalises_its_fields() -> None:
    start = StartOIDC("https://app/cb", scopes="openid email", acr_values=["a", "b"], extra_params={"x": "1"})
    assert start.scopes == ("openid", "email")
    assert start.acr_values == ("a", "b")
    with pytest.raises(TypeError):
        start.extra_params["y"] = "2"  # type: ignore[index]
    assert StartOIDC("https://app/cb").scopes is None


# -- outcomes -------------------------------------------------------------------------------------


def identity(**changes: object) -> Identity:
    values: dict[str, object] = {
        "provider": "okta",
        "connector": "okta-prod",
        "issuer": "https://acme.okta.com",
        "subject": "00u1",
        "email": "jane@example.com",
        "email_verified": True,
        "claims": {"sub": "00u1", "secret_handle": SECRET},
    }
    values.update(changes)
    return Identity(**values)  # type: ignore[arg-type]


def test_outcomes_never_render_tokens_continuations_or_claims() -> None:
    tokens = TokenSet(access_token=SECRET, id_token=SECRET, refresh_token=SECRET, token_type="Bearer")
    outcomes = [
        Authenticated(identity=identity(), tokens=tokens, method=Method.PASSWORD, userinfo={"x": SECRET}),
        RedirectRequired(url=f"https://idp/authorize?state={SECRET}", continuation=CONT, expires_at=NOW),
        CodeSent(channel=OTPChannel.EMAIL, destination="j***@e***", continuation=CONT, expires_at=NOW),
        InputRequired(fields=(InputField("totp", "totp"),), continuation=CONT, expires_at=NOW),
    ]
    for outcome in outcomes:
        text = rendered(outcome)
        assert SECRET not in text, type(outcome)
        assert CONT not in text, type(outcome)
    assert isinstance(outcomes[1].continuation, SecretStr)
    assert outcomes[3].field_names == ("totp",)


def test_authenticated_userinfo_is_read_only() -> None:
    result = Authenticated(identity=identity(), tokens=TokenSet(), method=Method.OIDC, userinfo={"a": 1})
    with pytest.raises(TypeError):
        result.userinfo["b"] = 2  # type: ignore[index]


# -- identity -------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "phone_number", "username", "name", "given_name", "family_name"])
@pytest.mark.parametrize("empty", ["", "   ", None])
def test_identity_missing_values_are_none_never_empty(field: str, empty: str | None) -> None:
    assert getattr(identity(**{field: empty}), field) is None


def test_identity_defaults_are_none_or_empty_tuples() -> None:
    ident = Identity(provider="p", connector="c", issuer="https://i", subject="s")
    for name in ("email", "email_verified", "phone_number", "phone_number_verified", "username", "name"):
        assert getattr(ident, name) is None
    assert ident.groups == ()
    assert ident.key == ("https://i", "s")


@pytest.mark.parametrize("value", ["true", "True", 1, "yes", "false"])
def test_identity_refuses_non_bool_verification_flags(value: object) -> None:
    with pytest.raises(TypeError, match="strict_bool"):
        identity(email_verified=value)
    with pytest.raises(TypeError):
        identity(phone_number_verified=value)


def test_identity_needs_issuer_and_subject() -> None:
    with pytest.raises(ValueError, match="issuer and subject"):
        identity(subject="")
    with pytest.raises(ValueError, match="issuer and subject"):
        identity(issuer="")


def test_identity_is_frozen_and_its_mappings_read_only() -> None:
    ident = identity(sources={"sub": ClaimSource.ID_TOKEN})
    with pytest.raises(dataclasses.FrozenInstanceError):
        ident.email = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ident.claims["x"] = 1  # type: ignore[index]
    assert ident.sources["sub"] is ClaimSource.ID_TOKEN


def test_identity_lone_string_lists_are_one_item() -> None:
    ident = identity(groups="admins", roles=["a", "b"], amr="pwd")
    assert ident.groups == ("admins",)
    assert ident.roles == ("a", "b")
    assert ident.amr == ("pwd",)


def test_identity_repr_hides_claims() -> None:
    text = repr(identity())
    assert SECRET not in text
    assert "claims=<2 claims>" in text


@pytest.mark.parametrize(
    ("value", "accept_strings", "expected"),
    [
        (True, False, True),
        (False, False, False),
        ("true", False, None),
        ("true", True, True),
        ("false", True, False),
        ("True", True, None),
        ("true ", True, None),
        (1, True, None),
        (0, True, None),
        (None, True, None),
        ("yes", True, None),
    ],
)
def test_strict_bool(value: object, accept_strings: bool, expected: bool | None) -> None:
    assert strict_bool(value, accept_strings=accept_strings) is expected


def test_claim_coercion_helpers() -> None:
    assert opt_str("") is None
    assert opt_str("  ") is None
    assert opt_str(5) is None
    assert opt_str("x") == "x"
    assert str_list("a") == ("a",)
    assert str_list("") is None
    assert str_list(["a", "", 3, "b"]) == ("a", "b")
    assert str_list({"a": 1}) is None
    assert timestamp(0) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert timestamp(True) is None
    assert timestamp(float("nan")) is None
    assert timestamp(-1) is None
    assert timestamp(10**20) is None
    assert timestamp("1700000000") is None


# -- tokens ---------------------------------------------------------------------------------------


def test_token_set_from_response() -> None:
    data = {
        "access_token": SECRET,
        "id_token": SECRET + "-id",
        "refresh_token": SECRET + "-rt",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "openid email",
        "session_token": SECRET,
        "client_secret": SECRET,
        "mfa_handle": SECRET,
        "issued_token_type": "urn:x",
        "ext_expires_in": 3600,
    }
    tokens = TokenSet.from_response(data, now=NOW, secret_fields=["mfa_handle"])
    assert isinstance(tokens.access_token, SecretStr)
    assert tokens.access_token.get_secret_value() == SECRET
    assert tokens.expires_at == NOW + dt.timedelta(hours=1)
    assert tokens.scope == ("openid", "email")
    assert dict(tokens.extra) == {"issued_token_type": "urn:x", "ext_expires_in": 3600}
    assert SECRET not in rendered(tokens)


@pytest.mark.parametrize("expires_in", ["3600", 3600])
def test_token_set_expires_in_numeric_string(expires_in: object) -> None:
    tokens = TokenSet.from_response({"expires_in": expires_in}, now=NOW)
    assert tokens.expires_at == NOW + dt.timedelta(hours=1)


@pytest.mark.parametrize("expires_in", [True, -5, "soon", 10**12, None])
def test_token_set_ignores_bad_expires_in(expires_in: object) -> None:
    assert TokenSet.from_response({"expires_in": expires_in}, now=NOW).expires_at is None


def test_token_set_wraps_plain_strings() -> None:
    tokens = TokenSet(access_token=SECRET, scope="openid profile")  # type: ignore[arg-type]
    assert isinstance(tokens.access_token, SecretStr)
    assert tokens.scope == ("openid", "profile")
