"""The script of ``idpbridge demo``: sign every seeded user in through the real connectors, then
migrate them with :class:`~idpbridge.jit.Migrator` into a user store.

:func:`plan` turns a seed into steps (each user's ``demo`` method, plus two sign-ins that must
fail: a wrong password, which must raise :class:`~idpbridge.InvalidCredentials`, and a wrong
e-mail code, which must raise :class:`~idpbridge.InvalidCode`). :class:`DemoRunner` runs one step:

* ``password`` — :class:`~idpbridge.Password`;
* ``totp`` — :class:`~idpbridge.TOTP` when the connector offers the ``totp`` method, else the
  authorization-code flow whose login page asks for the one-time code;
* ``oidc`` — :class:`~idpbridge.StartOIDC`, the login page filled in by
  :class:`~idpbridge.sandbox.agent.LoginAgent`, :class:`~idpbridge.FinishOIDC`;
* ``email_otp`` / ``sms_otp`` — :class:`~idpbridge.StartOTP`, the code read from the sandbox's
  outbox, :class:`~idpbridge.VerifyOTP`;
* ``saml`` — one B2B sign-in: the user's e-mail domain routes (:mod:`idpbridge.orgs`, the
  ``[organizations.globex]`` table of :func:`b2b_toml`) to a ``saml`` connector on the sandbox's
  SAML IdP face; the login page is filled in by :class:`~idpbridge.sandbox.agent.LoginAgent`
  and the auto-POSTed ``SAMLResponse`` completes the flow.

A step succeeds when its sign-in did what it should; a successful sign-in is then migrated.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from ..connector import Connector
from ..errors import IdpBridgeError, InvalidCode, InvalidCredentials
from ..jit import Migrator
from ..methods import TOTP, FinishOIDC, Method, OTPChannel, Password, StartOIDC, StartOTP, VerifyOTP
from ..outcomes import Authenticated, CodeSent, RedirectRequired
from ._otp import totp_code
from .agent import LoginAgent, LoginRefused
from .connectors import COGNITO, KEYCLOAK
from .seed import Seed
from .server import Sandbox

__all__ = ["B2B_CONNECTOR", "B2B_ORG", "DemoOutcome", "DemoRunner", "DemoStep", "b2b_toml", "plan"]

REDIRECT_URI = "http://127.0.0.1:8765/callback"
#: The demo's SAML service provider: its entity ID and ACS URL (nothing listens there: the demo
#: reads the auto-POST form instead of letting a browser submit it).
SP_ENTITY_ID, ACS_URL = "http://127.0.0.1:8765/saml/sp", "http://127.0.0.1:8765/saml/acs"
B2B_CONNECTOR, B2B_ORG = "sandbox-saml", "globex"


@dataclasses.dataclass(frozen=True)
class DemoStep:
    """One scripted sign-in. ``expect`` is the error it must raise (``None``: it must succeed)."""

    username: str
    connector: str
    kind: str  # password | totp | oidc | email_otp | sms_otp | saml | wrong_password | wrong_code
    password: SecretStr | None = None
    totp_secret: SecretStr | None = None
    expect: type[IdpBridgeError] | None = None

    @property
    def label(self) -> str:
        """How the step signs in, for people."""
        labels = {
            "wrong_password": "password, wrong",
            "wrong_code": "email_otp, wrong code",
            "saml": "saml · globex",
        }
        return labels.get(self.kind, self.kind)


@dataclasses.dataclass(frozen=True)
class DemoOutcome:
    """What a step did. ``action`` is the migration's (``created``, ``linked``, …)."""

    step: DemoStep
    ok: bool
    method: str = ""
    action: str | None = None
    user_id: str | None = None
    refused: str | None = None  # the expected error's class name, for a refusal
    note: str = ""


def plan(seed: Seed, connectors: Mapping[str, Any]) -> list[DemoStep]:
    """The demo's steps for ``seed``: the two refusals first, then every user with a ``demo`` method
    whose connector is configured (Keycloak users first, so a Cognito twin links to them)."""
    steps: list[DemoStep] = []
    refusals: list[DemoStep] = []
    if seed.keycloak is not None and KEYCLOAK in connectors:
        for u in seed.keycloak.users:
            if u.demo is None:
                continue
            steps.append(DemoStep(u.username, KEYCLOAK, u.demo, u.password, u.totp_secret))
            if u.demo == "password" and not refusals:
                refusals.append(DemoStep(u.username, KEYCLOAK, "wrong_password", expect=InvalidCredentials))
    if seed.cognito is not None and COGNITO in connectors:
        for c in seed.cognito.users:
            if c.demo is None:
                continue
            steps.append(DemoStep(c.username, COGNITO, c.demo, c.password, c.totp_secret))
            if c.demo == "email_otp" and not any(r.kind == "wrong_code" for r in refusals):
                refusals.append(DemoStep(c.username, COGNITO, "wrong_code", expect=InvalidCode))
    if seed.saml is not None and B2B_CONNECTOR in connectors:
        for s in seed.saml.users:
            if s.enabled and s.email and s.email.endswith("@globex.example"):
                steps.append(DemoStep(s.email, B2B_CONNECTOR, "saml", s.password))
                break
    return [*refusals, *steps]


