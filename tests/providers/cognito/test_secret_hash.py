"""SECRET_HASH against an independent implementation (moto's) and the alias rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from moto.cognitoidp.utils import check_secret_hash
from pydantic import SecretStr

from idpbridge.providers.cognito.secret_hash import challenge_username, secret_hash


def test_known_value() -> None:
    # printf aliceclient | openssl dgst -sha256 -hmac secret -binary | base64
    assert (
        secret_hash("alice", "client", SecretStr("secret")) == "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
    )


@given(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40),
    st.from_regex(r"[A-Za-z0-9]{20,30}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9+]{24,64}", fullmatch=True),
)
def test_agrees_with_moto(username: str, client_id: str, client_secret: str) -> None:
    value = secret_hash(username, client_id, SecretStr(client_secret))
    assert check_secret_hash(client_secret, client_id, username, value)


def test_challenge_username_prefers_the_internal_name() -> None:
    uuid = "3f1c1b0e-0000-4000-8000-000000000001"
    assert challenge_username({"USER_ID_FOR_SRP": uuid, "USERNAME": "x"}, "jane@example.com") == uuid
    assert challenge_username({"USERNAME": uuid}, "jane@example.com") == uuid
    assert challenge_username({}, "jane@example.com") == "jane@example.com"
    assert challenge_username({"USERNAME": ""}, "typed") == "typed"
