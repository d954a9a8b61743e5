"""Sealed continuations: round trip, rotation, binding, expiry, tampering, size, fuzzing."""

from __future__ import annotations

import base64
import logging
import secrets
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from idpbridge import ConfigurationError, ContinuationKeys, FlowError
from idpbridge import continuation as continuation_module
from idpbridge.continuation import MAX_TOKEN_SIZE, Continuations

from .conftest import FakeClock

PKCE_VERIFIER = secrets.token_urlsafe(96)  # 128 characters, the RFC 7636 maximum
REALISTIC = {
    "verifier": PKCE_VERIFIER,
    "nonce": secrets.token_urlsafe(32),
    "state": secrets.token_urlsafe(32),
    "redirect_uri": "https://login.acme-corp.example.com/oauth2/callback/legacy-okta?tenant=emea-prod",
    "session": secrets.token_urlsafe(768),  # a 1 KB IdP session handle (Cognito Session, Okta stateHandle)
    "username": "jane.doe@acme-corp.example.com",
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def opened_code(conts: Continuations, token: str, **kwargs: object) -> str:
    with pytest.raises(FlowError) as caught:
        conts.open(token, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


@pytest.fixture
def conts(keys: ContinuationKeys, clock: FakeClock) -> Continuations:
    return Continuations(keys, connector="okta-prod", clock=clock)


def test_round_trip(conts: Continuations, clock: FakeClock) -> None:
    token, expires_at = conts.seal("oidc", REALISTIC, ttl=600)
    assert token.startswith("v1.")
    assert expires_at.timestamp() == int(clock.now + 600)
    cont = conts.open(token, method="oidc")
    assert dict(cont.data) == REALISTIC
    assert cont.connector == "okta-prod"
    assert cont.method == "oidc"
    assert cont.expires_at == int(clock.now + 600)
    assert conts.open(SecretStr(token)).id == cont.id  # SecretStr accepted
    assert conts.open(token, method=("email_otp", "oidc")).method == "oidc"


def test_each_seal_is_unique(conts: Continuations) -> None:
    a, _ = conts.seal("oidc", {"x": 1}, ttl=60)
    b, _ = conts.seal("oidc", {"x": 1}, ttl=60)
    assert a != b
    assert conts.open(a).id != conts.open(b).id


def test_realistic_payload_is_well_under_4_kb(conts: Continuations) -> None:
    token, _ = conts.seal("oidc", REALISTIC, ttl=600)
    assert len(token) < 3072
    assert len(token) <= MAX_TOKEN_SIZE < 4096


def test_oversized_state_is_refused(conts: Continuations) -> None:
    with pytest.raises(FlowError) as caught:
        conts.seal("oidc", {"blob": "x" * 4000}, ttl=60)
    assert caught.value.code == "flow.too_large"


def test_repr_shows_no_state(conts: Continuations, keys: ContinuationKeys) -> None:
    token, _ = conts.seal("oidc", REALISTIC, ttl=600)
    text = repr(conts.open(token)) + repr(keys)
    for value in REALISTIC.values():
        assert value not in text
    assert "data=<6 fields>" in text
    assert repr(keys) == "ContinuationKeys(<1 keys>)"


def test_key_rotation(clock: FakeClock) -> None:
    old, new = ContinuationKeys.new_key(), ContinuationKeys.new_key()
    before = Continuations(ContinuationKeys([old]), connector="c", clock=clock)
    during = Continuations(ContinuationKeys([new, old]), connector="c", clock=clock)
    after = Continuations(ContinuationKeys([new]), connector="c", clock=clock)

    legacy, _ = before.seal("password", {"step": 1}, ttl=60)
    assert during.open(legacy).data == {"step": 1}  # open with any key
    fresh, _ = during.seal("password", {"step": 2}, ttl=60)
    assert after.open(fresh).data == {"step": 2}  # sealed with the first key
    assert opened_code(before, fresh) == "flow.unknown_key"
    assert opened_code(after, legacy) == "flow.unknown_key"


def test_keys_accept_raw_bytes_text_and_secretstr() -> None:
    raw = secrets.token_bytes(32)
    for form in (raw, b64(raw), SecretStr(b64(raw)), b64(raw) + "="):  # the one padded form
        a = Continuations(ContinuationKeys([form]), connector="c")
        b = Continuations(ContinuationKeys(raw), connector="c")
        token, _ = a.seal("oidc", {}, ttl=60)
        assert b.open(token).method == "oidc"


@pytest.mark.parametrize("bad", [[], ["short"], [b"x" * 31], ["!!!not base64!!!"], [b64(b"k" * 33)]])
def test_bad_keys_are_configuration_errors(bad: list[object]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ContinuationKeys(bad)  # type: ignore[arg-type]
    assert caught.value.field == "continuation_keys"


def test_expiry(conts: Continuations, clock: FakeClock) -> None:
    token, _ = conts.seal("oidc", {}, ttl=300)
    clock.advance(299)
    conts.open(token)
    clock.advance(1)
    assert opened_code(conts, token) == "flow.expired"


def test_bound_to_connector_instance(keys: ContinuationKeys, conts: Continuations) -> None:
    token, _ = conts.seal("oidc", {}, ttl=60)
    other = Continuations(keys, connector="okta-staging")
    assert opened_code(other, token) == "flow.wrong_connector"


def test_bound_to_method(conts: Continuations) -> None:
    token, _ = conts.seal("password", {}, ttl=60)
    assert opened_code(conts, token, method="oidc") == "flow.wrong_method"
    assert opened_code(conts, token, method=("email_otp", "sms_otp")) == "flow.wrong_method"


def test_tampering(conts: Continuations) -> None:
    token, _ = conts.seal("oidc", REALISTIC, ttl=60)
    raw = bytearray(unb64(token[3:]))
    for index in (4, 10, 20, len(raw) // 2, len(raw) - 1):  # nonce, ciphertext, tag
        mutated = bytearray(raw)
        mutated[index] ^= 0x01
        assert opened_code(conts, "v1." + b64(bytes(mutated))) == "flow.tampered", index
    kid_changed = bytearray(raw)
    kid_changed[0] ^= 0x01
    assert opened_code(conts, "v1." + b64(bytes(kid_changed))) == "flow.unknown_key"


def test_truncation(conts: Continuations) -> None:
    token, _ = conts.seal("oidc", REALISTIC, ttl=60)
    raw = unb64(token[3:])
    assert opened_code(conts, "v1." + b64(raw[:-3])) == "flow.tampered"  # lost part of the tag
    assert opened_code(conts, "v1." + b64(raw[:20])) == "flow.malformed"  # shorter than a tag
    for cut in range(1, 5):  # losing characters: bad encoding or a broken tag, depending on the length
        assert opened_code(conts, token[:-cut]) in {"flow.malformed", "flow.tampered"}
    assert opened_code(conts, "v1.") == "flow.malformed"


@pytest.mark.parametrize(
    "token",
    ["", "v2.AAAA", "v1", "V1.AAAA", "v1.AAAA AAAA", "v1.AA==", "v1.AA+/", "x" * 9000, "v1." + "A" * 9000],
)
def test_malformed(conts: Continuations, token: str) -> None:
    assert opened_code(conts, token) == "flow.malformed"


def test_non_canonical_encodings_of_a_valid_token_are_refused(conts: Continuations) -> None:
    token, _ = conts.seal("oidc", {"a": 1}, ttl=60)
    body = token[3:]
    assert opened_code(conts, f"v1.{body[:10]}!{body[10:]}") == "flow.malformed"  # stray character
    assert opened_code(conts, f"v1.{body}==") == "flow.malformed"  # padding


def test_ephemeral_process_key_warns_once_when_a_flow_starts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(continuation_module, "_process_keys", None)
    monkeypatch.setattr(continuation_module, "_warned_ephemeral", threading.Event())
    with caplog.at_level(logging.WARNING, logger="idpbridge"):
        first = continuation_module.process_keys()
        second = continuation_module.process_keys()
        assert not [r for r in caplog.records if "ephemeral per-process key" in r.getMessage()]
        conts = Continuations(first, connector="c")
        conts.seal("oidc", {"a": 1}, ttl=60)
        conts.seal("oidc", {"a": 2}, ttl=60)
        # Keys someone generated on purpose are not "no keys configured".
        Continuations(ContinuationKeys.generate(), connector="d").seal("oidc", {}, ttl=60)
    assert first is second
    warnings = [r for r in caplog.records if "ephemeral per-process key" in r.getMessage()]
    assert len(warnings) == 1


# -- fuzzing: nothing but FlowError escapes ``open`` ---------------------------------------------

_FUZZ_KEYS = ContinuationKeys.generate()
_FUZZ = Continuations(_FUZZ_KEYS, connector="fuzz")
_VALID, _ = _FUZZ.seal("oidc", REALISTIC, ttl=3600)


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _mutations() -> st.SearchStrategy[str]:
    position = st.integers(min_value=0, max_value=len(_VALID))
    text = st.text(max_size=8)
    junk = st.text(alphabet=" \n\t\r=!.~*+/", min_size=1, max_size=8)  # skipped by lenient decoders
    return st.one_of(
        st.builds(lambda i, t: _VALID[:i] + t + _VALID[i + 1 :], position, text),  # replace
        st.builds(lambda i, t: _VALID[:i] + t + _VALID[i:], position, text),  # insert
        st.builds(lambda i, t: _VALID[:i] + t + _VALID[i:], position, junk),  # insert junk
        st.builds(lambda c: _VALID[:-1] + c, st.sampled_from(_B64_ALPHABET)),  # spare bits of the last char
        st.builds(lambda k: _VALID + "=" * k, st.integers(1, 3)),  # padding
        st.builds(lambda i: _VALID[:i], position),  # truncate
        st.builds(lambda i, j: _VALID[:i] + _VALID[j:], position, position),  # cut out
    )


def _garbage() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.binary(max_size=400).map(lambda b: "v1." + b64(b)),
        st.binary(max_size=400).map(lambda b: "v1." + b.decode("latin-1")),
        st.text(alphabet="ABCabc019-_=+/.", max_size=300).map(lambda t: "v1." + t),
    )


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_garbage())
def test_open_fuzz_garbage(token: str) -> None:
    with pytest.raises(FlowError) as caught:
        _FUZZ.open(token)
    assert caught.value.code.startswith("flow.")


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_open_fuzz_mutated_tokens(token: str) -> None:
    if token == _VALID:
        assert dict(_FUZZ.open(token).data) == REALISTIC
        return
    # anything else, however close to the valid token, fails with a FlowError and nothing else
    with pytest.raises(FlowError) as caught:
        _FUZZ.open(token)
    assert caught.value.code.startswith("flow.")
    assert _VALID[3:] not in str(caught.value)
