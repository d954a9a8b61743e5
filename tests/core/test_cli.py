"""``idpbridge connectors``: JSON for scripts and a table for people, in-process and as a real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import idpbridge
from idpbridge.cli import _app, app
from idpbridge.registry import Registry
from tests.support.plugin_dists import private_dir

from ._support import make_dist, registry_of

REQUIRED_KEYS = {"name", "title", "methods", "available", "distribution", "install_hint"}


@pytest.fixture
def fake_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    reg = registry_of(
        make_dist(tmp_path / "a", "idpbridge", {"needy": "tests.core.test_registry:NEEDS_MISSING"}),
        make_dist(tmp_path / "b", "acme-demo", {"demo": "tests.core._support:DEMO_PLUGIN"}),
    )
    monkeypatch.setattr(_app, "default_registry", lambda: reg)
    return reg


def test_json_listing_of_the_installed_plugins() -> None:
    result = CliRunner().invoke(app, ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    for row in rows.values():
        assert set(row) >= REQUIRED_KEYS
    assert rows["example"]["available"] is True
    assert rows["example"]["methods"] == ["password"]
    assert rows["example"]["distribution"] == "idpbridge-plugin-example"
    assert rows["example"]["install_hint"] is None
    assert rows["future"]["available"] is False
    assert "plugin API 2.0" in rows["future"]["error"]
    assert rows["broken"]["available"] is False
    assert "failed to import" in rows["broken"]["error"]


def test_json_listing_with_an_install_hint(fake_registry: Registry) -> None:
    result = CliRunner().invoke(app, ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["needy"] == {
        **rows["needy"],
        "available": False,
        "distribution": "idpbridge",
        "install_hint": 'pip install "idpbridge[x]"',
        "methods": ["password"],
        "title": "Needs an extra",
    }
    assert rows["demo"]["available"] is True
    assert rows["demo"]["methods"] == ["oidc", "password"]


def test_table_for_people(fake_registry: Registry) -> None:
    result = CliRunner().invoke(app, ["connectors"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Demo IdP" in result.stdout
    assert 'pip install "idpbridge[x]"' in result.stdout


def test_table_does_not_render_plugin_text_as_markup() -> None:
    result = CliRunner().invoke(app, ["connectors"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert "api_key=[redacted]" in result.stdout  # "[redacted]" is text, not a style tag


def test_empty_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_app, "default_registry", lambda: Registry(entry_points=list))
    result = CliRunner().invoke(app, ["connectors"])
    assert 'pip install "idpbridge[all]"' in result.stdout
    result = CliRunner().invoke(app, ["connectors", "--json"])
    assert json.loads(result.stdout) == []


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.stdout.strip() == f"idpbridge {idpbridge.__version__}"


def console_script() -> str:
    path = Path(sys.executable).parent / "idpbridge"
    if not path.exists():
        pytest.fail(
            f"the idpbridge console script is not installed next to {sys.executable}; pip install -e ."
        )
    return str(path)


def test_installed_console_script(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if private_dir() is not None:  # the test plugins, when nox did not install them
        env["PYTHONPATH"] = str(private_dir())
    out = subprocess.run(
        [console_script(), "connectors", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # not the repository: the installed distribution answers
        check=True,
        timeout=120,
    )
    rows = json.loads(out.stdout)  # stdout is pure JSON; warnings go to stderr
    assert isinstance(rows, list)
    by_name = {row["name"]: row for row in rows}
    assert set(by_name["example"]) >= REQUIRED_KEYS
    assert by_name["example"]["available"] is True
    assert by_name["future"]["available"] is False
    assert by_name["broken"]["available"] is False
    assert "sk_live_FIXTURE_DO_NOT_LEAK" not in out.stdout + out.stderr
