"""Registry rules, with entry points read from real (temporary) distribution metadata."""

from __future__ import annotations

import importlib.metadata as md
import json
import logging
import sys
import threading
from pathlib import Path

import pytest

import idpbridge
from idpbridge import Method, PluginError
from idpbridge._version import PLUGIN_API_VERSION
from idpbridge.kit import ConnectorPlugin
from idpbridge.registry import Registry, api_compatible

from . import _support
from ._support import make_dist, registry_of

MAJOR, MINOR = PLUGIN_API_VERSION

# Descriptors the fake distributions point at (module attributes, so entry points can load them).
NEEDS_MISSING = ConnectorPlugin(
    name="needy",
    title="Needs an extra",
    methods=frozenset({Method.PASSWORD}),
    connector="tests.core._support:DemoConnector",
    requires=("idpbridge_test_no_such_module", "json"),
    extra="x",
)
NEEDS_PRESENT = ConnectorPlugin(
    name="fine",
    title="Needs json",
    methods=frozenset({Method.OIDC, Method.PASSWORD}),
    connector="tests.core._support:DemoConnector",
    requires=("json",),
    extra="x",
)
NEWER_MINOR = ConnectorPlugin(
    name="newer",
    title="Newer",
    methods=frozenset({"password"}),
    connector="x:y",
    api_version=(MAJOR, MINOR + 1),
)
OLDER_MAJOR = ConnectorPlugin(
    name="older", title="Older", methods=frozenset({"password"}), connector="x:y", api_version=(MAJOR - 1, 9)
)
WRONG_NAME = ConnectorPlugin(name="other", title="Other", methods=frozenset(), connector="x:y")
MISNAMED_CLASS = ConnectorPlugin(
    name="misnamed",
    title="Misnamed",
    methods=frozenset({"password"}),
    connector="tests.core._support:MisnamedConnector",
)
FUTURE_CLASS = ConnectorPlugin(
    name="futureclass",
    title="Says 1.x, class says 2.0",
    methods=frozenset({"password"}),
    connector="tests.core._support:FutureClassConnector",
)
MISLISTED_METHODS = ConnectorPlugin(
    name="demo",
    title="Lists a method the class lacks",
    methods=frozenset({Method.PASSWORD, Method.OIDC, Method.TOTP}),
    connector="tests.core._support:DemoConnector",
)
NOT_A_CONNECTOR = ConnectorPlugin(
    name="notconn", title="Not a connector", methods=frozenset({"password"}), connector="json:JSONDecoder"
)
MISSING_MODULE = ConnectorPlugin(
    name="gone", title="Gone", methods=frozenset({"password"}), connector="idpbridge_test_gone:Connector"
)
HINTED = ConnectorPlugin(
    name="hinted",
    title="Hinted",
    methods=frozenset({"password"}),
    connector="x:y",
    requires=("idpbridge_test_no_such_module",),
    install_hint="pip install acme-idp-bundle",
)

THIRD_PARTY = ConnectorPlugin(
    name="needy", title="t", methods=frozenset(), connector="x:y", requires=("idpbridge_test_no_such_module",)
)

HERE = "tests.core.test_registry"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path


def one(root: Path, dist: str, name: str, target: str) -> Registry:
    return registry_of(make_dist(root, dist, {name: target}))


def test_descriptor_is_listed_without_importing_the_connector(root: Path) -> None:
    sys.modules.pop("tests.core._lazy_connector", None)
    reg = one(root, "acme-lazy", "lazy", "tests.core._support:LAZY_PLUGIN")
    [info] = reg.list()
    assert info.name == "lazy"
    assert info.available
    assert info.distribution == "acme-lazy"
    assert info.version == "1.0"
    assert info.methods == (Method.PASSWORD,)
    assert "tests.core._lazy_connector" not in sys.modules
    cls = reg.get("lazy")
    assert "tests.core._lazy_connector" in sys.modules
    assert cls.name == "lazy"
    assert reg.get("lazy") is cls  # loaded once


def test_a_connector_class_can_be_registered_directly(root: Path) -> None:
    reg = one(root, "acme-demo", "demo", "tests.core._support:DemoConnector")
    info = reg.info("demo")
    assert info.available
    assert info.title == "Demo IdP"
    assert info.methods == (Method.OIDC, Method.PASSWORD)  # in Method order
    assert reg.get("demo") is _support.DemoConnector


