"""A small test connector and helpers to fabricate entry points with real distribution metadata."""

from __future__ import annotations

import importlib.metadata as md
import secrets
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from idpbridge import (
    Authenticated,
    FinishOIDC,
    FlowError,
    Identity,
    InvalidCredentials,
    Method,
    Outcome,
    Password,
    ProviderError,
    RedirectRequired,
    StartOIDC,
    TokenSet,
)
from idpbridge.continuation import Continuation
from idpbridge.kit import Connector, ConnectorConfig, ConnectorPlugin
from idpbridge.registry import ENTRY_POINT_GROUP, Registry

CLIENT_SECRET = "demo-client-secret-9f8e7d6c5b4a"
USER_PASSWORD = "pa ss/w+rd:é&=42"  # characters that need form encoding


class DemoConfig(ConnectorConfig):
    """Configuration of the demo connector: a provider with a domain and a confidential client."""

    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD, Method.OIDC})
    endpoint_names: ClassVar[frozenset[str]] = frozenset({"token"})

    domain: str = Field(min_length=1)
    client_id: str
    client_secret: SecretStr
    audience: str | None = None


class DemoConnector(Connector[DemoConfig]):
    """Password over an OAuth-style token endpoint (through HttpClient) and a fake OIDC redirect."""

    name = "demo"
    title = "Demo IdP"
    methods = frozenset({Method.PASSWORD, Method.OIDC})
    Config = DemoConfig

    @property
    def token_url(self) -> str:
        return self.config.endpoints.get("token", f"https://{self.config.domain}/oauth2/token")

    async def password(self, request: Password) -> Outcome:
        resp = await self.http.post(
            self.token_url,
            data={
                "grant_type": "password",
                "username": request.username,
                "password": request.password.get_secret_value(),
                "scope": "openid",
            },
            auth=(self.config.client_id, self.config.client_secret.get_secret_value()),
        )
        body = resp.json()
        if resp.status == 400 and body.get("error") == "invalid_grant":
            raise InvalidCredentials("wrong username or password", provider_code="invalid_grant")
        if resp.status != 200:
            raise ProviderError(f"token endpoint answered {resp.status}", status=resp.status)
        identity = Identity(
            provider=self.name,
            connector=self.instance_name,
            issuer=f"https://{self.config.domain}",
            subject=str(body["sub"]),
            email=body.get("email"),
            email_verified=body.get("email_verified") is True,
        )
        return Authenticated(identity=identity, tokens=TokenSet.from_response(body), method=Method.PASSWORD)

    async def start_oidc(self, request: StartOIDC) -> Outcome:
        state = secrets.token_urlsafe(16)
        token, expires_at = self.seal(
            Method.OIDC, {"state": state, "redirect_uri": request.redirect_uri, "verifier": "v" * 64}
        )
        url = f"https://{self.config.domain}/authorize?state={state}"
        return RedirectRequired(url=url, continuation=token, expires_at=expires_at)

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        if request.callback_params.get("state") != continuation.data["state"]:
            raise FlowError("state mismatch", code="flow.state_mismatch")
        identity = Identity(
            provider=self.name, connector=self.instance_name, issuer="https://demo", subject="oidc-user"
        )
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.OIDC)


class NarrowConfig(ConnectorConfig):
    """A config that allows more methods than its connector class implements (a plugin bug)."""

    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD, Method.TOTP})


class NarrowConnector(Connector[NarrowConfig]):
    name = "narrow"
    title = "Narrow"
    methods = frozenset({Method.PASSWORD})
    Config = NarrowConfig


class MisnamedConnector(Connector[ConnectorConfig]):
    name = "something-else"
    title = "Misnamed"
    methods = frozenset({Method.PASSWORD})


class FutureClassConnector(Connector[ConnectorConfig]):
    name = "futureclass"
    title = "Class built for API 2"
    methods = frozenset({Method.PASSWORD})
    api_version = (2, 0)


DEMO_PLUGIN = ConnectorPlugin(
    name="demo",
    title="Demo IdP",
    methods=frozenset({Method.PASSWORD, Method.OIDC}),
    connector="tests.core._support:DemoConnector",
)
LAZY_PLUGIN = ConnectorPlugin(
    name="lazy",
    title="Lazy",
    methods=frozenset({Method.PASSWORD}),
    connector="tests.core._lazy_connector:LazyConnector",
)
NOT_A_PLUGIN = object()


def make_dist(root: Path, name: str, entry_points: dict[str, str], version: str = "1.0") -> md.Distribution:
    """Write ``<name>-<version>.dist-info`` with real METADATA and entry_points.txt under ``root``."""
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}\n")
    return md.PathDistribution(info)


def entry_points_of(*dists: md.Distribution) -> list[md.EntryPoint]:
    """Every ``idpbridge.connectors`` entry point of ``dists``, each bound to its distribution."""
    return [ep for d in dists for ep in d.entry_points if ep.group == ENTRY_POINT_GROUP]


def registry_of(*dists: md.Distribution) -> Registry:
    eps = entry_points_of(*dists)
    return Registry(entry_points=lambda: eps)


def token_handler(captured: list[httpx.Request], *, status: int = 200, body: dict[str, Any] | None = None):
    """An httpx MockTransport handler answering like a token endpoint and recording requests."""

    def handle(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        payload = (
            body
            if body is not None
            else {
                "access_token": "at-" + "a" * 20,
                "id_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJlLXNpZw",
                "refresh_token": "rt-" + "r" * 20,
                "token_type": "Bearer",
                "expires_in": 3600,
                "sub": "u-1",
                "email": "jane@example.com",
                "email_verified": True,
            }
        )
        return httpx.Response(status, json=payload)

    return handle


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip()
