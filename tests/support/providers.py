"""Helpers shared by the connector test packages (tests/providers/<name>/, tests/oidc, tests/sandbox).

* :class:`Connectors` / :func:`connectors` — build connectors through the registry (as users do)
  and close them.
* :func:`code_flow` / :func:`drive_code_flow` — a connector's authorization-code flow through
  oidc-provider's login page.
* :func:`passing_check` / :data:`PASSWORD_CHECKS` — a passing ``check()`` and what it ran.
* :func:`connectors_file` — a connectors TOML file with one connector.
* :func:`run_cli`, :func:`cli_check`, :func:`cli_password_login`, :func:`cli_oidc_login` /
  :func:`drive_cli_oidc_login` — drive the installed ``idpbridge`` console script against such a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx

import idpbridge
from idpbridge import Authenticated, ContinuationKeys, FinishOIDC, RedirectRequired, StartOIDC
from idpbridge.connector import CheckReport, Connector
from tests.oidc.integration._drive import Callback, oidc_provider_login
from tests.peers import oidc_provider as op

__all__ = [
    "IDPBRIDGE",
    "PASSWORD_CHECKS",
    "CliLogin",
    "CodeFlow",
    "Connectors",
    "cli_check",
    "cli_oidc_login",
    "cli_password_login",
    "code_flow",
    "connectors",
    "connectors_file",
    "drive_cli_oidc_login",
    "drive_code_flow",
    "passing_check",
    "run_cli",
]

IDPBRIDGE = str(Path(sys.executable).with_name("idpbridge"))

C = TypeVar("C", bound=Connector[Any])


class Connectors(Generic[C]):
    """Connector factory for one provider; :meth:`aclose` closes every connector it made.

    With ``expect``, every connector built must be an instance of that class.
    """

    def __init__(
        self, provider: str, keys: ContinuationKeys, *, expect: type[C] | None = None, **defaults: Any
    ) -> None:
        self.provider = provider
        self.keys = keys
        self.expect = expect
        self.defaults = defaults
        self.made: list[Connector[Any]] = []

    def __call__(self, **fields: Any) -> C:
        conn: Any = idpbridge.connect(
            self.provider, continuation_keys=self.keys, **{**self.defaults, **fields}
        )
        if self.expect is not None:
            assert isinstance(conn, self.expect), type(conn)
        self.made.append(conn)
        return conn  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        for conn in self.made:
            await conn.aclose()


@contextlib.asynccontextmanager
async def connectors(
    provider: str, expect: type[C], *, keys: ContinuationKeys | None = None, **defaults: Any
) -> AsyncIterator[Connectors[C]]:
    """A :class:`Connectors` (fresh continuation keys unless given) closed on exit: the body of
    every provider package's ``make`` fixture."""
    factory = Connectors(provider, keys or ContinuationKeys.generate(), expect=expect, **defaults)
    yield factory
    await factory.aclose()


@dataclasses.dataclass(frozen=True)
class CodeFlow:
    """What :func:`drive_code_flow` saw: the redirect, the OP's callback and the outcome."""

    start: RedirectRequired
    callback: Callback
    result: Authenticated


async def drive_code_flow(
    conn: Connector[Any],
    username: str,
    password: str | None = None,
    *,
    otp: str | None = None,
    expect_mode: str | None = None,
    **start: Any,
) -> CodeFlow:
    """``StartOIDC`` (``start`` adds its options) → the oidc-provider peer's login page
    (``password`` defaults to the peer's one for ``username``; ``otp`` typed at its TOTP step) →
    ``FinishOIDC``; the outcome must be :class:`~idpbridge.Authenticated`, and the OP must answer
    in ``expect_mode`` if given. A page that refuses raises
    :class:`tests.oidc.integration._drive.LoginFailed`."""
    redirect = await conn.authenticate(StartOIDC(op.REDIRECT_URI, **start))
    assert isinstance(redirect, RedirectRequired)
    secret = op.USERS[username] if password is None else password
    callback = await oidc_provider_login(
        redirect.url, username, secret, redirect_prefix=op.REDIRECT_URI, otp=otp
    )
    if expect_mode is not None:
        assert callback.mode == expect_mode, callback.mode
    result = await conn.authenticate(FinishOIDC(callback.params, redirect.continuation))
    assert isinstance(result, Authenticated)
    return CodeFlow(redirect, callback, result)


async def code_flow(conn: Connector[Any], username: str, password: str | None = None) -> Authenticated:
    """:func:`drive_code_flow` with no options; its outcome."""
    return (await drive_code_flow(conn, username, password)).result


#: The checks an OIDC-family connector with the password method runs, in order.
PASSWORD_CHECKS = ["configuration", "discovery", "jwks", "client", "password", "clock"]


async def passing_check(conn: Connector[Any], names: Sequence[str] = PASSWORD_CHECKS) -> CheckReport:
    """``conn.check()``: it must run the checks ``names``, in order, and pass; the report."""
    report = await conn.check()
    assert [r.name for r in report.results] == list(names)
    assert report.ok, report.as_dict()
    return report


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string is a JSON string


