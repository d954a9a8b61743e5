"""The real plugin distributions under tests/plugins/, installed into the test environment."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import idpbridge
from idpbridge import (
    AccountDisabled,
    AccountLocked,
    Answer,
    Authenticated,
    ContinuationKeys,
    FlowError,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Method,
    Password,
    PluginError,
)
from idpbridge.registry import Registry

from ._support import dedent

PLUGINS = {
    "example": "idpbridge-plugin-example",
    "future": "idpbridge-plugin-future",
    "broken": "idpbridge-plugin-broken",
}
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", autouse=True)
def plugins_installed() -> None:
    for dist in PLUGINS.values():
        try:
            md.distribution(dist)
        except md.PackageNotFoundError:
            pytest.fail(
                f"{dist} is not installed; run: pip install --no-deps tests/plugins/{dist.rsplit('-', 1)[1]} "
                "(nox -s tests does it)"
            )


@pytest.fixture
def registry() -> Registry:
    return Registry()  # reads the installed entry points


def test_listing_reports_each_plugin(registry: Registry) -> None:
    infos = {i.name: i for i in registry.list()}
    assert set(PLUGINS) <= set(infos)

    example = infos["example"]
    assert example.available
    assert example.distribution == "idpbridge-plugin-example"
    assert example.version == "1.0.0"
    assert example.methods == (Method.PASSWORD,)
    assert example.title == "Example (in-memory users)"
    assert not example.builtin
    assert example.error is None

    future = infos["future"]
    assert not future.available
    assert future.distribution == "idpbridge-plugin-future"
    assert future.api_version == (2, 0)
    assert "built for plugin API 2.0" in (future.error or "")

    broken = infos["broken"]
    assert not broken.available
    assert broken.distribution == "idpbridge-plugin-broken"
    assert "failed to import: RuntimeError" in (broken.error or "")
    assert "sk_live_FIXTURE_DO_NOT_LEAK" not in (broken.error or "")  # sanitized


def test_loading_the_incompatible_plugin(registry: Registry) -> None:
    with pytest.raises(PluginError) as caught:
        registry.get("future")
    assert caught.value.code == "plugin.incompatible"
    assert "idpbridge_plugin_future.connector" not in sys.modules  # refused before importing the class


def test_loading_the_broken_plugin(registry: Registry) -> None:
    with pytest.raises(PluginError) as caught:
        idpbridge.connect("broken", registry=registry)
    assert caught.value.code == "plugin.broken"
    assert "sk_live_FIXTURE_DO_NOT_LEAK" not in str(caught.value)


async def test_example_authenticates_end_to_end() -> None:
    # through the process-wide default registry, as an application would
    connector = idpbridge.connect(
        "example", name="legacy", realm="acme", continuation_keys=ContinuationKeys.generate()
    )
    async with connector:
        result = await connector.authenticate(Password("jane@example.com", PASSWORD))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    ident = result.identity
    assert ident.provider == "example"
    assert ident.connector == "legacy"
    assert ident.key == ("urn:idpbridge-plugin-example:acme", "u-1001")
    assert ident.email == "jane@example.com"
    assert ident.email_verified is True
    assert ident.groups == ("staff", "admins")
    assert ident.given_name is None
    assert ident.amr == ("pwd",)


async def test_example_totp_step_through_a_continuation() -> None:
    from idpbridge_plugin_example.connector import TOTP_SECRET, totp_code

    keys = ContinuationKeys.generate()
    worker1 = idpbridge.connect("example", continuation_keys=keys)
    worker2 = idpbridge.connect("example", continuation_keys=keys)
    step = await worker1.authenticate(Password("mfa@example.com", PASSWORD))
    assert isinstance(step, InputRequired)
    assert step.field_names == ("totp",)

    with pytest.raises(InvalidCode) as caught:
        await worker2.authenticate(Answer(step.continuation, {"totp": "000000x"}))
    assert caught.value.continuation is not None

    code = totp_code(TOTP_SECRET, time.time())
    result = await worker2.authenticate(Answer(caught.value.continuation, {"totp": code}))
    assert isinstance(result, Authenticated)
    assert result.identity.amr == ("pwd", "otp")

    other = idpbridge.connect("example", name="other-instance", continuation_keys=keys)
    with pytest.raises(FlowError) as flow:
        await other.authenticate(Answer(step.continuation, {"totp": code}))
    assert flow.value.code == "flow.wrong_connector"


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("jane@example.com", "wrong", InvalidCredentials),
        ("nobody@example.com", PASSWORD, InvalidCredentials),
        ("locked@example.com", PASSWORD, AccountLocked),
        ("disabled@example.com", PASSWORD, AccountDisabled),
    ],
)
async def test_example_failures(username: str, password: str, error: type[Exception]) -> None:
    connector = idpbridge.connect("example", name="legacy")
    with pytest.raises(error) as caught:
        await connector.authenticate(Password(username, password))
    assert caught.value.connector == "legacy"  # type: ignore[attr-defined]


def test_example_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "idpbridge.toml"
    path.write_text(
        dedent(
            """
            [connectors.legacy-users]
            provider = "example"
            realm = "${REALM}"
            """
        )
    )
    connectors = idpbridge.load(path, env={"REALM": "acme"})
    assert connectors["legacy-users"].config.realm == "acme"
    with pytest.raises(idpbridge.ConfigurationError) as caught:
        idpbridge.load(path, env={"REALM": "Not Valid!"})
    assert caught.value.field == "realm"
    assert caught.value.connector == "legacy-users"


# -- listing imports no heavy dependency --------------------------------------------------------

FAKE_COGNITO_PLUGIN = """
from idpbridge.kit import ConnectorPlugin
PLUGIN = ConnectorPlugin(name="fakecognito", title="Cognito-like", methods=frozenset({"password"}),
                         connector="fake_cognito_impl:FakeCognito", requires=("boto3",), extra="cognito")
"""
FAKE_COGNITO_IMPL = """
import boto3  # the heavy dependency: must load only when the connector is used
from idpbridge import Method
from idpbridge.kit import Connector, ConnectorConfig

class FakeCognito(Connector[ConnectorConfig]):
    name = "fakecognito"
    title = "Cognito-like"
    methods = frozenset({Method.PASSWORD})
"""
PROBE = """
import json, sys
import idpbridge
state = {"after_import": "boto3" in sys.modules}
infos = {i.name: i.as_dict() for i in idpbridge.list_connectors()}
state["after_list"] = "boto3" in sys.modules
state["infos"] = infos
from idpbridge.registry import default_registry
default_registry().get("fakecognito")
state["after_get"] = "boto3" in sys.modules
print(json.dumps(state))
"""


def test_listing_connectors_imports_no_heavy_dependency(tmp_path: Path) -> None:
    md.distribution("boto3")  # the control below needs it installed; fails loudly if not
    (tmp_path / "fake_cognito_plugin.py").write_text(FAKE_COGNITO_PLUGIN)
    (tmp_path / "fake_cognito_impl.py").write_text(FAKE_COGNITO_IMPL)
    info = tmp_path / "fake_cognito-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-cognito\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[idpbridge.connectors]\nfakecognito = fake_cognito_plugin:PLUGIN\n"
    )
    # tmp_path first; keep the test plugins' directory when nox did not install them
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
    }
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)], capture_output=True, text=True, env=env, check=True
    )
    state = json.loads(out.stdout)
    assert state["after_import"] is False
    assert state["after_list"] is False
    assert state["infos"]["fakecognito"]["available"] is True
    assert state["infos"]["example"]["available"] is True
    assert state["after_get"] is True  # control: the probe would have seen it
