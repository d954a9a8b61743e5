"""``idpbridge connectors`` with hostile plugins installed: every failure stays inside its row.

The distributions under tests/plugins/hostile/ are real (pip installs them) but go into a private
``--target`` directory on the ``PYTHONPATH`` of the ``idpbridge`` process only; see ``_wheels``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._wheels import install_hostile
from .test_cli import console_script

# Escape sequences, C0/C1 controls, bidi embeddings/overrides/isolates and marks.
TERMINAL_HOSTILE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
EXPECTED = {
    "apishort": "plugin.invalid",  # a Connector class with api_version = (1,)
    "apishortdesc": "plugin.invalid",  # a descriptor with api_version=(1,)
    "badmethod": "plugin.invalid",  # a descriptor listing "telepathy"
    "badmethodclass": "plugin.invalid",  # a class listing "telepathy"
    "exits": "plugin.broken",  # sys.exit(3) on import
    "interrupts": "plugin.broken",  # raise KeyboardInterrupt on import
    "slow": "plugin.timeout",  # never finishes importing
    "escapeserror": "plugin.broken",  # escape sequences in its exception message
    "escname": "plugin.invalid",  # an escape sequence in its entry-point name
}


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile-plugins")
    target = work / "site"
    names = install_hostile(target, work)
    assert len(names) >= 6, names
    return target


def env_with(target: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "TERM")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), env.get("PYTHONPATH", "")) if p)
    env["IDPBRIDGE_PLUGIN_IMPORT_TIMEOUT"] = "4"
    env["COLUMNS"] = "400"
    env.update(extra)
    return env


def connectors(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), "connectors", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env_with(target),
        timeout=300,
    )


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_json_listing_keeps_each_hostile_plugin_in_its_row(hostile_path: Path) -> None:
    out = connectors(hostile_path, "--json")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    rows = {row["name"]: row for row in json.loads(out.stdout)}  # stdout is valid JSON
    for name, code in EXPECTED.items():
        assert rows[name]["available"] is False, rows[name]
        assert rows[name]["code"] == code, rows[name]
        assert rows[name]["error"], rows[name]
    assert "api_version" in rows["apishort"]["error"]
    assert "telepathy" in rows["badmethod"]["error"]
    assert "SystemExit" in rows["exits"]["error"]
    assert "KeyboardInterrupt" in rows["interrupts"]["error"]
    assert "did not finish importing" in rows["slow"]["error"]
    # The others are listed as usual: built-in, third-party, and the plugin with a hostile title.
    assert rows["keycloak"]["available"] is True
    assert rows["example"]["available"] is True
    assert rows["escapes"]["available"] is True
    assert rows["escapes"]["title"] == "Red Link C1 Title"
    assert rows["escapeserror"]["error"].endswith("RuntimeError: boom second line")
    # The JSON carries cleaned text: no escape, control or bidi character in any string.
    for text in strings(json.loads(out.stdout)):
        assert not TERMINAL_HOSTILE.search(text), repr(text)


def test_table_prints_only_terminal_safe_text(hostile_path: Path) -> None:
    out = connectors(hostile_path)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    for stream in (out.stdout, out.stderr):  # the table, and the warnings logged for broken plugins
        assert not TERMINAL_HOSTILE.search(stream), repr(TERMINAL_HOSTILE.search(stream))
        assert "pwned" not in stream  # OSC payloads are dropped whole
        assert "evil.example" not in stream
    for name in (*EXPECTED, "escapes", "example", "keycloak"):
        assert name in out.stdout
    assert "Red Link C1 Title" in out.stdout


def test_a_real_ctrl_c_still_stops_the_listing(hostile_path: Path, tmp_path: Path) -> None:
    marker = tmp_path / "slow-import-started"
    env = env_with(
        hostile_path, IDPBRIDGE_TEST_SLOW_MARKER=str(marker), IDPBRIDGE_PLUGIN_IMPORT_TIMEOUT="3600"
    )
    proc = subprocess.Popen(
        [console_script(), "connectors", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():  # the slow plugin's import is under way
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the slow plugin was never imported"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)  # without the signal it would wait an hour
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stdout + stderr
