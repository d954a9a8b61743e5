"""The newcomer's path, end to end: ``idpbridge new-connector`` → install → ``pytest`` passes the
conformance suite; then each rule broken on purpose is named in the report.

Real processes throughout: the installed ``idpbridge`` console script generates the package, pip
installs a wheel of it into a private directory (no build backend, no network:
:func:`tests.core._wheels.build_wheel`), and the package's own tests run in a ``pytest`` subprocess
with that directory on ``PYTHONPATH`` — the testkit plugin arrives through its ``pytest11`` entry
point, as in the author's environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core._wheels import build_wheel
from tests.support.providers import IDPBRIDGE

NAME = "zenith"
CONNECTOR = Path("src/idpbridge_zenith/connector.py")


def _generate(tmp_path: Path) -> Path:
    project = tmp_path / "idpbridge-zenith"
    done = subprocess.run(
        [IDPBRIDGE, "new-connector", NAME, "--dir", str(project), "--title", "Zenith Directory"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    return project


def _run_suite(project: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Install ``project`` into a private directory and run its tests there."""
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    wheels.mkdir()
    wheel = build_wheel(project, wheels)
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
            "--disable-pip-version-check", "--target", str(site), str(wheel),
        ],
        check=True, timeout=300,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "tests"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _break(project: Path, old: str, new: str) -> None:
    path = project / CONNECTOR
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_generated_package_passes_the_suite(tmp_path: Path) -> None:
    project = _generate(tmp_path)
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == [
        "README.md",
        "pyproject.toml",
        "src/idpbridge_zenith/__init__.py",
        "src/idpbridge_zenith/connector.py",
        "tests/test_conformance.py",
    ]
    done = _run_suite(project, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 rules hold, 0 broken, 6 not applicable" in done.stdout, done.stdout
    assert "PASS continuations.replayed" in done.stdout


BROKEN = {
    "log the password": (
        '        data = await self._post(\n            "login"',
        "        import logging\n\n"
        '        logging.getLogger(__name__).debug("login %s / %s", request.username,'
        " request.password.get_secret_value())\n"
        '        data = await self._post(\n            "login"',
        "secrets.logs",
        "was logged by logger 'idpbridge_zenith.connector' at DEBUG",
    ),
    "raise a bare ValueError": (
        'raise ERRORS[error]("Zenith Directory refused the login", provider_code=error)',
        'raise ValueError("wrong password")',
        "errors.typed",
        "the refused request raised ValueError (wrong password)",
    ),
    "reuse a continuation": (
        "        await self.consume_continuation(continuation)  # a step is used once\n",
        "",
        "continuations.replayed",
        "expected FlowError with code flow.reused",
    ),
}


@pytest.mark.parametrize("mistake", list(BROKEN))
def test_a_broken_rule_is_named(tmp_path: Path, mistake: str) -> None:
    old, new, rule, found = BROKEN[mistake]
    project = _generate(tmp_path)
    _break(project, old, new)
    done = _run_suite(project, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"idpbridge conformance rule broken: {rule}" in done.stdout, done.stdout
    assert found in done.stdout, done.stdout
    assert f"FAIL {rule}" in done.stdout
    # Only the rules that the mistake breaks fail: the report points at the mistake.
    failed = {line.split()[1] for line in done.stdout.splitlines() if line.strip().startswith("FAIL ")}
    assert failed == {rule}, failed


def test_new_connector_refuses_a_bad_name_or_a_used_directory(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [IDPBRIDGE, "new-connector", *args], capture_output=True, text=True, timeout=120, check=False
        )

    bad = run("Not-A-Name", "--dir", str(tmp_path / "x"))
    assert bad.returncode == 2
    assert "lower-case letters" in bad.stderr
    assert not (tmp_path / "x").exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    taken = run("zenith", "--dir", str(used))
    assert taken.returncode == 1
    assert "exists and is not empty" in taken.stderr
    assert sorted(p.name for p in used.iterdir()) == ["keep.txt"]
