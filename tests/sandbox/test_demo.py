"""``idpbridge demo`` end to end: the installed command, in a fresh directory, run again and again."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from .conftest import IDP_BIN, SEED

SECRETS = [
    "sandbox-keycloak-client-secret",
    "sandbox-cognito-client-secret",
    *(u.password.get_secret_value() for u in SEED.keycloak.users if u.password),  # type: ignore[union-attr]
    *(u.password.get_secret_value() for u in SEED.cognito.users if u.password),  # type: ignore[union-attr]
]
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(IDP_BIN), "demo", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    for secret in SECRETS:  # nothing secret is ever printed
        assert secret not in done.stdout + done.stderr
    return done


def rows(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert done.returncode == 0, done.stdout + done.stderr
    return list(json.loads(done.stdout))


def by_user(result: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["user"], r["connector"]): r for r in result if r["action"] is not None}


def test_demo_migrates_then_finds_everyone_unchanged(tmp_path: Path) -> None:
    first = rows(demo(tmp_path, "--json"))
    assert all(r["ok"] for r in first)
    refusals = [(r["connector"], r["refused"]) for r in first if r["action"] is None]
    assert refusals == [("sandbox-keycloak", "InvalidCredentials"), ("sandbox-cognito", "InvalidCode")]
    actions = {key: r["action"] for key, r in by_user(first).items()}
    assert actions == {
        ("alice", "sandbox-keycloak"): "created",
        ("bob", "sandbox-keycloak"): "created",
        ("carol", "sandbox-keycloak"): "created",
        ("dave@acme.example", "sandbox-cognito"): "created",
        ("erin@acme.example", "sandbox-cognito"): "created",
        ("frank@acme.example", "sandbox-cognito"): "created",
        ("alice@acme.example", "sandbox-cognito"): "linked",
        ("grace@globex.example", "sandbox-saml"): "created",  # B2B: routed by domain to a SAML org
    }
    # every method the issue names is exercised through the real connectors
    methods = {key: r["method"] for key, r in by_user(first).items()}
    assert methods[("bob", "sandbox-keycloak")] == "totp"
    assert set(methods.values()) == {"password", "totp", "oidc", "email_otp", "sms_otp", "saml · globex"}
    methods = {r["user"]: r["method"] for r in first if r["action"] is not None}
    assert methods["carol"] == "oidc"
    assert methods["frank@acme.example"] == "sms_otp"
    assert methods["bob"] in ("totp", "oidc + totp page")  # the latter until the connector has `totp`
    ids = {key: r["user_id"] for key, r in by_user(first).items()}
    assert ids[("alice", "sandbox-keycloak")] == ids[("alice@acme.example", "sandbox-cognito")]
    assert len(set(ids.values())) == 7
    assert (tmp_path / "idpbridge-demo.db").is_file()
    assert (tmp_path / "idpbridge-demo.toml").is_file()

    human = demo(tmp_path)  # the table a person sees
    assert human.returncode == 0, human.stdout + human.stderr
    assert "unchanged" in human.stdout
    assert "created" not in human.stdout
    assert "refused ✓" in human.stdout
    assert "nothing was written" in human.stdout

    third = rows(demo(tmp_path, "--json"))
    assert all(r["ok"] for r in third)
    assert {key: r["action"] for key, r in by_user(third).items()} == dict.fromkeys(actions, "unchanged")
    assert {key: r["user_id"] for key, r in by_user(third).items()} == ids

    stats = subprocess.run(
        [str(IDP_BIN), "jit", "stats", "--db", "idpbridge-demo.db", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    counts = json.loads(stats.stdout)
    assert (counts["users"], counts["links"]) == (7, 8)


def test_demo_fails_when_a_scripted_sign_in_misbehaves(tmp_path: Path) -> None:
    seed = tmp_path / "seed.toml"
    seed.write_text(
        '[keycloak]\nrealm = "broken"\n[[keycloak.clients]]\nclient_id = "c"\nsecret = "s"\n'
        '[[keycloak.users]]\nusername = "zed"\npassword = "Zed-Passw0rd"\nenabled = false\n'
        'demo = "password"\n'
    )
    done = demo(tmp_path, "--seed", str(seed), "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads(done.stdout)
    notes = {r["method"]: (r["ok"], r["note"]) for r in result}
    # Keycloak checks "enabled" before the password: neither sign-in did what the script expects.
    assert notes["password"][0] is False
    assert "AccountDisabled" in notes["password"][1]
    assert notes["password, wrong"][0] is False
    assert "AccountDisabled" in notes["password, wrong"][1]
    assert "Zed-Passw0rd" not in done.stdout + done.stderr


def test_demo_on_a_busy_port_exits_2_with_a_message(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = demo(tmp_path, "--port", str(busy.getsockname()[1]))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot listen on 127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_without_the_store_extra_exits_2_with_the_install_hint(monkeypatch: Any) -> None:
    import importlib.util

    from typer.testing import CliRunner

    from idpbridge.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sqlalchemy" else real(name, *a)
    )
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2, result.output
    assert 'pip install "idpbridge[sandbox]"' in result.output
