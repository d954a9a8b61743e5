"""``idpbridge login``: try a real login and print the normalized identity (never a token)."""

from __future__ import annotations

import asyncio
import enum
import json
import secrets
import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .._secrets import secret as _wrap
from ..errors import IdpBridgeError, InvalidCode
from ..methods import (
    TOTP,
    Answer,
    ExternalToken,
    FinishOIDC,
    OTPChannel,
    Password,
    PollCIBA,
    PollDevice,
    StartCIBA,
    StartDevice,
    StartOIDC,
    StartOTP,
    VerifyOTP,
)
from ..outcomes import (
    Authenticated,
    CIBAPending,
    CIBAStarted,
    CodeSent,
    DeviceCodeIssued,
    DevicePending,
    InputRequired,
    Outcome,
    RedirectRequired,
)
from . import _qr
from ._app import app
from ._common import CONFIG_HELP, cell, fail, open_connector, plain
from ._guard import callback_path, positive_seconds
from ._help import Command
from ._loopback import LoopbackReceiver

if TYPE_CHECKING:
    from pydantic import SecretStr

    from ..connector import Connector


class LoginMethod(enum.StrEnum):
    """Methods ``idpbridge login`` can drive."""

    password = "password"
    oidc = "oidc"
    totp = "totp"
    email_otp = "email_otp"
    sms_otp = "sms_otp"
    device = "device"
    ciba = "ciba"
    token = "token"


class ResponseMode(enum.StrEnum):
    """How the IdP returns the authorization response to the loopback receiver."""

    query = "query"
    form_post = "form_post"


_FIELDS = (
    "provider",
    "connector",
    "issuer",
    "subject",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "username",
    "name",
    "given_name",
    "family_name",
    "groups",
    "roles",
    "tenant",
    "amr",
)


def _identity_dict(result: Authenticated) -> dict[str, Any]:
    ident = result.identity
    out: dict[str, Any] = {name: getattr(ident, name) for name in _FIELDS}
    out["auth_time"] = ident.auth_time.isoformat() if ident.auth_time else None
    out["method"] = result.method.value
    out["sources"] = {k: v.value for k, v in sorted(ident.sources.items())}
    tokens = result.tokens
    out["tokens"] = [n for n in ("access_token", "id_token", "refresh_token") if getattr(tokens, n)]
    return out


