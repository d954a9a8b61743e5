"""What importing idpbridge and listing connectors load: nothing heavy until it is used.

These are properties of the import graph (which modules end up in ``sys.modules``), not timings;
the timings are in ``bench/bench_import.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("httpx", "pydantic", "joserfc", "authlib", "cryptography", "idpbridge.config", "idpbridge.connector")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return list(json.loads(out.splitlines()[-1]))


def test_import_idpbridge_loads_no_heavy_module() -> None:
    loaded = _loaded_after("import idpbridge")
    assert [m for m in HEAVY if m in loaded] == []


def test_listing_connectors_loads_no_http_or_jose_or_pydantic() -> None:
    loaded = _loaded_after("import idpbridge; idpbridge.list_connectors()")
    assert [m for m in HEAVY if m in loaded] == []
    assert not [m for m in loaded if m.startswith("idpbridge.providers.") and m.endswith(".connector")]


def test_public_names_still_import_and_are_the_defining_objects() -> None:
    import idpbridge
    from idpbridge.methods import Password
    from idpbridge.registry import ConnectorInfo

    assert idpbridge.Password is Password
    assert idpbridge.ConnectorInfo is ConnectorInfo
    assert set(idpbridge.__all__) <= set(dir(idpbridge))
    for name in idpbridge.__all__:
        assert getattr(idpbridge, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    import idpbridge

    with pytest.raises(AttributeError, match="NoSuchName"):
        idpbridge.NoSuchName  # noqa: B018


def test_the_json_listing_answers_without_the_interactive_cli() -> None:
    # `idpbridge connectors --json` (for scripts) loads neither typer/click/rich nor anything heavy
    probe = (
        "import json, sys, contextlib, io\n"
        "sys.argv = ['idpbridge', 'connectors', '--json']\n"
        "from idpbridge.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main()\n"
    )
    loaded = _loaded_after(probe)
    assert [m for m in (*HEAVY, "typer", "click", "rich") if m in loaded] == []


def test_the_json_listing_prints_what_the_typer_command_prints() -> None:
    from typer.testing import CliRunner

    from idpbridge.cli import app

    fast = subprocess.run(
        [sys.executable, "-m", "idpbridge", "connectors", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    typed = CliRunner().invoke(app, ["connectors", "--json"])
    assert typed.exit_code == 0
    assert json.loads(fast) == json.loads(typed.stdout)
    assert fast == typed.stdout
    rows = json.loads(fast)
    assert {"oidc", "okta"} <= {row["name"] for row in rows}


@pytest.mark.parametrize("module", ["idpbridge.cli._demo", "idpbridge.cli._sandbox", "idpbridge.cli._login"])
def test_a_cli_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, capture_output=True)