def test_missing_extra_of_a_builtin_connector(root: Path) -> None:
    reg = one(root, "idpbridge", "needy", f"{HERE}:NEEDS_MISSING")
    info = reg.info("needy")
    assert not info.available
    assert info.builtin
    assert info.install_hint == 'pip install "idpbridge[x]"'
    assert info.error == "missing: idpbridge_test_no_such_module"
    assert info.methods == (Method.PASSWORD,)
    with pytest.raises(PluginError) as caught:
        reg.get("needy")
    exc = caught.value
    assert exc.code == "plugin.unavailable"
    assert exc.install_hint == 'pip install "idpbridge[x]"'
    assert 'pip install "idpbridge[x]"' in str(exc)


def test_install_hints_name_the_distribution(root: Path) -> None:
    reg = registry_of(
        make_dist(root, "acme-idp", {"needy": f"{HERE}:THIRD_PARTY"}),
        make_dist(root, "acme-extra", {"needy2": f"{HERE}:NEEDS_MISSING_2"}),
        make_dist(root, "acme-hinted", {"hinted": f"{HERE}:HINTED"}),
    )
    assert reg.info("needy").install_hint == 'pip install "acme-idp"'
    assert reg.info("needy2").install_hint == 'pip install "acme-extra[x]"'
    assert reg.info("hinted").install_hint == "pip install acme-idp-bundle"


NEEDS_MISSING_2 = ConnectorPlugin(
    name="needy2",
    title="t",
    methods=frozenset(),
    connector="x:y",
    requires=("idpbridge_test_no_such_module",),
    extra="x",
)


def test_present_requirements_are_available(root: Path) -> None:
    info = one(root, "idpbridge", "fine", f"{HERE}:NEEDS_PRESENT").info("fine")
    assert info.available
    assert info.install_hint is None
    assert info.error is None


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        ((MAJOR, MINOR), True),
        ((MAJOR, 0), True),
        ((MAJOR, MINOR + 1), False),
        ((MAJOR + 1, 0), False),
        ((MAJOR - 1, 99), False),
    ],
)
def test_api_compatibility(version: tuple[int, int], ok: bool) -> None:
    assert api_compatible(version) is ok


@pytest.mark.parametrize("name", ["newer", "older"])
def test_incompatible_descriptor(root: Path, name: str) -> None:
    target = {"newer": "NEWER_MINOR", "older": "OLDER_MAJOR"}[name]
    reg = one(root, "acme-old", name, f"{HERE}:{target}")
    info = reg.info(name)
    assert not info.available
    assert "plugin API" in (info.error or "")
    assert info.methods == (Method.PASSWORD,)
    with pytest.raises(PluginError) as caught:
        reg.get(name)
    assert caught.value.code == "plugin.incompatible"


def test_incompatible_class_behind_a_compatible_descriptor(root: Path) -> None:
    reg = one(root, "acme", "futureclass", f"{HERE}:FUTURE_CLASS")
    assert reg.info("futureclass").available  # the descriptor looks fine
    with pytest.raises(PluginError) as caught:
        reg.get("futureclass")
    assert caught.value.code == "plugin.incompatible"
    assert not reg.info("futureclass").available  # and now the listing knows


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        ("broken", "idpbridge_test_gone_module:PLUGIN", "failed to import"),
        ("notaplugin", "tests.core._support:NOT_A_PLUGIN", "neither a ConnectorPlugin"),
        ("renamed", f"{HERE}:WRONG_NAME", "describes a connector named 'other'"),
    ],
)
def test_broken_entry_points_are_listed_and_refused(root: Path, name: str, target: str, message: str) -> None:
    reg = registry_of(
        make_dist(root, "acme-broken", {name: target}),
        make_dist(root, "acme-demo", {"demo": "tests.core._support:DEMO_PLUGIN"}),
    )
    infos = {i.name: i for i in reg.list()}
    assert infos["demo"].available  # the others are unaffected
    assert not infos[name].available
    assert message in (infos[name].error or "")
    assert infos[name].distribution == "acme-broken"
    with pytest.raises(PluginError) as caught:
        reg.get(name)
    assert caught.value.code == "plugin.broken"


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        ("misnamed", f"{HERE}:MISNAMED_CLASS", "class named 'something-else'"),
        ("notconn", f"{HERE}:NOT_A_CONNECTOR", "not a Connector subclass"),
        ("gone", f"{HERE}:MISSING_MODULE", "failed to load"),
        ("demo", f"{HERE}:MISLISTED_METHODS", "lists methods oidc, password, totp but its class implements"),
    ],
)
def test_descriptor_pointing_at_a_bad_class(root: Path, name: str, target: str, message: str) -> None:
    reg = one(root, "acme", name, target)
    with pytest.raises(PluginError, match=message) as caught:
        reg.get(name)
    assert caught.value.code == "plugin.broken"


