"""``idpbridge demo``: a whole just-in-time migration, offline, in one command.

Starts the sandbox IdP (:mod:`idpbridge.sandbox`) on loopback, writes a connectors file for it,
signs the seeded users in through the real ``keycloak`` and ``cognito`` connectors (password,
TOTP, e-mail OTP, SMS OTP, OIDC through the login page, and two sign-ins that must be refused),
migrates each identity into a SQLite user store in the current directory, and prints who was
created, linked or unchanged. Exit status 0 only when every scripted sign-in did what it should.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from ..errors import IdpBridgeError
from ._app import app
from ._common import plain
from ._help import Command

_STYLE = {"created": "green", "linked": "cyan", "updated": "yellow", "unchanged": "dim"}


DEMO_CONFIG = Path("idpbridge-demo.toml")
DEMO_DB = Path("idpbridge-demo.db")


def previous_port(config: Path) -> int:
    """The port of the previous run (kept so the Keycloak issuer, and so every link, stays the same)."""
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError, AttributeError, ValueError):
        tables = tomllib.loads(config.read_text(encoding="utf-8")).get("connectors", {})
        for table in tables.values():
            url = table.get("server_url") or table.get("endpoint_url")
            if isinstance(url, str) and url.startswith("http://127.0.0.1:"):
                return int(url.rsplit(":", 1)[1].split("/", 1)[0])
    return 0


async def _run(console: Console, sandbox: Any, config: Path, db: Path) -> tuple[list[Any], Any]:
    from .._api import load
    from ..jit import MigrationPolicy, Migrator
    from ..jit.sqlstore import SQLUserStore
    from ..sandbox.connectors import COGNITO, KEYCLOAK
    from ..sandbox.demo import DemoRunner, plan

    async with load(config) as connectors, await SQLUserStore.open(db) as store:
        policy = MigrationPolicy(email_authoritative=frozenset({KEYCLOAK, COGNITO}))
        runner = DemoRunner(sandbox, connectors, Migrator(store, policy))
        steps = plan(sandbox.seed, connectors)
        outcomes = []
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("starting", total=len(steps))
            for step in steps:
                progress.update(task, description=f"{step.username} · {step.connector} · {step.label}")
                outcomes.append(await runner.run(step))
                progress.advance(task)
        stats = await store.stats(recent=0)
    return outcomes, stats


def _connectors_file(sandbox: Any) -> str:
    """The sandbox's connectors, then the B2B SAML connector and its organization."""
    from ..continuation import ContinuationKeys
    from ..sandbox.demo import b2b_toml

    return sandbox.connectors_toml(continuation_key=ContinuationKeys.new_key()) + b2b_toml(sandbox)  # type: ignore[no-any-return]


_REFUSAL_LABEL = {"wrong_password": "wrong password", "wrong_code": "wrong e-mail code"}


def _table(outcomes: list[Any]) -> Table:
    """Fits 80 columns: the refusals' error names go in :func:`_refusals`, below the table."""
    table = Table(title="idpbridge demo: just-in-time migration")
    for column in ("user", "IdP", "signed in with", "result", "local user"):
        table.add_column(column)
    for o in outcomes:
        step = o.step
        if not o.ok:
            result = "[red]FAILED[/]"
        elif o.action is None:
            result = "[green]refused ✓[/]"
        else:
            result = f"[{_STYLE.get(o.action, 'white')}]{o.action}[/]"
        idp = step.connector.removeprefix("sandbox-")
        method = _REFUSAL_LABEL.get(step.kind, o.method)
        table.add_row(escape(step.username), idp, escape(method), result, (o.user_id or "")[:8])
    return table


def _notes(outcomes: list[Any]) -> list[str]:
    """One line per refusal (the error it raised, as expected) and per failure (what went wrong)."""
    lines = []
    for o in outcomes:
        who = f"{escape(o.step.username)} ({_REFUSAL_LABEL.get(o.step.kind, escape(o.method))})"
        if not o.ok:
            lines.append(f"[red]FAILED[/] {who}: {escape(o.note)}")
        elif o.action is None:
            lines.append(f"[green]refused as expected:[/] {who} → {escape(o.refused or '')}")
    return lines


