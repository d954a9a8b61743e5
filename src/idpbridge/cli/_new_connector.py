"""``idpbridge new-connector NAME``: a connector plugin package that passes the testkit as generated.

The package is a password connector (with a TOTP step) for a JSON API, its descriptor, and a
conformance test module with a scripted IdP: edit the wire details to your provider's and keep the
suite green.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import Annotated

import typer

from ._app import app
from ._help import Command

__all__ = ["render"]

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")

_FILES: dict[str, str] = {
    "pyproject.toml": """\
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "idpbridge-$dash"
version = "0.1.0"
description = "idpbridge connector for $title"
requires-python = ">=3.11"
dependencies = ["idpbridge>=0.1,<0.2"]

[project.optional-dependencies]
test = ["idpbridge[testkit]", "pytest>=8"]

[project.entry-points."idpbridge.connectors"]
$name = "idpbridge_$name:plugin"

[tool.hatch.build.targets.wheel]
packages = ["src/idpbridge_$name"]

[tool.ruff]
line-length = 110

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF", "ASYNC"]
""",
    "README.md": """\
# idpbridge-$dash

An [idpbridge](https://idpbridge.readthedocs.io) connector for $title.

```bash
python3 -m venv .venv
.venv/bin/pip install -e ".[test]"
.venv/bin/pytest          # the idpbridge conformance suite, against a scripted IdP
```
""",
    "src/idpbridge_$name/__init__.py": '''\
"""idpbridge connector for $title: the descriptor (kept light: read when listing connectors)."""

from idpbridge.kit import Method, ProviderSheet

SHEET = ProviderSheet(
    name="$name",
    title="$title",
    methods=frozenset({Method.PASSWORD}),
    description="Password logins (with an optional TOTP step) against $title's JSON API.",
)

plugin = SHEET.plugin(connector="idpbridge_$name.connector:${Class}Connector", api_version=(1, 1))
''',
    "src/idpbridge_$name/connector.py": '''\
"""The $title connector: password login with an optional TOTP step, and a health check."""

from __future__ import annotations

from typing import Any, ClassVar

from idpbridge.kit import (
    AccountLocked,
    Answer,
    Authenticated,
    AuthenticationFailed,
    CheckResult,
    ClaimSource,
    Connector,
    ConnectorConfig,
    Continuation,
    Identity,
    InputField,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Method,
    Outcome,
    Password,
    ProviderError,
    ProviderSheet,
    TokenSet,
    opt_str,
    strict_bool,
    timed_probe,
)
from pydantic import SecretStr

from . import SHEET

#: The provider's "error" field -> the idpbridge error to raise.
ERRORS: dict[str, type[AuthenticationFailed]] = {
    "invalid_credentials": InvalidCredentials,
    "locked": AccountLocked,
    "invalid_code": InvalidCode,
}


class ${Class}Config(ConnectorConfig):
    """Settings of one $title tenant."""

    sheet: ClassVar[ProviderSheet | None] = SHEET
    endpoint_names: ClassVar[frozenset[str]] = frozenset({"login", "mfa", "health"})

    base_url: str
    api_key: SecretStr

    def url(self, endpoint: str) -> str:
        """The URL of ``endpoint``, honouring ``endpoints`` overrides."""
        return self.endpoints.get(endpoint, f"{self.base_url.rstrip('/')}/api/{endpoint}")


class ${Class}Connector(Connector[${Class}Config]):
    """Password logins against $title."""

    sheet = SHEET
    Config = ${Class}Config

    async def password(self, request: Password) -> Outcome:
        data = await self._post(
            "login", {"username": request.username, "password": request.password.get_secret_value()}
        )
        if data.get("error") == "mfa_required":
            token, expires_at = self.seal(Method.PASSWORD, {"mfa_token": data["mfa_token"]})
            return InputRequired(
                fields=(InputField("code", "totp", label="Authenticator code"),),
                continuation=token,
                expires_at=expires_at,
            )
        return self._authenticated(data)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        code = request.values.get("code")
        if code is None:
            raise InvalidCode("the answer has no 'code' value")
        await self.consume_continuation(continuation)  # a step is used once
        data = await self._post(
            "mfa", {"mfa_token": continuation.data["mfa_token"], "code": code.get_secret_value()}
        )
        return self._authenticated(data)

    async def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.http.post(
            self.config.url(endpoint),
            json_body=body,
            headers={"x-api-key": self.config.api_key.get_secret_value()},
        )
        if resp.status == 200:
            return resp.json()
        if resp.status in (400, 401, 403):
            data = resp.json()
            error = data.get("error")
            if error == "mfa_required" and isinstance(data.get("mfa_token"), str):
                return data
            if isinstance(error, str) and error in ERRORS:
                raise ERRORS[error]("$title refused the login", provider_code=error)
        raise ProviderError(
            f"unexpected answer (HTTP {resp.status})", status=resp.status, excerpt=resp.excerpt()
        )

    def _authenticated(self, data: dict[str, Any]) -> Authenticated:
        user = data.get("user")
        if not isinstance(user, dict) or not opt_str(user.get("id")):
            raise ProviderError("the answer has no user id")
        identity = Identity(
            provider=self.name,
            connector=self.instance_name,
            issuer=self.config.base_url,
            subject=user["id"],
            email=opt_str(user.get("email")),
            email_verified=strict_bool(user.get("email_verified")),
            username=opt_str(user.get("login")),
            claims=user,
            sources=dict.fromkeys(user, ClaimSource.PROVIDER_API),
        )
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.PASSWORD, userinfo=user)

    async def probes(self) -> list[CheckResult]:
        async def health() -> tuple[bool, str]:
            resp = await self.http.get(self.config.url("health"))
            return resp.status == 200, f"HTTP {resp.status}"

        return [*await super().probes(), await timed_probe("health", health)]
''',
    "tests/test_conformance.py": '''\
"""The idpbridge conformance suite for the $title connector, against a scripted IdP.

Defining the ``idpbridge_subject`` fixture opts this module in: pytest runs one test per rule.
"""

import pytest
from idpbridge.kit import Answer, Password
from idpbridge.testkit import Flow, Reply, ScriptedIdP, Subject, json_body

USER = {"id": "u-1", "login": "jane", "email": "jane@example.test", "email_verified": True}


def scripted_idp() -> ScriptedIdP:
    """$title's wire dialect: POST /api/login, POST /api/mfa, GET /api/health."""
    idp = ScriptedIdP()

    @idp.route("POST", "/api/login")
    def login(req):
        body = json_body(req)
        if (body.get("username"), body.get("password")) == ("jane", "jane-password-1"):
            return Reply(200, json={"user": USER})
        if (body.get("username"), body.get("password")) == ("carol", "carol-password-1"):
            return Reply(401, json={"error": "mfa_required", "mfa_token": "mfa-handle-1"})
        return Reply(401, json={"error": "invalid_credentials"})

    @idp.route("POST", "/api/mfa")
    def mfa(req):
        if json_body(req) == {"mfa_token": "mfa-handle-1", "code": "123456"}:
            return Reply(200, json={"user": USER})
        return Reply(401, json={"error": "invalid_code"})

    idp.route("GET", "/api/health", Reply(200, json={"status": "ok"}))
    return idp


@pytest.fixture
def idpbridge_subject():
    with scripted_idp() as idp:
        yield Subject(
            provider="$name",
            config={"base_url": idp.base_url, "api_key": "api-key-0123456789"},
            secrets=["jane-password-1", "carol-password-1", "api-key-0123456789", "mfa-handle-1"],
            login=Password("jane", "jane-password-1"),
            refused=Password("jane", "not-the-password"),
            flow=Flow(
                start=Password("carol", "carol-password-1"),
                resume=lambda step: Answer(step.continuation, {"code": "123456"}),
            ),
            idp=idp,
        )
''',
}


def render(name: str, title: str | None = None) -> dict[str, str]:
    """``{relative path: text}`` of a new connector package called ``name``."""
    if not _NAME.fullmatch(name):
        raise ValueError("a connector name is 1-40 lower-case letters, digits and _, starting with a letter")
    values = {
        "name": name,
        "dash": name.replace("_", "-"),
        "title": title or name.replace("_", " ").title(),
        "Class": "".join(part.title() for part in name.split("_")),
    }
    return {
        Template(path).substitute(values): Template(text).substitute(values) for path, text in _FILES.items()
    }


@app.command("new-connector", cls=Command)
def new_connector(
    name: Annotated[str, typer.Argument(help="The connector's registry name (lower-case, e.g. acme).")],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to create the package (default: ./idpbridge-NAME).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The provider's display name.")] = None,
) -> None:
    """Create a connector plugin package that passes the idpbridge testkit as generated."""
    try:
        files = render(name, title)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    target = directory or Path(f"idpbridge-{name.replace('_', '-')}")
    if target.exists() and any(target.iterdir()):
        typer.echo(f"error: {target} exists and is not empty", err=True)
        raise typer.Exit(1)
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    typer.echo(f"created {target} ({len(files)} files). Next:")
    typer.echo(f'  cd {target} && pip install -e ".[test]" && pytest')
