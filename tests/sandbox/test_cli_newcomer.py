"""The README's path for a newcomer, through the real commands in one fresh directory: ``demo`` at
80 columns in a pipe, ``jit stats`` without cut values, then ``idpbridge sandbox`` on the demo's
port and connectors file, so that ``check`` against that file (and the demo run again) work."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from idpbridge.cli._demo import previous_port

ANSI = re.compile(r"\x1b\[")


def idpbridge(*args: str, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        [sys.executable, "-m", "idpbridge", *args],
        cwd=cwd,
        env={**env, "COLUMNS": str(columns)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def assert_fits(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width, line
    assert "…" not in text, text
    assert not ANSI.search(text), "escape sequences in a pipe"


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A directory where ``idpbridge demo`` ran once (stdout a pipe, 80 columns)."""
    where = tmp_path_factory.mktemp("newcomer")
    done = idpbridge("demo", cwd=where)
    assert done.returncode == 0, done.stdout + done.stderr
    return where, done


def test_demo_fits_80_columns_in_a_pipe(after_demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    where, done = after_demo
    assert_fits(done.stdout)
    assert_fits(done.stderr)
    for name in ("alice@acme.example", "frank@acme.example", "wrong e-mail code"):
        assert name in done.stdout  # whole, not "frank@acme.exa…"
    assert "InvalidCredentials" in done.stdout
    assert "InvalidCode" in done.stdout
    assert "idpbridge sandbox" in done.stdout  # where next
    assert (where / "idpbridge-demo.toml").is_file()
    assert (where / "idpbridge-demo.db").is_file()


def test_demo_json_is_pure_json_with_no_progress(tmp_path: Path) -> None:
    done = idpbridge("demo", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(row["ok"] for row in json.loads(done.stdout))
    assert not ANSI.search(done.stderr)


def test_jit_stats_never_cuts_timestamps_or_ids(
    after_demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    where, _ = after_demo
    data = json.loads(idpbridge("jit", "stats", "--db", "idpbridge-demo.db", "--json", cwd=where).stdout)
    ids = {e["user_id"] for e in data["recent"]}
    assert ids
    for columns in (80, 100):
        done = idpbridge("jit", "stats", "--db", "idpbridge-demo.db", cwd=where, columns=columns)
        assert done.returncode == 0, done.stderr
        assert_fits(done.stdout, columns)
        for user_id in ids:
            assert user_id in done.stdout
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", done.stdout)
    wide = idpbridge("jit", "stats", "--db", "idpbridge-demo.db", cwd=where, columns=250)
    assert "┃ at (UTC)" in wide.stdout  # a table when there is room
    assert "…" not in wide.stdout


def test_sandbox_after_the_demo_serves_the_demo_connectors_file(
    after_demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    where, _ = after_demo
    config = where / "idpbridge-demo.toml"
    port = previous_port(config)
    assert port > 0
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "idpbridge", "sandbox", "--for", "120"],
        cwd=where, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        out = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "".join(out) + (proc.stderr.read() if proc.stderr else "")
            out.append(line)
            if "sandbox ready" in line:
                break
        text = "".join(out)
        assert f"idpbridge sandbox on http://127.0.0.1:{port} " in text  # the demo's port
        assert "connectors file written to idpbridge-demo.toml" in text
        assert "idpbridge check sandbox-keycloak -c idpbridge-demo.toml" in text
        assert previous_port(config) == port
        # what the sandbox prints is what the file holds: check it, as the printed line says
        check = idpbridge("check", "sandbox-keycloak", "-c", "idpbridge-demo.toml", "--json", cwd=where)
        assert check.returncode == 0, check.stdout + check.stderr
        assert json.loads(check.stdout)["ok"] is True
        tables = tomllib.loads(config.read_text())["connectors"]
        assert tables["sandbox-keycloak"]["server_url"] == f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    # and the demo, run again, finds everyone: the Keycloak issuer kept its port
    again = idpbridge("demo", "--json", cwd=where)
    assert again.returncode == 0, again.stderr
    assert {r["action"] for r in json.loads(again.stdout) if r["action"]} == {"unchanged"}


def test_sandbox_write_config_keeps_that_files_port(tmp_path: Path) -> None:
    first = idpbridge("sandbox", "--write-config", "mine.toml", "--for", "0.2", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    port = previous_port(tmp_path / "mine.toml")
    assert f"http://127.0.0.1:{port} " in first.stdout
    assert "-c mine.toml" in first.stdout
    second = idpbridge("sandbox", "--write-config", "mine.toml", "--for", "0.2", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"idpbridge sandbox on http://127.0.0.1:{port} " in second.stdout
    assert not (tmp_path / "idpbridge-demo.toml").exists()


def test_sandbox_moves_off_a_taken_demo_port_and_rewrites_the_file(tmp_path: Path) -> None:
    first = idpbridge("sandbox", "--write-config", "idpbridge-demo.toml", "--for", "0.2", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    config = tmp_path / "idpbridge-demo.toml"
    port = previous_port(config)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        again = idpbridge("sandbox", "--for", "0.2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"port {port} (from idpbridge-demo.toml) is taken" in again.stderr
    moved = previous_port(config)
    assert moved not in (0, port)
    assert f"idpbridge sandbox on http://127.0.0.1:{moved} " in again.stdout  # file and output agree