def _json(outcomes: list[Any]) -> str:
    rows = [
        {
            "user": o.step.username,
            "connector": o.step.connector,
            "method": o.method,
            "ok": o.ok,
            "action": o.action,
            "refused": o.refused,
            "user_id": o.user_id,
            "note": o.note,
        }
        for o in outcomes
    ]
    return json.dumps(rows, indent=2)


@app.command(cls=Command)
def demo(
    db: Annotated[
        Path, typer.Option("--db", dir_okay=False, help="SQLite file of the local user store.")
    ] = DEMO_DB,
    config: Annotated[
        Path,
        typer.Option("--config", "-c", dir_okay=False, help="Where to write the sandbox's connectors file."),
    ] = DEMO_CONFIG,
    seed: Annotated[
        Path | None,
        typer.Option(
            "--seed", exists=True, dir_okay=False, readable=True, help="Seed file (default: the bundled one)."
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            help="Sandbox port (default: the previous run's, else any free one).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcomes as JSON for scripts.")] = False,
) -> None:
    """Run a whole JIT migration against the bundled sandbox IdP, offline; print who was migrated."""
    missing = [m for m in ("sqlalchemy", "aiosqlite") if importlib.util.find_spec(m) is None]
    if missing:
        typer.echo(f"error: the demo's user store needs {', '.join(missing)}", err=True)
        typer.echo('hint: pip install "idpbridge[sandbox]"', err=True)
        raise typer.Exit(2)
    from ..sandbox import Sandbox, load_seed

    console = Console(stderr=as_json)
    try:
        sandbox = Sandbox(load_seed(seed), port=port if port is not None else previous_port(config))
        try:
            with console.status("starting the sandbox IdP…"):
                sandbox.start()
        except OSError as exc:
            if port is not None:
                typer.echo(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", err=True)
                raise typer.Exit(2) from None
            console.print("[yellow]the previous run's port is taken: the Keycloak issuer changes this run[/]")
            sandbox = Sandbox(load_seed(seed), port=0).start()
        try:
            config.write_text(_connectors_file(sandbox), "utf-8")
            console.print(f"sandbox IdP on [bold]{sandbox.base_url}[/]\nconnectors written to {config}")
            outcomes, stats = asyncio.run(_run(console, sandbox, config, db))
        finally:
            sandbox.stop()
    except IdpBridgeError as exc:
        typer.echo(f"error: {type(exc).__name__} [{exc.code}]: {plain(exc)}", err=True)
        hint = getattr(exc, "install_hint", None)
        if hint:
            typer.echo(f"hint: {hint}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(_json(outcomes))
    else:
        console.print(_table(outcomes))
        for line in _notes(outcomes):
            console.print(line)
        console.print(f"[bold]{stats.users}[/] local users, [bold]{stats.links}[/] linked identities in {db}")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        console.print(
            f"[red]{len(failed)} of {len(outcomes)} scripted sign-ins did not do what they should[/]"
        )
        raise typer.Exit(1)
    migrated = [o.action for o in outcomes if o.action is not None]
    if migrated and all(a == "unchanged" for a in migrated):
        summary = "every identity was already linked, so nothing was written."
    else:
        summary = "run it again: everyone is [dim]unchanged[/]."
    again = "idpbridge sandbox" if config == DEMO_CONFIG else f"idpbridge sandbox --write-config {config}"
    console.print(
        f"all {len(outcomes)} scripted sign-ins did what they should;\n{summary}\n"
        f"next: [bold]idpbridge jit stats --db {db}[/]  (the store)\n"
        f"      [bold]{escape(again)}[/]  (the IdP by hand, same port and file)"
    )