def test_unknown_connector(root: Path) -> None:
    reg = one(root, "acme-demo", "demo", "tests.core._support:DEMO_PLUGIN")
    with pytest.raises(PluginError, match=r"unknown connector 'okta' \(known: demo\)") as caught:
        reg.get("okta")
    assert caught.value.code == "plugin.unknown"
    with pytest.raises(PluginError):
        reg.info("okta")
    with pytest.raises(PluginError, match="none installed"):
        Registry(entry_points=list).get("okta")


def test_builtin_wins_a_name_conflict_with_a_warning(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    reg = registry_of(
        make_dist(root / "a", "acme-okta-fork", {"demo": "tests.core._support:LAZY_PLUGIN"}),
        make_dist(root / "b", "idpbridge", {"demo": "tests.core._support:DEMO_PLUGIN"}),
    )
    with caplog.at_level(logging.WARNING, logger="idpbridge"):
        [info] = reg.list()
    assert info.builtin
    assert info.distribution == "idpbridge"
    assert reg.get("demo") is _support.DemoConnector
    [record] = [r for r in caplog.records if "provided by idpbridge" in r.getMessage()]
    assert "acme-okta-fork" in record.getMessage()
    assert "'demo'" in record.getMessage()


def test_two_third_party_distributions_conflict(root: Path) -> None:
    reg = registry_of(
        make_dist(root / "a", "acme-one", {"demo": "tests.core._support:DEMO_PLUGIN"}),
        make_dist(root / "b", "acme-two", {"demo": "tests.core._support:DEMO_PLUGIN"}),
        make_dist(root / "c", "acme-lazy", {"lazy": "tests.core._support:LAZY_PLUGIN"}),
    )
    infos = {i.name: i for i in reg.list()}
    assert infos["lazy"].available
    assert not infos["demo"].available
    assert "acme-one" in (infos["demo"].error or "")
    assert "acme-two" in (infos["demo"].error or "")
    with pytest.raises(PluginError, match="uninstall all but one") as caught:
        reg.get("demo")
    assert caught.value.code == "plugin.conflict"


def test_one_distribution_seen_twice_is_not_a_conflict(root: Path) -> None:
    dist = make_dist(root, "acme-demo", {"demo": "tests.core._support:DEMO_PLUGIN"})
    eps = _support.entry_points_of(dist) * 2
    reg = Registry(entry_points=lambda: eps)
    assert reg.get("demo") is _support.DemoConnector


def test_entry_points_without_distribution_metadata(root: Path) -> None:
    ep = md.EntryPoint(name="demo", value="tests.core._support:DEMO_PLUGIN", group="idpbridge.connectors")
    reg = Registry(entry_points=lambda: [ep])
    info = reg.info("demo")
    assert info.available
    assert info.distribution is None


def test_discovery_is_lazy_cached_and_refreshable(root: Path) -> None:
    dist = make_dist(root, "acme-demo", {"demo": "tests.core._support:DEMO_PLUGIN"})
    calls = []

    def source() -> list[md.EntryPoint]:
        calls.append(1)
        return _support.entry_points_of(dist)

    reg = Registry(entry_points=source)
    assert calls == []  # nothing happens at construction
    assert reg.names() == ["demo"]
    reg.list()
    reg.get("demo")
    assert len(calls) == 1
    reg.refresh()
    assert reg.names() == ["demo"]
    assert len(calls) == 2


def test_concurrent_first_use_discovers_once(root: Path) -> None:
    dist = make_dist(root, "acme-demo", {"demo": "tests.core._support:DEMO_PLUGIN"})
    calls = []

    def source() -> list[md.EntryPoint]:
        calls.append(1)
        return _support.entry_points_of(dist)

    reg = Registry(entry_points=source)
    results: list[object] = []
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        results.append(reg.get("demo"))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [_support.DemoConnector] * 16
    assert len(calls) == 1


def test_connector_info_as_dict_is_json(root: Path) -> None:
    reg = one(root, "idpbridge", "needy", f"{HERE}:NEEDS_MISSING")
    data = json.loads(json.dumps(reg.info("needy").as_dict()))
    assert data == {
        "name": "needy",
        "title": "Needs an extra",
        "methods": ["password"],
        "available": False,
        "distribution": "idpbridge",
        "version": "1.0",
        "install_hint": 'pip install "idpbridge[x]"',
        "api_version": f"{MAJOR}.{MINOR}",
        "builtin": True,
        "error": "missing: idpbridge_test_no_such_module",
        "code": "plugin.unavailable",
    }


def test_connect_through_an_injected_registry(registry: Registry) -> None:
    demo = idpbridge.connect("demo", registry=registry, domain="d.example", client_id="c", client_secret="s")
    assert isinstance(demo, _support.DemoConnector)


# -- hostile plugins: every failure stays inside the plugin's own row ---------------------------------


class ShortApiClass(_support.DemoConnector):
    name = "shortclass"
    api_version = (1,)  # type: ignore[assignment]


SHORT_API_CLASS = ConnectorPlugin(
    name="shortclass", title="Class says (1,)", methods=frozenset({"password", "oidc"}),
    connector=f"{HERE}:ShortApiClass",
)  # fmt: skip


def module_plugins(
    root: Path, monkeypatch: pytest.MonkeyPatch, sources: dict[str, str]
) -> list[md.EntryPoint]:
    """Modules ``idpbridge_test_<name>`` written under ``root``, each one an entry point ``name``."""
    mods = root / "mods"
    mods.mkdir()
    for name, source in sources.items():
        (mods / f"idpbridge_test_{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(mods))
    dist = make_dist(root, "acme-hostile", {n: f"idpbridge_test_{n}:PLUGIN" for n in sources})
    return _support.entry_points_of(dist)


GOOD = (
    "from idpbridge import ConnectorPlugin\n"
    "PLUGIN = ConnectorPlugin(name='{name}', title='T', methods={{'password'}}, connector='x:y')\n"
)


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        ("raise SystemExit(3)\n", "plugin.broken", "failed to import: SystemExit: 3"),
        ("import sys\nsys.exit('bye')\n", "plugin.broken", "failed to import: SystemExit: bye"),
        ("raise KeyboardInterrupt\n", "plugin.broken", "failed to import: KeyboardInterrupt"),
        ("raise GeneratorExit\n", "plugin.broken", "failed to import: GeneratorExit"),
        ("raise RecursionError('deep')\n", "plugin.broken", "RecursionError: deep"),
        (
            "from idpbridge import PluginError\nraise PluginError('mine', code='x\\x1b[31m')\n",
            "plugin.broken",
            "PluginError: mine",
        ),
        (GOOD.replace("'password'", "'telepathy'"), "plugin.invalid", "unknown method 'telepathy'"),
        (GOOD.replace("connector=", "api_version=(1,), connector="), "plugin.invalid", "got (1,)"),
        (GOOD.replace("title='T'", "title=7"), "plugin.invalid", "title must be a string"),
    ],
)
def test_import_failures_of_any_kind_stay_in_the_row(
    root: Path, monkeypatch: pytest.MonkeyPatch, source: str, code: str, message: str
) -> None:
    eps = module_plugins(
        root, monkeypatch, {"hostile": source.format(name="hostile"), "fine": GOOD.format(name="fine")}
    )
    reg = Registry(entry_points=lambda: eps)
    infos = {i.name: i for i in reg.list()}  # does not raise, does not exit
    assert infos["fine"].available
    assert not infos["hostile"].available
    assert infos["hostile"].code == code
    assert message in (infos["hostile"].error or "")
    with pytest.raises(PluginError) as caught:
        reg.get("hostile")
    assert caught.value.code == code