def _print(result: Authenticated, as_json: bool) -> None:
    data = _identity_dict(result)
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=list))
        return
    table = Table(title="authenticated", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in data.items():
        if key == "sources":
            shown = ", ".join(f"{k}<-{v}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            shown = ", ".join(map(str, value))
        else:
            shown = "" if value is None else str(value)
        table.add_row(key, cell(shown))
    Console().print(table)
    typer.echo("(tokens are not shown)")


_MAX_STEPS = 5
_MAX_CODE_ATTEMPTS = 3


def _ask(label: str, *, secret: bool) -> SecretStr:
    return _wrap(typer.prompt(label, hide_input=secret, err=True))


async def _next_steps(connector: Connector[Any], outcome: Outcome) -> Outcome:
    """Answer the IdP's follow-up steps (a TOTP code after the password, a one-time code) at the prompt."""
    attempts = 0
    for _ in range(_MAX_STEPS):
        try:
            if isinstance(outcome, InputRequired):
                values = {
                    f.name: _wrap(
                        typer.prompt(plain(f.label or f.name, limit=100), hide_input=f.secret, err=True)
                    )
                    for f in outcome.fields
                }
                outcome = await connector.authenticate(Answer(outcome.continuation, values))
            elif isinstance(outcome, CodeSent):
                where = f" to {plain(outcome.destination, limit=100)}" if outcome.destination else ""
                typer.echo(
                    f"A one-time code was sent by {plain(outcome.channel, limit=20)}{where}.", err=True
                )
                code = _wrap(typer.prompt("Code", hide_input=True, err=True))
                outcome = await connector.authenticate(VerifyOTP(code, outcome.continuation))
            else:
                return outcome
        except InvalidCode as exc:
            attempts += 1
            if exc.continuation is None or attempts >= _MAX_CODE_ATTEMPTS:
                raise
            typer.echo("That code was not accepted; try again.", err=True)
            retry = outcome
            if isinstance(retry, InputRequired):
                outcome = InputRequired(
                    fields=retry.fields, continuation=exc.continuation, expires_at=retry.expires_at
                )
            elif isinstance(retry, CodeSent):
                outcome = CodeSent(
                    channel=retry.channel,
                    destination=retry.destination,
                    continuation=exc.continuation,
                    expires_at=retry.expires_at,
                )
    return outcome


async def _password(connector: Connector[Any], username: str, password: SecretStr) -> Outcome:
    return await _next_steps(connector, await connector.authenticate(Password(username, password)))


async def _oidc(
    connector: Connector[Any],
    *,
    port: int,
    path: str,
    response_mode: ResponseMode | None,
    open_browser: bool,
    wait_seconds: float,
) -> Outcome:
    async with LoopbackReceiver(port=port, path=path) as receiver:
        start = await connector.authenticate(
            StartOIDC(receiver.redirect_uri, response_mode=response_mode.value if response_mode else None)
        )
        if not isinstance(start, RedirectRequired):
            return start
        typer.echo("Open this URL in a browser to sign in:")
        typer.echo(start.url)
        sys.stdout.flush()
        if open_browser:
            webbrowser.open(start.url)
        try:
            params = await receiver.wait(wait_seconds)
        except TimeoutError:
            typer.echo(f"error: no sign-in response within {wait_seconds:g} s", err=True)
            raise typer.Exit(1) from None
        return await connector.authenticate(FinishOIDC(params, start.continuation))


async def _device(connector: Connector[Any], *, wait_seconds: float, qr: bool | None = None) -> Outcome:
    """RFC 8628: print the user code and URL, then poll at the OP's interval (+5 s per slow_down)."""
    outcome = await connector.authenticate(StartDevice())
    if not isinstance(outcome, DeviceCodeIssued):
        return outcome
    typer.echo(f"To sign in, open {outcome.verification_uri} and enter the code: {outcome.user_code}")
    if outcome.verification_uri_complete:
        typer.echo(f"Or open: {outcome.verification_uri_complete}")
    sys.stdout.flush()
    _show_qr(outcome.verification_uri_complete or outcome.verification_uri, qr)
    return await _poll(connector, outcome, PollDevice, DevicePending, wait_seconds=wait_seconds)


def _show_qr(url: str, wanted: bool | None) -> None:
    """The URL as a terminal QR code on stderr: with ``--qr``, or by default on a terminal when the
    ``qr`` extra (segno) is installed."""
    if wanted is False or (wanted is None and not sys.stderr.isatty()):
        return
    if not _qr.available():
        if wanted:
            typer.echo("(no QR code: install the qr extra, pip install 'idpbridge[qr]')", err=True)
        return
    typer.echo("Or scan:", err=True)
    for line in _qr.qr_lines(url):
        typer.echo(line, err=True)
    sys.stderr.flush()


async def _poll(
    connector: Connector[Any],
    outcome: DeviceCodeIssued | DevicePending | CIBAStarted | CIBAPending,
    poll: type[PollDevice | PollCIBA],
    pending: type[DevicePending | CIBAPending],
    *,
    wait_seconds: float,
) -> Outcome:
    """Poll at the OP's interval (longer after each ``slow_down``) until the user finishes."""
    current = outcome
    try:
        async with asyncio.timeout(wait_seconds):
            while True:
                await asyncio.sleep(current.interval)
                result = await connector.authenticate(poll(current.continuation))
                if not isinstance(result, pending):
                    return result
                current = result
    except TimeoutError:
        typer.echo(f"error: no sign-in within {wait_seconds:g} s", err=True)
        raise typer.Exit(1) from None


async def _ciba(
    connector: Connector[Any], *, login_hint: str, binding_message: str | None, wait_seconds: float
) -> Outcome:
    """CIBA poll mode: ask the OP to reach the user, print the binding message, poll at the interval."""
    binding = binding_message or "IDPB-" + secrets.token_hex(3).upper()
    outcome = await connector.authenticate(StartCIBA(login_hint=login_hint, binding_message=binding))
    if not isinstance(outcome, CIBAStarted):
        return outcome
    typer.echo(f"Approve the sign-in on your device; it shows the binding message: {binding}")
    sys.stdout.flush()
    return await _poll(connector, outcome, PollCIBA, CIBAPending, wait_seconds=wait_seconds)


_MAX_TOKEN = 64 * 1024


def _read_token(source: str | None) -> SecretStr:
    """The token from ``--token-file`` (``-``: the first line of stdin), else a hidden prompt."""
    if source is None:
        value = typer.prompt("Token", hide_input=True, err=True)
    elif source == "-":
        value = sys.stdin.readline(_MAX_TOKEN + 1)
    else:
        try:
            with Path(source).open(encoding="utf-8") as handle:
                value = handle.read(_MAX_TOKEN + 1)
        except OSError as exc:
            typer.echo(f"error: cannot read --token-file: {exc.strerror}", err=True)
            raise typer.Exit(2) from None
    value = value.strip()
    if not value or len(value) > _MAX_TOKEN:
        typer.echo("error: no token given (or over 64 KiB)", err=True)
        raise typer.Exit(2)
    return _wrap(value)


def default_method(connector: Connector[Any]) -> LoginMethod:
    """The method ``login`` uses without ``--method``: the connector's only enabled method that the
    CLI can drive, else ``oidc`` when it is enabled; exit 2 (naming the choices) otherwise."""
    enabled = {m.value for m in connector.enabled_methods}
    drivable = [m for m in LoginMethod if m.value in enabled]
    if len(drivable) == 1:
        return drivable[0]
    if LoginMethod.oidc in drivable:
        return LoginMethod.oidc
    choices = ", ".join(m.value for m in drivable) or "none the CLI can drive"
    typer.echo(f"error: choose a sign-in method with --method ({choices})", err=True)
    raise typer.Exit(2)


@app.command(cls=Command)
def login(
    connector: Annotated[str, typer.Argument(help="Connector name in the configuration file.")],
    *,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help=CONFIG_HELP, exists=True, dir_okay=False, readable=True),
    ] = None,
    method: Annotated[
        LoginMethod | None,
        typer.Option(
            "--method", "-m", help="How to sign in (default: the connector's only method, else oidc)."
        ),
    ] = None,
    username: Annotated[
        str | None, typer.Option("--username", "-u", help="Username (prompted if omitted).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the sign-in URL in a browser.")] = False,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Loopback port for the redirect (0: any free).")
    ] = 0,
    path: Annotated[
        str, typer.Option("--path", callback=callback_path, help="Path of the loopback redirect URI.")
    ] = "/callback",
    response_mode: Annotated[
        ResponseMode | None, typer.Option("--response-mode", help="query or form_post.")
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", callback=positive_seconds, help="Seconds to wait for the browser.")
    ] = 300.0,
    qr: Annotated[
        bool | None,
        typer.Option("--qr/--no-qr", help="device: draw the URL as a QR code (default: on a terminal)."),
    ] = None,
    token_file: Annotated[
        str | None,
        typer.Option(
            "--token-file", help="token: read the token from this file (-: stdin; default: prompt)."
        ),
    ] = None,
    login_hint: Annotated[
        str | None, typer.Option("--login-hint", help="ciba: who to sign in (default: --username).")
    ] = None,
    binding_message: Annotated[
        str | None,
        typer.Option("--binding-message", help="ciba: the message both devices show (default: random)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the identity as JSON.")] = False,
) -> None:
    """Sign in through a connector and print the identity it returns."""
    connectors, conn = open_connector(config, connector)
    method = method or default_method(conn)
    secret = _wrap("")
    if method is LoginMethod.token:
        secret = _read_token(token_file)
    elif method is LoginMethod.ciba:
        username = login_hint or username or typer.prompt("Login hint (username)", err=True)
    elif method not in (LoginMethod.oidc, LoginMethod.device):
        username = username or typer.prompt("Username", err=True)
    if method in (LoginMethod.password, LoginMethod.totp):
        if password_stdin:
            secret = _wrap(sys.stdin.readline().rstrip("\r\n"))
        else:
            secret = _wrap(
                typer.prompt("Password", hide_input=True, default="", show_default=False, err=True)
            )

    async def run() -> Outcome:
        async with connectors:
            if method is LoginMethod.password:
                return await _password(conn, username or "", secret)
            if method is LoginMethod.totp:
                code = _wrap(typer.prompt("TOTP code", hide_input=True, err=True))
                step = TOTP(username or "", code, secret if secret.get_secret_value() else None)
                return await _next_steps(conn, await conn.authenticate(step))
            if method in (LoginMethod.email_otp, LoginMethod.sms_otp):
                channel = OTPChannel.EMAIL if method is LoginMethod.email_otp else OTPChannel.SMS
                return await _next_steps(conn, await conn.authenticate(StartOTP(username or "", channel)))
            if method is LoginMethod.device:
                return await _device(conn, wait_seconds=timeout, qr=qr)
            if method is LoginMethod.token:
                return await conn.authenticate(ExternalToken(secret, username=username))
            if method is LoginMethod.ciba:
                return await _ciba(
                    conn, login_hint=username or "", binding_message=binding_message, wait_seconds=timeout
                )
            return await _oidc(
                conn,
                port=port,
                path=path,
                response_mode=response_mode,
                open_browser=open_browser,
                wait_seconds=timeout,
            )

    try:
        outcome = asyncio.run(run())
    except IdpBridgeError as exc:
        fail(exc)
    if not isinstance(outcome, Authenticated):
        typer.echo(
            f"the IdP wants another step ({type(outcome).__name__}) that the CLI cannot answer", err=True
        )
        raise typer.Exit(1)
    _print(outcome, as_json)
