"""The author surface (``idpbridge.kit``), provider sheets, the issuer rule and the shared steps."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
import warnings
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

import idpbridge
from idpbridge import ConfigurationError, ContinuationKeys, FlowError, InputRequired, InvalidCode, Method, kit
from idpbridge.config import build_config
from idpbridge.registry import api_compatible

PILOTS = ("auth0", "google", "onelogin")
MOVED = (
    "PLUGIN_API_VERSION",
    "CheckResult",
    "Connector",
    "ConnectorConfig",
    "ConnectorPlugin",
    "Continuation",
)


def test_every_kit_name_resolves() -> None:
    for name in kit.__all__:
        assert getattr(kit, name) is not None, name


def test_importing_the_kit_and_a_descriptor_loads_no_jose() -> None:
    code = "import sys, idpbridge.kit, idpbridge.providers.google; assert 'joserfc' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", [*MOVED, "Registry"])
def test_author_names_left_the_application_surface_but_still_import_with_a_warning(name: str) -> None:
    assert name not in idpbridge.__all__
    with pytest.warns(DeprecationWarning, match=f"idpbridge.{name} is for connector authors"):
        value = getattr(idpbridge, name)
    if name in MOVED:
        assert value is getattr(kit, name)


def test_application_names_import_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in idpbridge.__all__:
            getattr(idpbridge, name)


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError):
        idpbridge.NoSuchThing  # noqa: B018


def test_plugin_api_minor_was_bumped_and_1_0_plugins_still_load() -> None:
    assert kit.PLUGIN_API_VERSION == (1, 1)
    assert api_compatible((1, 0))
    assert not api_compatible((1, 2))


@pytest.mark.parametrize("provider", PILOTS)
def test_a_pilot_declares_its_data_once(provider: str) -> None:
    package = importlib.import_module(f"idpbridge.providers.{provider}")
    sheet = importlib.import_module(f"idpbridge.providers.{provider}.sheet").SHEET
    plugin = package.PLUGIN
    cls = plugin.load()
    assert plugin.sheet is sheet
    assert cls.sheet is sheet
    assert cls.Config.sheet is sheet
    assert (plugin.name, plugin.title, plugin.methods) == (sheet.name, sheet.title, sheet.methods)
    assert (cls.name, cls.title, cls.methods) == (sheet.name, sheet.title, sheet.methods)
    assert cls.Config.supported_methods == sheet.methods


@pytest.mark.parametrize("provider", ["apple", "auth0", "google", "meta", "okta", "onelogin", "pingone"])
def test_a_provider_connector_takes_its_config_class_from_the_annotation(provider: str) -> None:
    cls = importlib.import_module(f"idpbridge.providers.{provider}").PLUGIN.load()
    assert cls.Config.__module__ == f"idpbridge.providers.{provider}.config"
    assert (
        cls.sheet
        is cls.Config.sheet
        is importlib.import_module(f"idpbridge.providers.{provider}.sheet").SHEET
    )


def test_an_explicit_config_wins_over_the_annotation() -> None:
    class Annotated(kit.OIDCConnector):
        config: TConfig

    class Both(kit.OIDCConnector):
        Config = kit.OIDCConfig
        config: TConfig

    assert Annotated.Config is TConfig
    assert Annotated.sheet is T_SHEET
    assert Both.Config is kit.OIDCConfig


def test_a_connector_takes_the_sheet_its_config_declares() -> None:
    class Declared(kit.OIDCConnector):
        Config = TConfig

    class Inherited(kit.OIDCConfig):  # declares no sheet of its own: the OIDC one is inherited
        pass

    class Explicit(kit.OIDCConnector):
        name, title = "explicit", "Explicit"
        Config = Inherited

    assert Declared.sheet is T_SHEET
    assert (Declared.name, Declared.title, Declared.methods) == ("t", "T", T_SHEET.methods)
    assert (Explicit.name, Explicit.title) == ("explicit", "Explicit")
    assert Explicit.sheet is kit.OIDCConnector.sheet


# -- the issuer rule ---------------------------------------------------------------------------------


T_SHEET = kit.ProviderSheet(
    name="t",
    title="T",
    methods=frozenset({Method.OIDC, Method.TOKEN}),
    issuer=kit.IssuerRule.derived("https://{host}/o", source="host"),
)


class TConfig(kit.OIDCConfig):
    sheet: ClassVar[kit.ProviderSheet | None] = T_SHEET
    host: str


def _config(**fields: Any) -> Any:
    return build_config(TConfig, {"client_id": "c", **fields}, connector="t")


def test_the_config_reads_its_methods_from_the_sheet() -> None:
    assert TConfig.supported_methods == T_SHEET.methods


def test_a_derived_issuer_is_filled_from_its_fields() -> None:
    assert _config(host="idp.example.com").issuer == "https://idp.example.com/o"


def test_a_derived_issuer_cannot_be_given_unless_settable() -> None:
    with pytest.raises(ConfigurationError, match="issuer is derived from host; do not set it"):
        _config(host="idp.example.com", issuer="https://other.example.com")


def test_a_derived_issuer_from_bad_fields_is_a_placeholder_that_never_resolves() -> None:
    rule = kit.IssuerRule.derived("https://{host}/o")
    assert rule.apply({"host": "bad host"})["issuer"] == "https://issuer.invalid"
    assert rule.apply({})["issuer"] == "https://issuer.invalid"
    assert rule.source == "host"


def test_a_settable_derived_issuer_keeps_a_given_one() -> None:
    rule = kit.IssuerRule.derived("https://{host}/", settable=True)
    assert rule.apply({"host": "a.example", "issuer": "https://b.example/"})["issuer"] == "https://b.example/"
    assert rule.apply({"host": "a.example", "issuer": None})["issuer"] == "https://a.example/"


def test_a_fixed_issuer_with_spellings() -> None:
    rule = kit.IssuerRule.fixed("https://idp.example", spellings=("idp.example",))
    assert rule.apply({})["issuer"] == "https://idp.example"
    assert rule.canonical("idp.example") == "https://idp.example"
    assert rule.canonical("https://sandbox.test") == "https://sandbox.test"
    assert isinstance(rule.policy("https://idp.example"), kit.OneOfIssuers)
    assert isinstance(rule.policy("https://sandbox.test"), kit.ExactIssuer)
    with pytest.raises(ValueError, match="issuer: set only for a sandbox"):
        rule.check_sandbox("https://sandbox.test", {})


def test_the_sheet_reads_error_bodies_tolerantly() -> None:
    sheet = kit.ProviderSheet(
        name="t", title="T", methods=frozenset({Method.OIDC}), error_fields=(("error", "code"), ("message",))
    )
    info = sheet.parse_error({"error": 3, "code": "locked", "message": ["x"]})
    assert (info.error, info.description) == ("locked", None)


def test_openid_comes_first_once() -> None:
    assert kit.openid_first(["email"]) == ("openid", "email")
    assert kit.openid_first(("email", "openid")) == ("email", "openid")
    assert kit.scope_string(["email"], ",") == "openid,email"


# -- input steps ------------------------------------------------------------------------------------

STEP = kit.CodeStep("test-otp", kit.InputField("totp", "totp"), what="a test step")


def _connector() -> Any:
    from idpbridge.providers.onelogin.connector import OneLoginConnector

    return OneLoginConnector(
        subdomain="acme", client_id="c", methods=["password"], continuation_keys=ContinuationKeys.generate()
    )


async def test_a_code_step_asks_then_opens_its_answer_once() -> None:
    conn = _connector()
    asked = STEP.ask(conn, {"u": "jane"})
    assert isinstance(asked, InputRequired)
    assert [f.name for f in asked.fields] == ["totp"]
    cont = conn.continuations.open(asked.continuation.get_secret_value(), method=Method.TOTP.value)
    state, code = await STEP.open(conn, cont, {"totp": SecretStr("123456")})
    assert (state["u"], code) == ("jane", "123456")
    with pytest.raises(FlowError) as reused:
        await STEP.open(conn, cont, {"totp": SecretStr("123456")})
    assert reused.value.code == "flow.reused"


async def test_a_code_step_refuses_other_steps_missing_and_malformed_codes() -> None:
    conn = _connector()
    other = kit.CodeStep("other", STEP.field)
    cont = conn.continuations.open(
        other.ask(conn, {}).continuation.get_secret_value(), method=Method.TOTP.value
    )
    with pytest.raises(FlowError) as wrong:
        await STEP.open(conn, cont, {"totp": SecretStr("1")})
    assert wrong.value.code == "flow.wrong_method"
    with pytest.raises(FlowError) as missing:
        STEP.state({"f": "test-otp"}, {})
    assert missing.value.code == "flow.bad_answer"
    with pytest.raises(InvalidCode):
        kit.check_code("12\n34")
    with pytest.raises(InvalidCode):
        kit.check_code("")


async def test_probes_report_failures_as_results() -> None:
    async def fine() -> tuple[bool, str]:
        return True, "ok"

    async def broken() -> tuple[bool, str]:
        raise RuntimeError("boom")

    results = await kit.run_probes([("a", fine), ("b", broken)])
    assert [(r.name, r.ok) for r in results] == [("a", True), ("b", False)]
    assert "RuntimeError: boom" in results[1].detail
    assert [r.detail for r in kit.skipped(["c"], "no metadata")] == ["skipped: no metadata"]


def test_a_subclass_of_a_sheet_connector_keeps_the_sheet_data() -> None:
    from idpbridge.providers.google.connector import GoogleConnector

    class Branded(GoogleConnector):
        name = "branded-google"

    conn = Branded(client_id="c")
    sheet = conn.engine.sheet
    assert sheet is not None
    assert (sheet.issuer, sheet.endpoints) == _google_rule_and_endpoints()
    ident = conn.engine.identity({"sub": "1", "iss": "accounts.google.com"}, {}, "accounts.google.com")
    assert (ident.issuer, ident.provider) == ("https://accounts.google.com", "branded-google")


def _google_rule_and_endpoints() -> tuple[Any, Any]:
    from idpbridge.providers.google.sheet import SHEET

    return SHEET.issuer, SHEET.endpoints


def test_the_generic_oidc_connector_reads_its_sheet() -> None:
    from idpbridge.oidc.config import OIDCConfig
    from idpbridge.oidc.connector import OIDCConnector
    from idpbridge.oidc.plugin import PLUGIN, SHEET

    assert PLUGIN.sheet is SHEET is OIDCConnector.sheet is OIDCConfig.sheet
    assert OIDCConnector.methods == OIDCConfig.supported_methods == SHEET.methods


def test_a_sheet_fixes_the_values_a_config_field_may_take() -> None:
    why = "T answers on the query string only"
    fixed = dataclasses.replace(T_SHEET, allowed_values={"response_mode": ((None, "query"), why)})

    class FixedConfig(TConfig):
        sheet: ClassVar[kit.ProviderSheet | None] = fixed

    fields = {"client_id": "c", "host": "t.example.com"}
    assert (
        build_config(FixedConfig, {**fields, "response_mode": "query"}, connector="t").response_mode
        == "query"
    )
    assert build_config(FixedConfig, fields, connector="t").response_mode is None
    with pytest.raises(ConfigurationError, match=f"response_mode: {why}"):
        build_config(FixedConfig, {**fields, "response_mode": "form_post"}, connector="t")
