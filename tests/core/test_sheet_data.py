"""Core building blocks providers declare data for: exception tables and derived endpoints."""

from __future__ import annotations

import sys
import types

import pytest

from idpbridge import ConfigurationError, PluginError, ProviderUnavailable
from idpbridge.kit import DerivedEndpoints, ExceptionRule, ExceptionTable


class _Base(Exception):
    pass


class _Timeout(_Base):
    pass


class _Refused(_Base):
    pass


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> str:
    module = types.ModuleType("fake_sdk_exceptions")
    module.Base, module.Timeout, module.Refused = _Base, _Timeout, _Refused  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def _table(module: str) -> ExceptionTable:
    return ExceptionTable(
        module,
        rules=(
            ExceptionRule(
                names=("Timeout",),
                raises=ProviderUnavailable,
                message="slow: {name}",
                code="provider.timeout",
            ),
            ExceptionRule(names=("Base",), raises=ConfigurationError, message="sdk failed ({name})"),
            ExceptionRule(
                names=("builtins.ImportError",),
                raises=PluginError,
                message="install it",
                code="plugin.unavailable",
                extra={"install_hint": "pip install sdk"},
            ),
        ),
        transport={"Refused": "unsent", "Timeout": "transport"},
    )


def test_rules_match_by_class_in_order_and_name_only_the_class(library: str) -> None:
    table = _table(library)
    slow = table.error(_Timeout("secret=hunter2"))
    assert type(slow) is ProviderUnavailable
    assert (slow.code, slow.message) == ("provider.timeout", "slow: _Timeout")
    other = table.error(_Refused("secret=hunter2"))
    assert type(other) is ConfigurationError
    assert "hunter2" not in other.message
    missing = table.error(ImportError("no sdk"))
    assert isinstance(missing, PluginError)
    assert (missing.code, missing.install_hint) == ("plugin.unavailable", "pip install sdk")
    assert table.error(ValueError("unrelated")) is None


def test_transport_kinds(library: str) -> None:
    table = _table(library)
    assert table.transport_kind(_Refused()) == "unsent"
    assert table.transport_kind(_Timeout()) == "transport"
    assert table.transport_kind(_Base()) is None
    assert table.is_a(_Timeout(), "Base")
    assert not table.is_a(_Base(), "Timeout")


def test_an_unloaded_library_matches_nothing() -> None:
    table = _table("not_imported_sdk_exceptions")
    assert "not_imported_sdk_exceptions" not in sys.modules
    assert table.error(_Timeout()) is None
    assert table.transport_kind(_Refused()) is None
    assert "not_imported_sdk_exceptions" not in sys.modules


def _inputs(data: object) -> dict[str, str] | None:
    assert isinstance(data, dict)
    if data.get("base") is None:
        return None
    if data["base"] == "bad":
        raise ValueError("reported by the field")
    return {"base": data["base"]}


RULE = DerivedEndpoints({"jwks_uri": "{base}/keys", "token_endpoint": "{base}/token"}, inputs=_inputs)


def test_derived_endpoints_fill_under_the_configs_own() -> None:
    out = RULE.apply({"base": "https://b", "endpoints": {"jwks_uri": "https://mine"}})
    assert out["endpoints"] == {"jwks_uri": "https://mine", "token_endpoint": "https://b/token"}
    assert RULE.apply({"base": "https://b"})["endpoints"]["jwks_uri"] == "https://b/keys"


@pytest.mark.parametrize("data", [{}, {"base": "bad"}, {"base": "https://b", "endpoints": "not a table"}])
def test_derived_endpoints_leave_data_alone_when_they_do_not_apply(data: dict[str, object]) -> None:
    assert RULE.apply(data) is data