def connectors_file(directory: Path, name: str, table: Mapping[str, Any]) -> Path:
    """``directory/idpbridge.toml``: a fresh continuation key and one ``[connectors.<name>]``
    table (a mapping value such as ``endpoints`` becomes a sub-table). Secrets go in as
    ``"${ENV_VAR}"`` references."""
    # one CLI process per test: an in-process replay store is the right one (else check() fails)
    lines = [
        "[settings]",
        f"continuation_keys = [{_toml(ContinuationKeys.new_key())}]",
        'store = "memory"',
        "",
    ]
    lines.append(f"[connectors.{name}]")
    lines += [f"{key} = {_toml(value)}" for key, value in table.items() if not isinstance(value, Mapping)]
    for key, sub in table.items():
        if isinstance(sub, Mapping):
            lines += ["", f"[connectors.{name}.{key}]", *(f"{k} = {_toml(v)}" for k, v in sub.items())]
    path = directory / "idpbridge.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", **(extra or {})}


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``idpbridge`` console script (``env`` adds to this process's)."""
    return subprocess.run(
        [IDPBRIDGE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(env),
        timeout=60,
        check=False,
    )


@contextlib.asynccontextmanager
async def running_cli(
    *args: str, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``idpbridge <args>`` with its output piped, for a test that talks to it while it runs; killed
    if the block leaves it running (``env`` adds to this process's)."""
    proc = await asyncio.create_subprocess_exec(
        IDPBRIDGE, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(env)
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def cli_output(proc: asyncio.subprocess.Process) -> str:
    """The rest of a :func:`running_cli` run's standard output, once it exits 0 (within 30 s)."""
    async with asyncio.timeout(30):
        out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


def cli_password_login(
    config: Path | str,
    connector: str,
    username: str,
    password: str,
    *,
    json_output: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``idpbridge login <connector> -c <config> -m password -u <username> --password-stdin``
    (``--json`` unless ``json_output`` is false), the password piped on stdin."""
    args = ["login", connector, "-c", str(config), "-m", "password", "-u", username, "--password-stdin"]
    return run_cli(*args, *(["--json"] if json_output else []), env=env, stdin=password + "\n")


def cli_check(config: Path | str, connector: str, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``idpbridge check <connector> --config <config> --json``, which must exit 0: the report."""
    run = run_cli("check", connector, "--config", str(config), "--json", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


@dataclasses.dataclass(frozen=True)
class CliLogin:
    """What :func:`drive_cli_oidc_login` saw: the redirect URI the CLI listened on, how the OP
    answered (``query`` or ``form_post``), the receiver's landing page and the printed identity."""

    redirect_uri: str
    mode: str
    landing: httpx.Response
    identity: dict[str, Any]


async def cli_oidc_login(
    config: Path, connector: str, username: str, password: str, **options: Any
) -> dict[str, Any]:
    """``idpbridge login <connector> -m oidc --json`` through oidc-provider's login page; returns
    the printed identity (``options`` as for :func:`drive_cli_oidc_login`)."""
    login = await drive_cli_oidc_login(config, connector, username, password, **options)
    return login.identity


async def drive_cli_oidc_login(
    config: Path,
    connector: str,
    username: str,
    password: str,
    *,
    env: dict[str, str] | None = None,
    response_mode: str | None = None,
    expect_mode: str | None = None,
    port: int | None = None,
) -> CliLogin:
    """``idpbridge login <connector> -m oidc --json``, signing in at oidc-provider's login page
    with httpx.

    The OP's answer reaches the CLI's loopback receiver as a browser would send it: a GET for
    ``query``, the auto-submitted form POST for ``form_post``. ``response_mode`` is passed to the
    CLI; ``expect_mode`` asserts how the OP actually answered.
    """
    mode_args = ("--response-mode", response_mode) if response_mode else ()
    mode_args += ("--port", str(port)) if port else ()
    args = ("login", connector, "--config", str(config), "--method", "oidc", "--json", "--timeout", "60")
    async with running_cli(*args, *mode_args, env=env) as proc:
        assert proc.stdout is not None
        url = ""
        async with asyncio.timeout(30):
            while not url.startswith("http"):
                line = await proc.stdout.readline()
                assert line, "the CLI exited before printing the URL"
                url = line.decode().strip()
        # with PAR the URL carries only client_id and request_uri: pass ``port`` to know it
        redirect_uri = httpx.URL(url).params.get("redirect_uri", f"http://127.0.0.1:{port}/callback")
        callback = await oidc_provider_login(url, username, password, redirect_prefix=redirect_uri)
        if expect_mode is not None:
            assert callback.mode == expect_mode, callback.mode
        async with httpx.AsyncClient() as browser:
            if callback.mode == "form_post":
                landing = await browser.post(callback.url, data={k: v[0] for k, v in callback.params.items()})
            else:
                landing = await browser.get(callback.url)
        assert landing.status_code == 200, landing.text[:200]
        out = await cli_output(proc)
    return CliLogin(redirect_uri, callback.mode, landing, json.loads(out))