def test_a_slow_import_is_bounded_and_the_rest_is_listed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = root / "release"
    slow = (
        f"import pathlib, time\nwhile not pathlib.Path({str(release)!r}).exists():\n    time.sleep(0.01)\n"
        + GOOD.format(name="slow")
    )
    eps = module_plugins(root, monkeypatch, {"slow": slow, "fine": GOOD.format(name="fine")})
    reg = Registry(entry_points=lambda: eps, import_timeout=0.2)
    try:
        infos = {i.name: i for i in reg.list()}
        assert infos["fine"].available
        assert infos["slow"].code == "plugin.timeout"
        assert "did not finish importing within 0.2 s" in (infos["slow"].error or "")
        assert reg.info("slow").code == "plugin.timeout"  # still running: waited for again, not restarted
    finally:
        release.write_text("go")  # the import may now finish
    # get() waits for that same import without a bound: it finishes, and the connector it names
    # ('x:y') is what fails now; a timeout is never remembered as the plugin's final state.
    with pytest.raises(PluginError) as caught:
        reg.get("slow")
    assert caught.value.code == "plugin.broken"
    assert "failed to load" in caught.value.message
    assert sys.modules["idpbridge_test_slow"].PLUGIN.name == "slow"


def test_the_import_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from idpbridge._plugins import DEFAULT_IMPORT_TIMEOUT, TIMEOUT_ENV, import_timeout

    monkeypatch.setenv(TIMEOUT_ENV, "2.5")
    assert import_timeout() == 2.5
    for bad in ("0", "-1", "nan", "inf", "soon", ""):
        monkeypatch.setenv(TIMEOUT_ENV, bad)
        assert import_timeout() == DEFAULT_IMPORT_TIMEOUT


