"""Seed files: the bundled one, validation errors that name the field (never the value)."""

from __future__ import annotations

from pathlib import Path

import pytest

from idpbridge import ConfigurationError
from idpbridge.sandbox import Sandbox, default_seed_path, load_seed

from .conftest import SEED


def test_default_seed_covers_every_demo_method() -> None:
    assert default_seed_path().is_file()
    methods = {u.demo for u in (*SEED.keycloak.users, *SEED.cognito.users)}  # type: ignore[union-attr]
    assert {"password", "totp", "oidc", "email_otp", "sms_otp"} <= methods


def test_user_ids_are_stable_across_starts() -> None:
    first, second = Sandbox(), Sandbox()
    assert first.keycloak.realms["acme"].users.keys() == second.keycloak.realms["acme"].users.keys()
    pool = SEED.cognito.user_pool_id  # type: ignore[union-attr]
    assert {u.sub for u in first.cognito.pools[pool].users.values()} == {
        u.sub for u in second.cognito.pools[pool].users.values()
    }


def test_seed_repr_hides_secrets() -> None:
    text = repr(SEED)
    for user in SEED.keycloak.users:  # type: ignore[union-attr]
        if user.password is not None:
            assert user.password.get_secret_value() not in text
    assert "sandbox-keycloak-client-secret" not in text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[keycloak]\nrealm = "a b"\n[[keycloak.clients]]\nclient_id = "c"\n', "keycloak.realm"),
        ('[keycloak]\n[[keycloak.clients]]\nclient_id = "c"\nbogus = 1\n', "keycloak.clients.0.bogus"),
        (
            '[cognito]\nregion = "eu-west-1"\nuser_pool_id = "us-east-1_X"\n'
            '[cognito.client]\nclient_id = "c"\n',
            "cognito",
        ),
        (
            '[keycloak]\n[[keycloak.clients]]\nclient_id = "c"\n[[keycloak.users]]\n'
            'username = "u"\npassword = "Sup3r-Secret-Value"\ndemo = "fax"\n',
            "keycloak.users.0.demo",
        ),
    ],
)
def test_invalid_seeds(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "seed.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError) as caught:
        load_seed(path)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert "Sup3r-Secret-Value" not in str(caught.value)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="seed file not found"):
        load_seed(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[keycloak\n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_seed(broken)
