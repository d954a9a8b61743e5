"""Developer tasks. ``nox`` runs lint, typecheck, tests, example_plugin, docs and build — what CI runs."""

from __future__ import annotations

import glob
import tempfile
import zipfile
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "example_plugin", "docs", "build"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# Sessions run on the interpreter that runs nox (any supported Python, 3.11+).
PYTHON = None


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check; import layering ([tool.importlinter] in pyproject.toml)."""
    session.install("ruff==0.17.6", "import-linter==2.16")
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "noxfile.py")
    # lint-imports reads the source tree; it needs no dependency of idpbridge installed.
    session.run("lint-imports", "--no-cache", env={"PYTHONPATH": "src"})


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    # redis>=5 ships its own types (py.typed); the old types-redis stubs would shadow them. The testkit
    # extra brings pytest, which idpbridge.testkit (a pytest plugin) is typed against.
    session.install("-e", ".[all,testkit]", "mypy==2.4.1")
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
def example_plugin(session: nox.Session) -> None:
    """Lint and test the example plugin (docs/examples/idpbridge-acme), conformance suite included.

    It is installed as its own distribution and its tests run from its own directory."""
    example = "docs/examples/idpbridge-acme"
    session.install("ruff==0.17.6")
    session.run("ruff", "check", example)
    session.run("ruff", "format", "--check", example)
    session.install("-e", ".[testkit]", "pytest-asyncio>=0.24")
    session.install("--no-deps", example)
    session.chdir(example)
    session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site with --strict."""
    session.install("-e", ".[all]", "-r", "docs/requirements.txt")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


# What a wheel must never hold: the test suite, recorded cassettes, local config or key material.
FORBIDDEN_IN_WHEEL = (
    "tests/",
    "cassettes/",
    "bench/",
    ".env",
    ".pem",
    ".key",
    "idpbridge.toml",
    "idpbridge-demo",
)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel, ``twine check --strict`` them and inspect the wheel.

    The release workflow (docs/contributing.md#releasing) uploads exactly what this builds.
    """
    session.install("build>=1.2", "twine>=5")
    with tempfile.TemporaryDirectory(prefix="idpbridge-dist-") as out:
        session.run("python", "-m", "build", "--outdir", out)
        dists = sorted(glob.glob(f"{out}/*"))
        wheels = [d for d in dists if d.endswith(".whl")]
        if len(wheels) != 1 or not any(d.endswith(".tar.gz") for d in dists):
            session.error(f"expected one wheel and one sdist, got {[Path(d).name for d in dists]}")
        session.run("twine", "check", "--strict", *dists)
        with zipfile.ZipFile(wheels[0]) as wheel:
            names = wheel.namelist()
        if "idpbridge/py.typed" not in names:
            session.error("the wheel has no idpbridge/py.typed: type checkers would ignore the package")
        bad = [n for n in names if any(part in n for part in FORBIDDEN_IN_WHEEL)]
        if bad:
            session.error(f"the wheel holds files it must not: {bad[:10]}")
        if not any(n.endswith("sandbox/default_seed.toml") for n in names):
            session.error("the wheel lacks the sandbox's default seed")
        session.log(f"{Path(wheels[0]).name}: {len(names)} files, py.typed present, no tests or cassettes")


@nox.session(python=PYTHON)
def cli_typer(session: nox.Session) -> None:
    """The CLI's help and newcomer tests on the oldest and newest typer that pyproject.toml allows."""
    session.install("-e", ".[all,test]")
    for typer in ("typer==0.26.*", "typer>=0.29,<0.30"):
        session.install(typer)
        session.run("pytest", "-q", "tests/core/test_cli_newcomer.py", "tests/core/test_cli_input.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks in bench/ and print ratios against their baselines."""
    session.run("bash", "tests/peers/install.sh", external=True)
    session.install("-e", ".[all,test]", "-r", "bench/requirements.txt")
    for script in sorted(glob.glob("bench/bench_*.py")):
        session.run("python", script, *session.posargs)


# Environment a real tenant must provide before `nox -s record -- <provider>` re-records its cassettes.
RECORD_ENV: dict[str, tuple[str, ...]] = {
    "okta": ("OKTA_DOMAIN", "OKTA_CLIENT_ID", "OKTA_CLIENT_SECRET", "OKTA_USERNAME", "OKTA_PASSWORD"),
    "auth0": ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_USERNAME", "AUTH0_PASSWORD"),
    "entra": ("ENTRA_TENANT", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET", "ENTRA_USERNAME", "ENTRA_PASSWORD"),
    "keycloak": (
        "KEYCLOAK_URL",
        "KEYCLOAK_REALM",
        "KEYCLOAK_CLIENT_ID",
        "KEYCLOAK_CLIENT_SECRET",
        "KEYCLOAK_USERNAME",
        "KEYCLOAK_PASSWORD",
    ),
    "onelogin": (
        "ONELOGIN_SUBDOMAIN",
        "ONELOGIN_CLIENT_ID",
        "ONELOGIN_CLIENT_SECRET",
        "ONELOGIN_USERNAME",
        "ONELOGIN_PASSWORD",
    ),
    "pingone": (
        "PINGONE_ENVIRONMENT_ID",
        "PINGONE_REGION",
        "PINGONE_CLIENT_ID",
        "PINGONE_CLIENT_SECRET",
        "PINGONE_USERNAME",
        "PINGONE_PASSWORD",
    ),
    "cognito": (
        "COGNITO_REGION",
        "COGNITO_USER_POOL_ID",
        "COGNITO_CLIENT_ID",
        "COGNITO_USERNAME",
        "COGNITO_PASSWORD",
    ),
}


@nox.session(python=PYTHON)
def record(session: nox.Session) -> None:
    """Re-record one provider's cassettes against a real tenant: ``nox -s record -- okta``.

    Refuses to run unless that provider's credentials are set in the environment. Secrets are
    scrubbed by tests/support/cassettes.py before anything is written.
    """
    import os

    if len(session.posargs) != 1 or session.posargs[0] not in RECORD_ENV:
        session.error(f"usage: nox -s record -- <provider>  (one of: {', '.join(sorted(RECORD_ENV))})")
    provider = session.posargs[0]
    missing = [name for name in RECORD_ENV[provider] if not os.environ.get(name)]
    if missing:
        session.error(f"refusing to record {provider}: set {', '.join(missing)} (a real test tenant)")
    session.install("-e", ".[all,test]")
    session.run("pytest", f"tests/providers/{provider}", "-m", "cassette", env={"IDPBRIDGE_RECORD": provider})
    # Header each new cassette with its source (rec:…) and refuse if anything looks like a secret.
    session.run("python", "-m", "tests.support.cassettes", "stamp", provider)
    session.run("pytest", "-q", "tests/core/test_cassettes_scrubbed.py", "tests/providers/test_fidelity.py")
