"""Configuration: ``connect(**fields)``, ``load(toml)`` with ``${ENV}``, and clean ConfigurationErrors."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import idpbridge
from idpbridge import ConfigurationError, ContinuationKeys, FlowError, Method, Password, PluginError
from idpbridge.config import TimeoutSettings
from idpbridge.registry import Registry

from ._support import CLIENT_SECRET, DemoConfig, DemoConnector, NarrowConfig, NarrowConnector, dedent

FIELDS: dict[str, Any] = {
    "domain": "idp.example.com",
    "client_id": "demo-client",
    "client_secret": CLIENT_SECRET,
}


def connect(registry: Registry, **changes: Any) -> DemoConnector:
    fields = {**FIELDS, **changes}
    connector = idpbridge.connect("demo", registry=registry, **fields)
    assert isinstance(connector, DemoConnector)
    return connector


def config_error(registry: Registry, **changes: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        connect(registry, **changes)
    return info.value


def assert_clean(exc: BaseException, *secrets: str) -> str:
    """The whole traceback text (chained exceptions included) holds neither pydantic nor secrets."""
    text = "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)
    assert "pydantic" not in text.lower()
    assert "ValidationError" not in text
    assert exc.__cause__ is None
    assert exc.__context__ is None
    for secret in secrets:
        assert secret not in text
    return text


def test_connect_builds_a_typed_config(registry: Registry) -> None:
    demo = connect(registry, name="demo-eu")
    assert demo.instance_name == "demo-eu"
    assert isinstance(demo.config, DemoConfig)
    assert isinstance(demo.config.client_secret, SecretStr)
    assert demo.config.client_secret.get_secret_value() == CLIENT_SECRET
    assert demo.enabled_methods == {Method.PASSWORD, Method.OIDC}
    for text in (repr(demo), str(demo), repr(demo.config), str(demo.config)):
        assert CLIENT_SECRET not in text


def test_config_repr_lists_only_set_fields() -> None:
    config = DemoConfig(**FIELDS)
    text = repr(config)
    assert "client_secret=SecretStr('**********')" in text
    assert "timeouts" not in text


def test_methods_accept_a_comma_separated_string(registry: Registry) -> None:
    assert connect(registry, methods="password, oidc").enabled_methods == {Method.PASSWORD, Method.OIDC}
    assert connect(registry, methods=["oidc"]).enabled_methods == {Method.OIDC}


def test_config_is_frozen_and_settings_flow_into_http_policy(registry: Registry) -> None:
    demo = connect(
        registry, timeouts={"connect": 1, "read": 2, "total": 3}, retries=5, max_response_bytes=4096
    )
    policy = demo.config.http_policy()
    assert (policy.timeouts.connect, policy.timeouts.read, policy.timeouts.total) == (1, 2, 3)
    assert policy.retry.attempts == 5
    assert policy.max_body == 4096
    with pytest.raises(Exception, match="frozen"):
        demo.config.domain = "x"  # type: ignore[misc]


def test_missing_field(registry: Registry) -> None:
    fields = dict(FIELDS)
    del fields["client_secret"]
    with pytest.raises(ConfigurationError) as info:
        idpbridge.connect("demo", registry=registry, **fields)
    exc = info.value
    assert exc.field == "client_secret"
    assert exc.connector == "demo"
    assert "connector 'demo'" in str(exc)
    assert "client_secret is required" in str(exc)
    assert_clean(exc)


def test_unknown_field(registry: Registry) -> None:
    exc = config_error(registry, clientsecret=CLIENT_SECRET + "-typo")
    assert exc.field == "clientsecret"
    assert "clientsecret is not a known field" in str(exc)
    assert_clean(exc, CLIENT_SECRET)


def test_wrong_type_never_echoes_the_value(registry: Registry) -> None:
    exc = config_error(registry, retries="lots-of-" + CLIENT_SECRET)
    assert exc.field == "retries"
    assert "retries is invalid" in str(exc)
    assert_clean(exc, CLIENT_SECRET)


def test_wrong_type_for_a_secret_field(registry: Registry) -> None:
    exc = config_error(registry, client_secret=987654321987)
    assert exc.field == "client_secret"
    assert "client_secret is invalid" in str(exc)  # not mangled into "client_secret: [redacted]"
    assert_clean(exc, "987654321987")


def test_nested_field_is_named(registry: Registry) -> None:
    exc = config_error(registry, timeouts={"total": -1})
    assert exc.field == "timeouts.total"
    assert_clean(exc)


def test_every_problem_is_reported(registry: Registry) -> None:
    exc = config_error(registry, domain="", retries=0, bogus=1)
    for field in ("domain", "retries", "bogus"):
        assert field in str(exc)


def test_method_the_connector_does_not_support(registry: Registry) -> None:
    exc = config_error(registry, methods=["password", "totp"])
    assert exc.field == "methods"
    assert exc.connector == "demo"
    assert "totp" in str(exc)
    assert_clean(exc)


def test_unknown_method_name(registry: Registry) -> None:
    exc = config_error(registry, methods=["pasword"])
    assert exc.field is not None
    assert exc.field.startswith("methods")
    assert_clean(exc)


def test_empty_methods(registry: Registry) -> None:
    assert config_error(registry, methods=[]).field == "methods"


def test_method_the_class_does_not_implement() -> None:
    # NarrowConfig allows totp, NarrowConnector only implements password: refused at construction.
    with pytest.raises(ConfigurationError) as info:
        NarrowConnector({"methods": ["password", "totp"]}, instance_name="narrow-1")
    assert info.value.field == "methods"
    assert info.value.connector == "narrow-1"


async def test_method_disabled_in_config_is_refused_at_authenticate(registry: Registry) -> None:
    demo = connect(registry, name="demo-oidc-only", methods=["oidc"])
    with pytest.raises(ConfigurationError) as info:
        await demo.authenticate(Password("jane", "pw-" + CLIENT_SECRET))
    exc = info.value
    assert exc.code == "config.method_not_enabled"
    assert exc.field == "methods"
    assert exc.connector == "demo-oidc-only"
    assert "password" in str(exc)
    assert CLIENT_SECRET not in str(exc)


@pytest.mark.parametrize(
    ("endpoints", "ok"),
    [
        ({"token": "https://proxy.example/token"}, True),
        ({"token": "http://127.0.0.1:8080/token"}, True),
        ({"token": "http://localhost/token"}, True),
        ({"token": "http://idp.example.com/token"}, False),
        ({"token": "ftp://idp.example.com/token"}, False),
        ({"authorize": "https://idp.example.com/authorize"}, False),  # not an endpoint this connector has
    ],
)
def test_endpoint_overrides(registry: Registry, endpoints: dict[str, str], ok: bool) -> None:
    if ok:
        assert connect(registry, endpoints=endpoints).config.endpoints == endpoints
    else:
        assert config_error(registry, endpoints=endpoints).field == "endpoints"


def test_config_object_or_fields(registry: Registry) -> None:
    config = DemoConfig(**FIELDS)
    assert DemoConnector(config).config is config
    with pytest.raises(ConfigurationError, match="not both"):
        DemoConnector(config, domain="x")
    with pytest.raises(ConfigurationError, match="expected DemoConfig"):
        DemoConnector(NarrowConfig())  # type: ignore[arg-type]


def test_timeout_settings_bounds() -> None:
    assert TimeoutSettings().total == 20.0
    with pytest.raises(ValueError, match="total"):
        TimeoutSettings(total=0)


# -- TOML files ---------------------------------------------------------------------------------

TOML = dedent(
    """
    [settings]
    continuation_keys = ["${IDPB_KEY}"]

    [connectors.demo-eu]
    provider = "demo"
    domain = "${DEMO_DOMAIN}"
    client_id = "demo-client"
    client_secret = "${DEMO_SECRET}"
    methods = ["password", "oidc"]
    timeouts = { total = 5 }

    [connectors.demo-us]
    provider = "demo"
    domain = "us.idp.example.com"
    client_id = "price$$less"
    client_secret = "${DEMO_SECRET}"
    """
)


@pytest.fixture
def env() -> dict[str, str]:
    return {
        "IDPB_KEY": ContinuationKeys.new_key(),
        "DEMO_DOMAIN": "eu.idp.example.com",
        "DEMO_SECRET": CLIENT_SECRET,
    }


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "idpbridge.toml"
    path.write_text(text)
    return path


async def test_load_builds_named_connectors(tmp_path: Path, registry: Registry, env: dict[str, str]) -> None:
    async with idpbridge.load(write(tmp_path, TOML), env=env, registry=registry) as connectors:
        assert sorted(connectors) == ["demo-eu", "demo-us"]
        assert len(connectors) == 2
        eu, us = connectors["demo-eu"], connectors["demo-us"]
        assert isinstance(eu, DemoConnector)
        assert eu.instance_name == "demo-eu"
        assert eu.config.domain == "eu.idp.example.com"
        assert eu.config.client_secret.get_secret_value() == CLIENT_SECRET
        assert eu.config.timeouts.total == 5
        assert us.config.client_id == "price$less"  # $$ is a literal dollar
        with pytest.raises(KeyError, match="configured: demo-eu, demo-us"):
            connectors["nope"]


async def test_loaded_connectors_share_the_settings_keys(
    tmp_path: Path, registry: Registry, env: dict[str, str]
) -> None:
    from idpbridge import StartOIDC

    path = write(tmp_path, TOML)
    worker1 = idpbridge.load(path, env=env, registry=registry)
    worker2 = idpbridge.load(path, env=env, registry=registry)  # another process with the same file
    redirect = await worker1["demo-eu"].authenticate(StartOIDC("https://app.example/cb"))
    cont = worker2["demo-eu"].continuations.open(redirect.continuation, method="oidc")
    assert cont.data["redirect_uri"] == "https://app.example/cb"
    # same key, other instance: refused as foreign, not as an unknown key
    with pytest.raises(FlowError) as info:
        worker2["demo-us"].continuations.open(redirect.continuation)
    assert info.value.code == "flow.wrong_connector"
    await worker1.aclose()
    await worker2.aclose()


def test_load_missing_environment_variable(tmp_path: Path, registry: Registry, env: dict[str, str]) -> None:
    del env["DEMO_SECRET"]
    with pytest.raises(ConfigurationError) as info:
        idpbridge.load(write(tmp_path, TOML), env=env, registry=registry)
    exc = info.value
    assert exc.connector == "demo-eu"
    assert exc.field == "client_secret"
    assert "DEMO_SECRET" in str(exc)
    assert_clean(exc, env["IDPB_KEY"])


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('client_secrett = "${DEMO_SECRET}"', "client_secrett"),
        ("retries = 'many'", "retries"),
        ("client_secret = 42", "client_secret"),
        ('methods = ["password", "sms_otp"]', "methods"),
    ],
)
def test_load_invalid_table(
    tmp_path: Path, registry: Registry, env: dict[str, str], line: str, field: str
) -> None:
    text = dedent(
        f"""
        [connectors.legacy]
        provider = "demo"
        domain = "idp.example.com"
        client_id = "demo-client"
        {line}
        """
    )
    if "client_secret " not in line and "client_secret=" not in line:
        text += 'client_secret = "${DEMO_SECRET}"\n'
    with pytest.raises(ConfigurationError) as info:
        idpbridge.load(write(tmp_path, text), env=env, registry=registry)
    exc = info.value
    assert exc.connector == "legacy"
    assert exc.field == field
    assert "connector 'legacy'" in str(exc)
    assert_clean(exc, CLIENT_SECRET)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[connectors.a]\ndomain = "x"\n', "'provider' is required"),
        ('[connector.a]\nprovider = "demo"\n', "unknown top-level table"),
        ("[settings]\ncontinuation_key = []\n", "continuation_key is not a known field"),
        ("[settings]\ncontinuation_keys = ['not-a-key']\n", "32 random bytes, base64url"),
        ("[connectors\n", "not valid TOML"),
        ("connectors = 3\n", "tables expected"),
    ],
)
def test_load_file_level_errors(tmp_path: Path, registry: Registry, text: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        idpbridge.load(write(tmp_path, text), env={}, registry=registry)


def test_load_unknown_provider(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(PluginError) as info:
        idpbridge.load(write(tmp_path, '[connectors.a]\nprovider = "nosuch"\n'), env={}, registry=registry)
    assert info.value.code == "plugin.unknown"


def test_load_missing_file(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        idpbridge.load(tmp_path / "absent.toml", registry=registry)


def test_load_reads_os_environ_by_default(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_SECRET", CLIENT_SECRET)
    text = dedent(
        """
        [connectors.x]
        provider = "demo"
        domain = "idp.example.com"
        client_id = "c"
        client_secret = "${DEMO_SECRET}"
        """
    )
    connectors = idpbridge.load(write(tmp_path, text), registry=registry)
    assert connectors["x"].config.client_secret.get_secret_value() == CLIENT_SECRET


def test_bad_continuation_key_in_fields(registry: Registry) -> None:
    exc = config_error(registry, continuation_keys=["c2hvcnQta2V5LXRoYXQtaXMtc2VjcmV0"])
    assert exc.field == "continuation_keys"
    assert exc.connector == "demo"
    assert_clean(exc, "c2hvcnQta2V5LXRoYXQtaXMtc2VjcmV0")


def test_continuation_keys_as_text_are_the_config_field(registry: Registry) -> None:
    key = ContinuationKeys.new_key()
    demo = connect(registry, continuation_keys=[key])
    assert demo.config.continuation_keys[0].get_secret_value() == key
    assert key not in repr(demo.config)