def b2b_toml(sandbox: Sandbox) -> str:
    """The B2B part of the demo's connectors file: a ``saml`` connector on the sandbox's SAML face
    and the organization whose e-mail domain routes to it (empty without a ``[saml]`` seed)."""
    if sandbox.seed.saml is None:
        return ""
    return f"""
[connectors.{B2B_CONNECTOR}]
provider = "saml"
idp_metadata_url = "{sandbox.saml_metadata_url}"
sp_entity_id = "{SP_ENTITY_ID}"
acs_url = "{ACS_URL}"
name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

[organizations.{B2B_ORG}]
name = "Globex Corporation"
connector = "{B2B_CONNECTOR}"
domains = ["globex.example"]
verified_domains = ["globex.example"]
"""


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


class DemoRunner:
    """Run :class:`DemoStep` s against a running :class:`~idpbridge.sandbox.Sandbox`."""

    def __init__(
        self,
        sandbox: Sandbox,
        connectors: Mapping[str, Connector[Any]],
        migrator: Migrator,
        *,
        redirect_uri: str = REDIRECT_URI,
    ) -> None:
        self.sandbox, self.connectors, self.migrator = sandbox, connectors, migrator
        self.redirect_uri = redirect_uri

    async def run(self, step: DemoStep) -> DemoOutcome:
        """Sign in as the step says, check the result, migrate a success."""
        try:
            result = await self._sign_in(step)
        except IdpBridgeError as exc:
            if step.expect is not None and isinstance(exc, step.expect):
                name = type(exc).__name__
                return DemoOutcome(step, True, step.label, refused=name, note=f"refused as expected: {name}")
            return DemoOutcome(step, False, step.label, note=f"{type(exc).__name__} [{exc.code}]: {exc}")
        except LoginRefused as exc:
            return DemoOutcome(step, False, step.label, note=f"login page refused: {exc.message}")
        if step.expect is not None:
            return DemoOutcome(
                step, False, step.label, note=f"signed in, but {step.expect.__name__} was expected"
            )
        method, authenticated = result
        try:
            migrated = await self.migrator.migrate(authenticated)
        except IdpBridgeError as exc:
            return DemoOutcome(step, False, method, note=f"migration refused: {exc.code}")
        return DemoOutcome(step, True, method, migrated.action.value, migrated.user_id)

    async def _sign_in(self, step: DemoStep) -> tuple[str, Authenticated]:
        conn = self.connectors[step.connector]
        kind = step.kind
        if kind == "wrong_password":
            outcome = await conn.authenticate(Password(step.username, SecretStr("not-the-password")))
        elif kind == "password":
            outcome = await conn.authenticate(Password(step.username, step.password or SecretStr("")))
        elif kind == "totp" and Method.TOTP in conn.enabled_methods:
            code = totp_code(_secret(step.totp_secret), self.sandbox.keycloak.clock())
            outcome = await conn.authenticate(TOTP(step.username, SecretStr(code), step.password))
        elif kind in ("totp", "oidc"):
            label = "oidc + totp page" if kind == "totp" else "oidc"
            return label, await self._oidc(conn, step)
        elif kind == "saml":
            return step.label, await self._saml(step)
        elif kind in ("email_otp", "sms_otp", "wrong_code"):
            outcome = await self._otp(conn, step)
        else:
            raise ValueError(f"unknown demo method {kind!r}")
        return step.label, _authenticated(outcome)

    async def _oidc(self, conn: Connector[Any], step: DemoStep) -> Authenticated:
        start = await conn.authenticate(StartOIDC(self.redirect_uri))
        if not isinstance(start, RedirectRequired):
            raise LoginRefused(f"expected a redirect, got {type(start).__name__}")
        secret = step.totp_secret

        def otp() -> str:
            return totp_code(_secret(secret), self.sandbox.keycloak.clock())

        agent = LoginAgent()
        params = await asyncio.to_thread(
            agent.sign_in,
            start.url,
            self.redirect_uri,
            username=step.username,
            password=_secret(step.password),
            otp=otp if secret is not None else None,
        )
        return _authenticated(await conn.authenticate(FinishOIDC(params, start.continuation)))

    async def _saml(self, step: DemoStep) -> Authenticated:
        orgs = getattr(self.connectors, "organizations", None)
        if orgs is None:
            raise LoginRefused("the connectors file has no organizations")
        start = await orgs.start(step.username, redirect_uri=ACS_URL)  # routed by the e-mail domain
        agent = LoginAgent()
        fields = await asyncio.to_thread(
            agent.sign_in, start.url, ACS_URL, username=step.username, password=_secret(step.password)
        )
        done = await orgs.complete(fields, start.continuation, org=B2B_ORG)
        return _authenticated(done.authenticated)

    async def _otp(self, conn: Connector[Any], step: DemoStep) -> Any:
        channel = OTPChannel.SMS if step.kind == "sms_otp" else OTPChannel.EMAIL
        outbox = self.sandbox.outbox
        before = len(outbox)
        sent = await conn.authenticate(StartOTP(step.username, channel))
        if not isinstance(sent, CodeSent):
            raise LoginRefused(f"expected a code to be sent, got {type(sent).__name__}")
        if len(outbox) <= before:
            raise LoginRefused("the sandbox sent no code")
        code = outbox[-1].code
        if step.kind == "wrong_code":
            code = f"{(int(code) + 1) % 1_000_000:06d}"
        return await conn.authenticate(VerifyOTP(SecretStr(code), sent.continuation))


def _authenticated(outcome: object) -> Authenticated:
    if not isinstance(outcome, Authenticated):
        raise LoginRefused(f"the IdP wants another step ({type(outcome).__name__})")
    return outcome
