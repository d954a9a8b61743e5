"""``idpbridge sandbox``: run the bundled sandbox IdP until interrupted.

Prints where it listens, the seeded users, and a ready-to-use connectors file, or writes it: to
``--write-config``, else to the demo's ``idpbridge-demo.toml`` when that exists. A file it
rewrites keeps its port (so the Keycloak issuer, and the demo's links, stay the same).
``idpbridge check`` and ``idpbridge login`` can then be tried by hand; the command then
prints every one-time code the sandbox "sends" by e-mail or SMS as it happens. The admin routes'
token (new at every start) is printed too, and written with ``--write-token``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import IdpBridgeError
from ._app import app
from ._common import DEFAULT_CONFIG, plain
from ._demo import DEMO_CONFIG, previous_port
from ._guard import positive_seconds
from ._help import Command


def _users(sandbox: Any) -> tuple[Table, list[str]]:
    from ..sandbox import totp_code

    table = Table(title="sandbox users (sandbox-only passwords)")
    for column in ("IdP", "username", "password", "also"):
        table.add_column(column)
    seed, now, notes = sandbox.seed, time.time(), []
    for u in seed.keycloak.users if seed.keycloak else ():
        also = []
        if u.totp_secret is not None:
            secret = u.totp_secret.get_secret_value()
            also.append("TOTP (below)")
            notes.append(f"{u.username}'s TOTP secret: {secret} (code now: {totp_code(secret, now)})")
        if not u.enabled:
            also.append("disabled")
        password = u.password.get_secret_value() if u.password else ""
        table.add_row("keycloak", escape(u.username), escape(password), escape("; ".join(also)))
    for c in seed.cognito.users if seed.cognito else ():
        also = [m for m, ok in (("email OTP", c.email_verified), ("SMS OTP", c.phone_number_verified)) if ok]
        password = c.password.get_secret_value() if c.password else ""
        table.add_row("cognito", escape(c.username), escape(password), ", ".join(also))
    return table, notes


def _stop_on_sigterm(done: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, handler)


def _target(write_config: Path | None) -> Path | None:
    """The connectors file this run writes: ``--write-config``, else the demo's when it exists."""
    if write_config is not None:
        return write_config
    return DEMO_CONFIG if DEMO_CONFIG.is_file() else None


def _start(console: Console, seed: Path | None, port: int | None, target: Path | None) -> Any:
    """Start the sandbox on ``port``, else the port ``target`` names (a free one when it is taken)."""
    from ..sandbox import Sandbox, load_seed

    wanted = port if port is not None else (previous_port(target) if target is not None else 0)
    with console.status("starting the sandbox IdP…"):
        try:
            return Sandbox(load_seed(seed), port=wanted).start()
        except IdpBridgeError as exc:
            typer.echo(f"error: {plain(exc)}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            if port is not None or wanted == 0:
                typer.echo(f"error: cannot listen on 127.0.0.1:{wanted}: {exc.strerror}", err=True)
                raise typer.Exit(2) from None
        console.print(f"port {wanted} (from {target}) is taken: using a free one and rewriting {target}")
        return Sandbox(load_seed(seed), port=0).start()


@app.command(cls=Command)
def sandbox(
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            help="Port on 127.0.0.1 (default: the port of the connectors file it rewrites, else a free one).",
        ),
    ] = None,
    seed: Annotated[
        Path | None,
        typer.Option(
            "--seed", exists=True, dir_okay=False, readable=True, help="Seed file (default: the bundled one)."
        ),
    ] = None,
    write_config: Annotated[
        Path | None,
        typer.Option(
            "--write-config",
            dir_okay=False,
            help=f"Write the connectors file here (default: {DEMO_CONFIG} when it exists, else print it).",
        ),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(
            "--for",
            callback=positive_seconds,
            help="Stop after this many seconds (default: run until Ctrl-C).",
        ),
    ] = None,
    write_token: Annotated[
        Path | None,
        typer.Option("--write-token", help="Also write this run's admin token to this file (mode 0600)."),
    ] = None,
) -> None:
    """Run a local IdP (Keycloak, Cognito, SAML dialects) for trying idpbridge without an IdP account."""
    console = Console(highlight=False)
    status = Console(stderr=True, highlight=False)
    done = threading.Event()
    _stop_on_sigterm(done)  # before the port opens: whoever sees it up may stop it at once
    target = _target(write_config)
    server = _start(status, seed, port, target)
    from ..continuation import ContinuationKeys

    try:
        toml = server.connectors_toml(continuation_key=ContinuationKeys.new_key())
        info = server.describe()
        typer.echo(f"idpbridge sandbox on {server.base_url} (loopback only)")
        if "keycloak" in info:
            typer.echo(f"  Keycloak realm {info['keycloak']['realm']}: {info['keycloak']['discovery']}")
        if "cognito" in info:
            typer.echo(f"  Cognito pool {info['cognito']['user_pool_id']}: endpoint {server.base_url}")
        if "saml" in info:
            typer.echo(f"  SAML IdP ({', '.join(info['saml']['users'])}): {info['saml']['metadata']}")
        table, notes = _users(server)
        console.print(table)
        for note in notes:
            typer.echo(note)
        if target is not None:
            target.write_text(toml, encoding="utf-8")
            typer.echo(f"connectors file written to {target}")
            name = target
        else:
            console.print("[bold]connectors file[/] (save it as idpbridge.toml):")
            typer.echo(toml)  # plain: never wrapped, so it can be copied as it is
            name = Path("idpbridge.toml")
        flag = "" if name == DEFAULT_CONFIG else f" -c {name}"
        typer.echo(
            f"try: idpbridge check sandbox-keycloak{flag}\n"
            f"     idpbridge login sandbox-keycloak{flag} --method oidc --open\n"
            f"     idpbridge login sandbox-cognito{flag} --method password -u dave@acme.example\n"
            f"admin token (this run only): {server.admin_token}\n"
            f"rotate keys: curl -X POST -H 'Authorization: Bearer {server.admin_token}' "
            f"{server.base_url}/_sandbox/rotate-keys"
        )
        if write_token is not None:
            _write_private(write_token, server.admin_token + "\n")
        typer.echo(f"sandbox ready on {server.base_url} (Ctrl-C to stop)")
        sys.stdout.flush()
        _serve(server, duration, done)
    finally:
        server.stop()


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text)


def _serve(server: Any, duration: float | None, done: threading.Event) -> None:
    """Print the codes the sandbox sends until interrupted (or ``duration`` elapses)."""
    deadline = None if duration is None else time.monotonic() + duration
    shown = 0
    try:
        while not done.is_set() and (deadline is None or time.monotonic() < deadline):
            outbox = server.outbox
            for message in outbox[shown:]:
                channel = "e-mail" if message.channel == "EMAIL" else "SMS"
                typer.echo(f"[{channel}] to {message.destination}: code {message.code}")
            shown = len(outbox)
            sys.stdout.flush()
            done.wait(0.2)
    except KeyboardInterrupt:
        pass
    typer.echo("sandbox stopped")
