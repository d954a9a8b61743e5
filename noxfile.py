"""Developer tasks. ``nox`` runs lint, typecheck, tests and docs — what CI runs."""

from __future__ import annotations

import glob

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.install("-e", ".[all]", "mypy==2.4.1", "types-redis")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite, real peers included (installed by tests/peers/install.sh)."""
    session.run("bash", "tests/peers/install.sh", external=True)
    session.install("-e", ".[all,test]")
    # Real third-party plugin distributions used by the registry tests.
    for plugin in sorted(glob.glob("tests/plugins/*/pyproject.toml")):
        session.install("--no-deps", plugin.removesuffix("/pyproject.toml"))
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site with --strict."""
    session.install("-e", ".[all]", "-r", "docs/requirements.txt")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks in bench/ and print ratios against their baselines."""
    session.run("bash", "tests/peers/install.sh", external=True)
    session.install("-e", ".[all,test]", "-r", "bench/requirements.txt")
    for script in sorted(glob.glob("bench/bench_*.py")):
        session.run("python", script, *session.posargs)
