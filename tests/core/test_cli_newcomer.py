"""What a newcomer meets in the first minutes, each through the real command (``python -m idpbridge``):
the config file found without ``-c``, the only method chosen without ``--method``, no key warning
for a single-step login, help without ``<bool>``, progress on a terminal only, 80-column tables."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from idpbridge_plugin_example.connector import PASSWORD, TOTP_SECRET, totp_code

from idpbridge._version import __version__

KEY_WARNING = "no continuation keys configured"
CONFIG = """
[connectors.legacy]
provider = "example"
realm = "acme"

[connectors.other]
provider = "example"
realm = "beta"
"""


def idpbridge(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python -m idpbridge ARGS`` in ``cwd``, stdout and stderr pipes (80 columns unless env says)."""
    base = {
        k: v for k, v in os.environ.items() if k not in ("IDPBRIDGE_CONFIG", "FORCE_COLOR", "TTY_COMPATIBLE")
    }
    base["COLUMNS"] = "80"
    return subprocess.run(
        [sys.executable, "-m", "idpbridge", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A directory holding ``idpbridge.toml`` (two connectors of the example plugin)."""
    (tmp_path / "idpbridge.toml").write_text(CONFIG)
    return tmp_path


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    out = idpbridge("--version", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"idpbridge {__version__}"


# -- the connectors file without -c ---------------------------------------------------------------


def test_check_and_login_find_idpbridge_toml_in_the_current_directory(home: Path) -> None:
    check = idpbridge("check", "legacy", "--json", cwd=home)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["connector"] == "legacy"
    login = idpbridge(
        "login", "legacy", "-m", "password", "-u", "jane@example.com", "--password-stdin", "--json",
        cwd=home, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert json.loads(login.stdout)["email"] == "jane@example.com"


def test_idpbridge_config_names_the_file_from_anywhere(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    env = {"IDPBRIDGE_CONFIG": str(home / "idpbridge.toml")}
    out = idpbridge("check", "other", "--json", cwd=elsewhere, env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["connector"] == "other"
    # -c wins over the variable, the variable over ./idpbridge.toml
    (elsewhere / "idpbridge.toml").write_text("[connectors.local]\nprovider = 'example'\n")
    wins = idpbridge("check", "--json", cwd=elsewhere, env=env)
    assert [r["connector"] for r in json.loads(wins.stdout)] == ["legacy", "other"]
    local = idpbridge("check", "-c", "idpbridge.toml", "--json", cwd=elsewhere, env={"IDPBRIDGE_CONFIG": "x"})
    assert [r["connector"] for r in json.loads(local.stdout)] == ["local"]


@pytest.mark.parametrize("command", [["check", "legacy"], ["login", "legacy", "-u", "jane"]])
def test_no_connectors_file_is_one_line_naming_both_places(tmp_path: Path, command: list[str]) -> None:
    out = idpbridge(*command, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stdout == ""
    (line,) = out.stderr.splitlines()
    assert line.startswith("error: no connectors file")
    assert "$IDPBRIDGE_CONFIG" in line
    assert "idpbridge.toml" in line
    assert "-c" in line


def test_a_missing_file_in_idpbridge_config_is_one_line(tmp_path: Path) -> None:
    out = idpbridge("check", cwd=tmp_path, env={"IDPBRIDGE_CONFIG": str(tmp_path / "nope.toml")})
    assert out.returncode == 2
    (line,) = out.stderr.splitlines()
    assert "IDPBRIDGE_CONFIG" in line
    assert "nope.toml" in line


# -- login: the only method, and no key warning for a single step ---------------------------------


def test_login_on_a_password_only_connector_needs_no_method(home: Path) -> None:
    out = idpbridge(
        "login",
        "legacy",
        "-u",
        "jane@example.com",
        "--password-stdin",
        "--json",
        cwd=home,
        stdin=PASSWORD + "\n",
    )
    assert out.returncode == 0, out.stderr
    identity = json.loads(out.stdout)
    assert identity["method"] == "password"
    assert identity["email"] == "jane@example.com"
    # a single-step login seals no continuation: no warning about keys
    assert KEY_WARNING not in out.stderr


def test_the_key_warning_appears_once_a_multi_step_flow_starts(home: Path) -> None:
    code = totp_code(TOTP_SECRET, time.time())
    out = idpbridge(
        "login", "legacy", "-u", "mfa@example.com", "--password-stdin", "--json",
        cwd=home, stdin=f"{PASSWORD}\n{code}\n",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["email"] == "mfa@example.com"
    assert out.stderr.count(KEY_WARNING) == 1


def test_the_key_warning_is_not_printed_when_keys_are_configured(home: Path) -> None:
    from idpbridge import ContinuationKeys

    (home / "idpbridge.toml").write_text(
        f'[settings]\ncontinuation_keys = ["{ContinuationKeys.new_key()}"]\nstore = "memory"\n{CONFIG}'
    )
    code = totp_code(TOTP_SECRET, time.time())
    out = idpbridge(
        "login",
        "legacy",
        "-u",
        "mfa@example.com",
        "--password-stdin",
        cwd=home,
        stdin=f"{PASSWORD}\n{code}\n",
    )
    assert out.returncode == 0, out.stderr
    assert KEY_WARNING not in out.stderr


# -- help --------------------------------------------------------------------------------------------

HELP = [[], ["connectors"], ["check"], ["login"], ["sandbox"], ["demo"], ["jit"], ["jit", "stats"]]


@pytest.mark.parametrize("command", HELP, ids=lambda c: " ".join(c) or "idpbridge")
def test_help_shows_no_type_after_flags(tmp_path: Path, command: list[str]) -> None:
    out = idpbridge(*command, "--help", cwd=tmp_path, env={"COLUMNS": "120"})
    assert out.returncode == 0, out.stderr
    assert "--help" in out.stdout
    assert "<bool>" not in out.stdout
    assert "BOOLEAN" not in out.stdout
    for line in out.stdout.splitlines():  # a flag's row goes straight from its name to its help
        if "--help" in line:
            assert "Show this message and exit" in line


def test_login_help_keeps_the_value_types_of_options(tmp_path: Path) -> None:
    out = idpbridge("login", "--help", cwd=tmp_path, env={"COLUMNS": "120"})
    flags = {line.split()[1]: line for line in out.stdout.splitlines() if line.strip("│ ").startswith("--")}
    assert "<bool>" not in flags["--json"]
    assert "<bool>" not in flags["--password-stdin"]
    assert "<str>" in flags["--username"] or "TEXT" in flags["--username"]


# -- progress: on a terminal only, never in a pipe or in --json -------------------------------------


def test_check_of_many_connectors_shows_progress_on_a_terminal_only(home: Path) -> None:
    piped = idpbridge("check", "--json", cwd=home)
    assert piped.returncode == 0, piped.stderr
    assert [r["connector"] for r in json.loads(piped.stdout)] == ["legacy", "other"]
    assert "checking" not in piped.stderr
    # stderr a terminal: the spinner names each connector as it is probed
    main, child = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "idpbridge", "check", "--json"],
            cwd=home,
            env={**os.environ, "COLUMNS": "80"},
            stdout=subprocess.PIPE,
            stderr=child,
            text=True,
            timeout=120,
            check=False,
        )
        os.close(child)
        child = -1
        seen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if child != -1:
            os.close(child)
        os.close(main)
    assert proc.returncode == 0
    assert [r["connector"] for r in json.loads(proc.stdout)] == ["legacy", "other"]  # still pure JSON
    assert b"checking other (2/2)" in seen


def test_check_tables_fit_80_columns_in_a_pipe(home: Path) -> None:
    out = idpbridge("check", cwd=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("idpbridge check") == 2
    assert max(map(len, out.stdout.splitlines())) <= 80
    assert "\x1b" not in out.stdout + out.stderr


def test_connectors_listing_never_cuts_a_value_at_80_columns(tmp_path: Path) -> None:
    out = idpbridge("connectors", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "…" not in out.stdout
    assert max(map(len, out.stdout.splitlines())) <= 80
    assert "idpbridge-plugin-example" in out.stdout
    wide = idpbridge("connectors", cwd=tmp_path, env={"COLUMNS": "200"})
    assert "┃ name" in wide.stdout  # a table when there is room


def test_check_shows_probes_that_could_not_run_as_skip(tmp_path: Path) -> None:
    """An unreachable IdP: discovery FAILs, and the probes that need its metadata show SKIP (not FAIL)."""
    (tmp_path / "idpbridge.toml").write_text(
        '[settings]\nstore = "memory"\n\n'
        '[connectors.gone]\nprovider = "oidc"\nissuer = "https://127.0.0.1:9/"\nclient_id = "c"\n'
        "timeouts = { connect = 1, read = 1, total = 2 }\nretries = 1\n"
    )
    table = idpbridge("check", "gone", cwd=tmp_path)
    assert table.returncode == 1, table.stderr
    rows = {line.split()[1]: line for line in table.stdout.splitlines() if line.startswith("│")}
    assert "FAIL" in rows["discovery"]
    for probe in ("jwks", "client", "clock"):
        assert "SKIP" in rows[probe]
        assert "FAIL" not in rows[probe]
    report = json.loads(idpbridge("check", "gone", "--json", cwd=tmp_path).stdout)
    skipped = {r["name"]: r["skipped"] for r in report["results"]}
    assert skipped["discovery"] is False
    assert skipped["jwks"] is True
    assert report["ok"] is False