def test_a_class_with_a_malformed_api_version_is_refused_on_load(root: Path) -> None:
    reg = one(root, "acme", "shortclass", f"{HERE}:SHORT_API_CLASS")
    with pytest.raises(PluginError) as caught:
        reg.get("shortclass")
    assert caught.value.code == "plugin.invalid"
    assert "got (1,)" in caught.value.message
    assert reg.info("shortclass").code == "plugin.invalid"


@pytest.mark.parametrize(
    "changes",
    [
        {"api_version": (1,)},
        {"api_version": (1, 0, 0)},
        {"api_version": ("1", "0")},
        {"api_version": (True, 0)},
        {"api_version": (1, -1)},
        {"api_version": None},
        {"api_version": "1.0"},
        {"methods": frozenset({"telepathy"})},
        {"methods": "password"},
        {"methods": None},
        {"methods": frozenset({5})},
        {"name": ""},
        {"name": "a b"},
        {"name": "x" * 65},
        {"name": 5},
        {"name": "\x1b[31mred"},
        {"title": ""},
        {"title": 5},
        {"title": "x" * 101},
        {"connector": 5},
        {"connector": "not a target"},
        {"connector": ""},
        {"requires": "boto3"},
        {"requires": (5,)},
        {"requires": ("a b",)},
        {"extra": "a b"},
        {"extra": 5},
        {"install_hint": 5},
        {"install_hint": "x" * 301},
        {"description": None},
    ],
    ids=repr,
)
def test_descriptor_fields_are_checked(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "name": "ok", "title": "OK", "methods": frozenset({"password"}), "connector": "pkg.mod:Cls",
    }  # fmt: skip
    ConnectorPlugin(**fields)  # type: ignore[arg-type]
    with pytest.raises(PluginError) as caught:
        ConnectorPlugin(**{**fields, **changes})  # type: ignore[arg-type]
    assert caught.value.code == "plugin.invalid"
    assert "\x1b" not in caught.value.message


