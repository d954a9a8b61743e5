"""Bad command-line input: one ``error:`` line on stderr and a non-zero exit, never a traceback.

Every case runs the installed ``idpbridge`` command in a fresh process.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from idpbridge import ContinuationKeys
from idpbridge.cli._guard import DEBUG_ENV, GuardedGroup, error_line
from idpbridge.errors import ConfigurationError, ProviderUnavailable

from .test_cli import console_script

# (arguments, text the error line must contain). "DIR" is a directory, "CFG" a connectors file.
CASES = [
    (["login", "demo", "-c", "CFG", "--port", "-1"], "--port"),
    (["login", "demo", "-c", "CFG", "--port", "99999"], "--port"),
    (["login", "demo", "-c", "CFG", "--path", "nopath"], "--path"),
    (["login", "demo", "-c", "CFG", "--path", "/cb?x=1"], "--path"),
    (["login", "demo", "-c", "CFG", "--timeout", "nan"], "--timeout"),
    (["login", "demo", "-c", "CFG", "--timeout", "-5"], "--timeout"),
    (["login", "demo", "-c", "CFG", "--timeout", "soon"], "--timeout"),
    (["login", "demo", "-c", "CFG", "--method", "telepathy"], "--method"),
    (["login", "demo", "-c", "DIR"], "--config"),
    (["login", "demo", "-c", "missing.toml"], "--config"),
    (["login", "-c", "CFG"], "connector"),
    (["check", "demo", "-c", "DIR"], "--config"),
    (["check", "demo", "-c", "missing.toml"], "--config"),
    (["check", "demo", "-c", "BAD"], "config"),
    (["check", "nosuch", "-c", "CFG"], "no connector named 'nosuch'"),
    (["sandbox", "--port", "70000"], "--port"),
    (["sandbox", "--port", "-1"], "--port"),
    (["sandbox", "--for", "inf"], "--for"),
    (["sandbox", "--for", "0"], "--for"),
    (["sandbox", "--seed", "DIR"], "--seed"),
    (["sandbox", "--seed", "missing.toml"], "--seed"),
    (["sandbox", "--write-config", "DIR"], "--write-config"),
    (["demo", "--db", "DIR"], "--db"),
    (["demo", "-c", "DIR"], "--config"),
    (["demo", "--port", "65536"], "--port"),
    (["demo", "--seed", "missing.toml"], "--seed"),
    (["jit", "stats", "--db", "missing.db"], "--db"),
    (["jit", "stats", "--db", "missing.db", "--recent", "-1"], "--recent"),
    (["jit", "stats", "--db", "missing.db", "--recent", "1000000"], "--recent"),
    (["jit", "stats"], "--db"),
    (["connectors", "--bogus"], "--bogus"),
    (["no-such-command"], "no-such-command"),
]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "DIR").mkdir()
    (tmp_path / "CFG").write_text(
        '[settings]\nstore = "memory"\n\n'
        '[connectors.demo]\nprovider = "oidc"\nissuer = "https://127.0.0.1:9/"\nclient_id = "c"\n'
        f'continuation_keys = ["{ContinuationKeys.new_key()}"]\n',
        encoding="utf-8",
    )
    (tmp_path / "BAD").write_text("this is [not toml", encoding="utf-8")
    return tmp_path


def run(workdir: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop(DEBUG_ENV, None)
    return subprocess.run(
        [console_script(), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def assert_one_error_line(out: subprocess.CompletedProcess[str], expected: str) -> str:
    assert out.returncode != 0, (out.stdout, out.stderr)
    assert "Traceback" not in out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: "), lines
    assert expected.lower() in lines[0].lower(), lines  # typer 0.26 says CONNECTOR, 0.29 connector
    return lines[0]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_input_is_one_line_and_a_non_zero_exit(workdir: Path, args: list[str], expected: str) -> None:
    out = run(workdir, args)
    assert_one_error_line(out, expected)
    assert out.stdout == ""  # refused before anything ran


def test_an_unusable_store_path_is_one_line(workdir: Path) -> None:
    out = run(workdir, ["jit", "stats", "--db", "sqlite:////proc/no-such-dir/x.db"])
    assert_one_error_line(out, "jit.store")


def test_an_unwritable_config_path_is_one_line(workdir: Path) -> None:
    out = run(workdir, ["sandbox", "--write-config", str(workdir / "no-such-dir" / "x.toml"), "--for", "1"])
    line = assert_one_error_line(out, "No such file or directory")
    assert out.returncode == 1
    assert "no-such-dir" in line


def test_an_unreachable_idp_is_one_line(workdir: Path) -> None:
    out = run(workdir, ["login", "demo", "-c", "CFG", "--timeout", "5"])  # nothing listens on 127.0.0.1:9
    assert_one_error_line(out, "[provider.unavailable]")
    assert out.returncode == 1


def test_bare_command_still_prints_help(workdir: Path) -> None:
    out = run(workdir, [])
    assert out.returncode == 2
    assert "Usage" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


# -- the handler itself, in-process: unexpected exceptions and the debug switch ----------------------

probe = typer.Typer(cls=GuardedGroup)


@probe.command()
def boom(kind: str) -> None:
    if kind == "runtime":
        raise RuntimeError("kaputt \x1b[31mred\x1b[0m password=hunter2")
    if kind == "provider":
        raise ProviderUnavailable("the IdP is down")
    if kind == "config":
        raise ConfigurationError("bad field")
    if kind == "oserror":
        raise PermissionError(13, "Permission denied", "/etc/shadow")


@probe.command()
def other() -> None:
    """A second command, so that ``boom`` is a subcommand as in the real CLI."""


@pytest.mark.parametrize(
    ("kind", "status", "line"),
    [
        (
            "runtime",
            1,
            "error: unexpected RuntimeError: kaputt red password=[redacted] "
            f"(rerun with {DEBUG_ENV}=1 for a traceback)",
        ),
        ("provider", 1, "error: ProviderUnavailable [provider.unavailable]: the IdP is down"),
        ("config", 2, "error: ConfigurationError [config.invalid]: bad field"),
        ("oserror", 1, "error: Permission denied: /etc/shadow"),
    ],
)
def test_failures_become_one_line(kind: str, status: int, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    result = CliRunner().invoke(probe, ["boom", kind])
    assert result.exit_code == status
    assert result.stderr.splitlines() == [line]


def test_debug_switch_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEBUG_ENV, "1")
    result = CliRunner().invoke(probe, ["boom", "runtime"])
    assert isinstance(result.exception, RuntimeError)


def test_error_line_of_an_os_error_without_a_file() -> None:
    assert error_line(ConnectionResetError(104, "Connection reset by peer")) == (
        "error: Connection reset by peer",
        1,
    )


# -- text from an IdP or a database is printed terminal-safe ----------------------------------------


def test_identity_table_prints_idp_claims_terminal_safe(capsys: pytest.CaptureFixture[str]) -> None:
    from idpbridge import Authenticated, Identity, Method, TokenSet
    from idpbridge.cli._login import _print

    hostile = "\x1b]0;pwned\x07\x1b[31mJane\x1b[0m [bold]Doe[/bold] \u202eevil"
    identity = Identity(
        provider="oidc", connector="demo", issuer="https://idp", subject="s", name=hostile, groups=(hostile,)
    )
    _print(Authenticated(identity=identity, tokens=TokenSet(), method=Method.OIDC), as_json=False)
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "pwned" not in out
    assert "Jane [bold]Doe[/bold] evil" in out  # markup in a claim is shown, not rendered


@pytest.mark.parametrize(
    ("value", "shown"),
    [("\x1b[31mred\x1b[0m", "red"), ("[link=https://x]a[/link]", "\\[link=https://x]a\\[/link]"), (None, "")],
)
def test_cells_are_terminal_safe_and_not_markup(value: object, shown: str) -> None:
    from idpbridge.cli._common import cell

    assert cell(value) == shown
