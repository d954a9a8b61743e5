"""The error tree: stable codes, retry hints, safe text; ``sanitize`` redaction."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import idpbridge
from idpbridge import errors
from idpbridge.errors import FailureReason, sanitize

# The machine codes are part of the public contract: changing one is a breaking change.
STABLE_CODES: dict[type[errors.IdpBridgeError], str] = {
    errors.IdpBridgeError: "error",
    errors.AuthenticationFailed: "authentication_failed",
    errors.InvalidCredentials: "invalid_credentials",
    errors.UserNotFound: "user_not_found",
    errors.AccountLocked: "account_locked",
    errors.AccountDisabled: "account_disabled",
    errors.PasswordChangeRequired: "password_change_required",
    errors.UserNotConfirmed: "user_not_confirmed",
    errors.MFARequired: "mfa_required",
    errors.InvalidCode: "invalid_code",
    errors.ExpiredCode: "expired_code",
    errors.UserCancelled: "user_cancelled",
    errors.ConsentRequired: "consent_required",
    errors.TokenValidationError: "token.invalid",
    errors.FlowError: "flow.invalid",
    errors.ProviderError: "provider.error",
    errors.ProviderUnavailable: "provider.unavailable",
    errors.RateLimited: "provider.rate_limited",
    errors.MalformedResponse: "provider.malformed_response",
    errors.ConfigurationError: "config.invalid",
    errors.PluginError: "plugin.error",
}

SECRET = "Zx9-sup3r_s3cret-Value"
JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz"


def exported_error_classes() -> list[type[errors.IdpBridgeError]]:
    return [
        obj
        for name in errors.__all__
        if inspect.isclass(obj := getattr(errors, name)) and issubclass(obj, errors.IdpBridgeError)
    ]


def test_every_error_class_has_a_pinned_stable_code() -> None:
    classes = exported_error_classes()
    assert set(classes) == set(STABLE_CODES), "a new error class needs a pinned code here"
    for cls in classes:
        assert cls().code == STABLE_CODES[cls], cls


def test_error_classes_are_exported_at_the_top_level() -> None:
    for cls in exported_error_classes():
        assert getattr(idpbridge, cls.__name__) is cls


def test_tree_shape() -> None:
    for cls in STABLE_CODES:
        assert issubclass(cls, errors.IdpBridgeError)
    for cls in (errors.ProviderUnavailable, errors.RateLimited, errors.MalformedResponse):
        assert issubclass(cls, errors.ProviderError)
    auth = [c for c in STABLE_CODES if issubclass(c, errors.AuthenticationFailed)]
    # every authentication failure has its own reason from the closed enum
    reasons = {c.reason for c in auth if c is not errors.AuthenticationFailed}
    assert reasons == set(FailureReason) - {FailureReason.OTHER}


def test_retry_hints() -> None:
    assert errors.ProviderUnavailable().retryable is True
    assert errors.RateLimited(retry_after=7).retry_after == 7
    assert errors.InvalidCredentials().retryable is False
    assert errors.ConfigurationError(retryable=True).retryable is True


def test_code_can_be_specialised_and_details_are_kept() -> None:
    exc = errors.ProviderUnavailable("x", code="provider.timeout", status=504)
    assert exc.code == "provider.timeout"
    assert exc.status == 504
    assert exc.details == {"status": 504}


def test_str_and_repr_show_codes_not_secrets() -> None:
    exc = errors.InvalidCredentials(
        f"IdP said: password={SECRET} and token {JWT}", provider_code="invalid_grant", connector="okta-prod"
    )
    text = str(exc)
    assert "(provider code: invalid_grant)" in text
    assert "[connector: okta-prod]" in text
    assert repr(exc) == f"InvalidCredentials(code='invalid_credentials', message={exc.message!r})"
    for rendered in (str(exc), repr(exc), exc.message, str(exc.args)):
        assert SECRET not in rendered
        assert JWT not in rendered


def test_carried_continuations_stay_out_of_text() -> None:
    mfa = errors.MFARequired("second factor needed", continuation="v1." + SECRET, factors=("totp",))
    code = errors.InvalidCode("wrong code", continuation="v1." + SECRET)
    for exc in (mfa, code):
        assert exc.continuation is not None
        assert exc.continuation.get_secret_value() == "v1." + SECRET
        assert SECRET not in str(exc)
        assert SECRET not in repr(exc)
    assert mfa.factors == ("totp",)


def test_provider_code_and_excerpt_are_sanitized_and_short() -> None:
    exc = errors.MalformedResponse("bad", provider_code=f"E1 secret={SECRET}", excerpt="x" * 5000)
    assert SECRET not in str(exc)
    assert exc.excerpt is not None
    assert len(exc.excerpt) <= 200


def test_plugin_error_carries_install_hint() -> None:
    exc = errors.PluginError("missing", code="plugin.unavailable", install_hint='pip install "idpbridge[x]"')
    assert exc.install_hint == 'pip install "idpbridge[x]"'


def test_configuration_error_names_field() -> None:
    assert errors.ConfigurationError("bad", field="client_id").field == "client_id"


# -- sanitize -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"token {JWT} rejected", JWT),
        (f"cut short {JWT[:40]}", JWT[:40]),
        ("Authorization: Bearer abcdefgh.ijkl-mnop", "abcdefgh.ijkl-mnop"),
        ("Authorization: Basic ZGVtbzpzM2NyZXQ=", "ZGVtbzpzM2NyZXQ="),
        (f"grant_type=password&username=jane&password={SECRET}&scope=openid", SECRET),
        (f'{{"client_secret": "{SECRET}"}}', SECRET),
        ('{"password": "correct horse battery staple"}', "horse battery"),
        ('{"sessionToken":"abc\\"def ghi"}', "def ghi"),
        (f"{{'refresh_token': '{SECRET}'}}", SECRET),
        (f"code: {SECRET}", SECRET),
        (f"otp={SECRET}", SECRET),
        (f"stateHandle={SECRET}", SECRET),
        (f"code_verifier={SECRET}", SECRET),
        (f"client_assertion={SECRET}", SECRET),
        (f"Set-Cookie: sid={SECRET}; Path=/", SECRET),
        (f"api_key={SECRET}", SECRET),
        (f"https://idp.example/cb?client_secret={SECRET}&x=1", SECRET),
        (f'{{"access_token":"{SECRET}', SECRET),  # truncated JSON
    ],
)
def test_sanitize_redacts(text: str, secret: str) -> None:
    out = sanitize(text)
    assert secret not in out
    assert "[redacted]" in out


@pytest.mark.parametrize(
    "text",
    [
        '{"errorCode":"E0000004","errorSummary":"Authentication failed"}',
        "error_code=invalid_grant",
        "token_type=Bearer",
        "connector 'okta': client_secret is required",
        "retries is invalid (Input should be a valid integer)",
        "invalid JSON from https://idp.example.com/oauth2/token: Expecting value",
    ],
)
def test_sanitize_keeps_harmless_diagnostics(text: str) -> None:
    assert sanitize(text) == text


def test_sanitize_keeps_key_names() -> None:
    assert sanitize(f"client_secret={SECRET}&grant_type=password") == (
        "client_secret=[redacted]&grant_type=password"
    )


def test_sanitize_removes_control_characters_and_line_breaks() -> None:
    out = sanitize("line1\nFAKE LOG LINE\r\x00\x1b[31m\u2028end")
    assert "\n" not in out
    assert "\r" not in out
    assert "\x1b" not in out
    assert "\u2028" not in out


def test_sanitize_limit() -> None:
    out = sanitize("a" * 1000, limit=50)
    assert len(out) == 50
    assert out.endswith("…")


def test_sanitize_redacts_before_cutting() -> None:
    text = "x" * 90 + f" token {JWT}"
    assert JWT[:20] not in sanitize(text, limit=110)


def test_sanitize_is_linear_on_hostile_input() -> None:
    # A quadratic matcher needs hours for these; a linear one finishes at once. No timing assertion:
    # a regression hangs (and fails) the run instead.
    for text in ("a" * 200_000, "password" * 25_000, "a." * 100_000, '"' * 200_000, "eyJ" * 60_000):
        sanitize(text, limit=10)


@given(st.text(max_size=300))
def test_sanitize_is_idempotent(text: str) -> None:
    once = sanitize(text, limit=10_000)
    assert sanitize(once, limit=10_000) == once


_SECRET_VALUES = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=12, max_size=40
)


@given(
    secret=_SECRET_VALUES,
    key=st.sampled_from(["password", "client_secret", "access_token", "id_token", "code", "Session"]),
    template=st.sampled_from(
        ["{k}={v}", '"{k}": "{v}"', "'{k}': '{v}'", "{k}: {v}", '"{k}":"{v}",', "&{k}={v}&"]
    ),
    prefix=st.text(max_size=30),
)
def test_sanitize_never_lets_a_keyed_secret_through(
    secret: str, key: str, template: str, prefix: str
) -> None:
    assume(secret not in prefix)
    text = prefix + " " + template.format(k=key, v=secret)
    assert secret not in sanitize(text, limit=10_000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bad \x1b[31mred\x1b[0m text", "bad red text"),
        ("\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 here", "click here"),
        ("\x9b2Jcleared", "cleared"),
        ("user \u202eevil\u202c name", "user evil name"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_sanitize_removes_escape_sequences_whole(text: str, expected: str) -> None:
    """IdP or plugin text in a message keeps no escape payload ("[31m") and no bidi override."""
    assert sanitize(text) == expected
    assert sanitize(sanitize(text)) == sanitize(text)


@pytest.mark.parametrize(
    "text",
    ["\x9b password=000000000000", "\x1b[ password=000000000000", "pass\x1b[0mword=000000000000"],
)
def test_escape_sequences_never_split_or_join_a_secret_key(text: str) -> None:
    assert "000000000000" not in sanitize(text)