@pytest.mark.parametrize("version", [(1,), (), "10", None, (1, "0"), (1.0, 0)])
def test_api_compatibility_of_malformed_versions(version: object) -> None:
    assert api_compatible(version) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07 z", "alink z"),
        ("x\x1b]0;title\x1b\\y", "xy"),
        ("\x1b]0;unterminated", ""),
        ("\x1bP1;2|payload\x1b\\ok", "ok"),
        ("\x9b31mc1\x9d0;t\x9cok", "c1ok"),
        ("\x1bcreset", "reset"),
        ("ab\u202ecba\u2066x\u2069\u200f", "abcbax"),
        ("line1\nline2\ttab\r\u2028", "line1 line2 tab  "),
        ("nul\x00del\x7fnel\x85", "nuldelnel "),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("naïve 👍🏽 日本", "naïve 👍🏽 日本"),
    ],
)
def test_terminal_safe(text: str, clean: str) -> None:
    from idpbridge._terminal import terminal_safe

    assert terminal_safe(text) == clean
    assert terminal_safe("x" * 500, limit=10) == "x" * 9 + "…"


def test_finding_a_dotted_requirement_is_contained(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``requires=("pkg.sub",)`` imports ``pkg`` to look for ``sub``: that import is plugin code too."""
    source = (
        "from idpbridge import ConnectorPlugin\n"
        "PLUGIN = ConnectorPlugin(name='dotted', title='T', methods={'password'}, connector='x:y',\n"
        "                         requires=('idpbridge_test_exits_pkg.sub',))\n"
    )
    eps = module_plugins(root, monkeypatch, {"dotted": source})
    pkg = root / "mods" / "idpbridge_test_exits_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise SystemExit(4)\n", encoding="utf-8")
    info = Registry(entry_points=lambda: eps).info("dotted")
    assert not info.available
    assert info.code == "plugin.broken"
    assert "SystemExit: 4" in (info.error or "")


#: The registry a plugin module under test reaches back into while it is imported.
CURRENT: list[Registry] = []


def test_plugin_code_may_use_the_registry_for_other_connectors(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No registry-wide lock is held while plugin code runs: it may look up another connector."""
    source = "import tests.core.test_registry as t\nBASE = t.CURRENT[0].get('demo')\n" + GOOD.format(
        name="usesother"
    )
    eps = module_plugins(root, monkeypatch, {"usesother": source})
    eps += _support.entry_points_of(make_dist(root, "acme-demo", {"demo": "tests.core._support:DEMO_PLUGIN"}))
    reg = Registry(entry_points=lambda: eps, import_timeout=60)
    monkeypatch.setattr(sys.modules[__name__], "CURRENT", [reg])
    assert reg.info("usesother").available
    assert sys.modules["idpbridge_test_usesother"].BASE is _support.DemoConnector


def test_a_plugin_using_itself_while_imported_is_refused_not_hung(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "mods").mkdir()
    (root / "mods" / "idpbridge_test_selfload.py").write_text(
        "import tests.core.test_registry as t\nt.CURRENT[0].get('selfload')\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(root / "mods"))
    plugin = (
        "from idpbridge import ConnectorPlugin\n"
        "PLUGIN = ConnectorPlugin(name='selfload', title='T', methods={'password'},\n"
        "                         connector='idpbridge_test_selfload:Connector')\n"
    )
    (root / "mods" / "idpbridge_test_selfload_plugin.py").write_text(plugin, encoding="utf-8")
    eps = _support.entry_points_of(
        make_dist(root, "acme", {"selfload": "idpbridge_test_selfload_plugin:PLUGIN"})
    )
    reg = Registry(entry_points=lambda: eps)
    monkeypatch.setattr(sys.modules[__name__], "CURRENT", [reg])
    with pytest.raises(PluginError) as caught:
        reg.get("selfload")  # its connector module calls get('selfload') while being imported
    assert caught.value.code == "plugin.broken"
    assert "uses itself while being imported" in caught.value.message


def test_unknown_connector_message_is_terminal_safe(root: Path) -> None:
    reg = registry_of(make_dist(root, "acme", {"ok": f"{HERE}:HINTED", "esc\x1b[31mname": f"{HERE}:HINTED"}))
    with pytest.raises(PluginError) as caught:
        reg.get("\x1b]0;pwned\x07nope")
    assert caught.value.code == "plugin.unknown"
    assert "\x1b" not in caught.value.message
    assert "pwned" not in caught.value.message
    assert "escname" in caught.value.message
