"""Shared by the hook and OpenTelemetry tests: a sandbox whose passwords carry planted characters,
and the real logins (single- and multi-step, success and typed failures) run against it, with every
secret they handled collected for the leak check."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr

from idpbridge import (
    Answer,
    Authenticated,
    CodeSent,
    FinishOIDC,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Password,
    RedirectRequired,
    StartOIDC,
    StartOTP,
    VerifyOTP,
)
from idpbridge.connector import Connector
from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.sandbox.agent import LoginAgent
from idpbridge.sandbox.connectors import COGNITO, KEYCLOAK, OIDC
from idpbridge.sandbox.seed import Seed
from tests.support.logcapture import PLANTED, find_leaks

from .conftest import SEED

Make = Callable[..., Connector[Any]]
CALLBACK = "http://127.0.0.1:8765/callback"
PASSWORD = f"Pw-{secrets.token_hex(6)}{PLANTED}"
#: Users whose password becomes :data:`PASSWORD` (Keycloak: carol, and bob who also has TOTP;
#: Cognito: dave).
PLANTED_USERS = ("carol", "bob", "dave@acme.example")


def hostile_seed() -> Seed:
    """The default seed with :data:`PLANTED_USERS`' passwords set to :data:`PASSWORD`."""
    assert SEED.keycloak is not None
    assert SEED.cognito is not None

    def planted(users: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            u.model_copy(update={"password": SecretStr(PASSWORD)}) if u.username in PLANTED_USERS else u
            for u in users
        )

    return Seed(
        keycloak=SEED.keycloak.model_copy(update={"users": planted(SEED.keycloak.users)}),
        cognito=SEED.cognito.model_copy(update={"users": planted(SEED.cognito.users)}),
    )


def tokens(result: Authenticated) -> list[str]:
    t = result.tokens
    return [x.get_secret_value() for x in (t.access_token, t.id_token, t.refresh_token) if x]


@dataclass
class Journeys:
    """What :func:`run_journeys` did: every call's expected (step, outcome) and the secrets seen."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (connector, step, outcome)
    planted: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)

    def leaks(self, texts: list[str]) -> list[Any]:
        """Traces of any secret seen in ``texts`` (see :func:`tests.support.logcapture.find_leaks`)."""
        whole = [(s, t) for s in self.exact for t in texts if s in t]
        return whole + find_leaks(self.planted, texts)


async def run_journeys(sandbox: Sandbox, make: Make) -> Journeys:
    """Real logins against ``sandbox`` (a :func:`hostile_seed` one) through connectors from ``make``."""
    done = Journeys(planted=[PASSWORD])
    tables = sandbox.connector_tables()
    # the sandbox's client secrets start like its connector names ("sandbox-…"): matched whole
    done.exact += [t["client_secret"] for t in tables.values() if isinstance(t.get("client_secret"), str)]

    # OIDC password grant: success, then a wrong password
    oidc = make(sandbox, OIDC)
    result = await oidc.authenticate(Password("carol", PASSWORD))
    assert isinstance(result, Authenticated)
    done.planted += tokens(result)
    done.calls.append((OIDC, "password", "authenticated"))
    with pytest.raises(InvalidCredentials):
        await oidc.authenticate(Password("carol", PASSWORD + "x"))
    done.calls.append((OIDC, "password", "error"))

    # OIDC code flow through the sandbox's login page
    start = await oidc.authenticate(StartOIDC(CALLBACK))
    assert isinstance(start, RedirectRequired)
    done.calls.append((OIDC, "start_oidc", "redirect_required"))
    params = LoginAgent().sign_in(start.url, CALLBACK, username="carol", password=PASSWORD)
    result = await oidc.authenticate(FinishOIDC(params, start.continuation))
    assert isinstance(result, Authenticated)
    done.calls.append((OIDC, "finish_oidc", "authenticated"))
    verifier = oidc.continuations.open(start.continuation).data["v"]
    done.planted += [params["code"], verifier, start.continuation.get_secret_value(), *tokens(result)]

    # Keycloak: password, then the TOTP step it asks for; then a wrong code on a second login
    kc = make(sandbox, KEYCLOAK, totp_step="after_invalid_credentials")
    step = await kc.authenticate(Password("bob", PASSWORD))
    assert isinstance(step, InputRequired)
    done.calls.append((KEYCLOAK, "password", "input_required"))
    assert sandbox.keycloak is not None
    bob = next(u for u in SEED.keycloak.users if u.username == "bob")  # type: ignore[union-attr]
    code = totp_code(bob.totp_secret.get_secret_value(), sandbox.keycloak.clock())
    result = await kc.authenticate(Answer(step.continuation, {"totp": code}))
    assert isinstance(result, Authenticated)
    done.calls.append((KEYCLOAK, "answer", "authenticated"))
    done.planted += [code, step.continuation.get_secret_value(), *tokens(result)]
    step = await kc.authenticate(Password("bob", PASSWORD))
    assert isinstance(step, InputRequired)
    done.calls.append((KEYCLOAK, "password", "input_required"))
    with pytest.raises(InvalidCredentials):  # stock Keycloak answers a wrong code like a wrong password
        await kc.authenticate(Answer(step.continuation, {"totp": f"{(int(code) + 1) % 1_000_000:06d}"}))
    done.calls.append((KEYCLOAK, "answer", "error"))
    done.planted.append(step.continuation.get_secret_value())

    # Cognito (boto3): password, then an e-mail code (a wrong one first)
    cg = make(sandbox, COGNITO)
    result = await cg.authenticate(Password("dave@acme.example", PASSWORD))
    assert isinstance(result, Authenticated)
    done.calls.append((COGNITO, "password", "authenticated"))
    done.planted += tokens(result)
    sent = await cg.authenticate(StartOTP("erin@acme.example", "email"))  # type: ignore[arg-type]
    assert isinstance(sent, CodeSent)
    done.calls.append((COGNITO, "start_otp", "code_sent"))
    otp = sandbox.outbox[-1].code
    with pytest.raises(InvalidCode) as wrong:
        await cg.authenticate(VerifyOTP(f"{(int(otp) + 1) % 1_000_000:06d}", sent.continuation))
    done.calls.append((COGNITO, "verify_otp", "error"))
    assert wrong.value.continuation is not None  # the answered continuation is spent: retry with the new one
    result = await cg.authenticate(VerifyOTP(otp, wrong.value.continuation))
    assert isinstance(result, Authenticated)
    done.calls.append((COGNITO, "verify_otp", "authenticated"))
    done.planted += [otp, sent.continuation.get_secret_value(), *tokens(result)]
    return done
